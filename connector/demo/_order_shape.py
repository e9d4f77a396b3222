"""An order as Binance's wire shows it, spot and USD-M futures."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._wire import fmt

if TYPE_CHECKING:
    from ._order import Order


def order_dict(o: Order, *, futures: bool) -> dict[str, Any]:
    """Binance's order shape (POST/GET/DELETE order, openOrders, allOrders)."""
    d: dict[str, Any] = {
        "symbol": o.symbol, "orderId": o.order_id, "clientOrderId": o.client_order_id,
        "price": fmt(o.price), "origQty": fmt(o.orig_qty),
        "executedQty": fmt(o.executed_qty), "status": o.status,
        "timeInForce": o.time_in_force, "type": o.type, "side": o.side,
        "time": o.time, "updateTime": o.update_time,
    }
    if futures:
        d.update({
            "avgPrice": fmt(o.avg_price, 5),
            "cumQuote": fmt(o.cum_quote), "reduceOnly": o.reduce_only,
            "closePosition": False, "positionSide": "BOTH", "stopPrice": fmt(o.stop_price),
            "workingType": "CONTRACT_PRICE", "priceProtect": False,
            "origType": o.orig_type or o.type,
            "priceMatch": "NONE", "selfTradePreventionMode": "NONE", "goodTillDate": 0,
        })
    else:
        d.update({
            "orderListId": o.order_list_id, "cummulativeQuoteQty": fmt(o.cum_quote),
            "stopPrice": fmt(o.stop_price), "icebergQty": "0",
            "isWorking": o.is_open and o.working, "workingTime": o.time if o.working else -1,
            "origQuoteOrderQty": "0", "selfTradePreventionMode": "EXPIRE_MAKER",
        })
    return d
