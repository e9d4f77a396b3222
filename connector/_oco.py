"""Spot OCO orders: ``POST /api/v3/orderList/oco``, two legs that end each other.

A SELL OCO is a take-profit LIMIT_MAKER above the market and a stop-loss
below it (STOP_LOSS_LIMIT with a stop-limit price, else STOP_LOSS); a BUY OCO
the mirror image. Every leg and the list carry client ids made before
sending; a lost answer is resolved with ``GET /api/v3/orderList`` by our
``listClientOrderId``. The legs come back as ``OrderStatus``es sharing an
``order_list_id``; ``listStatus`` events say when the list is done
(``AccountState.apply_list_status``).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from . import _parsing as parse
from ._models import Contract, OrderStatus
from ._resolve import new_client_order_id, resolve
from .conditional import check_oco
from .errors import ExchangeError, InputError, NetworkError, ServerError
from .filters import check_order, fmt, parse_decimal, round_quantity
from .orders import SIDES, choice

if TYPE_CHECKING:
    from ._market_data import MarketDataMixin


def leg_from(d: dict[str, Any], list_id: int) -> OrderStatus:
    status = parse.order_from(d, futures=False)
    return dataclasses.replace(status, order_list_id=int(d.get("orderListId", list_id)))


async def place_oco(client: MarketDataMixin, c: Contract, side: Any, quantity: Any, price: Any,
                    stop_price: Any, stop_limit_price: Any = None) -> tuple[OrderStatus, ...]:
    if client.futures:
        raise InputError("OCO orders exist on spot only; on futures place a take-profit and a "
                         "stop-loss (reduce-only) instead")
    direction = choice(side, SIDES, "Side")
    qty = parse_decimal(quantity, "Quantity")
    stop_limit = None if stop_limit_price in (None, "") else parse_decimal(
        stop_limit_price, "Stop limit price")
    reference = await client._mid(c)
    prices = check_oco(c, direction, parse_decimal(price, "Price"),
                       parse_decimal(stop_price, "Stop price"), stop_limit,
                       reference_price=reference)
    rounded = round_quantity(c, qty)
    if rounded != qty and rounded > 0:
        client._add_log(f"Quantity {fmt(qty)} rounded down to {fmt(rounded)} {c.base_asset} "
                        f"({c.symbol} lot step)")
    for note in prices.notes:
        client._add_log(note)
    check_order(c, rounded, prices.price, market=False)
    check_order(c, rounded, prices.stop_limit_price, market=prices.stop_limit_price is None,
                reference_price=prices.stop_price)
    list_id = new_client_order_id()
    limit_leg: dict[str, Any] = {"Type": "LIMIT_MAKER", "Price": format(prices.price, "f"),
                                 "ClientOrderId": new_client_order_id()}
    stop_leg: dict[str, Any] = {"StopPrice": format(prices.stop_price, "f"),
                                "ClientOrderId": new_client_order_id()}
    if prices.stop_limit_price is not None:
        stop_leg.update({"Type": "STOP_LOSS_LIMIT", "TimeInForce": "GTC",
                         "Price": format(prices.stop_limit_price, "f")})
    else:
        stop_leg["Type"] = "STOP_LOSS"
    above, below = (limit_leg, stop_leg) if direction == "SELL" else (stop_leg, limit_leg)
    params: dict[str, Any] = {"symbol": c.symbol, "side": direction,
                              "quantity": format(rounded, "f"), "listClientOrderId": list_id,
                              "newOrderRespType": "FULL"}
    params.update({f"above{k}": v for k, v in above.items()})
    params.update({f"below{k}": v for k, v in below.items()})
    what = (f"{direction} OCO {fmt(rounded)} {c.symbol} limit {fmt(prices.price)} / stop "
            f"{fmt(prices.stop_price)}" + (f" limit {fmt(prices.stop_limit_price)}"
                                           if prices.stop_limit_price is not None else ""))
    try:
        data = await client._rest.request("POST", "/api/v3/orderList/oco", params,
                                          security="SIGNED")
        legs = tuple(leg_from(r, int(data["orderListId"])) for r in data["orderReports"])
    except (NetworkError, ServerError) as exc:
        legs = await resolve(client._add_log, what, list_id, c.symbol,
                             lambda: get_list_legs(client, c, list_id), exc)
    except ExchangeError as exc:
        client._add_log(f"{what} rejected: {exc}", "ERROR")
        raise
    ids = ", ".join(f"{leg.order_type} {leg.order_id}" for leg in legs)
    client._add_log(f"{what} placed: OCO #{legs[0].order_list_id} ({ids})")
    for leg in legs:
        client._account.order_learned(leg)
    return legs


async def get_list_legs(client: MarketDataMixin, c: Contract,
                        list_client_id: str) -> tuple[OrderStatus, ...]:
    """The legs of our order list, found by its ``listClientOrderId``."""
    data = await client._rest.request("GET", "/api/v3/orderList",
                                      {"origClientOrderId": list_client_id}, security="SIGNED")
    legs = []
    for ref in data["orders"]:
        row = await client._rest.request("GET", "/api/v3/order",
                                         {"symbol": c.symbol, "orderId": ref["orderId"]},
                                         security="SIGNED")
        legs.append(leg_from(row, int(data["orderListId"])))
    return tuple(legs)

