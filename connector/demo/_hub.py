"""The demo exchange's WebSockets: market streams, the spot WS API and futures user streams.

The engines report every tick, trade, order change and balance change here
(``EventSink``). Each message is serialized once and queued to every socket
subscribed to it; a sender task per socket writes it out, so one slow client
never holds up the engine or the others.

Paths: without a prefix (``/ws``, ``/stream``) the market is **spot**; under
``/public``, ``/market``, ``/private`` or ``/fut`` it is **USD-M futures**.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

import orjson
from aiohttp import WSMsgType, web

from ._auth import verify_signature
from ._engine import INTERVAL_MS, Market, RejectError, fmt, now_ms
from ._record import RecordedWsMessage

if TYPE_CHECKING:
    from . import DemoExchange

MAX_STREAMS = 1024
QUEUE_LIMIT = 50_000  # a client this far behind is dropped, as Binance does
FUTURES_PREFIXES = ("/public", "/market", "/private", "/fut")
LISTEN_KEY_TTL = 3600.0


@dataclass(eq=False)
class Conn:
    """One client socket and what it wants."""

    ws: web.WebSocketResponse
    path: str
    market: Market
    kind: Literal["market", "wsapi", "user"]
    combined: bool = False
    streams: set[str] = field(default_factory=set)
    queue: deque[str] = field(default_factory=deque)
    wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    opened: float = field(default_factory=time.monotonic)
    last_pong: float = field(default_factory=time.monotonic)
    incoming: deque[float] = field(default_factory=deque)
    api_key: str = ""
    subscription_id: int | None = None
    listen_key: str = ""
    closed: bool = False

    def send(self, text: str) -> None:
        if self.closed:
            return
        if len(self.queue) >= QUEUE_LIMIT:
            self.closed = True
            self.wakeup.set()
            return
        self.queue.append(text)
        self.wakeup.set()


class StreamHub:
    def __init__(self, exchange: DemoExchange) -> None:
        self.ex = exchange
        self.conns: set[Conn] = set()
        self._subs: dict[tuple[Market, str], set[Conn]] = {}
        self._sub_ids = itertools.count(0)
        self._listen_keys: dict[str, tuple[str, float]] = {}  # key -> (api_key, expires at)
        self._last_kline: dict[tuple[Market, str], float] = {}
        self._last_mini: dict[tuple[Market, str], float] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._housekeeper: asyncio.Task[None] | None = None
        self.listen_key_ttl = LISTEN_KEY_TTL

    # -- life cycle ------------------------------------------------------------------------

    def register_routes(self, app: web.Application) -> None:
        app.router.add_get("/ws-api/v3", self._ws_api)
        for prefix in ("", *FUTURES_PREFIXES):
            app.router.add_get(f"{prefix}/ws", self._market)
            app.router.add_get(f"{prefix}/ws/{{tail:.+}}", self._market)
            app.router.add_get(f"{prefix}/stream", self._market)
        rest = self.ex.rest_api
        for method, handler in (("POST", self._lk_create), ("PUT", self._lk_keepalive),
                                ("DELETE", self._lk_delete)):
            rest.add_route(True, method, "/fapi/v1/listenKey", handler, "API_KEY", 1)

    async def start(self) -> None:
        self._housekeeper = asyncio.create_task(self._housekeeping())

    async def close(self) -> None:
        if self._housekeeper:
            self._housekeeper.cancel()
            await asyncio.gather(self._housekeeper, return_exceptions=True)
        await self.drop_all()

    async def drop_all(self) -> None:
        for conn in list(self.conns):
            conn.closed = True
            conn.wakeup.set()
            with contextlib.suppress(Exception):
                await conn.ws.close(code=1001, message=b"dropped")

    def expire_listen_keys(self) -> None:
        for key in list(self._listen_keys):
            self._expire(key)

    def _expire(self, key: str) -> None:
        self._listen_keys.pop(key, None)
        msg = orjson.dumps({"e": "listenKeyExpired", "E": now_ms(), "listenKey": key}).decode()
        for conn in list(self.conns):
            if conn.kind == "user" and conn.listen_key == key:
                conn.send(msg)
                conn.listen_key = ""

    async def _housekeeping(self) -> None:
        """Pings, pong timeouts, connection lifetimes and listenKey expiry."""
        interval = min(self.ex.ping_interval, 1.0)
        last_ping = time.monotonic()
        while True:
            await asyncio.sleep(min(interval, 0.25))
            now = time.monotonic()
            faults = self.ex.faults
            ping_due = now - last_ping >= self.ex.ping_interval
            if ping_due:
                last_ping = now
            for conn in list(self.conns):
                if now - conn.opened > faults.max_connection_lifetime:
                    conn.closed = True
                    conn.wakeup.set()
                    continue
                if now - conn.last_pong > self.ex.pong_timeout:
                    conn.closed = True
                    conn.wakeup.set()
                    continue
                if ping_due and not faults.silent:
                    with contextlib.suppress(Exception):
                        await conn.ws.ping()
            wall = time.time()
            for key, (_, expires) in list(self._listen_keys.items()):
                if expires < wall:
                    self._expire(key)

    # -- sockets ---------------------------------------------------------------------------

    async def _run(self, request: web.Request, conn: Conn) -> web.WebSocketResponse:
        ws = conn.ws
        self.conns.add(conn)
        sender = asyncio.create_task(self._sender(conn))
        try:
            async for msg in ws:
                if msg.type == WSMsgType.PONG:
                    conn.last_pong = time.monotonic()
                elif msg.type == WSMsgType.PING:
                    if not self.ex.faults.silent:  # a dead peer answers nothing
                        await ws.pong(msg.data)
                elif msg.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                    data = msg.data if isinstance(msg.data, str) else msg.data.decode("utf-8",
                                                                                      "replace")
                    self.ex.ws_messages.append(RecordedWsMessage(conn.path, data, time.time()))
                    conn.last_pong = time.monotonic()
                    if conn.kind == "market" and self._over_rate(conn):
                        break
                    await self._on_text(conn, data)
                if conn.closed:
                    break
        finally:
            conn.closed = True
            conn.wakeup.set()
            self._forget(conn)
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await sender
            with contextlib.suppress(Exception):
                await ws.close()
        return ws

    def _over_rate(self, conn: Conn) -> bool:
        limit = 10 if conn.market == "futures" else 5
        now = time.monotonic()
        conn.incoming.append(now)
        while conn.incoming and conn.incoming[0] <= now - 1.0:
            conn.incoming.popleft()
        return len(conn.incoming) > limit

    async def _sender(self, conn: Conn) -> None:
        ws = conn.ws
        with contextlib.suppress(Exception):
            while not conn.closed:
                if not conn.queue:
                    conn.wakeup.clear()
                    await conn.wakeup.wait()
                    continue
                if self.ex.faults.silent:
                    conn.queue.clear()
                    continue
                text = conn.queue.popleft()
                if self.ex.faults.malformed_pending > 0 and conn.kind == "market":
                    self.ex.faults.malformed_pending -= 1
                    text = '{"stream": "btcusdt@bookTicker", "data": {"u": oops'
                await ws.send_str(text)
        if conn.closed:
            with contextlib.suppress(Exception):
                await ws.close()

    def _forget(self, conn: Conn) -> None:
        self.conns.discard(conn)
        for name in conn.streams:
            subs = self._subs.get((conn.market, name))
            if subs:
                subs.discard(conn)

    async def _market(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        futures = path.startswith(FUTURES_PREFIXES)
        market: Market = "futures" if futures else "spot"
        tail = request.match_info.get("tail", "")
        if tail and tail in self._listen_keys:
            return await self._user_stream(request, tail)
        if tail and "@" not in tail and not tail.startswith("!"):
            raise web.HTTPBadRequest(text="unknown listenKey or stream")
        ws = web.WebSocketResponse(autoping=False, max_msg_size=1 << 20)
        await ws.prepare(request)
        conn = Conn(ws, path, market, "market", combined=path.endswith("/stream"))
        initial = [s for s in (tail.split("/") if tail else request.query.get("streams", "")
                               .split("/")) if s]
        self._subscribe(conn, initial)
        return await self._run(request, conn)

    def _subscribe(self, conn: Conn, names: list[str]) -> str | None:
        names = [n if n.startswith("!") else _normal(n) for n in names]
        if len(conn.streams | set(names)) > MAX_STREAMS:
            return f"Invalid request: too many streams (max {MAX_STREAMS} per connection)"
        for name in names:
            if not _valid_stream(name):
                return f"Invalid request: invalid stream name '{name}'"
        for name in names:
            conn.streams.add(name)
            self._subs.setdefault((conn.market, name), set()).add(conn)
        return None

    async def _on_text(self, conn: Conn, data: str) -> None:
        if conn.kind == "wsapi":
            await self._ws_api_request(conn, data)
            return
        if conn.kind == "user":
            return
        try:
            req = orjson.loads(data)
            method = req["method"]
            req_id = req.get("id")
        except Exception:
            conn.send(orjson.dumps({"error": {"code": 3, "msg": "Invalid JSON: expected "
                                              "value at line 1 column 1"}}).decode())
            return
        params = req.get("params") or []
        if method == "SUBSCRIBE":
            error = self._subscribe(conn, [str(p) for p in params])
        elif method == "UNSUBSCRIBE":
            error = None
            for name in params:
                name = str(name) if str(name).startswith("!") else _normal(str(name))
                conn.streams.discard(name)
                self._subs.get((conn.market, name), set()).discard(conn)
        elif method == "LIST_SUBSCRIPTIONS":
            conn.send(orjson.dumps({"result": sorted(conn.streams), "id": req_id}).decode())
            return
        elif method == "SET_PROPERTY":
            error = None
            if params and params[0] == "combined":
                conn.combined = bool(params[1])
        elif method == "GET_PROPERTY":
            conn.send(orjson.dumps({"result": conn.combined, "id": req_id}).decode())
            return
        else:
            error = f"Invalid request: unknown method '{method}'"
        if error:
            conn.send(orjson.dumps({"error": {"code": 2, "msg": error}, "id": req_id}).decode())
        else:
            conn.send(orjson.dumps({"result": None, "id": req_id}).decode())

    # -- market events (EventSink) ---------------------------------------------------------

    def _publish(self, market: Market, name: str, data: dict[str, Any],
                 also: str | None = None) -> None:
        subs = self._subs.get((market, name))
        extra = self._subs.get((market, also)) if also else None
        if not subs and not extra:
            return
        raw: str | None = None
        combined: str | None = None
        for group, stream in ((subs, name), (extra, also)):
            if not group:
                continue
            for conn in tuple(group):
                if conn.combined:
                    if combined is None or stream != name:
                        combined = orjson.dumps({"stream": stream, "data": data}).decode()
                    conn.send(combined)
                else:
                    if raw is None:
                        raw = orjson.dumps(data).decode()
                    conn.send(raw)

    def book_ticker(self, market: Market, symbol: str, update_id: int, bid: Decimal,
                    bid_qty: Decimal, ask: Decimal, ask_qty: Decimal, time_ms: int) -> None:
        name = f"{symbol.lower()}@bookTicker"
        if (market, name) not in self._subs and (market, "!bookTicker") not in self._subs:
            return
        data: dict[str, Any]
        if market == "futures":
            data = {"e": "bookTicker", "u": update_id, "E": time_ms, "T": time_ms, "s": symbol,
                    "b": fmt(bid), "B": fmt(bid_qty), "a": fmt(ask), "A": fmt(ask_qty)}
        else:
            data = {"u": update_id, "s": symbol, "b": fmt(bid), "B": fmt(bid_qty), "a": fmt(ask),
                    "A": fmt(ask_qty)}
        self._publish(market, name, data, "!bookTicker")

    def trade(self, market: Market, symbol: str, agg_id: int, price: Decimal, qty: Decimal,
              first_trade_id: int, last_trade_id: int, time_ms: int,
              buyer_is_maker: bool) -> None:
        lower = symbol.lower()
        name = f"{lower}@aggTrade"
        if (market, name) in self._subs:
            data = {"e": "aggTrade", "E": time_ms, "s": symbol, "a": agg_id, "p": fmt(price),
                    "q": fmt(qty), "f": first_trade_id, "l": last_trade_id, "T": time_ms,
                    "m": buyer_is_maker}
            if market == "spot":
                data["M"] = True
            self._publish(market, name, data)
        now = time.monotonic()
        engine = self.ex.futures if market == "futures" else self.ex.spot
        for interval in INTERVAL_MS:
            kname = f"{lower}@kline_{interval}"
            if (market, kname) not in self._subs:
                continue
            if now - self._last_kline.get((market, kname), 0.0) < 0.25:
                continue
            self._last_kline[(market, kname)] = now
            row = engine.klines(symbol, interval, 1)[0]
            self._publish(market, kname, {
                "e": "kline", "E": time_ms, "s": symbol,
                "k": {"t": row[0], "T": row[6], "s": symbol, "i": interval, "f": first_trade_id,
                      "L": last_trade_id, "o": row[1], "c": row[4], "h": row[2], "l": row[3],
                      "v": row[5], "n": row[8], "x": False, "q": row[7], "V": row[9],
                      "Q": row[10], "B": "0"}})
        mname = f"{lower}@miniTicker"
        wants_all = (market, "!miniTicker@arr") in self._subs
        if ((market, mname) in self._subs or wants_all) and now - self._last_mini.get(
                (market, symbol), 0.0) >= 1.0:
            self._last_mini[(market, symbol)] = now
            t = engine.ticker_24hr(symbol)
            data = {"e": "24hrMiniTicker", "E": time_ms, "s": symbol, "c": t["lastPrice"],
                    "o": t["openPrice"], "h": t["highPrice"], "l": t["lowPrice"],
                    "v": t["volume"], "q": t["quoteVolume"]}
            self._publish(market, mname, data)
            if wants_all:
                self._publish(market, "!miniTicker@arr", [data])  # type: ignore[arg-type]

    # -- user data (EventSink) -------------------------------------------------------------

    def order_update(self, market: Market, api_key: str, order: dict[str, Any],
                     execution_type: str, last_qty: Decimal, last_price: Decimal,
                     commission: Decimal, commission_asset: str | None, trade_id: int,
                     is_maker: bool, time_ms: int, realized_pnl: Decimal = Decimal(0)) -> None:
        if market == "spot":
            event: dict[str, Any] = {
                "e": "executionReport", "E": time_ms, "s": order["symbol"],
                "c": order["clientOrderId"], "S": order["side"], "o": order["type"],
                "f": order["timeInForce"], "q": order["origQty"], "p": order["price"],
                "P": order.get("stopPrice", "0.00000000"), "F": "0.00000000",
                "g": order.get("orderListId", -1),
                "C": order["clientOrderId"] if execution_type == "CANCELED" else "",
                "x": execution_type, "X": order["status"], "r": "NONE", "i": order["orderId"],
                "l": fmt(last_qty), "z": order["executedQty"], "L": fmt(last_price),
                "n": fmt(commission), "N": commission_asset, "T": time_ms, "t": trade_id,
                "v": 0, "I": trade_id, "w": order.get("isWorking", True),
                "m": is_maker, "M": False, "O": order["time"],
                "Z": order["cummulativeQuoteQty"], "Y": fmt(last_qty * last_price),
                "Q": "0.00000000", "W": order["time"], "V": "EXPIRE_MAKER",
            }
            self._to_ws_api(api_key, event)
            return
        event = {
            "e": "ORDER_TRADE_UPDATE", "E": time_ms, "T": time_ms,
            "o": {"s": order["symbol"], "c": order["clientOrderId"], "S": order["side"],
                  "o": order["type"], "f": order["timeInForce"], "q": order["origQty"],
                  "p": order["price"], "ap": order["avgPrice"], "sp": order.get("stopPrice", "0"),
                  "x": "CALCULATED" if execution_type == "LIQUIDATION" else execution_type,
                  "X": order["status"], "i": order["orderId"], "l": fmt(last_qty),
                  "z": order["executedQty"], "L": fmt(last_price),
                  "N": commission_asset or "USDT", "n": fmt(commission), "T": time_ms,
                  "t": max(trade_id, 0), "b": "0", "a": "0", "m": is_maker,
                  "R": order.get("reduceOnly", False), "wt": "CONTRACT_PRICE",
                  "ot": order.get("origType", order["type"]), "ps": "BOTH", "cp": False,
                  "rp": fmt(realized_pnl),
                  "pP": False, "si": 0, "ss": 0, "V": "NONE", "pm": "NONE", "gtd": 0},
        }
        self._to_user_stream(api_key, event)

    def account_update(self, market: Market, api_key: str, balances: dict[str, dict[str, Any]],
                       reason: str, time_ms: int,
                       positions: list[dict[str, Any]] | None = None) -> None:
        if market == "spot":
            self._to_ws_api(api_key, {
                "e": "outboundAccountPosition", "E": time_ms, "u": time_ms,
                "B": [{"a": b["asset"], "f": b["free"], "l": b["locked"]}
                      for b in balances.values()]})
            return
        self._to_user_stream(api_key, {
            "e": "ACCOUNT_UPDATE", "E": time_ms, "T": time_ms,
            "a": {"m": reason,
                  "B": [{"a": b["asset"], "wb": b["walletBalance"], "cw": b["crossWalletBalance"],
                         "bc": "0"} for b in balances.values()],
                  "P": [{"s": p["symbol"], "pa": p["positionAmt"], "ep": p["entryPrice"],
                         "bep": p["breakEvenPrice"], "cr": "0", "up": p["unRealizedProfit"],
                         "mt": "cross", "iw": "0", "ps": "BOTH"} for p in positions or []]},
        })

    # -- conditional orders (EventSink; orders helper) ----------------------------------

    def algo_update(self, market: Market, api_key: str, algo: dict[str, Any],
                    time_ms: int) -> None:
        """Futures ``ALGO_UPDATE`` on the user stream."""
        self._to_user_stream(api_key, {"e": "ALGO_UPDATE", "T": time_ms, "E": time_ms, "o": {
            "caid": algo["clientAlgoId"], "aid": algo["algoId"], "at": algo["algoType"],
            "o": algo["orderType"], "s": algo["symbol"], "S": algo["side"], "ps": "BOTH",
            "f": algo["timeInForce"], "q": algo["quantity"], "X": algo["algoStatus"],
            "ai": algo["actualOrderId"], "ap": algo["avgPrice"], "aq": algo["executedQty"],
            "act": "0", "tp": algo["triggerPrice"], "p": algo["price"], "V": "EXPIRE_MAKER",
            "wt": algo["workingType"], "pm": "NONE", "cp": False, "pP": False,
            "R": algo["reduceOnly"], "tt": algo["triggerTime"], "gtd": 0,
            "rm": algo["rejectReason"]}})

    def list_status(self, market: Market, api_key: str, order_list: dict[str, Any],
                    time_ms: int) -> None:
        """Spot ``listStatus`` on the WebSocket API user stream."""
        self._to_ws_api(api_key, {
            "e": "listStatus", "E": time_ms, "s": order_list["symbol"],
            "g": order_list["orderListId"], "c": order_list["contingencyType"],
            "l": order_list["listStatusType"], "L": order_list["listOrderStatus"], "r": "NONE",
            "C": order_list["listClientOrderId"], "T": time_ms,
            "O": [{"s": o["symbol"], "i": o["orderId"], "c": o["clientOrderId"]}
                  for o in order_list["orders"]]})

    def _to_ws_api(self, api_key: str, event: dict[str, Any]) -> None:
        for conn in tuple(self.conns):
            if conn.kind == "wsapi" and conn.api_key == api_key and conn.subscription_id is not None:
                conn.send(orjson.dumps({"subscriptionId": conn.subscription_id,
                                        "event": event}).decode())

    def _to_user_stream(self, api_key: str, event: dict[str, Any]) -> None:
        text: str | None = None
        for conn in tuple(self.conns):
            if conn.kind == "user" and conn.api_key == api_key and conn.listen_key:
                text = text or orjson.dumps(event).decode()
                conn.send(text)

    # -- the spot WebSocket API ------------------------------------------------------------

    async def _ws_api(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(autoping=False, max_msg_size=1 << 20)
        await ws.prepare(request)
        return await self._run(request, Conn(ws, request.path, "spot", "wsapi"))

    async def _ws_api_request(self, conn: Conn, data: str) -> None:
        try:
            req = orjson.loads(data)
            req_id = req.get("id")
            method = req["method"]
            params = req.get("params") or {}
        except Exception:
            conn.send(orjson.dumps({"id": None, "status": 400, "error": {
                "code": -1102, "msg": "Malformed request."}}).decode())
            return
        try:
            result = self._ws_api_call(conn, method, params)
        except RejectError as exc:
            conn.send(orjson.dumps({"id": req_id, "status": exc.status, "error": {
                "code": exc.code, "msg": exc.msg}}).decode())
            return
        conn.send(orjson.dumps({"id": req_id, "status": 200, "result": result, "rateLimits": [
            {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1,
             "limit": 6000, "count": 2}]}).decode())

    def _ws_api_call(self, conn: Conn, method: str, params: dict[str, Any]) -> Any:
        if method == "ping":
            return {}
        if method == "time":
            return {"serverTime": self.ex.server_time_ms()}
        if method == "session.status":
            return {"apiKey": conn.api_key or None, "authorizedSince": None,
                    "connectedSince": int(conn.opened), "returnRateLimits": True,
                    "serverTime": self.ex.server_time_ms(), "userDataStream":
                    conn.subscription_id is not None}
        if method == "userDataStream.subscribe.signature":
            api_key = str(params.get("apiKey") or "")
            signature = str(params.get("signature") or "")
            secret = self.ex.secret_for(api_key)
            if not api_key or secret is None:
                raise RejectError(-2015, "Invalid API-key, IP, or permissions for action.", 401)
            payload = "&".join(f"{k}={params[k]}" for k in sorted(params) if k != "signature")
            if not signature or not verify_signature(secret, payload, signature):
                raise RejectError(-1022, "Signature for this request is not valid.", 400)
            try:
                timestamp = int(params.get("timestamp", 0))
            except (TypeError, ValueError):
                raise RejectError(-1100, "Illegal characters found in parameter 'timestamp'.")\
                    from None
            window = int(params.get("recvWindow") or 5000)
            server = self.ex.server_time_ms()
            if timestamp > server + 1000 or server - timestamp > window:
                raise RejectError(-1021, "Timestamp for this request is outside of the "
                                  "recvWindow.")
            conn.api_key = api_key
            conn.subscription_id = next(self._sub_ids)
            return {"subscriptionId": conn.subscription_id}
        if method == "userDataStream.unsubscribe":
            conn.subscription_id = None
            return {}
        raise RejectError(-1100, f"Unknown method '{method}'.")

    # -- futures listenKey -----------------------------------------------------------------

    def _lk_create(self, call: Any) -> dict[str, Any]:
        for key, (owner, _) in self._listen_keys.items():
            if owner == call.api_key:
                self._listen_keys[key] = (owner, time.time() + self.listen_key_ttl)
                return {"listenKey": key}
        key = secrets.token_urlsafe(48)[:64]
        self._listen_keys[key] = (call.api_key, time.time() + self.listen_key_ttl)
        return {"listenKey": key}

    def _lk_keepalive(self, call: Any) -> dict[str, Any]:
        for key, (owner, _) in self._listen_keys.items():
            if owner == call.api_key:
                self._listen_keys[key] = (owner, time.time() + self.listen_key_ttl)
                return {"listenKey": key}
        raise RejectError(-1125, "This listenKey does not exist.")

    def _lk_delete(self, call: Any) -> dict[str, Any]:
        for key, (owner, _) in list(self._listen_keys.items()):
            if owner == call.api_key:
                del self._listen_keys[key]
                for conn in list(self.conns):
                    if conn.kind == "user" and conn.listen_key == key:
                        conn.closed = True
                        conn.wakeup.set()
        return {}

    async def _user_stream(self, request: web.Request, key: str) -> web.StreamResponse:
        ws = web.WebSocketResponse(autoping=False)
        await ws.prepare(request)
        owner, _ = self._listen_keys[key]
        conn = Conn(ws, request.path, "futures", "user", api_key=owner, listen_key=key)
        return await self._run(request, conn)


def _normal(name: str) -> str:
    """Binance stream names: lower-case symbol, the kind as written (bookTicker, kline_1m)."""
    symbol, _, kind = name.partition("@")
    return f"{symbol.lower()}@{kind}"


def _valid_stream(name: str) -> bool:
    if name in ("!bookTicker", "!miniTicker@arr", "!ticker@arr"):
        return True
    symbol, sep, kind = name.partition("@")
    if not sep or not symbol:
        return False
    if kind in ("bookTicker", "aggTrade", "trade", "miniTicker", "ticker", "depth",
                "depth@100ms", "markPrice", "markPrice@1s"):
        return True
    return kind.startswith("kline_") and kind[6:] in INTERVAL_MS
