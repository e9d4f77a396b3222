"""User-data streams: spot over the WebSocket API, futures over a listenKey.

Spot listenKeys are gone (2026-02-20): the spot stream is a WebSocket API
session subscribed with ``userDataStream.subscribe.signature``. Futures keep
the listenKey: create, keep alive every ~30 min, make a new one when told it
expired, delete on close.

Every (re)connect is followed by a reconciliation over REST; events that
arrive meanwhile are buffered and applied afterwards, so none is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import aiohttp
import orjson

from .errors import AuthError, BinanceError, ExchangeError, NetworkError
from .events import ConnectionState

if TYPE_CHECKING:
    from ._live import LiveFeeds, LiveOptions


class UserDataStream:
    def __init__(self, live: LiveFeeds, options: LiveOptions) -> None:
        self.live = live
        self.client = live.client
        self.options = options
        self._task: asyncio.Task[None] | None = None
        self._keepalive: asyncio.Task[None] | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._listen_key = ""
        self._closing = False
        self.connected = asyncio.Event()
        self.connects = 0

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="user data stream")

    async def close(self) -> None:
        self._closing = True
        for task in (self._task, self._keepalive):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._task = self._keepalive = None
        if self._ws is not None:
            await self._ws.close()
            self._ws = None
        if self._listen_key:
            with contextlib.suppress(BinanceError):
                await self.client._rest.request("DELETE", "/fapi/v1/listenKey",
                                                security="API_KEY")
            self._listen_key = ""
        self.client._emit(ConnectionState("user", "closed", "user data stream closed"))

    # -- connection loop --------------------------------------------------------------------

    async def _run(self) -> None:
        backoff = self.options.backoff_initial
        log, emit = self.client._add_log, self.client._emit
        while not self._closing:
            emit(ConnectionState("user", "connecting" if not self.connects else "reconnecting",
                                 "user data stream"))
            self.live.begin_buffering()
            try:
                ws = await (self._open_futures() if self.client.futures else self._open_spot())
            except asyncio.CancelledError:
                raise
            except AuthError as exc:
                log(f"User data stream refused: {exc}. Balances and orders will not update "
                    f"live; check the API key", "ERROR")
                emit(ConnectionState("user", "closed", str(exc)))
                self.live.end_buffering(apply=False)
                return
            except Exception as exc:
                reason = str(exc) or type(exc).__name__
                log(f"User data stream: connect failed ({reason}); retrying in "
                    f"{backoff:.1f} s", "WARNING")
                emit(ConnectionState("user", "reconnecting", reason))
                self.live.end_buffering(apply=False)
                await asyncio.sleep(backoff * (0.5 + random.random()))
                backoff = min(backoff * 2, self.options.backoff_max)
                continue
            self._ws = ws
            self.connects += 1
            backoff = self.options.backoff_initial
            reader = asyncio.create_task(self._read(ws))
            try:
                await self.live.reconcile()
            except asyncio.CancelledError:
                reader.cancel()
                raise
            except BinanceError as exc:
                log(f"Could not reconcile balances and orders after connecting: {exc}",
                    "WARNING")
                self.live.end_buffering(apply=True)
            self.connected.set()
            log("User data stream connected" if self.connects == 1 else
                "User data stream reconnected; balances and open orders reconciled", "INFO")
            emit(ConnectionState("user", "connected", "user data stream"))
            reason = await reader
            self.connected.clear()
            self._ws = None
            with contextlib.suppress(Exception):
                await ws.close()
            if self._closing:
                break
            log(f"User data stream lost ({reason}); reconnecting", "WARNING")
            emit(ConnectionState("user", "reconnecting", reason))
            await asyncio.sleep(self.options.backoff_initial * random.random())

    async def _open_spot(self) -> aiohttp.ClientWebSocketResponse:
        rest = self.client._rest
        url = self.client.endpoints.ws_api_url
        session = await self.live.session()
        ws = await session.ws_connect(url, autoping=False, max_msg_size=0)
        try:
            params: dict[str, Any] = {"apiKey": rest.api_key, "timestamp": rest.now_ms()}
            payload = "&".join(f"{k}={params[k]}" for k in sorted(params))
            params["signature"] = rest.sign(payload)
            req_id = uuid.uuid4().hex
            await ws.send_str(orjson.dumps({"id": req_id,
                                              "method": "userDataStream.subscribe.signature",
                                              "params": params}).decode())
            while True:
                msg = await ws.receive(timeout=self.options.reply_timeout)
                if msg.type is aiohttp.WSMsgType.PING:
                    await ws.pong(msg.data)
                    continue
                if msg.type is not aiohttp.WSMsgType.TEXT:
                    raise NetworkError("WebSocket API closed while subscribing")
                reply = orjson.loads(msg.data)
                if reply.get("id") == req_id:
                    break
            if reply.get("status") != 200:
                err = reply.get("error") or {}
                from ._rest import error_for

                raise error_for(int(reply.get("status", 400)), err.get("code"),
                                str(err.get("msg", "subscription refused")))
        except BaseException:
            await ws.close()
            raise
        return ws

    async def _open_futures(self) -> aiohttp.ClientWebSocketResponse:
        rest = self.client._rest
        data = await rest.request("POST", "/fapi/v1/listenKey", security="API_KEY")
        self._listen_key = str(data["listenKey"])
        if self._keepalive is None or self._keepalive.done():
            self._keepalive = asyncio.create_task(self._keep_alive(), name="listenKey keepalive")
        session = await self.live.session()
        return await session.ws_connect(self.client.endpoints.user_stream_url(self._listen_key),
                                        autoping=False, max_msg_size=0)

    async def _keep_alive(self) -> None:
        while True:
            await asyncio.sleep(self.options.listen_key_keepalive)
            try:
                await self.client._rest.request("PUT", "/fapi/v1/listenKey", security="API_KEY")
            except ExchangeError as exc:
                self.client._add_log(f"listenKey keep-alive refused ({exc}); opening a new "
                                     f"one", "WARNING")
                await self._restart()
            except BinanceError as exc:
                self.client._add_log(f"listenKey keep-alive failed ({exc}); will retry",
                                     "WARNING")

    async def _restart(self) -> None:
        ws = self._ws
        if ws is not None:
            await ws.close()

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> str:
        # Account events can be hours apart, so quiet alone proves nothing: after half the
        # timeout we ping, and a socket that answers nothing by the full timeout is dead.
        silence = self.options.user_silence_timeout
        pinged = False
        while True:
            try:
                msg = await ws.receive(timeout=silence / 2 if silence else None)
            except TimeoutError:
                if pinged:
                    return f"silent for {silence:g} s"
                pinged = True
                await ws.ping()
                continue
            pinged = False
            if msg.type is aiohttp.WSMsgType.TEXT or msg.type is aiohttp.WSMsgType.BINARY:
                try:
                    data = orjson.loads(msg.data)
                except orjson.JSONDecodeError:
                    self.live.bad_frame("malformed user-data JSON", msg.data)
                    continue
                event = data.get("event", data) if isinstance(data, dict) else None
                if not isinstance(event, dict):
                    if not (isinstance(data, dict) and "id" in data):
                        self.live.bad_frame("unknown user-data message", msg.data)
                    continue
                if event.get("e") == "listenKeyExpired":
                    self.client._add_log("listenKey expired; opening a new one", "WARNING")
                    return "listenKey expired"
                if event.get("e") == "eventStreamTerminated":
                    return "the exchange ended the user data subscription"
                self.live.on_user_event(event, msg.data)
            elif msg.type is aiohttp.WSMsgType.PING:
                await ws.pong(msg.data)
            elif msg.type is aiohttp.WSMsgType.PONG:
                continue
            else:
                return "connection lost" if not ws.close_code else \
                    f"closed by the exchange (code {ws.close_code})"


Reconciler = Callable[[], Awaitable[None]]
