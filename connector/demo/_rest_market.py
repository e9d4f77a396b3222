"""Market-data and trade-history REST endpoints of the demo that peers (ccxt, python-binance) call.

``depth`` reads the stream hub's book, so a snapshot and the diff streams
share one sequence of update ids. Registered into the same dispatcher as
every other route (``register``), so weights, keys and faults apply alike.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ._brackets import brackets
from ._engine import Market, RejectError, fmt, now_ms

if TYPE_CHECKING:
    from ._rest import RestApi
    from ._rest_call import Call

_FUTURES_DEPTH_LIMITS = (5, 10, 20, 50, 100, 500, 1000)


def register(api: RestApi) -> None:
    def depth(call: Call) -> dict[str, Any]:
        market: Market = "futures" if call.engine.futures else "spot"
        limit = call.int("limit")
        if market == "futures":
            limit = limit or 500
            if limit not in _FUTURES_DEPTH_LIMITS and not 1 <= limit <= 1000:
                raise RejectError(-1130, "Invalid data sent for a parameter.")
        else:
            limit = limit or 100
            if not 1 <= limit <= 5000:
                raise RejectError(-1130, "Invalid data sent for a parameter: limit must be "
                                  "between 1 and 5000.")
        return api.ex.hub.depth_snapshot(market, call.symbol(), min(limit, 5000))

    for prefix, futures in (("/api/v3", False), ("/fapi/v1", True)):
        api.add_route(futures, "GET", f"{prefix}/depth", depth, "NONE", 5)
    api.add_route(True, "GET", "/fapi/v2/ticker/price", _ticker_price, "NONE", 1)
    api.add_route(True, "GET", "/fapi/v1/leverageBracket", _leverage_bracket, "SIGNED", 1)
    api.add_route(False, "GET", "/api/v3/myTrades", _my_trades, "SIGNED", 20)
    api.add_route(True, "GET", "/fapi/v1/userTrades", _my_trades, "SIGNED", 5)


def _ticker_price(call: Call) -> Any:
    e = call.engine

    def one(symbol: str) -> dict[str, Any]:
        return {"symbol": symbol, "price": fmt(e.books[symbol].last), "time": now_ms()}

    if call.get("symbol"):
        return one(call.symbol())
    return [one(s) for s in e.symbols()]


def _leverage_bracket(call: Call) -> Any:
    def one(symbol: str) -> dict[str, Any]:
        return {"symbol": symbol, "brackets": [
            {"bracket": b.bracket, "initialLeverage": b.initial_leverage,
             "notionalCap": _number(b.notional_cap), "notionalFloor": _number(b.notional_floor),
             "maintMarginRatio": _number(b.maint_margin_ratio), "cum": _number(b.cum)}
            for b in brackets(symbol)]}

    if call.get("symbol"):
        return one(call.symbol())
    return [one(s) for s in call.engine.symbols()]


def _number(d: Any) -> int | float:
    """Binance sends bracket figures as JSON numbers, not strings."""
    return int(d) if d == int(d) else float(d)


def _my_trades(call: Call) -> list[dict[str, Any]]:
    """Spot ``myTrades`` / futures ``userTrades``, each in its market's own field names."""
    e = call.engine
    symbol = call.symbol()
    limit = call.int("limit") or 500
    if not 1 <= limit <= 1000:
        raise RejectError(-1130, "Invalid data sent for a parameter: limit must be between 1 "
                          "and 1000.")
    order_id, start, end, from_id = (call.int("orderId"), call.int("startTime"),
                                     call.int("endTime"), call.int("fromId"))
    rows = []
    for t in e.my_trades(call.api_key, symbol):
        if order_id is not None and t["orderId"] != order_id:
            continue
        if (start is not None and t["time"] < start) or (end is not None and t["time"] > end):
            continue
        if from_id is not None and t["id"] < from_id:
            continue
        rows.append(_futures_row(t) if e.futures else _spot_row(t))
    # from an id or a start time: the oldest first; otherwise the most recent
    return rows[:limit] if from_id is not None or start is not None else rows[-limit:]


_SPOT_ROW: tuple[tuple[str, Callable[[dict[str, Any]], Any]], ...] = (
    ("symbol", lambda t: t["symbol"]), ("id", lambda t: t["id"]),
    ("orderId", lambda t: t["orderId"]), ("orderListId", lambda t: t.get("orderListId", -1)),
    ("price", lambda t: t["price"]), ("qty", lambda t: t["qty"]),
    ("quoteQty", lambda t: t["quoteQty"]), ("commission", lambda t: t["commission"]),
    ("commissionAsset", lambda t: t["commissionAsset"]), ("time", lambda t: t["time"]),
    ("isBuyer", lambda t: t["isBuyer"]), ("isMaker", lambda t: t["isMaker"]),
    ("isBestMatch", lambda t: True),
)


def _spot_row(t: dict[str, Any]) -> dict[str, Any]:
    return {name: get(t) for name, get in _SPOT_ROW}


def _futures_row(t: dict[str, Any]) -> dict[str, Any]:
    return {
        "buyer": t["isBuyer"], "commission": t["commission"],
        "commissionAsset": t["commissionAsset"], "id": t["id"], "maker": t["isMaker"],
        "orderId": t["orderId"], "price": t["price"], "qty": t["qty"],
        "quoteQty": t["quoteQty"], "realizedPnl": t.get("realizedPnl", "0"),
        "side": t["side"], "positionSide": t.get("positionSide", "BOTH"),
        "marginAsset": t.get("marginAsset", "USDT"), "symbol": t["symbol"], "time": t["time"],
    }
