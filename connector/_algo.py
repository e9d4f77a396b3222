"""Futures conditional orders on Binance's algo-order service (``/fapi/v1/algoOrder``).

Since 2025-12-09 STOP, STOP_MARKET, TAKE_PROFIT, TAKE_PROFIT_MARKET and
TRAILING_STOP_MARKET go here, never to ``/fapi/v1/order`` (-4120). An algo
order is an ``OrderStatus`` with ``is_algo=True`` whose ``order_id`` is the
``algoId``; the client remembers those ids so ``cancel_order`` and
``get_order_status`` reach the right service. ``ALGO_UPDATE`` events keep
``client.open_orders`` current; after every reconnect ``openAlgoOrders`` is
part of the reconciliation.

Algo status → ``OrderStatus.status``: NEW → new; TRIGGERING/TRIGGERED →
triggered (the order it placed takes over); FINISHED → filled (or canceled when
nothing filled); CANCELED, REJECTED, EXPIRED → the same, lower case.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ._models import Contract, OrderStatus
from .conditional import ConditionalOrder
from .errors import ExchangeError, NetworkError, ServerError
from .events import OrderUpdate
from .filters import fmt

if TYPE_CHECKING:
    from ._live import LiveFeeds
    from .client import BinanceClient

PATH = "/fapi/v1/algoOrder"


def _status(algo_status: str, executed: Decimal) -> str:
    s = algo_status.upper()
    if s in ("TRIGGERING", "TRIGGERED"):
        return "triggered"
    if s == "FINISHED":
        return "filled" if executed else "canceled"
    return s.lower()


def _d(value: Any) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else Decimal(0)


def algo_from(d: dict[str, Any]) -> OrderStatus:
    """An algo order from any of the service's REST answers."""
    executed = _d(d.get("executedQty"))
    return OrderStatus(
        order_id=int(d["algoId"]), status=_status(str(d.get("algoStatus", "NEW")), executed),
        avg_price=_d(d.get("avgPrice")), executed_qty=executed, symbol=d.get("symbol", ""),
        client_order_id=d.get("clientAlgoId", ""), side=d.get("side", ""),
        order_type=d.get("orderType", ""), price=_d(d.get("price")),
        orig_qty=_d(d.get("quantity")), time_in_force=d.get("timeInForce", ""),
        update_time=int(d.get("updateTime") or d.get("createTime") or 0),
        stop_price=_d(d.get("triggerPrice")), reduce_only=d.get("reduceOnly") in (True, "true"),
        is_algo=True)


def algo_update_from(event: dict[str, Any]) -> OrderStatus:
    """An algo order from an ``ALGO_UPDATE`` event."""
    o = event["o"]
    executed = _d(o.get("aq"))
    return OrderStatus(
        order_id=int(o["aid"]), status=_status(str(o["X"]), executed), avg_price=_d(o.get("ap")),
        executed_qty=executed, symbol=o["s"], client_order_id=o.get("caid", ""),
        side=o["S"], order_type=o["o"], price=_d(o.get("p")), orig_qty=_d(o.get("q")),
        time_in_force=o.get("f", ""), update_time=int(event.get("E") or event.get("T") or 0),
        stop_price=_d(o.get("tp")), reduce_only=bool(o.get("R")), is_algo=True)


def as_update(status: OrderStatus, execution_type: str) -> OrderUpdate:
    return OrderUpdate(status.symbol, status.order_id, status.client_order_id, status.side,
                       status.order_type, status.status, status.price, status.orig_qty,
                       status.executed_qty, status.avg_price, time_in_force=status.time_in_force,
                       execution_type=execution_type, time=status.update_time)


def known(client: BinanceClient, order_id: int) -> bool:
    return client.futures and order_id in client._algo_ids


def _remember(client: BinanceClient, status: OrderStatus) -> OrderStatus:
    client._algo_ids.add(status.order_id)
    if status.is_open:
        client.open_orders[status.order_id] = status
    else:
        client.open_orders.pop(status.order_id, None)
    return status


async def place_algo(client: BinanceClient, c: Contract, order: ConditionalOrder, qty: Decimal,
                     what: str) -> OrderStatus:
    """Send one conditional order to the algo service with our ``clientAlgoId``."""
    from ._order_kinds import resolve
    from .client import new_client_order_id

    client_id = new_client_order_id()
    params: dict[str, Any] = {
        "algoType": "CONDITIONAL", "symbol": c.symbol, "side": order.side,
        "type": order.order_type, "quantity": format(qty, "f"), "clientAlgoId": client_id,
        "workingType": "CONTRACT_PRICE",
    }
    if order.price is not None:
        params["price"] = format(order.price, "f")
        params["timeInForce"] = order.time_in_force or "GTC"
    if order.order_type == "TRAILING_STOP_MARKET":
        params["callbackRate"] = format(order.callback_rate or 0, "f")
        if order.stop_price is not None:
            params["activatePrice"] = format(order.stop_price, "f")
    elif order.stop_price is not None:
        params["triggerPrice"] = format(order.stop_price, "f")
    if order.reduce_only:
        params["reduceOnly"] = "true"
    try:
        data = await client._rest.request("POST", PATH, params, security="SIGNED")
    except (NetworkError, ServerError) as exc:
        status = await resolve(client, what, client_id, c.symbol,
                               lambda: get_algo(client, c, client_id=client_id), exc)
        client._add_log(f"{what}: the exchange has it as algo order {status.order_id} "
                        f"{status.status}")
    except ExchangeError as exc:
        client._add_log(f"{what} rejected: {exc}", "ERROR")
        raise
    else:
        status = algo_from(data)
        client._add_log(f"{what} placed: algo order {status.order_id} {status.status}")
    return _remember(client, status)


async def get_algo(client: BinanceClient, c: Contract, algo_id: int | None = None, *,
                   client_id: str | None = None) -> OrderStatus:
    params: dict[str, Any] = {"algoId": algo_id} if algo_id is not None else {
        "clientAlgoId": client_id}
    data = await client._rest.request("GET", PATH, params, security="SIGNED")
    status = algo_from(data)
    client._algo_ids.add(status.order_id)
    return status


async def cancel_algo(client: BinanceClient, c: Contract, algo_id: int) -> OrderStatus:
    try:
        await client._rest.request("DELETE", PATH, {"algoId": algo_id}, security="SIGNED")
    except ExchangeError as exc:
        client._add_log(f"Cancel of algo order {algo_id} {c.symbol} failed: {exc}", "ERROR")
        raise
    status = await get_algo(client, c, algo_id)
    client.open_orders.pop(algo_id, None)
    client._add_log(f"Algo order {algo_id} {c.symbol} {status.status}")
    return status


async def open_algo_orders(client: BinanceClient, symbol: str | None = None
                           ) -> list[OrderStatus]:
    params = {"symbol": symbol} if symbol else {}
    data = await client._rest.request("GET", "/fapi/v1/openAlgoOrders", params,
                                      security="SIGNED")
    rows = data.get("orders", data) if isinstance(data, dict) else data
    out = [algo_from(d) for d in rows]
    client._algo_ids.update(o.order_id for o in out)
    return out


def apply_algo_update(live: LiveFeeds, event: dict[str, Any]) -> None:
    """``ALGO_UPDATE``: the algo order's new state into ``open_orders``, then listeners."""
    client = live.client
    status = algo_update_from(event)
    key = ("algo", status.order_id, event["o"]["X"], status.executed_qty)
    if key in live._seen:
        return  # seen already (reconciliation overlap)
    live._seen[key] = None
    _remember(client, status)
    what = f"{status.side} {status.order_type} {status.symbol} algo order {status.order_id}"
    text = {"triggered": f"{what} triggered at {fmt(status.stop_price)}",
            "filled": f"{what} done: filled {fmt(status.executed_qty)} @ avg "
                      f"{fmt(status.avg_price)}",
            "new": f"{what} waiting for {fmt(status.stop_price)}"}.get(
        status.status, f"{what} {status.status}")
    client._add_log(text, "WARNING" if status.status == "rejected" else "INFO")
    live._emit(as_update(status, "ALGO_" + str(event["o"]["X"]).upper()))


__all__ = ["algo_from", "algo_update_from", "apply_algo_update", "cancel_algo", "get_algo",
           "known", "open_algo_orders", "place_algo"]
