"""User-data streams: spot over the WebSocket API, futures over a listenKey.

Spot listenKeys are gone (2026-02-20): the spot stream is a WebSocket API
session subscribed with ``userDataStream.subscribe.signature``. Futures keep
the listenKey: create, keep alive every ~30 min, make a new one when told it
expired, delete on close.

Every (re)connect is followed by a reconciliation over REST; events that
arrive meanwhile are buffered and applied afterwards, so none is lost. The
stream, the keep-alive and the futures margin refresh each run supervised.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson

from . import _stream_parsing as sp
from ._account import AccountState
from ._models import Balance, OrderStatus
from ._options import LiveOptions
from ._rest import RestClient, error_for
from ._supervise import Supervised
from .endpoints import Endpoints
from .errors import AuthError, BinanceError, ExchangeError, NetworkError, ServerError
from .events import BalanceUpdate, ConnectionState, Event

EmitFn = Callable[[Event], None]
LogFn = Callable[[str, str], None]
BadFrameFn = Callable[[str, "str | bytes"], None]
SessionFn = Callable[[], Awaitable[aiohttp.ClientSession]]

_RECONCILE_QUERIES = 50  # vanished orders asked about one by one; the rest leave as canceled
_MARGIN_RETRIES = 3
# A dead peer never answers our close frame: do not wait aiohttp's default 10 s for it.
_WS_TIMEOUT = aiohttp.ClientWSTimeout(ws_close=2.0)


@dataclass(frozen=True, slots=True)
class AccountReader:
    """The REST reads reconciliation needs, as callables (the client's methods)."""

    get_balances: Callable[[], Awaitable[dict[str, Balance]]]
    get_open_orders: Callable[[], Awaitable[list[OrderStatus]]]
    get_order_status: Callable[[str, int], Awaitable[OrderStatus]]
    reload_positions: Callable[[], Awaitable[None]] | None = None  # futures, one-way mode


class UserDataStream:
    def __init__(self, *, futures: bool, endpoints: Endpoints, rest: RestClient,
                 reader: AccountReader, account: AccountState, session: SessionFn,
                 emit: EmitFn, log: LogFn, bad_frame: BadFrameFn,
                 options: LiveOptions) -> None:
        self.futures = futures
        self.endpoints = endpoints
        self._rest = rest
        self._reader = reader
        self.account = account
        self._session = session
        self._emit = emit
        self._log = log
        self._bad_frame = bad_frame
        self.options = options
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._listen_key = ""
        self._closing = False
        self._buffer: list[dict[str, Any]] | None = None
        self._margin_wanted = asyncio.Event()
        self.connected = asyncio.Event()
        self.connects = 0

        def supervised(name: str, life: Callable[[], Awaitable[bool]], connection: str,
                       *, connects: bool = False) -> Supervised:
            def report(reason: str) -> None:
                emit(ConnectionState("user", "reconnecting", reason, connection=connection))

            return Supervised(name, life, log=log, report=report,
                              backoff_initial=options.backoff_initial,
                              backoff_max=options.backoff_max, connects=connects)

        self.supervisor = supervised("User data stream", self._life, "user data stream",
                                     connects=True)
        self._keepalive = supervised("listenKey keep-alive", self._keep_alive,
                                     "listenKey keep-alive")
        self._margin = supervised("futures margin refresh", self._refresh_margin,
                                  "futures margin refresh")

    def _state(self, state: str, reason: str = "user data stream") -> None:
        self._emit(ConnectionState("user", state, reason, connection="user data stream"))

    def start(self) -> None:
        self.supervisor.start()
        if self.futures:
            self._margin.start()

    async def close(self) -> None:
        self._closing = True
        for task in (self.supervisor, self._keepalive, self._margin):
            await task.close()
        if self._ws is not None:
            await self._ws.close()
            self._ws = None
        if self._listen_key:
            with contextlib.suppress(BinanceError):
                await self._rest.request("DELETE", "/fapi/v1/listenKey", security="API_KEY")
            self._listen_key = ""
        self._state("closed", "user data stream closed")

    # -- one life of the connection -------------------------------------------------------

    async def _life(self) -> bool:
        self._state("connecting" if not self.connects else "reconnecting")
        self._begin_buffering()
        try:
            ws = await (self._open_futures() if self.futures else self._open_spot())
        except AuthError as exc:
            self._log(f"User data stream refused: {exc}. Balances and orders will not update "
                      f"live; check the API key", "ERROR")
            self._state("closed", str(exc))
            self._end_buffering()
            return False
        except BaseException:
            self._end_buffering()  # nothing to reconcile against: the next life starts over
            raise
        self._ws = ws
        self.connects += 1
        alive = asyncio.Event()
        reader = asyncio.create_task(self._read(ws, alive), name="user data reader")
        try:
            await self._prove_alive(ws, alive)
            try:
                await self.reconcile()
            except BinanceError as exc:
                # Not reconciled means not trustworthy: the next life tries again.
                raise NetworkError(f"could not reconcile balances and orders ({exc})") from exc
            self.supervisor.healthy()
            self.connected.set()
            self._log("User data stream connected" if self.connects == 1 else
                      "User data stream reconnected; balances and open orders reconciled",
                      "INFO")
            self._state("connected")
            reason = await reader
        finally:  # whatever ended this life, the reader, its buffer and the socket end with it
            self._buffer = None
            reader.cancel()
            await asyncio.wait({reader})  # its outcome is ours already; a cancel of us is not lost
            self.connected.clear()
            self._ws = None
            with contextlib.suppress(Exception):
                await ws.close()
        if self._closing:
            return False
        self._log(f"User data stream lost ({reason}); reconnecting", "WARNING")
        self._state("reconnecting", reason)
        return True

    async def _prove_alive(self, ws: aiohttp.ClientWebSocketResponse,
                           alive: asyncio.Event) -> None:
        """Ping and wait for the answer before taking the snapshot: a socket that opened
        but delivers nothing (a half-dead path) would lose every event after it."""
        with contextlib.suppress(ConnectionError, RuntimeError):
            await ws.ping()
        try:
            async with asyncio.timeout(self.options.reply_timeout):
                await alive.wait()
        except TimeoutError:
            raise NetworkError("the new connection answers nothing") from None

    async def _open_spot(self) -> aiohttp.ClientWebSocketResponse:
        session = await self._session()
        ws = await session.ws_connect(self.endpoints.ws_api_url, autoping=False, max_msg_size=0,
                                      timeout=_WS_TIMEOUT)
        try:
            try:
                await self._subscribe_spot(ws)
            except ExchangeError as exc:
                if not await self._rest.resync_if_skewed(exc):
                    raise
                await self._subscribe_spot(ws)  # signed again with the new clock offset
        except BaseException:
            await ws.close()
            raise
        return ws

    async def _subscribe_spot(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        req_id = uuid.uuid4().hex
        await ws.send_str(orjson.dumps({"id": req_id,
                                        "method": "userDataStream.subscribe.signature",
                                        "params": self._rest.signed_params({})}).decode())
        while True:
            msg = await ws.receive(timeout=self.options.reply_timeout)
            if msg.type is aiohttp.WSMsgType.PING:
                with contextlib.suppress(ConnectionError, RuntimeError):
                    await ws.pong(msg.data)
                continue
            if msg.type is not aiohttp.WSMsgType.TEXT:
                raise NetworkError("WebSocket API closed while subscribing")
            reply = orjson.loads(msg.data)
            if isinstance(reply, dict) and reply.get("id") == req_id:
                break
        if reply.get("status") != 200:
            err = reply.get("error") or {}
            raise error_for(int(reply.get("status", 400)), err.get("code"),
                            str(err.get("msg", "subscription refused")))

    async def _open_futures(self) -> aiohttp.ClientWebSocketResponse:
        data = await self._rest.request("POST", "/fapi/v1/listenKey", security="API_KEY")
        self._listen_key = str(data["listenKey"])
        self._keepalive.start()
        session = await self._session()
        return await session.ws_connect(self.endpoints.user_stream_url(self._listen_key),
                                        autoping=False, max_msg_size=0, timeout=_WS_TIMEOUT)

    async def _keep_alive(self) -> bool:
        while True:
            await asyncio.sleep(self.options.listen_key_keepalive)
            try:
                await self._rest.request("PUT", "/fapi/v1/listenKey", security="API_KEY")
            except ExchangeError as exc:
                self._log(f"listenKey keep-alive refused ({exc}); opening a new one", "WARNING")
                if self._ws is not None:
                    await self._ws.close()  # the stream's next life makes a new key
            except BinanceError as exc:
                self._log(f"listenKey keep-alive failed ({exc}); will retry", "WARNING")

    async def _read(self, ws: aiohttp.ClientWebSocketResponse, alive: asyncio.Event) -> str:
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
                with contextlib.suppress(ConnectionError, RuntimeError):
                    await ws.ping()
                continue
            pinged = False
            alive.set()
            if msg.type is aiohttp.WSMsgType.TEXT or msg.type is aiohttp.WSMsgType.BINARY:
                ended = self._on_message(msg.data)
                if ended:
                    return ended
            elif msg.type is aiohttp.WSMsgType.PING:
                with contextlib.suppress(ConnectionError, RuntimeError):
                    await ws.pong(msg.data)
            elif msg.type is not aiohttp.WSMsgType.PONG:
                return "connection lost" if not ws.close_code else \
                    f"closed by the exchange (code {ws.close_code})"

    def _on_message(self, raw: str | bytes) -> str:
        """Route one message; returns why the stream must reconnect, or ""."""
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError:
            self._bad_frame("malformed user-data JSON", raw)
            return ""
        event = data.get("event", data) if isinstance(data, dict) else None
        if not isinstance(event, dict):
            if not (isinstance(data, dict) and "id" in data):
                self._bad_frame("unknown user-data message", raw)
            return ""
        if event.get("e") == "listenKeyExpired":
            self._log("listenKey expired; opening a new one", "WARNING")
            return "listenKey expired"
        if event.get("e") == "eventStreamTerminated":
            return "the exchange ended the user data subscription"
        if self._buffer is not None:
            self._buffer.append(event)
        else:
            self._apply(event)
        return ""

    # -- events -> account state -------------------------------------------------------------

    def _apply(self, event: dict[str, Any]) -> None:
        kind = event.get("e")
        account = self.account
        try:
            if kind == "executionReport":
                account.apply_order(sp.execution_report(event))
            elif kind == "ORDER_TRADE_UPDATE":
                account.apply_order(sp.order_trade_update(event))
            elif kind == "outboundAccountPosition":
                account.apply_balances(sp.spot_balances(event, account.balances))
            elif kind == "balanceUpdate":
                account.apply_balances(sp.spot_balance_delta(event, account.balances))
            elif kind == "ACCOUNT_UPDATE":
                account.apply_balances(sp.futures_account(event, account.balances))
                account.apply_account_positions(event)
                self._margin_wanted.set()
            elif kind == "ACCOUNT_CONFIG_UPDATE":
                account.apply_config_event(event)
            elif kind == "ALGO_UPDATE":  # futures conditional orders
                account.apply_order(sp.algo_update(event))
            elif kind == "listStatus":  # spot OCO lists
                account.apply_list_status(*sp.list_status(event))
            elif kind in ("TRADE_LITE", "externalLockUpdate"):
                pass  # carried fully by the events above
            else:
                self._bad_frame(f"unknown user-data event {kind!r}", str(event)[:200])
        except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
            self._bad_frame(f"malformed {kind} ({type(exc).__name__})", str(event)[:200])

    def _begin_buffering(self) -> None:
        """A fresh buffer per life: events kept from an earlier life would be replayed over
        a newer snapshot with a gap between them, undoing what the gap changed."""
        self._buffer = []

    def _end_buffering(self, *, since: int | None = None) -> None:
        """Apply what arrived while reconciling (``since`` given) or drop it (a failed
        connect: the next reconciliation covers it).

        Order and balance events carry full values and are applied in order, so one the
        snapshot already reflects changes nothing. A ``balanceUpdate`` is a delta: one
        older than the snapshot (``since``, exchange time) would count twice.
        """
        buffered, self._buffer = self._buffer or [], None
        if since is None:
            return
        for event in buffered:
            if event.get("e") == "balanceUpdate" and int(event.get("E", 0)) < since:
                continue
            self._apply(event)

    async def reconcile(self) -> None:
        """Replace balances and open orders with the exchange's, then apply what was buffered."""
        account, reader = self.account, self._reader
        started = self._rest.now_ms()
        try:
            await self._rest.sync_time()  # the buffer is cut at exchange time: measure it
            started = self._rest.now_ms()
            balances = await reader.get_balances()
            orders = {o.order_id: o for o in await reader.get_open_orders()}
            finals: list[OrderStatus] = []
            for i, old in enumerate(account.vanished(orders)):
                if i >= _RECONCILE_QUERIES:
                    finals.append(old)
                    continue
                try:
                    finals.append(await reader.get_order_status(old.symbol, old.order_id))
                except (NetworkError, ServerError):
                    raise  # its end is unknown: calling it canceled could hide a fill; retry
                except BinanceError:
                    finals.append(old)  # the exchange does not know it: it left as canceled
        except BaseException:
            self._end_buffering(since=started)
            raise
        account.reconciled(balances, orders, finals, started)
        if self.futures and reader.reload_positions is not None:
            try:
                await reader.reload_positions()  # futures positions, as the exchange has them
            except BaseException:
                self._end_buffering(since=started)
                raise
        self._end_buffering(since=started)

    async def _refresh_margin(self) -> bool:
        """ACCOUNT_UPDATE carries wallet balances only; margin figures come from REST.

        A read that a stream event overtook is stale: it is read again.
        """
        while True:
            await self._margin_wanted.wait()
            await asyncio.sleep(self.options.margin_refresh_delay)  # one read for a burst
            self._margin_wanted.clear()
            for _ in range(_MARGIN_RETRIES):
                version = self.account.balance_version
                try:
                    balances = await self._reader.get_balances()
                except BinanceError as exc:
                    self._log(f"Could not refresh futures margin: {exc}", "WARNING")
                    break
                if self.account.balance_version == version:
                    self.account.apply_balances(BalanceUpdate(tuple(balances.values()),
                                                              self._rest.now_ms()))
                    break
