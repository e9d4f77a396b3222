"""Spot OCO order lists in the demo: two legs, one ends the other (``orderList/oco``).

An OCO has an *above* leg and a *below* leg, each placed as an ordinary order
sharing one ``orderListId``. One lock covers both (the leg that needs more);
when either leg starts filling or is cancelled, the other ends (EXPIRED on a
fill, CANCELED on a cancel) and a ``listStatus`` event says ALL_DONE.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ._wire import RejectError, now_ms

if TYPE_CHECKING:
    from ._engine import MarketEngine
    from ._order import Order

_list_ids = itertools.count(9001)
ABOVE_TYPES = ("LIMIT_MAKER", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT", "STOP_LOSS", "STOP_LOSS_LIMIT")


@dataclass(slots=True)
class OrderList:
    order_list_id: int
    client_id: str
    api_key: str
    symbol: str
    order_ids: list[int] = field(default_factory=list)
    status: str = "EXECUTING"  # listOrderStatus: EXECUTING, ALL_DONE, REJECT
    status_type: str = "EXEC_STARTED"  # listStatusType: RESPONSE, EXEC_STARTED, ALL_DONE
    time: int = 0


@dataclass(frozen=True, slots=True)
class Leg:
    type: str
    price: Decimal | None
    stop_price: Decimal | None
    time_in_force: str | None
    client_id: str | None


def _trigger(leg: Leg) -> Decimal:
    """The price a leg acts at: a LIMIT_MAKER's limit, a stop type's stop."""
    value = leg.price if leg.type == "LIMIT_MAKER" else leg.stop_price
    if value is None:
        raise RejectError(-1102, f"Mandatory parameter for a {leg.type} leg was not sent "
                          f"({'price' if leg.type == 'LIMIT_MAKER' else 'stopPrice'}).")
    return value


def place_oco(engine: MarketEngine, api_key: str, *, symbol: str, side: str,
              quantity: Decimal | None, above: Leg, below: Leg,
              list_client_id: str | None) -> OrderList:
    """Validate the pair as Binance does, then place both legs under one list id."""
    if engine.futures:
        raise RejectError(-1116, "Invalid orderType.")
    side = side.upper()
    spec = engine.spec(symbol)
    for leg, where in ((above, "above"), (below, "below")):
        if leg.type not in ABOVE_TYPES:
            raise RejectError(-1116, f"Invalid {where}Type.")
    kinds = {above.type.startswith("STOP"), below.type.startswith("STOP")}
    if kinds != {True, False}:
        raise RejectError(-1166, "OCO must have one stop-loss leg and one limit-maker or "
                          "take-profit leg.")
    last = engine.books[spec.symbol].last
    if not _trigger(above) > last > _trigger(below):
        raise RejectError(-2010, "The relationship of the prices for the orders is not correct.")
    for o in engine.order_lists.values():
        if list_client_id and o.api_key == api_key and o.client_id == list_client_id \
                and o.status == "EXECUTING":
            raise RejectError(-2010, "Duplicate order sent.")
    # The leg with the higher price needs the bigger lock on a BUY; either will do on a SELL.
    first, second = (above, below) if side == "BUY" else (below, above)
    order_list = OrderList(next(_list_ids), list_client_id or f"list-{now_ms()}", api_key,
                           spec.symbol, time=now_ms())
    engine.order_lists[order_list.order_list_id] = order_list
    legs: list[Order] = []
    try:
        for leg, share in ((first, False), (second, True)):
            order, _ = engine.place(
                api_key, symbol=spec.symbol, side=side, type_=leg.type, quantity=quantity,
                price=leg.price, time_in_force=None if leg.type == "LIMIT_MAKER" else (
                    leg.time_in_force or ("GTC" if leg.type.endswith("LIMIT") else None)),
                client_order_id=leg.client_id, stop_price=None if leg.type == "LIMIT_MAKER"
                else leg.stop_price, order_list_id=order_list.order_list_id, share_lock=share)
            legs.append(order)
            order_list.order_ids.append(order.order_id)
    except RejectError:
        for order in legs:  # all or nothing, as Binance
            engine.orders_by_id.pop(order.order_id, None)
            engine._release(engine.account(api_key), spec, order, order.locked)
        del engine.order_lists[order_list.order_list_id]
        raise
    order_list.order_ids.sort(key=lambda oid: 0 if _is_above(engine, oid, above) else 1)
    engine.sink.list_status(engine.market, api_key, list_dict(engine, order_list), now_ms())
    return order_list


def _is_above(engine: MarketEngine, order_id: int, above: Leg) -> bool:
    return engine.orders_by_id[order_id].type == above.type


def end_siblings(engine: MarketEngine, order: Order) -> None:
    """A leg starts filling: the other legs expire (their lock goes back first)."""
    order_list = engine.order_lists.get(order.order_list_id)
    if order_list is None:
        return
    for oid in order_list.order_ids:
        sibling = engine.orders_by_id.get(oid)
        if sibling is not None and sibling is not order and sibling.is_open:
            if sibling.locked and not order.locked:
                order.locked, sibling.locked = sibling.locked, Decimal(0)  # hand the lock over
            engine._close(sibling, "EXPIRED")


def list_done(engine: MarketEngine, order: Order) -> None:
    """A leg ended: cancel the rest (a cancel of one leg cancels the list), report ALL_DONE."""
    order_list = engine.order_lists.get(order.order_list_id)
    if order_list is None or order_list.status == "ALL_DONE":
        return
    if order.status == "CANCELED":
        for oid in order_list.order_ids:
            sibling = engine.orders_by_id.get(oid)
            if sibling is not None and sibling.is_open:
                engine._close(sibling, "CANCELED")
    if order_list.status == "ALL_DONE" or any(engine.orders_by_id[oid].is_open for oid in order_list.order_ids
           if oid in engine.orders_by_id):
        return
    order_list.status = order_list.status_type = "ALL_DONE"
    engine.sink.list_status(engine.market, order_list.api_key, list_dict(engine, order_list),
                            now_ms())


def find_list(engine: MarketEngine, api_key: str, list_id: int | None,
              client_id: str | None) -> OrderList:
    for o in engine.order_lists.values():
        if o.api_key == api_key and ((list_id is not None and o.order_list_id == list_id) or (
                list_id is None and client_id is not None and o.client_id == client_id)):
            return o
    raise RejectError(-2011, "Order list does not exist.")


def list_dict(engine: MarketEngine, o: OrderList, *, reports: bool = False) -> dict[str, Any]:
    """Binance's order-list shape (``orderReports`` on the POST and DELETE answers)."""
    d: dict[str, Any] = {
        "orderListId": o.order_list_id, "contingencyType": "OCO",
        "listStatusType": o.status_type, "listOrderStatus": o.status,
        "listClientOrderId": o.client_id, "transactionTime": o.time, "symbol": o.symbol,
        "orders": [{"symbol": o.symbol, "orderId": oid,
                    "clientOrderId": engine.orders_by_id[oid].client_order_id}
                   for oid in o.order_ids],
    }
    if reports:
        d["orderReports"] = [engine.order_dict(engine.orders_by_id[oid]) for oid in o.order_ids]
    return d
