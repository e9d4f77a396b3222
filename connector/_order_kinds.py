"""Sending every order type beyond a plain LIMIT/MARKET: checked, sent once, resolved by id.

``BinanceClient.place_order`` hands an order here when it is of another type
or uses ``stop_price``/``reduce_only``/``post_only``/``callback_rate``. The
rules are ``conditional``'s (pure); this module sends: futures conditional
types to the algo-order service (``_algo``), everything else to the order
endpoint. An unknown outcome (timeout, 5xx, -1006/-1007) is resolved by
querying our own client id, never by sending again (``resolve``).
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from . import _algo
from . import _parsing as parse
from ._models import ZERO, Contract, OrderStatus
from .conditional import (
    ConditionalOrder,
    check_conditional,
    market_types,
    needs_price,
    needs_stop,
)
from .errors import (
    BinanceError,
    ExchangeError,
    InputError,
    NetworkError,
    OrderRejectedError,
    OrderStateUnknownError,
    ServerError,
)
from .filters import check_order, fmt, parse_decimal, round_quantity

if TYPE_CHECKING:
    from .client import BinanceClient

T = TypeVar("T")
_NOT_FOUND = (-2013, -2011)
_MARKET_KINDS = ("MARKET", "STOP_LOSS", "STOP_MARKET", "TAKE_PROFIT_MARKET",
                 "TRAILING_STOP_MARKET")


def is_extended(order_type: Any, stop_price: Any, reduce_only: bool, post_only: bool,
                callback_rate: Any) -> bool:
    """Does this order need more than the seed's LIMIT/MARKET path?"""
    kind = order_type.strip().upper() if isinstance(order_type, str) else order_type
    return (kind not in ("LIMIT", "MARKET") or stop_price is not None or reduce_only
            or post_only or callback_rate is not None)


async def reference_price(client: BinanceClient, c: Contract) -> Decimal:
    """The market now: the mid of the live quote, else of a fresh book ticker."""
    quote = client.prices.get(c.symbol) or await client.get_bid_ask(c)
    return (quote["bid"] + quote["ask"]) / 2


def with_extras(status: OrderStatus, data: dict[str, Any]) -> OrderStatus:
    """An order with the fields of conditional orders the wire carries (stopPrice, reduceOnly,
    orderListId)."""
    stop = Decimal(str(data.get("stopPrice") or "0"))
    reduce = data.get("reduceOnly") in (True, "true")
    list_id = int(data.get("orderListId", -1))
    if not (stop or reduce or list_id != -1):
        return status
    return dataclasses.replace(status, stop_price=stop, reduce_only=reduce,
                               order_list_id=list_id)


def keep_extras(previous: OrderStatus | None, status: OrderStatus) -> OrderStatus:
    """A stream update carries no stop price, reduce-only, algo or list id: keep the ones we
    knew, so ``client.open_orders`` never loses them."""
    if previous is None or (status.stop_price or status.reduce_only or status.is_algo
                            or status.order_list_id != -1):
        return status
    return dataclasses.replace(status, stop_price=previous.stop_price,
                               reduce_only=previous.reduce_only, is_algo=previous.is_algo,
                               order_list_id=previous.order_list_id)


async def resolve(client: BinanceClient, what: str, client_id: str, symbol: str,
                  query: Callable[[], Awaitable[T]], cause: Exception) -> T:
    """Find out what happened to a request whose answer was lost: ask by our client id."""
    from .client import RESOLVE_DELAYS

    client._add_log(f"{what}: outcome unknown ({cause}); asking the exchange about client id "
                    f"{client_id}", "WARNING")
    last_error: Exception = cause
    for delay in RESOLVE_DELAYS:
        await asyncio.sleep(delay)
        try:
            return await query()
        except ExchangeError as exc:
            if exc.code in _NOT_FOUND:
                last_error = exc
                continue  # not (yet) known: it may still be in flight
            if isinstance(exc, ServerError):
                last_error = exc
                continue
            raise
        except NetworkError as exc:
            last_error = exc
    if isinstance(last_error, ExchangeError) and last_error.code in _NOT_FOUND:
        client._add_log(f"{what} was not placed: the exchange has nothing with client id "
                        f"{client_id}", "ERROR")
        raise OrderRejectedError(f"Not placed ({cause}); the exchange has nothing with client "
                                 f"id {client_id}", code=-2013)
    client._add_log(f"{what}: outcome still unknown; look for client id {client_id} before "
                    f"placing it again", "ERROR")
    raise OrderStateUnknownError(
        f"Could not establish whether it was placed ({last_error}); look for client id "
        f"{client_id} before sending it again", client_order_id=client_id, symbol=symbol)


def _direction(side: Any) -> str:
    text = side.strip().upper() if isinstance(side, str) else None
    if text not in ("BUY", "SELL"):
        raise InputError(f"Side {side!r} is not valid; use one of BUY, SELL")
    return text


def prepare(client: BinanceClient, c: Contract, order_type: Any, quantity: Any, side: Any,
            price: Any, tif: str | None, *, stop_price: Any, reduce_only: bool,
            post_only: bool, callback_rate: Any,
            reference: Decimal | None) -> tuple[ConditionalOrder, Decimal]:
    """Every local check of one order; returns what to send and the rounded quantity."""
    direction = _direction(side)
    if not isinstance(order_type, str):
        raise InputError(f"Order type must be a name such as 'STOP_MARKET', not {order_type!r}")
    qty = parse_decimal(quantity, "Quantity")
    rate = None if callback_rate is None else parse_decimal(callback_rate, "Callback rate")
    stop = None if stop_price is None or (isinstance(stop_price, str) and not stop_price.strip()) \
        else parse_decimal(stop_price, "Stop price")
    limit = None if price is None or (isinstance(price, str) and not price.strip()) \
        else parse_decimal(price, "Price")
    order = check_conditional(c, order_type, direction, limit, stop, tif=tif,
                              reference_price=reference, reduce_only=bool(reduce_only),
                              post_only=bool(post_only), callback_rate=rate)
    is_market = order.order_type in _MARKET_KINDS or (
        order.order_type == "TAKE_PROFIT" and not c.futures)
    rounded = round_quantity(c, qty, market=is_market)
    if rounded != qty and rounded > 0:
        client._add_log(f"Quantity {fmt(qty)} rounded down to {fmt(rounded)} {c.base_asset} "
                        f"({c.symbol} lot step)")
    for note in order.notes:
        client._add_log(note)
    # Binance waives the minimum notional for reduce-only orders.
    checked = dataclasses.replace(c, min_notional=ZERO) if order.reduce_only else c
    check_order(checked, rounded, order.price, market=is_market,
                reference_price=order.stop_price or reference)
    return order, rounded


def describe(order: ConditionalOrder, qty: Decimal, c: Contract) -> str:
    text = f"{order.side} {order.order_type} {fmt(qty)} {c.symbol}"
    if order.price is not None:
        text += f" @ {fmt(order.price)}"
    if order.stop_price is not None:
        text += f" stop {fmt(order.stop_price)}"
    if order.callback_rate is not None:
        text += f" callback {fmt(order.callback_rate)} %"
    if order.reduce_only:
        text += " reduce-only"
    return text


async def place_extended(client: BinanceClient, c: Contract, order_type: Any, quantity: Any,
                         side: Any, price: Any, tif: str | None, *, stop_price: Any,
                         reduce_only: bool, post_only: bool,
                         callback_rate: Any) -> OrderStatus:
    """Validate, send once with our own client id, resolve an unknown outcome by that id."""
    kind = order_type.strip().upper() if isinstance(order_type, str) else ""
    reference = None
    if kind in market_types(c) and needs_stop(kind):  # bad input never costs a request
        reference = await reference_price(client, c)
    order, qty = prepare(client, c, order_type, quantity, side, price, tif,
                         stop_price=stop_price, reduce_only=reduce_only, post_only=post_only,
                         callback_rate=callback_rate, reference=reference)
    if order.is_algo:
        return await _algo.place_algo(client, c, order, qty, describe(order, qty, c))
    return await place_on_order_endpoint(client, c, order, qty)


async def place_on_order_endpoint(client: BinanceClient, c: Contract, order: ConditionalOrder,
                                  qty: Decimal) -> OrderStatus:
    from .client import new_client_order_id

    client_id = new_client_order_id()
    params: dict[str, Any] = {
        "symbol": c.symbol, "side": order.side, "type": order.order_type,
        "quantity": format(qty, "f"), "newClientOrderId": client_id,
        "newOrderRespType": "RESULT" if client.futures else "FULL",
    }
    if order.price is not None:
        params["price"] = format(order.price, "f")
    if order.time_in_force is not None and needs_price(order.order_type, c.futures):
        params["timeInForce"] = order.time_in_force
    if order.stop_price is not None:
        params["stopPrice"] = format(order.stop_price, "f")
    if order.reduce_only:
        params["reduceOnly"] = "true"
    what = describe(order, qty, c)
    path = client._path("order")
    try:
        data = await client._rest.request("POST", path, params, security="SIGNED")
    except (NetworkError, ServerError) as exc:
        found: dict[str, Any] = await resolve(
            client, what, client_id, c.symbol, lambda: client._rest.request(
                "GET", path, {"symbol": c.symbol, "origClientOrderId": client_id},
                security="SIGNED"), exc)
        status = parse.order_from(found, futures=client.futures)
        client._add_log(f"{what}: the exchange has it as order {status.order_id} "
                        f"{status.status}")
    except ExchangeError as exc:
        client._add_log(f"{what} rejected: {exc}", "ERROR")
        raise
    else:
        status = parse.order_from(data, futures=client.futures)
        if client.futures and status.executed_qty and not status.avg_price:
            status = await client.get_order_status(c, status.order_id)
        client._add_log(f"{what} placed: order {status.order_id} {status.status}")
    status = dataclasses.replace(status, stop_price=order.stop_price or ZERO,
                                 reduce_only=order.reduce_only)
    if status.is_open:
        client.open_orders[status.order_id] = status
    return status


__all__ = ["BinanceError", "is_extended", "keep_extras", "place_extended", "resolve",
           "with_extras"]
