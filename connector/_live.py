"""Live state for one client: market streams in, user-data events in, state kept current.

``LiveFeeds`` owns every WebSocket of a client. Market frames update
``client.prices`` and go to listeners at stream speed; user-data events keep
``client.balances`` and ``client.open_orders`` current. After every user-data
(re)connect, state is reconciled over REST while events are buffered, then
the buffer is applied: no update lost, none applied twice.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import aiohttp

from . import _stream_parsing as sp
from ._models import Balance, OrderStatus
from ._stream_parsing import BOOK_MARK, DecodeError, decode_book_frame
from ._streams import MarketStreams, StreamOptions
from ._userdata import UserDataStream
from .errors import BinanceError
from .events import BalanceUpdate, BookTicker, OrderUpdate

if TYPE_CHECKING:
    from .client import BinanceClient

_SEEN_LIMIT = 20_000


@dataclass(frozen=True, slots=True)
class LiveOptions:
    """Timings of the streams. Tests shorten them; the defaults follow Binance."""

    backoff_initial: float = 0.5
    backoff_max: float = 30.0
    silence_timeout: float = 60.0
    user_silence_timeout: float = 60.0  # quiet this long, ping unanswered: reconnect
    lifetime: float = 23.5 * 3600
    listen_key_keepalive: float = 30 * 60
    reply_timeout: float = 10.0
    messages_per_second: float = 4.0
    max_streams: int = 1024

    def streams(self, futures: bool) -> StreamOptions:
        return StreamOptions(
            messages_per_second=self.messages_per_second * (2 if futures else 1),
            backoff_initial=self.backoff_initial, backoff_max=self.backoff_max,
            silence_timeout=self.silence_timeout, lifetime=self.lifetime,
            reply_timeout=self.reply_timeout, max_streams=self.max_streams)


def stream_name(symbol: str, channel: str) -> str:
    return f"{symbol.lower()}@{channel}"


class LiveFeeds:
    def __init__(self, client: BinanceClient, options: LiveOptions | None = None) -> None:
        self.client = client
        self.options = options or LiveOptions()
        self._session: aiohttp.ClientSession | None = None
        self.market = MarketStreams(self.options.streams(client.futures), session=self.session,
                                    handle_frame=self._on_market, handle_raw=self._on_raw,
                                    emit_state=client._emit,
                                    log=client._add_log)
        self.user: UserDataStream | None = None
        self._last_update: dict[str, int] = {}
        self._bad_kinds: set[str] = set()
        self._buffer: list[dict[str, Any]] | None = None
        self._seen: OrderedDict[tuple[Any, ...], None] = OrderedDict()
        self._finished: set[int] = set()
        self._emit = client._emit
        self._margin_refresh: asyncio.Task[None] | None = None
        self._prices = client.prices

    async def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return self._session

    # -- life cycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Open the user-data stream when the client has keys; market streams open on demand."""
        if not self.client.has_credentials:
            return
        self.user = UserDataStream(self, self.options)
        self.user.start()
        try:
            await asyncio.wait_for(self.user.connected.wait(), self.options.reply_timeout)
        except TimeoutError:
            self.client._add_log("User data stream not connected yet; retrying in the "
                                 "background", "WARNING")

    async def close(self) -> None:
        if self._margin_refresh is not None:
            self._margin_refresh.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._margin_refresh
        if self.user is not None:
            await self.user.close()
            self.user = None
        await self.market.close()
        if self._session is not None:
            await self._session.close()
            self._session = None

    # -- market data ---------------------------------------------------------------------------

    def _url(self, channel: str) -> str:
        return self.client.endpoints.stream_url("public" if channel == "bookTicker" else "market")

    async def subscribe(self, symbols: list[str], channel: str, *, force: bool = False) -> None:
        names = [stream_name(s, channel) for s in symbols]
        await self.market.subscribe(self._url(channel), names, force=force)

    async def unsubscribe(self, symbols: list[str], channel: str) -> None:
        names = [stream_name(s, channel) for s in symbols]
        await self.market.unsubscribe(self._url(channel), names)

    def _on_market(self, data: dict[str, Any], stream: str) -> None:
        """The hot path: one frame -> state + one event, with no detours."""
        kind = data.get("e")
        if kind is None or kind == "bookTicker":
            self._on_book(BookTicker(data["s"], Decimal(data["b"]), Decimal(data["B"]),
                                     Decimal(data["a"]), Decimal(data["A"]), data["u"],
                                     data.get("E", 0)))
        elif kind == "aggTrade":
            self._emit(sp.agg_trade(data))
        elif kind == "kline":
            self._emit(sp.kline(data))
        elif kind == "24hrMiniTicker":
            self._emit(sp.mini_ticker(data))
        else:
            self.bad_frame(f"unknown event {kind!r}", str(data))

    def _on_raw(self, raw: str | bytes) -> bool:
        """Per message: a bookTicker frame straight into its event; True if taken.

        ``sp.fast_book_ticker`` inlined (a call is 5 % of this path); False sends the
        frame down the generic path.
        """
        if type(raw) is not str or BOOK_MARK not in raw:
            return False
        try:
            event = decode_book_frame(raw).data
        except DecodeError:
            return False
        if not event.update_id:
            return False  # the generic path reports it
        self._on_book(event)
        return True

    def _on_book(self, event: BookTicker) -> None:
        """Drop an update already applied, keep ``client.prices`` current, deliver it."""
        symbol, update = event.symbol, event.update_id
        last = self._last_update.get(symbol)
        if last is not None and last - 1_000_000 < update <= last:
            return  # seen already (rotation overlap); a far lower id is a restart
        self._last_update[symbol] = update
        self._prices[symbol] = {"bid": event.bid, "ask": event.ask}
        self._emit(event)

    def bad_frame(self, kind: str, raw: str | bytes) -> None:
        self.market.bad_frame(kind, raw)

    # -- user data -----------------------------------------------------------------------------

    def begin_buffering(self) -> None:
        if self._buffer is None:
            self._buffer = []

    def end_buffering(self, *, apply: bool, since: int = 0) -> None:
        buffered, self._buffer = self._buffer or [], None
        if apply:
            for event in buffered:
                if int(event.get("E", 0)) >= since:
                    self._apply_user(event)

    def on_user_event(self, event: dict[str, Any], raw: str | bytes) -> None:
        if self._buffer is not None:
            self._buffer.append(event)
            return
        self._apply_user(event)

    def _apply_user(self, event: dict[str, Any]) -> None:
        kind = event.get("e")
        client = self.client
        try:
            if kind == "executionReport":
                self._apply_order(sp.execution_report(event))
            elif kind == "ORDER_TRADE_UPDATE":
                self._apply_order(sp.order_trade_update(event))
            elif kind == "outboundAccountPosition":
                self._apply_balances(sp.spot_balances(event, client.balances))
            elif kind == "balanceUpdate":
                self._apply_balances(sp.spot_balance_delta(event, client.balances))
            elif kind == "ACCOUNT_UPDATE":
                self._apply_balances(sp.futures_account(event, client.balances))
                self._refresh_margin_soon()
            elif kind in ("TRADE_LITE", "listStatus", "externalLockUpdate"):
                pass  # carried fully by the events above
            else:
                self.bad_frame(f"unknown user-data event {kind!r}", str(event)[:200])
        except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
            self.bad_frame(f"malformed {kind} ({type(exc).__name__})", str(event)[:200])

    def _apply_order(self, update: OrderUpdate) -> None:
        key = (update.order_id, update.execution_type, update.status, update.executed_qty)
        if key in self._seen:
            return
        self._seen[key] = None
        if len(self._seen) > _SEEN_LIMIT:
            self._seen.popitem(last=False)
        is_open = update.status in ("new", "partially_filled")
        if is_open and update.order_id in self._finished:
            return  # a late echo of an order we already know is done
        orders = self.client.open_orders
        status = OrderStatus(update.order_id, update.status, update.avg_price,
                             update.executed_qty, update.symbol, update.client_order_id,
                             update.side, update.order_type, update.price, update.orig_qty,
                             update.time_in_force, update.time)
        if is_open:
            orders[update.order_id] = status
        else:
            orders.pop(update.order_id, None)
            self._finished.add(update.order_id)
        self._log_order(update)
        self._emit(update)

    def _log_order(self, u: OrderUpdate) -> None:
        what = f"{u.side} {u.order_type} {u.symbol} order {u.order_id}"
        if u.execution_type == "TRADE":
            self.client._add_log(f"{what} {u.status.replace('_', ' ')}: {_f(u.last_fill_qty)} @ "
                                 f"{_f(u.last_fill_price)} (total {_f(u.executed_qty)}/"
                                 f"{_f(u.orig_qty)}, avg {_f(u.avg_price)})")
        elif u.execution_type in ("CANCELED", "EXPIRED", "REJECTED"):
            self.client._add_log(f"{what} {u.status}", "WARNING" if u.execution_type ==
                                 "REJECTED" else "INFO")

    def _refresh_margin_soon(self) -> None:
        """ACCOUNT_UPDATE carries wallet balances only; margin figures come from REST."""
        if self._margin_refresh is None or self._margin_refresh.done():
            self._margin_refresh = asyncio.create_task(self._refresh_margin())

    async def _refresh_margin(self) -> None:
        await asyncio.sleep(0.3)  # one request for a burst of fills
        try:
            balances = await self.client.get_balances()
        except BinanceError as exc:
            self.client._add_log(f"Could not refresh futures margin: {exc}", "WARNING")
            return
        self._apply_balances(BalanceUpdate(tuple(balances.values()), self.client._rest.now_ms()))

    def _apply_balances(self, update: BalanceUpdate) -> None:
        for b in update.balances:
            self.client.balances[b.asset] = b
        self._emit(update)

    async def reconcile(self) -> None:
        """Replace balances and open orders with the exchange's, then apply what was buffered."""
        client = self.client
        started = client._rest.now_ms()
        try:
            balances = await client.get_balances()
            orders = {o.order_id: o for o in await client.get_open_orders()}
            vanished = [o for oid, o in client.open_orders.items() if oid not in orders]
            finals = []
            for old in vanished[:50]:
                try:
                    finals.append(await client.get_order_status(old.symbol, old.order_id))
                except BinanceError:
                    finals.append(OrderStatus(old.order_id, "canceled", old.avg_price,
                                              old.executed_qty, old.symbol, old.client_order_id,
                                              old.side, old.order_type, old.price, old.orig_qty,
                                              old.time_in_force, old.update_time))
        except BaseException:
            self.end_buffering(apply=True)
            raise
        changed = [o for oid, o in orders.items() if client.open_orders.get(oid) != o]
        client.open_orders.clear()
        client.open_orders.update(orders)
        for status in (*finals, *changed):
            if not status.is_open:
                self._finished.add(status.order_id)
            update = _as_update(status)
            self._seen[(update.order_id, update.execution_type, update.status,
                        update.executed_qty)] = None
            self._emit(update)
        gone = [Balance(a) for a in client.balances if a not in balances]
        client.balances.clear()
        client.balances.update(balances)
        self._emit(BalanceUpdate((*balances.values(), *gone), started))
        self.end_buffering(apply=True, since=started)


def _as_update(o: OrderStatus) -> OrderUpdate:
    return OrderUpdate(o.symbol, o.order_id, o.client_order_id, o.side, o.order_type, o.status,
                       o.price, o.orig_qty, o.executed_qty, o.avg_price,
                       time_in_force=o.time_in_force, execution_type="RECONCILED",
                       time=o.update_time)


def _f(d: Decimal) -> str:
    return format(d.normalize(), "f") if d else "0"
