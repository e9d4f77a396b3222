"""Futures conditional orders on Binance's algo-order service (``/fapi/v1/algoOrder``).

Since 2025-12-09 STOP, STOP_MARKET, TAKE_PROFIT, TAKE_PROFIT_MARKET and
TRAILING_STOP_MARKET go here, never to ``/fapi/v1/order`` (-4120). An algo
order is an ``OrderStatus`` with ``is_algo=True`` whose ``order_id`` is the
``algoId``; ``AccountState.algo_ids`` remembers those ids so ``cancel_order``
and ``get_order_status`` reach the right service. ``ALGO_UPDATE`` events keep
``client.open_orders`` current; after every reconnect ``openAlgoOrders`` is
part of the reconciliation. ``ALGO_UPDATE`` is parsed by
``_stream_parsing.algo_update`` and applied by ``AccountState`` like any order event.

Algo status → ``OrderStatus.status``: NEW → new; TRIGGERING/TRIGGERED →
triggered (the order it placed takes over); FINISHED → filled (or canceled when
nothing filled); CANCELED, REJECTED, EXPIRED → the same, lower case.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ._models import ZERO, Contract, OrderStatus
from ._parsing import algo_status
from ._resolve import new_client_order_id, resolve
from .errors import ExchangeError, NetworkError, ServerError
from .orders import PreparedOrder

if TYPE_CHECKING:
    from ._market_data import MarketDataMixin

PATH = "/fapi/v1/algoOrder"


def _d(value: Any) -> Decimal:
    return Decimal(str(value)) if value not in (None, "") else ZERO


def algo_from(d: dict[str, Any]) -> OrderStatus:
    """An algo order from any of the service's REST answers."""
    executed = _d(d.get("executedQty"))
    return OrderStatus(
        order_id=int(d["algoId"]), status=algo_status(str(d.get("algoStatus", "NEW")), executed),
        avg_price=_d(d.get("avgPrice")), executed_qty=executed, symbol=d.get("symbol", ""),
        client_order_id=d.get("clientAlgoId", ""), side=d.get("side", ""),
        order_type=d.get("orderType", ""), price=_d(d.get("price")),
        orig_qty=_d(d.get("quantity")), time_in_force=d.get("timeInForce", ""),
        update_time=int(d.get("updateTime") or d.get("createTime") or 0),
        stop_price=_d(d.get("triggerPrice")), reduce_only=d.get("reduceOnly") in (True, "true"),
        is_algo=True)


def algo_params(order: PreparedOrder, client_id: str) -> dict[str, Any]:
    """The algo service's request for one prepared conditional order."""
    params: dict[str, Any] = {
        "algoType": "CONDITIONAL", "symbol": order.symbol, "side": order.side,
        "type": order.order_type, "quantity": format(order.quantity, "f"),
        "clientAlgoId": client_id, "workingType": "CONTRACT_PRICE",
    }
    if order.price is not None:
        params["price"] = format(order.price, "f")
        params["timeInForce"] = order.tif or "GTC"
    if order.order_type == "TRAILING_STOP_MARKET":
        params["callbackRate"] = format(order.callback_rate or 0, "f")
        if order.stop_price is not None:
            params["activatePrice"] = format(order.stop_price, "f")
    elif order.stop_price is not None:
        params["triggerPrice"] = format(order.stop_price, "f")
    if order.reduce_only:
        params["reduceOnly"] = "true"
    return params


async def place_algo(client: MarketDataMixin, c: Contract, order: PreparedOrder) -> OrderStatus:
    """Send one conditional order to the algo service with our ``clientAlgoId``."""
    client_id = new_client_order_id()
    what = order.describe()
    try:
        data = await client._rest.request("POST", PATH, algo_params(order, client_id),
                                          security="SIGNED")
    except (NetworkError, ServerError) as exc:
        status = await resolve(client._add_log, what, client_id, c.symbol,
                               lambda: get_algo(client, client_id=client_id), exc)
        client._add_log(f"{what}: the exchange has it as algo order {status.order_id} "
                        f"{status.status}")
    except ExchangeError as exc:
        client._add_log(f"{what} rejected: {exc}", "ERROR")
        raise
    else:
        status = algo_from(data)
        client._add_log(f"{what} placed: algo order {status.order_id} {status.status}")
    client._account.order_learned(status)
    return status


async def get_algo(client: MarketDataMixin, algo_id: int | None = None, *,
                   client_id: str | None = None) -> OrderStatus:
    params: dict[str, Any] = {"algoId": algo_id} if algo_id is not None else {
        "clientAlgoId": client_id}
    data = await client._rest.request("GET", PATH, params, security="SIGNED")
    status = algo_from(data)
    client._account.algo_ids.add(status.order_id)
    return status


async def cancel_algo(client: MarketDataMixin, c: Contract, algo_id: int) -> OrderStatus:
    try:
        await client._rest.request("DELETE", PATH, {"algoId": algo_id}, security="SIGNED")
    except ExchangeError as exc:
        client._add_log(f"Cancel of algo order {algo_id} {c.symbol} failed: {exc}", "ERROR")
        raise
    status = await get_algo(client, algo_id)
    client._account.order_learned(status)
    client._add_log(f"Algo order {algo_id} {c.symbol} {status.status}")
    return status


async def open_algo_orders(client: MarketDataMixin, symbol: str | None = None
                           ) -> list[OrderStatus]:
    params = {"symbol": symbol} if symbol else {}
    data = await client._rest.request("GET", "/fapi/v1/openAlgoOrders", params,
                                      security="SIGNED")
    rows = data.get("orders", data) if isinstance(data, dict) else data
    out = [algo_from(d) for d in rows]
    client._account.algo_ids.update(o.order_id for o in out)
    return out


__all__ = ["algo_from", "algo_params", "algo_status", "cancel_algo", "get_algo",
           "open_algo_orders", "place_algo"]
