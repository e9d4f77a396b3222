"""One market-data socket: connect, subscribe, read, watch for silence, rotate, restart.

A ``MarketConnection`` is one logical connection that outlives its sockets:
each *life* (connect, subscribe everything it holds, read until the socket
ends) runs under a supervisor (``connector._supervise``). It knows its host
(``MarketStreams``) only through the small ``Host`` protocol.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import orjson

from ._rest import error_for
from ._supervise import Supervised, describe
from ._websocket import TakeFirst, WebSocket, connect
from .errors import NetworkError
from .events import ConnectionState

Handler = Callable[[dict[str, Any], str], None]  # (payload, stream name or "")
RawHandler = TakeFirst  # tried first on a frame's bytes; True: taken whole
# What a payload of the wrong shape raises in a handler (a missing key, a bad number):
# skipped as a bad frame. Anything else is a bug and goes to the supervisor.
MALFORMED = (KeyError, TypeError, ValueError, ArithmeticError, AttributeError, IndexError)
# A socket busy parsing this long lets the event loop run before it goes on: a burst (200
# miniTickers each second, a backlog after a stall) must not hold a GUI's loop for
# longer than a frame. Checked every 2 KB parsed (``connector._websocket``); at full
# speed it costs one event-loop turn per ms.
SLICE_SECONDS = 0.001
LogFn = Callable[[str, str], None]
EmitFn = Callable[[ConnectionState], None]


@dataclass(frozen=True, slots=True)
class StreamOptions:
    max_streams: int = 1024
    batch: int = 200  # streams per SUBSCRIBE frame
    messages_per_second: float = 4.0  # Binance allows 5 (spot) / 10 (futures)
    backoff_initial: float = 0.5
    backoff_max: float = 30.0
    # A socket quiet for half of this is probed with a ping; still silent (no data, no
    # pong) at the full timeout, it is replaced: a dead stream shows within ~7 s.
    silence_timeout: float = 6.0
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


class Host(Protocol):
    """What a connection needs from the streams that own it."""

    options: StreamOptions
    handle_frame: Handler
    handle_raw: RawHandler | None
    emit_state: EmitFn
    log: LogFn

    def bad_frame(self, kind: str, raw: str | bytes) -> None: ...


class MarketConnection:
    """One logical stream connection: survives drops, silence, rotation and its own bugs."""

    def __init__(self, manager: Host, url: str, index: int) -> None:
        self.manager = manager
        self.url = url
        self.index = index
        self.streams: set[str] = set()
        self.ready = asyncio.Event()
        self._ws: WebSocket | None = None
        self._pacer = _Pacer(manager.options.messages_per_second)
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[Any]] = {}
        self._closing = False
        self._replacement: WebSocket | None = None
        self._close_reason = ""
        self.connects = 0
        opts = manager.options
        self.supervisor = Supervised(self.name, self._life, log=manager.log,
                                     report=lambda reason: self._state("reconnecting", reason),
                                     backoff_initial=opts.backoff_initial,
                                     backoff_max=opts.backoff_max)

    @property
    def name(self) -> str:
        return f"market stream {self.index}"

    @property
    def started(self) -> bool:
        return self.supervisor.task is not None

    def symbols(self) -> tuple[str, ...]:
        """The symbols whose streams ride on this socket (``btcusdt@bookTicker`` -> BTCUSDT)."""
        return tuple(sorted({s.split("@", 1)[0].upper() for s in self.streams}))

    def _state(self, state: str, reason: str = "") -> None:
        self.manager.emit_state(ConnectionState("market", state, reason or self.name,
                                                connection=self.name, symbols=self.symbols()))

    def start(self) -> None:
        self.supervisor.start()

    async def close(self) -> None:
        self._closing = True
        await self.supervisor.close()
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

    async def _request_on(self, ws: WebSocket, method: str, params: list[str]) -> Any:
        await self._pacer.wait()
        req_id = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[req_id] = future
        try:
            frame = {"method": method, "params": params, "id": req_id}
            ws.send_text(orjson.dumps(frame).decode())  # Binance expects text frames
            async with asyncio.timeout(self.manager.options.reply_timeout):
                return await future
        finally:
            self._pending.pop(req_id, None)

    def _fail_pending(self, exc: Exception) -> None:
        for future in self._pending.values():
            if not future.done():
                future.set_exception(exc)
        self._pending.clear()

    async def _open(self) -> WebSocket:
        """Connect and subscribe everything held. Frames flow to the handlers from the
        first one on: replies to the SUBSCRIBEs arrive among the data."""
        handle, on_frame = self.manager.handle_frame, self._on_frame
        opts = self.manager.options
        ws = await connect(self.url, lambda raw: on_frame(raw, handle),
                           first=self.manager.handle_raw, timeout=opts.reply_timeout,
                           slice_seconds=SLICE_SECONDS)
        ws.ended.add_done_callback(self._socket_ended)  # a dead socket fails its requests
        try:
            names = sorted(self.streams)
            for i in range(0, len(names), opts.batch):
                await self._request_on(ws, "SUBSCRIBE", names[i:i + opts.batch])
        except BaseException:
            await ws.close()
            raise
        return ws

    def _socket_ended(self, ended: asyncio.Future[str]) -> None:
        error = None if ended.cancelled() else ended.exception()
        self._fail_pending(error if isinstance(error, Exception) else
                           NetworkError(f"{self.name} closed"))

    async def _life(self) -> bool:
        """One life of the socket: connect, subscribe everything held, read until it ends.

        Any exception goes to the supervisor, which logs it, reports the
        connection "reconnecting" and starts the next life after a backoff.
        """
        self._state("connecting" if not self.connects else "reconnecting")
        ws = await self._open()
        self.connects += 1
        self.ready.set()
        self.supervisor.healthy()
        what = "connected" if self.connects == 1 else "reconnected and resubscribed"
        self.manager.log(f"{self.name} {what} ({len(self.streams)} streams)", "INFO")
        self._state("connected")
        try:
            while True:  # a rotation swaps in the replacement and reading goes on
                self._ws = ws
                watchdog = asyncio.create_task(self._watch(ws))
                try:
                    reason = await self._read(ws)
                finally:
                    watchdog.cancel()
                    await asyncio.wait({watchdog})
                if not watchdog.cancelled() and (error := watchdog.exception()) is not None:
                    raise error  # the watchdog failed (and closed the socket): supervise it
                if self._replacement is None:
                    break
                ws, self._replacement = self._replacement, None
        finally:
            self.ready.clear()
            self._ws = None
            with contextlib.suppress(Exception):
                await ws.close()
            self._fail_pending(NetworkError(f"{self.name} dropped"))
        if self._closing:
            return False
        self.manager.log(f"{self.name} lost ({reason}); reconnecting", "WARNING")
        self._state("reconnecting", reason)
        return True

    async def _read(self, ws: WebSocket) -> str:
        """Wait while the socket delivers its frames (``connector._websocket`` parses each
        and calls the handlers at once); returns why it ended, or raises what ended it
        (a handler's bug, a protocol error), for the supervisor.

        No per-message timeout (that costs more than parsing): the watchdog task
        notices silence and the lifetime limit.
        """
        self._close_reason = ""
        reason = await asyncio.shield(ws.ended)
        return self._close_reason or reason

    async def _watch(self, ws: WebSocket) -> None:
        """Close a silent socket; rotate one nearing Binance's 24 h limit.

        A failure here closes the socket too, so the supervisor sees it and reconnects.
        """
        try:
            await self._watch_once(ws)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._close_reason = f"watchdog failed ({describe(exc)})"
            await ws.close()
            raise

    async def _watch_once(self, ws: WebSocket) -> None:
        opts = self.manager.options
        loop = asyncio.get_running_loop()
        born = quiet_since = loop.time()
        seen = ws.activity
        pinged = False
        while not ws.closed:
            await asyncio.sleep(min(0.5, opts.silence_timeout / 4, opts.lifetime / 4))
            now = loop.time()
            if ws.activity != seen:
                seen, quiet_since, pinged = ws.activity, now, False
            elif now - quiet_since >= opts.silence_timeout:
                self._close_reason = f"silent for {opts.silence_timeout:g} s"
                await ws.close()
                return
            elif now - quiet_since >= opts.silence_timeout / 2 and not pinged:
                pinged = True  # a quiet market is fine if the socket still answers
                await self._pacer.wait()  # Binance counts pings against the message rate
                with contextlib.suppress(NetworkError):  # closing under us
                    ws.ping()
            if now - born >= opts.lifetime:
                if await self._rotate(ws):
                    return
                born = loop.time()  # rotation failed: keep this socket a while

    def _on_frame(self, raw: bytes, handle: Handler) -> None:
        """Route one frame. Frames that are not what Binance sends are skipped and logged
        (``bad_frame``); the only errors that pass are our own bugs, for the supervisor."""
        try:
            msg = orjson.loads(raw)
        except orjson.JSONDecodeError:
            self.manager.bad_frame("malformed JSON", raw)
            return
        if not isinstance(msg, dict):
            self.manager.bad_frame("unknown message", raw)
            return
        if "stream" in msg or "data" in msg:
            data = msg.get("data")
            if not isinstance(data, dict):
                self.manager.bad_frame("malformed stream payload", raw)
                return
            self._handle(handle, data, raw, str(msg.get("stream", "")))
        elif "id" in msg:
            self._reply(msg)
        elif "e" in msg and "s" in msg:
            self._handle(handle, msg, raw, "")  # a raw (non-combined) payload
        else:
            self.manager.bad_frame("unknown message", raw)

    def _handle(self, handle: Handler, data: dict[str, Any], raw: bytes, stream: str) -> None:
        try:
            handle(data, stream)
        except MALFORMED as exc:  # a payload of the wrong shape
            self.manager.bad_frame(f"malformed payload ({type(exc).__name__})", raw)

    def _reply(self, msg: dict[str, Any]) -> None:
        req_id = msg["id"]
        future = self._pending.get(req_id) if isinstance(req_id, int) else None
        if future is None or future.done():
            return
        if "error" in msg:
            err = msg["error"] if isinstance(msg["error"], dict) else {"msg": msg["error"]}
            future.set_exception(error_for(0, err.get("code"), str(err.get("msg", ""))))
        else:
            future.set_result(msg.get("result"))

    async def _rotate(self, old: WebSocket) -> bool:
        """Open and subscribe the replacement before closing ``old``: no gap.

        Frames both sockets deliver during the overlap are dropped by update id.
        """
        self.manager.log(f"{self.name}: rotating before the 24 h limit", "INFO")
        try:
            new = await self._open()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.manager.log(f"{self.name}: rotation failed ({describe(exc)}); keeping the "
                             f"current socket", "WARNING")
            return False
        self._replacement = new
        self.connects += 1
        self._close_reason = "rotated"
        await old.close()
        self._state("connected", f"{self.name} rotated")
        return True
