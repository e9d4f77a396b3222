"""The demo exchange's WebSockets: sockets, paths, control frames, pings and lifetimes.

The engines report every tick, trade, order change and balance change here
(``EventSink``). Each message is serialized once and queued to every socket
subscribed to it; a sender task per socket writes it out, so one slow client
never holds up the engine or the others. What is sent lives in the parts the
hub is made of: ``_hub_market`` (market data), ``_hub_user`` (user data,
listenKeys), ``_hub_wsapi`` (the spot WebSocket API).

Paths: without a prefix (``/ws``, ``/ws/<anything>``, ``/stream``) or under
``/demo-stream`` (named like Binance's spot demo host) the market is **spot**;
under ``/public``, ``/market``, ``/private`` or ``/fut`` (and ``/fut/public``
... for clients that add Binance's split to a base URL) it is **USD-M
futures**. A futures user stream is ``/private/ws/<listenKey>``,
``/private/ws?listenKey=<key>`` or ``/ws/<listenKey>`` under any futures prefix.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import TYPE_CHECKING

import orjson
from aiohttp import WSMsgType, web

from ._engine import INTERVAL_MS, Market
from ._hub_base import Conn
from ._hub_market import MarketFeeds
from ._hub_user import UserStreams
from ._hub_wsapi import WsApi
from ._record import RecordedWsMessage

if TYPE_CHECKING:
    from . import DemoExchange

MAX_STREAMS = 1024
FUTURES_PREFIXES = ("/public", "/market", "/private", "/fut")
# "/demo-stream": spot again, named like Binance's spot demo host, for clients that tell spot
# from futures by the host name in the URL (ccxt.pro looks for "/stream" or "demo-stream")
_PATH_PREFIXES = ("", "/demo-stream", *FUTURES_PREFIXES, "/fut/public", "/fut/market",
                  "/fut/private")
_LISTEN_KEY_LENGTH = 60  # a tail this long without "@" is a (possibly unknown) listenKey


class StreamHub(MarketFeeds, UserStreams, WsApi):
    def __init__(self, exchange: DemoExchange) -> None:
        super().__init__(exchange)
        self._init_market()
        self._init_user()
        self._init_ws_api()
        self._tasks: list[asyncio.Task[None]] = []

    # -- life cycle ------------------------------------------------------------------------

    def register_routes(self, app: web.Application) -> None:
        app.router.add_get("/ws-api/v3", self._ws_api)
        for prefix in _PATH_PREFIXES:
            app.router.add_get(f"{prefix}/ws", self._market)
            app.router.add_get(f"{prefix}/ws/{{tail:.+}}", self._market)
            app.router.add_get(f"{prefix}/stream", self._market)
        self._register_listen_key_routes()

    async def start(self) -> None:
        self._tasks = [asyncio.create_task(self._housekeeping()),
                       asyncio.create_task(self._pulse_loop())]

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        await self.drop_all()

    async def drop_all(self) -> None:
        for conn in list(self.conns):
            conn.close_soon()
            with contextlib.suppress(Exception):
                await conn.ws.close(code=1001, message=b"dropped")

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
                    conn.close_soon()
                    continue
                if now - conn.last_pong > self.ex.pong_timeout:
                    conn.close_soon()
                    continue
                if ping_due and not faults.silent:
                    with contextlib.suppress(Exception):
                        await conn.ws.ping()
            self._expire_due()

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
            conn.close_soon()
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
        key = request.query.get("listenKey", "") or tail
        if futures and key and self.is_listen_key(key):
            return await self._user_stream(request, key)
        if request.query.get("listenKey") or (
                tail and "@" not in tail and len(tail) >= _LISTEN_KEY_LENGTH):
            raise web.HTTPBadRequest(text="unknown listenKey")
        # /ws/<anything else>: a stream name (raw stream) or a name of the client's own, such
        # as ccxt's /ws/<n>; either way the socket takes SUBSCRIBE frames.
        ws = web.WebSocketResponse(autoping=False, max_msg_size=1 << 20)
        await ws.prepare(request)
        conn = Conn(ws, path, market, "market", combined=path.endswith("/stream"))
        names = tail.split("/") if "@" in tail or tail.startswith("!") else []
        names += request.query.get("streams", "").split("/")
        self._subscribe(conn, [s for s in names if s])
        return await self._run(request, conn)

    async def _user_stream(self, request: web.Request, key: str) -> web.StreamResponse:
        ws = web.WebSocketResponse(autoping=False)
        await ws.prepare(request)
        return await self._run(request, self._user_conn(ws, request.path, key))

    async def _ws_api(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(autoping=False, max_msg_size=1 << 20)
        await ws.prepare(request)
        return await self._run(request, Conn(ws, request.path, "spot", "wsapi"))

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


def _normal(name: str) -> str:
    """Binance stream names: lower-case symbol, the kind as written (bookTicker, kline_1m)."""
    symbol, _, kind = name.partition("@")
    return f"{symbol.lower()}@{kind}"


_KINDS = frozenset({
    "bookTicker", "aggTrade", "trade", "miniTicker", "ticker", "depth", "depth@100ms",
    "markPrice", "markPrice@1s", *(f"depth{n}{speed}" for n in (5, 10, 20) for speed in ("", "@100ms")),
})


def _valid_stream(name: str) -> bool:
    if name in ("!bookTicker", "!miniTicker@arr", "!ticker@arr"):
        return True
    symbol, sep, kind = name.partition("@")
    if not sep or not symbol:
        return False
    if kind in _KINDS:
        return True
    return kind.startswith("kline_") and kind[6:] in INTERVAL_MS
