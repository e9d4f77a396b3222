"""Spot (``/api/v3``) and USD-M futures (``/fapi``) REST endpoints of the demo exchange.

One table maps (method, path) to a handler, its security type and its request
weight; one dispatcher applies what Binance applies to every request: the IP
ban, the weight counter, the API key, the signature, the timestamp window and
injected faults. Handlers only speak the engine.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import orjson
from aiohttp import web

from ._auth import strip_signature, verify_signature
from ._engine import MarketEngine, RejectError, fmt, now_ms
from ._record import RecordedRequest

if TYPE_CHECKING:
    from . import DemoExchange

Handler = Callable[["Call"], Any]

WEIGHT_LIMIT_1M = 6000


@dataclass(slots=True)
class Call:
    """One request as a handler sees it."""

    engine: MarketEngine
    params: dict[str, str]
    api_key: str

    def get(self, name: str) -> str | None:
        value = self.params.get(name)
        return value if value not in (None, "") else None

    def need(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise RejectError(-1102, f"Mandatory parameter '{name}' was not sent, was empty/null,"
                              f" or malformed.")
        return value

    def decimal(self, name: str) -> Decimal | None:
        raw = self.get(name)
        if raw is None:
            return None
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise RejectError(-1100, f"Illegal characters found in parameter '{name}'; legal "
                              f"range is '^([0-9]{{1,20}})(\\.[0-9]{{1,20}})?$'.") from None
        if not value.is_finite():
            raise RejectError(-1100, f"Illegal characters found in parameter '{name}'.")
        return value

    def int(self, name: str) -> int | None:
        raw = self.get(name)
        if raw is None:
            return None
        try:
            return int(raw)
        except ValueError:
            raise RejectError(-1100, f"Illegal characters found in parameter '{name}'; legal "
                              f"range is '^[0-9]{{1,20}}$'.") from None

    def symbol(self) -> str:
        return self.engine.spec(self.need("symbol")).symbol


@dataclass(frozen=True, slots=True)
class Route:
    handler: Handler
    security: str  # NONE, API_KEY, SIGNED
    weight: int


class RestApi:
    def __init__(self, exchange: DemoExchange) -> None:
        self.ex = exchange
        self._weight_minute = 0
        self._weight_used = 0
        self._orders_10s: deque[float] = deque()
        self._orders_1d: deque[float] = deque()
        self.routes: dict[tuple[str, str], tuple[Route, bool]] = {}
        spot, fut = False, True
        for prefix, futures in (("/api/v3", spot), ("/fapi/v1", fut)):
            self._add(futures, "GET", f"{prefix}/ping", _ping, "NONE", 1)
            self._add(futures, "GET", f"{prefix}/time", self._time, "NONE", 1)
            self._add(futures, "GET", f"{prefix}/exchangeInfo", _exchange_info, "NONE", 20)
            self._add(futures, "GET", f"{prefix}/klines", _klines, "NONE", 2)
            self._add(futures, "GET", f"{prefix}/depth", _depth, "NONE", 5)
            self._add(futures, "GET", f"{prefix}/ticker/bookTicker", _book_ticker, "NONE", 2)
            self._add(futures, "GET", f"{prefix}/ticker/price", _ticker_price, "NONE", 2)
            self._add(futures, "GET", f"{prefix}/ticker/24hr", _ticker_24hr, "NONE", 2)
            self._add(futures, "POST", f"{prefix}/order", _new_order, "SIGNED", 1)
            self._add(futures, "GET", f"{prefix}/order", _get_order, "SIGNED", 4)
            self._add(futures, "DELETE", f"{prefix}/order", _cancel_order, "SIGNED", 1)
            self._add(futures, "GET", f"{prefix}/openOrders", _open_orders, "SIGNED", 6)
            self._add(futures, "GET", f"{prefix}/allOrders", _all_orders, "SIGNED", 20)
        self._add(spot, "DELETE", "/api/v3/openOrders", _cancel_all, "SIGNED", 1)
        self._add(fut, "DELETE", "/fapi/v1/allOpenOrders", _cancel_all, "SIGNED", 1)
        self._add(spot, "GET", "/api/v3/account", _spot_account, "SIGNED", 20)
        self._add(spot, "GET", "/api/v3/myTrades", _my_trades, "SIGNED", 20)
        self._add(fut, "GET", "/fapi/v1/userTrades", _my_trades, "SIGNED", 5)
        self._add(fut, "GET", "/fapi/v1/premiumIndex", _premium_index, "NONE", 1)
        for version in ("v2", "v3"):
            self._add(fut, "GET", f"/fapi/{version}/account", _futures_account, "SIGNED", 5)
            self._add(fut, "GET", f"/fapi/{version}/balance", _futures_balance, "SIGNED", 5)
            self._add(fut, "GET", f"/fapi/{version}/positionRisk", _position_risk, "SIGNED", 5)

    def _add(self, futures: bool, method: str, path: str, handler: Handler, security: str,
             weight: int) -> None:
        self.routes[(method, path)] = (Route(handler, security, weight), futures)

    def add_route(self, futures: bool, method: str, path: str, handler: Handler, security: str,
                  weight: int = 1) -> None:
        """For other parts of the demo (the listenKey endpoints) to join the same dispatcher."""
        self._add(futures, method, path, handler, security, weight)

    def register(self, app: web.Application) -> None:
        app.router.add_route("*", "/api/{tail:.*}", self.dispatch)
        app.router.add_route("*", "/fapi/{tail:.*}", self.dispatch)

    # -- the dispatcher ----------------------------------------------------------------

    async def dispatch(self, request: web.Request) -> web.StreamResponse:
        raw_query = request.rel_url.raw_query_string
        raw_body = ""
        if request.can_read_body:
            raw_body = (await request.read()).decode("utf-8", "replace")
        params = dict(parse_qsl(raw_query, keep_blank_values=True))
        if raw_body and request.content_type in ("application/x-www-form-urlencoded", "",
                                                   "application/octet-stream", "text/plain"):
            params.update(parse_qsl(raw_body, keep_blank_values=True))
        api_key = request.headers.get("X-MBX-APIKEY")
        status, body, headers = await self._handle(request, raw_query, raw_body, params, api_key)
        self.ex.requests.append(RecordedRequest(request.method, request.path, params, api_key,
                                                status, time.time()))
        return web.Response(status=status, body=orjson.dumps(body),
                            content_type="application/json", headers=headers)

    async def _handle(self, request: web.Request, raw_query: str, raw_body: str,
                      params: dict[str, str], api_key: str | None
                      ) -> tuple[int, Any, dict[str, str]]:
        faults = self.ex.faults
        if faults.latency:
            await asyncio.sleep(faults.latency)
        now = time.time()
        if faults.banned_until > now:
            wait = int(faults.banned_until - now) + 1
            return 418, {"code": -1003, "msg": f"Way too many requests; IP banned until "
                         f"{int(faults.banned_until * 1000)}. Please use the websocket for live "
                         f"updates to avoid bans."}, {"Retry-After": str(wait)}
        entry = self.routes.get((request.method, request.path))
        if entry is None:
            return 404, {"code": -5, "msg": "Not found"}, {}
        route, futures = entry
        used = self._count_weight(route.weight, now)
        headers = {"X-MBX-USED-WEIGHT-1M": str(used), "X-MBX-USED-WEIGHT": str(used)}
        if used > WEIGHT_LIMIT_1M:
            return 429, {"code": -1003, "msg": "Too many requests; current limit of IP is "
                         f"{WEIGHT_LIMIT_1M} requests per minute."}, {**headers,
                                                                       "Retry-After": "60"}
        fault = faults.take(request.path, request.method)
        if fault is not None and not fault.after_accept:
            if fault.delay:
                await asyncio.sleep(fault.delay)
            else:
                return self._fault_response(fault, headers)
        engine = self.ex.futures if futures else self.ex.spot
        try:
            key = self._authenticate(route, raw_query, raw_body, params, api_key)
            call = Call(engine, params, key or "")
            result = route.handler(call)
            if asyncio.iscoroutine(result):
                result = await result
        except RejectError as exc:
            return exc.status, {"code": exc.code, "msg": exc.msg}, headers
        if request.method == "POST" and request.path.endswith("/order"):
            headers.update(self._count_order(now))
        if fault is not None and fault.after_accept:
            if fault.delay:
                await asyncio.sleep(fault.delay)
            else:
                return self._fault_response(fault, headers)
        return 200, result, headers

    @staticmethod
    def _fault_response(fault: Any, headers: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        extra = dict(headers)
        if fault.retry_after is not None:
            extra["Retry-After"] = str(fault.retry_after)
        if fault.code is None and fault.status >= 500:
            return fault.status, {"code": -1000,
                                  "msg": fault.msg or "An unknown error occurred while processing "
                                  "the request."}, extra
        code = fault.code if fault.code is not None else -1003
        msg = fault.msg or {
            -1003: "Too many requests; please use the websocket for live updates.",
            -1006: "An unexpected response was received from the message bus. Execution status "
                   "unknown.",
            -1007: "Timeout waiting for response from backend server. Send status unknown; "
                   "execution status unknown.",
            -2015: "Invalid API-key, IP, or permissions for action.",
        }.get(code, "Injected fault.")
        return fault.status, {"code": code, "msg": msg}, extra

    def _count_weight(self, weight: int, now: float) -> int:
        """Weight used in the current minute (Binance counts per calendar minute)."""
        minute = int(now // 60)
        if minute != self._weight_minute:
            self._weight_minute, self._weight_used = minute, 0
        self._weight_used += weight
        return self._weight_used

    def _count_order(self, now: float) -> dict[str, str]:
        recent, day = self._orders_10s, self._orders_1d
        recent.append(now)
        day.append(now)
        while recent and recent[0] <= now - 10:
            recent.popleft()
        while day and day[0] <= now - 86_400:
            day.popleft()
        return {"X-MBX-ORDER-COUNT-10S": str(len(recent)),
                "X-MBX-ORDER-COUNT-1D": str(len(day))}

    def _authenticate(self, route: Route, raw_query: str, raw_body: str,
                      params: dict[str, str], api_key: str | None) -> str | None:
        if route.security == "NONE":
            return api_key
        if not api_key:
            raise RejectError(-2014, "API-key format invalid.", 401)
        secret = self.ex.secret_for(api_key)
        if secret is None:
            raise RejectError(-2015, "Invalid API-key, IP, or permissions for action.", 401)
        if route.security == "API_KEY":
            return api_key
        query_payload, query_sig = strip_signature(raw_query)
        body_payload, body_sig = strip_signature(raw_body)
        signature = query_sig or body_sig
        if signature is None:
            raise RejectError(-1102, "Mandatory parameter 'signature' was not sent, was "
                              "empty/null, or malformed.")
        if "timestamp" not in params:
            raise RejectError(-1102, "Mandatory parameter 'timestamp' was not sent, was "
                              "empty/null, or malformed.")
        if not verify_signature(secret, query_payload + body_payload, signature):
            raise RejectError(-1022, "Signature for this request is not valid.")
        try:
            timestamp = int(params["timestamp"])
            recv_window = int(params.get("recvWindow") or 5000)
        except ValueError:
            raise RejectError(-1100, "Illegal characters found in parameter 'timestamp'.") from None
        if recv_window > 60_000 or recv_window <= 0:
            raise RejectError(-1131, "recvWindow must be less than 60000")
        server_now = self.ex.server_time_ms()
        if timestamp > server_now + 1000 or server_now - timestamp > recv_window:
            raise RejectError(-1021, "Timestamp for this request is outside of the recvWindow."
                              if timestamp <= server_now + 1000 else
                              "Timestamp for this request was 1000ms ahead of the server's time.")
        return api_key

    def _time(self, call: Call) -> dict[str, Any]:
        return {"serverTime": self.ex.server_time_ms()}


# -- handlers ----------------------------------------------------------------------------


def _ping(call: Call) -> dict[str, Any]:
    return {}


def _exchange_info(call: Call) -> dict[str, Any]:
    e = call.engine
    symbols = []
    for spec in e.specs.values():
        filters: list[dict[str, Any]] = [
            {"filterType": "PRICE_FILTER", "minPrice": fmt(spec.tick),
             "maxPrice": fmt(spec.price * 1000), "tickSize": fmt(spec.tick)},
            {"filterType": "LOT_SIZE", "minQty": fmt(spec.min_qty), "maxQty": fmt(spec.max_qty),
             "stepSize": fmt(spec.step)},
            {"filterType": "MARKET_LOT_SIZE", "minQty": fmt(spec.min_qty),
             "maxQty": fmt(spec.max_qty / 10), "stepSize": fmt(spec.step)},
        ]
        if e.futures:
            filters.append({"filterType": "MIN_NOTIONAL", "notional": fmt(spec.min_notional, 0)
                            if spec.min_notional >= 1 else fmt(spec.min_notional)})
            filters.append({"filterType": "PERCENT_PRICE", "multiplierUp": "1.0500",
                            "multiplierDown": "0.9500", "multiplierDecimal": "4"})
            symbols.append({
                "symbol": spec.symbol, "pair": spec.symbol, "contractType": "PERPETUAL",
                "deliveryDate": 4133404800000, "onboardDate": 1569398400000,
                "status": spec.status, "maintMarginPercent": "2.5000",
                "requiredMarginPercent": "5.0000", "baseAsset": spec.base,
                "quoteAsset": spec.quote, "marginAsset": spec.quote,
                "pricePrecision": spec.price_precision,
                "quantityPrecision": spec.quantity_precision, "baseAssetPrecision": 8,
                "quotePrecision": 8, "underlyingType": "COIN", "triggerProtect": "0.0500",
                "filters": filters,
                "orderTypes": ["LIMIT", "MARKET", "STOP", "STOP_MARKET", "TAKE_PROFIT",
                               "TAKE_PROFIT_MARKET", "TRAILING_STOP_MARKET"],
                "timeInForce": ["GTC", "IOC", "FOK", "GTX"],
            })
        else:
            filters.append({"filterType": "NOTIONAL", "minNotional": fmt(spec.min_notional),
                            "applyMinToMarket": True, "maxNotional": "9000000.00000000",
                            "applyMaxToMarket": False, "avgPriceMins": 5})
            filters.append({"filterType": "MAX_NUM_ORDERS", "maxNumOrders": 200})
            symbols.append({
                "symbol": spec.symbol, "status": spec.status, "baseAsset": spec.base,
                "baseAssetPrecision": 8, "quoteAsset": spec.quote, "quotePrecision": 8,
                "quoteAssetPrecision": 8, "baseCommissionPrecision": 8,
                "quoteCommissionPrecision": 8,
                "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS_LIMIT",
                               "TAKE_PROFIT_LIMIT"],
                "icebergAllowed": True, "ocoAllowed": True, "otoAllowed": True,
                "quoteOrderQtyMarketAllowed": True, "allowTrailingStop": True,
                "cancelReplaceAllowed": True, "isSpotTradingAllowed": True,
                "isMarginTradingAllowed": False, "filters": filters,
                "permissions": [], "permissionSets": [["SPOT"]],
                "defaultSelfTradePreventionMode": "EXPIRE_MAKER",
                "allowedSelfTradePreventionModes": ["NONE", "EXPIRE_TAKER", "EXPIRE_MAKER",
                                                    "EXPIRE_BOTH"],
            })
    limits = [
        {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1,
         "limit": WEIGHT_LIMIT_1M},
        {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 100},
        {"rateLimitType": "ORDERS", "interval": "DAY", "intervalNum": 1, "limit": 200000},
    ]
    info: dict[str, Any] = {"timezone": "UTC", "serverTime": now_ms(), "rateLimits": limits,
                            "exchangeFilters": [], "symbols": symbols}
    if e.futures:
        info["assets"] = [{"asset": a, "marginAvailable": True, "autoAssetExchange": "0"}
                          for a in ("USDT", "BTC", "ETH")]
        info["futuresType"] = "U_MARGINED"
    return info


def _klines(call: Call) -> list[list[Any]]:
    cap = 1500 if call.engine.futures else 1000
    limit = call.int("limit") or 500
    if limit < 1 or limit > cap:
        raise RejectError(-1130, f"Invalid data sent for a parameter: limit must be between 1 "
                          f"and {cap}.")
    return call.engine.klines(call.symbol(), call.need("interval"), limit,
                              call.int("startTime"), call.int("endTime"))


def _depth(call: Call) -> dict[str, Any]:
    e = call.engine
    symbol = call.symbol()
    spec = e.specs[symbol]
    bid, bid_qty, ask, ask_qty = e.book(symbol)
    limit = min(call.int("limit") or 100, 1000)
    bids = [[fmt(bid - spec.tick * i), fmt(bid_qty * (1 + i))] for i in range(limit)]
    asks = [[fmt(ask + spec.tick * i), fmt(ask_qty * (1 + i))] for i in range(limit)]
    out: dict[str, Any] = {"lastUpdateId": e.books[symbol].update_id, "bids": bids, "asks": asks}
    if e.futures:
        out.update({"E": now_ms(), "T": now_ms()})
    return out


def _book_one(e: MarketEngine, symbol: str) -> dict[str, Any]:
    bid, bid_qty, ask, ask_qty = e.book(symbol)
    out: dict[str, Any] = {"symbol": symbol, "bidPrice": fmt(bid), "bidQty": fmt(bid_qty),
                           "askPrice": fmt(ask), "askQty": fmt(ask_qty)}
    if e.futures:
        out["time"] = now_ms()
    return out


def _book_ticker(call: Call) -> Any:
    if call.get("symbol"):
        return _book_one(call.engine, call.symbol())
    return [_book_one(call.engine, s) for s in call.engine.symbols()]


def _ticker_price(call: Call) -> Any:
    e = call.engine

    def one(symbol: str) -> dict[str, Any]:
        out: dict[str, Any] = {"symbol": symbol, "price": fmt(e.books[symbol].last)}
        if e.futures:
            out["time"] = now_ms()
        return out

    if call.get("symbol"):
        return one(call.symbol())
    return [one(s) for s in e.symbols()]


def _ticker_24hr(call: Call) -> Any:
    if call.get("symbol"):
        return call.engine.ticker_24hr(call.symbol())
    return [call.engine.ticker_24hr(s) for s in call.engine.symbols()]


def _premium_index(call: Call) -> Any:
    e = call.engine

    def one(symbol: str) -> dict[str, Any]:
        mark = e.books[symbol].mid
        return {"symbol": symbol, "markPrice": fmt(mark), "indexPrice": fmt(mark),
                "estimatedSettlePrice": fmt(mark), "lastFundingRate": "0.00010000",
                "interestRate": "0.00010000", "nextFundingTime": now_ms() - now_ms() % 28_800_000
                + 28_800_000, "time": now_ms()}

    if call.get("symbol"):
        return one(call.symbol())
    return [one(s) for s in e.symbols()]


def _new_order(call: Call) -> dict[str, Any]:
    e = call.engine
    client_id = call.get("newClientOrderId")
    if client_id is not None and (len(client_id) > 36 or not all(
            c.isalnum() or c in ".:/_-" for c in client_id)):
        raise RejectError(-1100, "Illegal characters found in parameter 'newClientOrderId'; "
                          "legal range is '^[\\.A-Z\\:/a-z0-9_-]{1,36}$'.")
    order, fills = e.place(
        call.api_key, symbol=call.need("symbol"), side=call.need("side"),
        type_=call.need("type"), quantity=call.decimal("quantity"), price=call.decimal("price"),
        time_in_force=call.get("timeInForce"), client_order_id=client_id,
        quote_qty=call.decimal("quoteOrderQty"),
        reduce_only=(call.get("reduceOnly") or "").lower() == "true",
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
    return _history_page(call, rows, "orderId", "orderId")


def _my_trades(call: Call) -> list[dict[str, Any]]:
    rows = call.engine.my_trades(call.api_key, call.symbol())
    order_id = call.int("orderId")
    if order_id is not None:
        rows = [t for t in rows if t["orderId"] == order_id]
    return _history_page(call, rows, "fromId", "id")


# -- history paging (journal helper): Binance's limit, time span and id cursor rules ----------

HISTORY_SPAN_MS = {False: 24 * 3600 * 1000, True: 7 * 24 * 3600 * 1000}  # spot 24 h, futures 7 d


def _history_page(call: Call, rows: list[dict[str, Any]], id_param: str,
                  id_key: str) -> list[dict[str, Any]]:
    """``limit`` (default 500, max 1000), ``startTime``/``endTime`` (at most one span apart),
    and an id cursor (``orderId``/``fromId``: ids at or above it, oldest first); with neither
    a cursor nor a start, the most recent rows."""
    limit = call.int("limit") or 500
    if not 0 < limit <= 1000:
        raise RejectError(-1130, "Data sent for parameter 'limit' is not valid.")
    start, end, cursor = call.int("startTime"), call.int("endTime"), call.int(id_param)
    futures = call.engine.futures
    if start is not None and end is not None and end - start > HISTORY_SPAN_MS[futures]:
        raise RejectError(-1127, "More than 7 days between startTime and endTime." if futures
                          else "More than 24 hours between startTime and endTime.")
    timed = start is not None or end is not None
    if futures and id_param == "fromId" and cursor is not None and timed:
        raise RejectError(-1128, "The parameter fromId cannot be sent with startTime or endTime.")
    rows = sorted((r for r in rows if (cursor is None or r[id_key] >= cursor)
                   and (start is None or r["time"] >= start)
                   and (end is None or r["time"] <= end)), key=lambda r: int(r[id_key]))
    return rows[:limit] if cursor is not None or start is not None else rows[-limit:]


def _spot_account(call: Call) -> dict[str, Any]:
    balances = list(call.engine.balances(call.api_key).values())
    return {
        "makerCommission": 10, "takerCommission": 10, "buyerCommission": 0,
        "sellerCommission": 0,
        "commissionRates": {"maker": "0.00100000", "taker": "0.00100000", "buyer": "0.00000000",
                            "seller": "0.00000000"},
        "canTrade": True, "canWithdraw": True, "canDeposit": True, "brokered": False,
        "requireSelfTradePrevention": False, "preventSor": False, "updateTime": now_ms(),
        "accountType": "SPOT", "balances": balances, "permissions": ["SPOT"], "uid": 354937868,
    }


def _futures_account(call: Call) -> dict[str, Any]:
    e = call.engine
    assets = []
    for b in e.balances(call.api_key).values():
        assets.append({k: b[k] for k in (
            "asset", "walletBalance", "unrealizedProfit", "marginBalance", "maintMargin",
            "initialMargin", "positionInitialMargin", "openOrderInitialMargin",
            "crossWalletBalance", "crossUnPnl", "availableBalance", "maxWithdrawAmount",
            "updateTime")} | {"marginAvailable": True})
    usdt = e.futures_balance(call.api_key, "USDT")
    positions = [
        {"symbol": p["symbol"], "positionSide": "BOTH", "positionAmt": p["positionAmt"],
         "unrealizedProfit": p["unRealizedProfit"], "isolatedMargin": "0",
         "notional": p["notional"], "isolatedWallet": "0", "initialMargin": p["initialMargin"],
         "maintMargin": "0", "updateTime": p["updateTime"], "entryPrice": p["entryPrice"],
         "leverage": p["leverage"]}
        for p in e.positions(call.api_key) if Decimal(p["positionAmt"]) != 0
    ]
    return {
        "feeTier": 0, "canTrade": True, "canDeposit": True, "canWithdraw": True,
        "updateTime": 0, "multiAssetsMargin": False,
        "totalInitialMargin": usdt["initialMargin"], "totalMaintMargin": usdt["maintMargin"],
        "totalWalletBalance": usdt["walletBalance"],
        "totalUnrealizedProfit": usdt["unrealizedProfit"],
        "totalMarginBalance": usdt["marginBalance"],
        "totalPositionInitialMargin": usdt["positionInitialMargin"],
        "totalOpenOrderInitialMargin": usdt["openOrderInitialMargin"],
        "totalCrossWalletBalance": usdt["crossWalletBalance"],
        "totalCrossUnPnl": usdt["crossUnPnl"], "availableBalance": usdt["availableBalance"],
        "maxWithdrawAmount": usdt["maxWithdrawAmount"], "assets": assets, "positions": positions,
    }


def _futures_balance(call: Call) -> list[dict[str, Any]]:
    keys = ("accountAlias", "asset", "balance", "crossWalletBalance", "crossUnPnl",
            "availableBalance", "maxWithdrawAmount", "marginAvailable", "updateTime")
    return [{k: b[k] for k in keys} for b in call.engine.balances(call.api_key).values()]


def _position_risk(call: Call) -> list[dict[str, Any]]:
    symbol = call.symbol() if call.get("symbol") else None
    return call.engine.positions(call.api_key, symbol)


AsyncHandler = Callable[[Call], Awaitable[Any]]
