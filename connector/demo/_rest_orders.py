"""Order REST endpoints of the demo exchange (signed): place, query, cancel, list, trades.

order POST/GET/DELETE, openOrders, allOrders, cancel-all (spot ``DELETE
openOrders``, futures ``allOpenOrders``); trade history is in ``_rest_market``.
"""

from __future__ import annotations

from typing import Any

from ._rest_call import PREFIXES, Call, Router
from ._rest_history import history_page
from ._wire import RejectError


def register_orders(api: Router) -> None:
    for prefix, futures in PREFIXES:
        api.add_route(futures, "POST", f"{prefix}/order", _new_order, "SIGNED", 1)
        api.add_route(futures, "GET", f"{prefix}/order", _get_order, "SIGNED", 4)
        api.add_route(futures, "DELETE", f"{prefix}/order", _cancel_order, "SIGNED", 1)
        api.add_route(futures, "GET", f"{prefix}/openOrders", _open_orders, "SIGNED", 6)
        api.add_route(futures, "GET", f"{prefix}/allOrders", _all_orders, "SIGNED", 20)
    api.add_route(False, "DELETE", "/api/v3/openOrders", _cancel_all, "SIGNED", 1)
    api.add_route(True, "DELETE", "/fapi/v1/allOpenOrders", _cancel_all, "SIGNED", 1)


def _new_order(call: Call) -> dict[str, Any]:
    e = call.engine
    client_id = call.get("newClientOrderId")
    if client_id is not None and (len(client_id) > 36 or not all(
            c.isalnum() or c in ".:/_-" for c in client_id)):
        raise RejectError(-1100, "Illegal characters found in parameter 'newClientOrderId'; "
                          "legal range is '^[\\.A-Z\\:/a-z0-9_-]{1,36}$'.")
    if e.futures and ((call.get("positionSide") or "BOTH") != "BOTH"
                      or e.account(call.api_key).dual_side):
        # one-way positions only (BOTH); the demo keeps no hedge-mode LONG/SHORT positions
        raise RejectError(-4061, "Order's position side does not match user's setting.")
    order, fills = e.place(
        call.api_key, symbol=call.need("symbol"), side=call.need("side"),
        type_=call.need("type"), quantity=call.decimal("quantity"), price=call.decimal("price"),
        time_in_force=call.get("timeInForce"), client_order_id=client_id,
        quote_qty=call.decimal("quoteOrderQty"),
        reduce_only=(call.get("reduceOnly") or "").lower() == "true",
        stop_price=None if e.futures else call.decimal("stopPrice"),
    )
    d = e.order_dict(order)
    if e.futures:
        if call.get("newOrderRespType") != "RESULT":
            # Binance answers the POST before matching reports back (ACK by default).
            d.update({"status": "NEW", "executedQty": "0", "cumQuote": "0",
                      "avgPrice": "0.00000"})
        return d
    resp_type = (call.get("newOrderRespType") or "FULL").upper()
    d["transactTime"] = order.time
    for k in ("time", "updateTime", "isWorking", "stopPrice", "icebergQty",
              "origQuoteOrderQty"):
        d.pop(k, None)
    if resp_type == "ACK":
        return {"symbol": d["symbol"], "orderId": d["orderId"], "orderListId": -1,
                "clientOrderId": d["clientOrderId"], "transactTime": order.time}
    if resp_type == "FULL":
        d["fills"] = fills
    return d


def _order_ref(call: Call) -> tuple[str, int | None, str | None]:
    symbol = call.symbol()
    order_id = call.int("orderId")
    client_id = call.get("origClientOrderId")
    if order_id is None and client_id is None:
        raise RejectError(-1102, "Param 'origClientOrderId' or 'orderId' must be sent, but both "
                          "were empty/null!")
    return symbol, order_id, client_id


def _get_order(call: Call) -> dict[str, Any]:
    symbol, order_id, client_id = _order_ref(call)
    return call.engine.order_dict(call.engine.find(call.api_key, symbol, order_id, client_id))


def _cancel_order(call: Call) -> dict[str, Any]:
    symbol, order_id, client_id = _order_ref(call)
    order = call.engine.cancel(call.api_key, symbol, order_id, client_id)
    d = call.engine.order_dict(order)
    if not call.engine.futures:
        d["origClientOrderId"] = d["clientOrderId"]
        d["transactTime"] = order.update_time
    return d


def _cancel_all(call: Call) -> Any:
    orders = call.engine.cancel_all(call.api_key, call.symbol())
    if call.engine.futures:
        return {"code": 200, "msg": "The operation of cancel all open order is done."}
    return [call.engine.order_dict(o) for o in orders]


def _open_orders(call: Call) -> list[dict[str, Any]]:
    symbol = call.symbol() if call.get("symbol") else None
    return call.engine.open_orders(call.api_key, symbol)


def _all_orders(call: Call) -> list[dict[str, Any]]:
    symbol = call.symbol()
    rows = [o for o in call.engine.orders(call.api_key) if o["symbol"] == symbol]
    return history_page(call, rows, "orderId", "orderId")
