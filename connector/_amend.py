"""Amending a resting LIMIT order's price or quantity, never leaving two live orders.

Spot has no in-place modify for a price: ``POST /api/v3/order/cancelReplace``
(``STOP_ON_FAILURE``) cancels the order and places its replacement with a
client id we made, so the order "as it now stands" has a new id. Futures
modify in place (``PUT /fapi/v1/order``, LIMIT only), keeping the id. A lost
answer is resolved by query (the replacement's client id, or the order
itself), never by sending again.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import _parsing as parse
from ._models import Contract, OrderStatus
from ._resolve import RESOLVE_DELAYS, new_client_order_id, resolve
from .errors import ExchangeError, InputError, NetworkError, OrderRejectedError, ServerError
from .filters import check_order, fmt, parse_decimal, round_price, round_quantity

if TYPE_CHECKING:
    from ._market_data import MarketDataMixin


def _amendable(c: Contract) -> tuple[str, ...]:
    return ("LIMIT",) if c.futures else ("LIMIT", "LIMIT_MAKER")


async def amend_order(client: MarketDataMixin, c: Contract, order_id: int, *, price: Any = None,
                      quantity: Any = None) -> OrderStatus:
    if price is None and quantity is None:
        raise InputError("Give a new price or a new quantity to amend an order")
    current = client.open_orders.get(order_id) or await client.get_order_status(c, order_id)
    if current.is_algo or current.order_type not in _amendable(c):
        raise InputError(f"Only {' and '.join(_amendable(c))} orders can be amended; order "
                         f"{order_id} is {current.order_type or 'of another type'}: cancel it "
                         f"and place a new one")
    if not current.is_open:
        raise InputError(f"Order {order_id} is {current.status.replace('_', ' ')}; only an open "
                         f"order can be amended")
    new_price = current.price
    if price is not None:
        asked = parse_decimal(price, "Price")
        new_price = round_price(c, asked)
        if new_price != asked:
            client._add_log(f"Price {fmt(asked)} rounded to {fmt(new_price)} {c.quote_asset} "
                            f"({c.symbol} tick {fmt(c.tick_size)})")
    new_qty = current.orig_qty
    if quantity is not None:
        new_qty = round_quantity(c, parse_decimal(quantity, "Quantity"))
    if new_qty <= current.executed_qty:
        raise InputError(f"The new quantity {fmt(new_qty)} must be above what already filled "
                         f"({fmt(current.executed_qty)} {c.base_asset})")
    check_order(c, new_qty - current.executed_qty if not c.futures else new_qty, new_price,
                market=False)
    what = (f"Amend of order {order_id} {c.symbol} to {fmt(new_qty)} @ {fmt(new_price)}")
    if c.futures:
        return await _modify(client, c, current, new_price, new_qty, what)
    return await _cancel_replace(client, c, current, new_price, new_qty, what)


async def _modify(client: MarketDataMixin, c: Contract, current: OrderStatus, price: Decimal,
                  qty: Decimal, what: str) -> OrderStatus:
    params = {"symbol": c.symbol, "orderId": current.order_id, "side": current.side,
              "quantity": format(qty, "f"), "price": format(price, "f")}
    try:
        data = await client._rest.request("PUT", "/fapi/v1/order", params, security="SIGNED")
        status = parse.order_from(data, futures=True)
    except (NetworkError, ServerError) as exc:
        client._add_log(f"{what}: outcome unknown ({exc}); asking the exchange about order "
                        f"{current.order_id}", "WARNING")
        status = await _settled(client, c, current.order_id, price, qty)
    except ExchangeError as exc:
        client._add_log(f"{what} rejected: {exc}", "ERROR")
        raise
    applied = status.price == price and status.orig_qty == qty
    client._add_log(f"{what}: {'done' if applied else 'not applied'}; order "
                    f"{status.order_id} {status.status}", "INFO" if applied else "WARNING")
    client._account.order_learned(status)
    return status


async def _settled(client: MarketDataMixin, c: Contract, order_id: int, price: Decimal,
                   qty: Decimal) -> OrderStatus:
    """The order after a modify whose answer was lost: amended, or as it was."""
    status: OrderStatus | None = None
    for delay in RESOLVE_DELAYS:
        await asyncio.sleep(delay)
        try:
            status = await client.get_order_status(c, order_id)
        except (NetworkError, ServerError):
            continue
        if (status.price == price and status.orig_qty == qty) or not status.is_open:
            return status
    if status is None:
        return await client.get_order_status(c, order_id)
    return status


async def _cancel_replace(client: MarketDataMixin, c: Contract, current: OrderStatus,
                          price: Decimal, qty: Decimal, what: str) -> OrderStatus:
    new_id = new_client_order_id()
    params: dict[str, Any] = {
        "symbol": c.symbol, "side": current.side, "type": current.order_type,
        "cancelReplaceMode": "STOP_ON_FAILURE", "cancelOrderId": current.order_id,
        "newClientOrderId": new_id, "quantity": format(qty - current.executed_qty, "f"),
        "price": format(price, "f"), "newOrderRespType": "FULL",
    }
    if current.order_type == "LIMIT":
        params["timeInForce"] = current.time_in_force or "GTC"
    try:
        data = await client._rest.request("POST", "/api/v3/order/cancelReplace", params,
                                          security="SIGNED")
        row = data["newOrderResponse"]
    except (NetworkError, ServerError) as exc:
        try:
            row = await resolve(client._add_log, what, new_id, c.symbol, lambda: client._rest.request(
                "GET", "/api/v3/order", {"symbol": c.symbol, "origClientOrderId": new_id},
                security="SIGNED"), exc)
        except OrderRejectedError:
            # No replacement: the old order either still stands or was cancelled alone.
            old = await client.get_order_status(c, current.order_id)
            if old.is_open:
                client._add_log(f"{what} not applied: order {old.order_id} stands as it was",
                                "WARNING")
                return old
            client._account.order_learned(old)
            raise OrderRejectedError(f"Order {current.order_id} was cancelled but its "
                                     f"replacement was not placed; nothing is live",
                                     code=-2021) from None
    except ExchangeError as exc:
        if exc.code == -2021:  # cancelled, replacement refused: nothing live any more
            client._account.order_learned(replace(current, status="canceled"))
            client._add_log(f"{what}: order {current.order_id} was cancelled but its "
                            f"replacement was refused ({exc}); nothing is live", "ERROR")
        else:
            client._add_log(f"{what} rejected: {exc}", "ERROR")
        raise
    status = parse.order_from(row, futures=False)
    client._account.order_learned(replace(current, status="canceled"))
    client._account.order_learned(status)
    client._add_log(f"{what}: done; it is now order {status.order_id} {status.status}")
    return status
