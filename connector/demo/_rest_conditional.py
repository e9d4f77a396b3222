"""Conditional-order endpoints of the demo: futures algo orders, spot OCO lists, amends.

Futures: ``POST/GET/DELETE /fapi/v1/algoOrder``, ``GET /fapi/v1/openAlgoOrders``,
``DELETE /fapi/v1/algoOpenOrders`` and order modify ``PUT /fapi/v1/order``
(LIMIT only). Spot: ``POST /api/v3/orderList/oco``, ``GET/DELETE
/api/v3/orderList``, ``GET /api/v3/openOrderList`` and ``POST
/api/v3/order/cancelReplace`` with Binance's failure reports.
"""

from __future__ import annotations

from typing import Any

from ._algo import algo_dict
from ._oco import Leg, find_list, list_dict, place_oco
from ._rest_call import Call, Router
from ._triggers import LIMIT_PRICED
from ._wire import ZERO, RejectError, now_ms


class RejectWithData(RejectError):
    """A refusal whose body carries ``data`` (cancelReplace says which half failed)."""

    def __init__(self, code: int, msg: str, status: int, data: dict[str, Any]) -> None:
        super().__init__(code, msg, status)
        self.data = data


def register_conditional(api: Router) -> None:
    api.add_route(True, "POST", "/fapi/v1/algoOrder", _new_algo, "SIGNED", 0)
    api.add_route(True, "GET", "/fapi/v1/algoOrder", _get_algo, "SIGNED", 1)
    api.add_route(True, "DELETE", "/fapi/v1/algoOrder", _cancel_algo, "SIGNED", 1)
    api.add_route(True, "GET", "/fapi/v1/openAlgoOrders", _open_algos, "SIGNED", 1)
    api.add_route(True, "DELETE", "/fapi/v1/algoOpenOrders", _cancel_algos, "SIGNED", 1)
    api.add_route(True, "PUT", "/fapi/v1/order", _modify, "SIGNED", 1)
    api.add_route(False, "POST", "/api/v3/orderList/oco", _new_oco, "SIGNED", 1)
    api.add_route(False, "GET", "/api/v3/orderList", _get_list, "SIGNED", 4)
    api.add_route(False, "DELETE", "/api/v3/orderList", _cancel_list, "SIGNED", 1)
    api.add_route(False, "GET", "/api/v3/openOrderList", _open_lists, "SIGNED", 6)
    api.add_route(False, "POST", "/api/v3/order/cancelReplace", _cancel_replace, "SIGNED", 1)


def _flag(call: Call, name: str) -> bool:
    return (call.get(name) or "").lower() == "true"


# -- futures algo orders -----------------------------------------------------------------

def _new_algo(call: Call) -> dict[str, Any]:
    if (call.get("algoType") or "").upper() != "CONDITIONAL":
        raise RejectError(-1116, "Invalid algoType; only CONDITIONAL is supported.")
    algo = call.engine.algo.place(
        call.api_key, symbol=call.need("symbol"), side=call.need("side"),
        order_type=call.need("type"), quantity=call.decimal("quantity"),
        price=call.decimal("price"), trigger_price=call.decimal("triggerPrice"),
        time_in_force=call.get("timeInForce"), working_type=call.get("workingType"),
        reduce_only=_flag(call, "reduceOnly"), callback_rate=call.decimal("callbackRate"),
        activate_price=call.decimal("activatePrice"), client_algo_id=call.get("clientAlgoId"))
    return algo_dict(algo)


def _algo_ref(call: Call) -> tuple[int | None, str | None]:
    algo_id, client_id = call.int("algoId"), call.get("clientAlgoId")
    if algo_id is None and client_id is None:
        raise RejectError(-1102, "Param 'algoId' or 'clientAlgoId' must be sent, but both were "
                          "empty/null!")
    return algo_id, client_id


def _get_algo(call: Call) -> dict[str, Any]:
    return algo_dict(call.engine.algo.find(call.api_key, *_algo_ref(call)))


def _cancel_algo(call: Call) -> dict[str, Any]:
    algo = call.engine.algo.cancel(call.api_key, *_algo_ref(call))
    return {"algoId": algo.algo_id, "clientAlgoId": algo.client_algo_id, "code": "200",
            "msg": "success"}


def _open_algos(call: Call) -> list[dict[str, Any]]:
    symbol = call.symbol() if call.get("symbol") else None
    return [algo_dict(a) for a in call.engine.algo.open_orders(call.api_key, symbol)]


def _cancel_algos(call: Call) -> dict[str, Any]:
    for algo in call.engine.algo.open_orders(call.api_key, call.symbol()):
        call.engine.algo.cancel(call.api_key, algo.algo_id, None)
    return {"code": 200, "msg": "The operation of cancel all open order is done."}


def _modify(call: Call) -> dict[str, Any]:
    """``PUT /fapi/v1/order``: a resting LIMIT order gets a new price/quantity, same id."""
    e = call.engine
    symbol = call.symbol()
    order = e.find(call.api_key, symbol, call.int("orderId"), call.get("origClientOrderId"))
    if not order.is_open:
        raise RejectError(-2013, "Order does not exist.")
    if order.type != "LIMIT":
        raise RejectError(-4028, "Only LIMIT orders can be modified.")
    if call.need("side").upper() != order.side:
        raise RejectError(-4028, "The side of an order cannot be modified.")
    price, qty = call.decimal("price"), call.decimal("quantity")
    spec = e.specs[symbol]
    if price is None or qty is None:
        raise RejectError(-1102, "Mandatory parameter 'price' and 'quantity' must be sent.")
    if price <= 0 or price % spec.tick != 0:
        raise RejectError(-4014, "Price not increased by tick size.")
    if qty <= order.executed_qty or qty % spec.step != 0:
        raise RejectError(-4003 if qty <= order.executed_qty else -1111,
                          "Quantity less than or equal to the executed quantity."
                          if qty <= order.executed_qty else
                          "Precision is over the maximum defined for this asset.")
    acct = e.account(call.api_key)
    old = order.price, order.orig_qty
    e._release(acct, spec, order, order.locked)
    order.price, order.orig_qty = price, qty
    try:
        e._reserve(acct, spec, order, price)
    except RejectError:
        order.price, order.orig_qty = old
        e._reserve(acct, spec, order, order.price)
        raise
    order.update_time = now_ms()
    e.sink.order_update(e.market, call.api_key, e.order_dict(order), "AMENDMENT", ZERO, ZERO,
                        ZERO, None, -1, False, order.update_time)
    book = e.books[symbol]
    if book.ask <= price if order.side == "BUY" else book.bid >= price:
        e._fill(order, qty - order.executed_qty, book.ask if order.side == "BUY" else book.bid,
                maker=False)
    return e.order_dict(order)


# -- spot order lists -------------------------------------------------------------------

def _leg(call: Call, where: str) -> Leg:
    return Leg(call.need(f"{where}Type").upper(), call.decimal(f"{where}Price"),
               call.decimal(f"{where}StopPrice"), call.get(f"{where}TimeInForce"),
               call.get(f"{where}ClientOrderId"))


def _new_oco(call: Call) -> dict[str, Any]:
    order_list = place_oco(call.engine, call.api_key, symbol=call.need("symbol"),
                           side=call.need("side"), quantity=call.decimal("quantity"),
                           above=_leg(call, "above"), below=_leg(call, "below"),
                           list_client_id=call.get("listClientOrderId"))
    return list_dict(call.engine, order_list, reports=True)


def _get_list(call: Call) -> dict[str, Any]:
    list_id, client_id = call.int("orderListId"), call.get("origClientOrderId")
    if list_id is None and client_id is None:
        raise RejectError(-1102, "Param 'orderListId' or 'origClientOrderId' must be sent.")
    return list_dict(call.engine, find_list(call.engine, call.api_key, list_id, client_id))


def _cancel_list(call: Call) -> dict[str, Any]:
    e = call.engine
    order_list = find_list(e, call.api_key, call.int("orderListId"),
                           call.get("listClientOrderId"))
    if order_list.status == "ALL_DONE":
        raise RejectError(-2011, "Unknown order list sent.")
    for oid in order_list.order_ids:
        if e.orders_by_id[oid].is_open:
            e.cancel(call.api_key, order_list.symbol, oid, None)
    return list_dict(e, order_list, reports=True)


def _open_lists(call: Call) -> list[dict[str, Any]]:
    return [list_dict(call.engine, o) for o in call.engine.order_lists.values()
            if o.api_key == call.api_key and o.status == "EXECUTING"]


# -- spot cancel-replace -----------------------------------------------------------------

def _error(exc: RejectError) -> dict[str, Any]:
    return {"code": exc.code, "msg": exc.msg}


def _cancel_replace(call: Call) -> dict[str, Any]:
    """Cancel one order and place another: STOP_ON_FAILURE or ALLOW_FAILURE, as Binance."""
    e = call.engine
    mode = (call.need("cancelReplaceMode")).upper()
    if mode not in ("STOP_ON_FAILURE", "ALLOW_FAILURE"):
        raise RejectError(-1100, "Illegal characters found in parameter 'cancelReplaceMode'.")
    symbol = call.symbol()
    order_id, client_id = call.int("cancelOrderId"), call.get("cancelOrigClientOrderId")
    if order_id is None and client_id is None:
        raise RejectError(-1102, "Param 'cancelOrigClientOrderId' or 'cancelOrderId' must be "
                          "sent, but both were empty/null!")
    data: dict[str, Any] = {"cancelResult": "SUCCESS", "newOrderResult": "SUCCESS",
                            "cancelResponse": None, "newOrderResponse": None}
    try:
        cancelled = e.cancel(call.api_key, symbol, order_id, client_id)
        data["cancelResponse"] = {**e.order_dict(cancelled),
                                  "origClientOrderId": cancelled.client_order_id}
    except RejectError as exc:
        data["cancelResult"], data["cancelResponse"] = "FAILURE", _error(exc)
        if mode == "STOP_ON_FAILURE":
            data["newOrderResult"] = "NOT_ATTEMPTED"
            raise RejectWithData(-2022, "Order cancel-replace failed.", 400, data) from None
    try:
        order, fills = e.place(
            call.api_key, symbol=symbol, side=call.need("side"), type_=call.need("type"),
            quantity=call.decimal("quantity"), price=call.decimal("price"),
            time_in_force=call.get("timeInForce"), client_order_id=call.get("newClientOrderId"),
            stop_price=call.decimal("stopPrice"))
    except RejectError as exc:
        data["newOrderResult"], data["newOrderResponse"] = "FAILURE", _error(exc)
        if data["cancelResult"] == "FAILURE":
            raise RejectWithData(-2022, "Order cancel-replace failed.", 400, data) from None
        raise RejectWithData(-2021, "Order cancel-replace partially failed.", 409,
                             data) from None
    response = {**e.order_dict(order), "transactTime": order.time, "fills": fills}
    data["newOrderResponse"] = response
    if data["cancelResult"] == "FAILURE":
        raise RejectWithData(-2021, "Order cancel-replace partially failed.", 409, data)
    return data


__all__ = ["LIMIT_PRICED", "RejectWithData", "register_conditional"]
