"""Spot OCO orders: ``POST /api/v3/orderList/oco``, two legs that end each other.

A SELL OCO is a take-profit LIMIT_MAKER above the market and a stop-loss
below it (STOP_LOSS_LIMIT with a stop-limit price, else STOP_LOSS); a BUY OCO
the mirror image. Every leg and the list carry client ids made before
sending; a lost answer is resolved with ``GET /api/v3/orderList`` by our
``listClientOrderId``. The legs come back as ``OrderStatus``es sharing an
``order_list_id``; ``listStatus`` events say when the list is done.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import _parsing as parse
from ._models import Contract, OrderStatus
from .conditional import check_oco
from .errors import ExchangeError, InputError, NetworkError, ServerError
from .filters import check_order, fmt, parse_decimal, round_quantity

if TYPE_CHECKING:
    from ._live import LiveFeeds
    from .client import BinanceClient


def leg_from(d: dict[str, Any], list_id: int) -> OrderStatus:
    status = parse.order_from(d, futures=False)
    return dataclasses.replace(status, stop_price=Decimal(str(d.get("stopPrice") or "0")),
                               order_list_id=int(d.get("orderListId", list_id)))


async def place_oco(client: BinanceClient, c: Contract, side: Any, quantity: Any, price: Any,
                    stop_price: Any, stop_limit_price: Any = None) -> tuple[OrderStatus, ...]:
    from ._order_kinds import _direction, reference_price, resolve
    from .client import new_client_order_id

    if client.futures:
        raise InputError("OCO orders exist on spot only; on futures place a take-profit and a "
                         "stop-loss (reduce-only) instead")
    direction = _direction(side)
    qty = parse_decimal(quantity, "Quantity")
    stop_limit = None if stop_limit_price in (None, "") else parse_decimal(
        stop_limit_price, "Stop limit price")
    reference = await reference_price(client, c)
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
        legs = await resolve(client, what, list_id, c.symbol,
                             lambda: get_list_legs(client, c, list_id), exc)
    except ExchangeError as exc:
        client._add_log(f"{what} rejected: {exc}", "ERROR")
        raise
    ids = ", ".join(f"{leg.order_type} {leg.order_id}" for leg in legs)
    client._add_log(f"{what} placed: OCO #{legs[0].order_list_id} ({ids})")
    for leg in legs:
        if leg.is_open:
            client.open_orders[leg.order_id] = leg
    return legs


async def get_list_legs(client: BinanceClient, c: Contract,
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


def apply_list_status(live: LiveFeeds, event: dict[str, Any]) -> None:
    """``listStatus``: tag the legs we hold with their list id; log when the list is done."""
    client = live.client
    list_id = int(event["g"])
    for ref in event.get("O", ()):
        leg = client.open_orders.get(int(ref["i"]))
        if leg is not None and leg.order_list_id != list_id:
            client.open_orders[leg.order_id] = dataclasses.replace(leg, order_list_id=list_id)
    if event.get("L") == "ALL_DONE":
        client._add_log(f"OCO #{list_id} {event.get('s', '')} done: both legs ended")
