"""Market-data WebSockets: batching, rate limits, reconnects, silence and 24 h rotation.

Streams are grouped per connection URL (spot has one root; futures splits
``/public`` and ``/market``). Each connection holds at most ``max_streams``
streams and sends at most ``messages_per_second`` control frames, which is
what Binance enforces by disconnecting. After any reconnect the connection
resubscribes everything it held; rotation opens the replacement first, so no
update falls in a gap, and duplicate updates from the overlap are dropped by
update id.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson

from .errors import ExchangeError, NetworkError
from .events import ConnectionState

Handler = Callable[[dict[str, Any], str], None]
RawHandler = Callable[[str | bytes], bool]  # True: the frame was taken whole
LogFn = Callable[[str, str], None]
EmitFn = Callable[[ConnectionState], None]


@dataclass(frozen=True, slots=True)
class StreamOptions:
    max_streams: int = 1024
    batch: int = 200  # streams per SUBSCRIBE frame
    messages_per_second: float = 4.0  # Binance allows 5 (spot) / 10 (futures)
    backoff_initial: float = 0.5
    backoff_max: float = 30.0
    silence_timeout: float = 60.0  # no data and no ping for this long = dead socket
    lifetime: float = 23.5 * 3600  # Binance closes at 24 h; rotate before
    reply_timeout: float = 10.0


class _Pacer:
    """Spaces outgoing control frames so a connection never exceeds its message rate."""

    def __init__(self, per_second: float) -> None:
        self.interval = 1.0 / per_second
        self._next = 0.0

    async def wait(self) -> None:
        now = time.monotonic()
        if self._next > now:
            await asyncio.sleep(self._next - now)
            now = time.monotonic()
        self._next = max(now, self._next) + self.interval


class MarketConnection:
    """One logical stream connection: survives drops, silence and rotation."""

    def __init__(self, manager: MarketStreams, url: str, index: int) -> None:
        self.manager = manager
        self.url = url
        self.index = index
        self.streams: set[str] = set()
        self.ready = asyncio.Event()
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._pacer = _Pacer(manager.options.messages_per_second)
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._replacement: aiohttp.ClientWebSocketResponse | None = None
        self._close_reason = ""
        self.received = 0
        self.connects = 0

    @property
    def name(self) -> str:
        return f"market stream {self.index}"

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self.name)

    async def close(self) -> None:
        self._closing = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._ws is not None:
            await self._ws.close()
            self._ws = None
        self._fail_pending(NetworkError("stream closed"))

    async def request(self, method: str, params: list[str]) -> Any:
        """Send SUBSCRIBE/UNSUBSCRIBE/LIST_SUBSCRIPTIONS and wait for the reply with its id."""
        ws = self._ws
        if ws is None or ws.closed:
            raise NetworkError(f"{self.name} is not connected")
        return await self._request_on(ws, method, params)

    async def _request_on(self, ws: aiohttp.ClientWebSocketResponse, method: str,
                          params: list[str]) -> Any:
        await self._pacer.wait()
        req_id = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[req_id] = future
        try:
            frame = {"method": method, "params": params, "id": req_id}
            await ws.send_str(orjson.dumps(frame).decode())  # Binance expects text frames
            return await asyncio.wait_for(future, self.manager.options.reply_timeout)
        finally:
            self._pending.pop(req_id, None)

    def _fail_pending(self, exc: Exception) -> None:
        for future in self._pending.values():
            if not future.done():
                future.set_exception(exc)
        self._pending.clear()

    async def _open(self) -> aiohttp.ClientWebSocketResponse:
        session = await self.manager.session()
        ws = await session.ws_connect(self.url, autoping=False, max_msg_size=0,
                                      timeout=aiohttp.ClientWSTimeout(ws_close=2.0))
        return ws

    async def _subscribe_all(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        names = sorted(self.streams)
        batch = self.manager.options.batch
        reader = asyncio.create_task(self._read(ws))  # replies arrive among the data
        try:
            for i in range(0, len(names), batch):
                await self._request_on(ws, "SUBSCRIBE", names[i:i + batch])
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader

    async def _run(self) -> None:
        opts = self.manager.options
        backoff = opts.backoff_initial
        emit, log = self.manager.emit_state, self.manager.log
        while not self._closing:
            emit(ConnectionState("market", "connecting" if not self.connects else "reconnecting",
                                 self.name))
            try:
                ws = await self._open()
                await self._subscribe_all(ws)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                reason = _describe(exc)
                log(f"{self.name}: connect failed ({reason}); retrying in {backoff:.1f} s",
                    "WARNING")
                emit(ConnectionState("market", "reconnecting", reason))
                await asyncio.sleep(backoff * (0.5 + random.random()))
                backoff = min(backoff * 2, opts.backoff_max)
                continue
            self.connects += 1
            self.ready.set()
            backoff = opts.backoff_initial
            what = "connected" if self.connects == 1 else "reconnected and resubscribed"
            log(f"{self.name} {what} ({len(self.streams)} streams)", "INFO")
            emit(ConnectionState("market", "connected", self.name))
            while True:  # a rotation swaps in the replacement and reading goes on
                self._ws = ws
                watchdog = asyncio.create_task(self._watch(ws))
                try:
                    reason = await self._read(ws)
                finally:
                    watchdog.cancel()
                if self._replacement is None:
                    break
                ws, self._replacement = self._replacement, None
            if self._closing:
                break
            self.ready.clear()
            self._ws = None
            with contextlib.suppress(Exception):
                await ws.close()
            self._fail_pending(NetworkError(f"{self.name} dropped"))
            log(f"{self.name} lost ({reason}); reconnecting", "WARNING")
            emit(ConnectionState("market", "reconnecting", reason))
            await asyncio.sleep(backoff * random.random())

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> str:
        """The hot loop: read frames until the socket ends; returns why it ended.

        No per-message timeout (that costs more than parsing): the watchdog task
        notices silence and the lifetime limit.
        """
        handle = self.manager.handle_frame
        on_frame = self._on_frame
        fast = self.manager.handle_raw
        text, binary = aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY
        ping, pong = aiohttp.WSMsgType.PING, aiohttp.WSMsgType.PONG
        self._close_reason = ""
        while True:
            msg = await ws.receive()
            self.received += 1
            kind = msg.type
            if kind is text or kind is binary:
                if fast is None or not fast(msg.data):
                    on_frame(msg.data, handle)
            elif kind is ping:
                await ws.pong(msg.data)
            elif kind is not pong:
                if self._close_reason:
                    return self._close_reason
                code = ws.close_code
                return f"closed by the exchange (code {code})" if code else "connection lost"

    async def _watch(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        """Close a silent socket; rotate one nearing Binance's 24 h limit."""
        opts = self.manager.options
        loop = asyncio.get_running_loop()
        born = quiet_since = loop.time()
        seen = self.received
        pinged = False
        while not ws.closed:
            await asyncio.sleep(min(1.0, opts.silence_timeout / 4, opts.lifetime / 4))
            now = loop.time()
            if self.received != seen:
                seen, quiet_since, pinged = self.received, now, False
            elif now - quiet_since >= opts.silence_timeout:
                self._close_reason = f"silent for {opts.silence_timeout:g} s"
                await ws.close()
                return
            elif now - quiet_since >= opts.silence_timeout / 2 and not pinged:
                pinged = True  # a quiet market is fine if the socket still answers
                with contextlib.suppress(ConnectionError, RuntimeError):
                    await ws.ping()
            if now - born >= opts.lifetime:
                if await self._rotate(ws):
                    return
                born = loop.time()  # rotation failed: keep this socket a while

    def _on_frame(self, raw: str | bytes, handle: Handler) -> None:
        try:
            msg = orjson.loads(raw)
            data = msg.get("data") if isinstance(msg, dict) else None
            if data is not None:
                handle(data, msg["stream"])
                return
            if isinstance(msg, dict) and "id" in msg:
                future = self._pending.get(msg["id"])
                if future is not None and not future.done():
                    if "error" in msg:
                        err = msg["error"] or {}
                        future.set_exception(ExchangeError(
                            f"Stream request refused: {err.get('msg', err)}",
                            code=err.get("code") if isinstance(err, dict) else None))
                    else:
                        future.set_result(msg.get("result"))
                return
            if isinstance(msg, dict) and "e" in msg and "s" in msg:
                handle(msg, "")  # a raw (non-combined) payload
                return
            self.manager.bad_frame("unknown message", raw)
        except Exception as exc:  # a bad frame must never stop the stream
            self.manager.bad_frame(type(exc).__name__, raw)

    async def _rotate(self, old: aiohttp.ClientWebSocketResponse) -> bool:
        """Open and subscribe the replacement before closing ``old``: no gap.

        Frames both sockets deliver during the overlap are dropped by update id.
        """
        self.manager.log(f"{self.name}: rotating before the 24 h limit", "INFO")
        try:
            new = await self._open()
            await self._subscribe_all(new)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.manager.log(f"{self.name}: rotation failed ({_describe(exc)}); keeping the "
                             f"current socket", "WARNING")
            return False
        self._replacement = new
        self.connects += 1
        self._close_reason = "rotated"
        await old.close()
        self.manager.emit_state(ConnectionState("market", "connected", f"{self.name} rotated"))
        return True


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) < 200 else text[:200] + "…"


class MarketStreams:
    """Every market connection of one client, grouped by URL."""

    def __init__(self, options: StreamOptions, *, session: Callable[[], Any],
                 handle_frame: Handler, emit_state: EmitFn, log: LogFn,
                 handle_raw: RawHandler | None = None) -> None:
        self.options = options
        self._session_factory = session
        self.handle_frame = handle_frame
        self.handle_raw = handle_raw  # tried first on every frame; may decline it
        self.emit_state = emit_state
        self.log = log
        self.connections: dict[str, list[MarketConnection]] = {}
        self._bad_kinds: set[str] = set()
        self._count = itertools.count(1)

    async def session(self) -> aiohttp.ClientSession:
        result: aiohttp.ClientSession = await self._session_factory()
        return result

    def bad_frame(self, kind: str, raw: str | bytes) -> None:
        """Log each kind of bad frame once; the stream keeps flowing."""
        if kind in self._bad_kinds:
            return
        self._bad_kinds.add(kind)
        sample = raw[:80] if isinstance(raw, str) else raw[:80].decode("utf-8", "replace")
        self.log(f"Skipped a malformed market message ({kind}): {sample!r}; further ones of "
                 f"this kind are skipped silently", "WARNING")

    def subscribed(self) -> set[str]:
        return {s for conns in self.connections.values() for c in conns for s in c.streams}

    async def subscribe(self, url: str, names: list[str], *, force: bool = False) -> None:
        conns = self.connections.setdefault(url, [])
        held = {s for c in conns for s in c.streams}
        todo = [n for n in dict.fromkeys(names) if force or n not in held]
        if not todo:
            return
        added: dict[MarketConnection, list[str]] = {}
        for name in todo:
            found = next((c for c in conns if name in c.streams), None) if name in held else None
            if found is None:
                found = next((c for c in conns if len(c.streams) < self.options.max_streams), None)
                if found is None:
                    found = MarketConnection(self, url, next(self._count))
                    conns.append(found)
                found.streams.add(name)
            added.setdefault(found, []).append(name)
        for conn, batch in added.items():
            if conn._task is None:
                conn.start()  # subscribes everything it holds once connected
                await asyncio.wait_for(conn.ready.wait(), self.options.reply_timeout * 3)
                continue
            await asyncio.wait_for(conn.ready.wait(), self.options.reply_timeout * 3)
            try:
                for i in range(0, len(batch), self.options.batch):
                    await conn.request("SUBSCRIBE", batch[i:i + self.options.batch])
            except ExchangeError:
                conn.streams.difference_update(batch)
                raise

    async def unsubscribe(self, url: str, names: list[str]) -> None:
        for conn in self.connections.get(url, []):
            mine = [n for n in names if n in conn.streams]
            if not mine:
                continue
            conn.streams.difference_update(mine)
            if conn.ready.is_set():
                for i in range(0, len(mine), self.options.batch):
                    with contextlib.suppress(NetworkError, asyncio.TimeoutError):
                        await conn.request("UNSUBSCRIBE", mine[i:i + self.options.batch])

    async def close(self) -> None:
        for conns in self.connections.values():
            for conn in conns:
                await conn.close()
        for conns in self.connections.values():
            for conn in conns:
                self.emit_state(ConnectionState("market", "closed", conn.name))
        self.connections.clear()
