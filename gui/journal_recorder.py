"""Feeding the journal: a client listener for live events, and a backfill over REST.

``JournalRecorder.attach(client, journal, env, market, symbols=...)`` is the one
line an app (or a script) needs: it records every order update and fill the
client emits, and backfills from the exchange when the user-data stream
connects, which happens on start and after every reconnect. The backfill asks,
per symbol, only for what comes after the journal's last point (the next trade
id; the oldest order still open here, or the next order id), so orders placed
elsewhere (the Binance app, another machine) appear, and the journal's unique
keys make any overlap harmless: nothing is doubled.

No Qt here: it runs in the app, in a headless recorder, or in a test.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from connector import OrderStatus, Trade
from connector.errors import BinanceError
from connector.events import ConnectionState, OrderUpdate

from .journal import Journal, SyncPoint

logger = logging.getLogger("gui.journal")

SPOT_LOOKBACK_MS = 24 * 3600 * 1000  # a symbol the journal has never seen: one request's span
FUTURES_LOOKBACK_MS = 7 * 24 * 3600 * 1000
MAX_CATCHUP_MS = 30 * 24 * 3600 * 1000  # how far back a journal without sync points reads
VISIBILITY_MARGIN_MS = 60_000
FILL_FETCH_DELAY = 1.0  # s; fills without a trade id are fetched in batches, within weight


class HistorySource(Protocol):
    """What the backfill needs: ``BinanceClient`` is one."""

    futures: bool

    async def get_order_history(self, contract: Any, *, start: int | None = ...,
                                end: int | None = ..., limit: int | None = ...,
                                from_id: int | None = ...) -> list[OrderStatus]: ...

    async def get_trades(self, contract: Any, *, start: int | None = ...,
                         end: int | None = ..., limit: int | None = ...,
                         from_id: int | None = ...) -> list[Trade]: ...


class ListenedClient(HistorySource, Protocol):
    def add_listener(self, callback: Callable[[Any], None]) -> None: ...

    def remove_listener(self, callback: Callable[[Any], None]) -> None: ...


def order_of(event: Any) -> OrderStatus | None:
    """The order an ``OrderUpdate`` carries."""
    return event.order if isinstance(event, OrderUpdate) else None


def fill_of(event: Any) -> Trade | None:
    """The fill an ``OrderUpdate`` carries (execution type TRADE), if any."""
    return event.fill if isinstance(event, OrderUpdate) else None


@dataclass(frozen=True, slots=True)
class BackfillResult:
    symbols: tuple[str, ...]
    orders: int  # order states the journal learned
    trades: int  # fills the journal did not have
    failed: tuple[str, ...] = ()  # symbols whose history could not be read (logged)


async def backfill(journal: Journal, env: str, market: str, source: HistorySource,
                   symbols: Iterable[str] = (), *, now_ms: int,
                   lookback_ms: int | None = None, known: bool = True,
                   with_orders: bool = True) -> BackfillResult:
    """Fetch what came after each symbol's sync point, for ``symbols`` (the watchlist, the
    open orders) plus, with ``known``, every symbol the journal knows; ``with_orders=False``
    fetches fills only. Rows and the new sync point are committed together, so a crash
    between two symbols, or inside one, resumes exactly."""
    lookback = lookback_ms if lookback_ms is not None else (
        FUTURES_LOOKBACK_MS if source.futures else SPOT_LOOKBACK_MS)
    wanted = sorted((set(journal.symbols(env, market)) if known else set())
                    | {s.upper() for s in symbols if s})
    orders = trades = 0
    failed: list[str] = []
    for symbol in wanted:
        await _leave_weight_for_trading(source)
        try:
            fill_point = _resume(journal, env, market, symbol, "trades", now_ms, lookback)
            fills = await source.get_trades(symbol, start=fill_point.since,
                                            from_id=fill_point.next_id, limit=None)
            order_point = _resume(journal, env, market, symbol, "orders", now_ms, lookback)
            states = await source.get_order_history(
                symbol, start=order_point.since, from_id=order_point.next_id,
                limit=None) if with_orders else []
        except BinanceError as exc:
            logger.warning("History of %s not backfilled: %s", symbol, exc)
            failed.append(symbol)
            continue
        with journal.transaction():
            trades += journal.record_trades(env, market, fills)
            journal.set_sync_point(env, market, symbol, "trades", _next_point(
                fill_point, [t.trade_id for t in fills], (), now_ms))
            if with_orders:
                orders += journal.record_orders(env, market, states)
                journal.set_sync_point(env, market, symbol, "orders", _next_point(
                    order_point, [o.order_id for o in states],
                    journal.open_order_ids(env, market, symbol), now_ms))
    return BackfillResult(tuple(wanted), orders, trades, tuple(failed))


async def _leave_weight_for_trading(source: HistorySource) -> None:
    """A long backfill (hundreds of symbols) must not spend the IP's request weight: past
    half of the minute's allowance it waits for Binance's next weight window (the clock
    minute), so orders never meet a 429 (and repeated 429s never become a 418 ban)."""
    if getattr(source, "used_weight", 0) >= getattr(source, "weight_limit", 2400) // 2:
        await asyncio.sleep(61 - time.time() % 60)


def _resume(journal: Journal, env: str, market: str, symbol: str, kind: str, now_ms: int,
            lookback_ms: int) -> SyncPoint:
    """Where to read from: the saved point; for a journal that has none (new, or from before
    sync points), from its newest row of the symbol (at most MAX_CATCHUP_MS back) or one
    lookback span."""
    point = journal.sync_point(env, market, symbol, kind)
    if point is not None and (point.next_id is not None or point.since is not None):
        return point
    last = (journal.last_trade_time if kind == "trades" else journal.last_order_time)(
        env, market, symbol)
    start = now_ms - lookback_ms if last is None else max(min(last, now_ms - lookback_ms),
                                                          now_ms - MAX_CATCHUP_MS)
    return SyncPoint(since=start)


def _next_point(old: SyncPoint, ids: list[int], open_ids: Iterable[int],
                now_ms: int) -> SyncPoint:
    """After a read: the oldest row still open (orders: its state may move on), else the id
    after the newest; with no row at all, keep the old id, or move the time on (less a
    margin for rows the exchange had not yet made visible)."""
    still_open = list(open_ids)
    if still_open:
        return SyncPoint(next_id=min(still_open))
    if ids:
        return SyncPoint(next_id=max(ids) + 1)
    if old.next_id is not None:
        return old
    return SyncPoint(since=now_ms - VISIBILITY_MARGIN_MS)


Spawn = Callable[[Coroutine[Any, Any, Any]], "asyncio.Task[Any]"]


class JournalRecorder:
    """A client listener that writes what the client learns into the journal."""

    def __init__(self, journal: Journal, env: str, market: str, *,
                 source: HistorySource | None = None,
                 symbols: Callable[[], Iterable[str]] = tuple,
                 log: Callable[[str, str], None] | None = None,
                 lookback_ms: int | None = None) -> None:
        self.journal = journal
        self.env = env
        self.market = market
        self.source = source
        self.symbols = symbols
        self.lookback_ms = lookback_ms
        self._log = log
        self._task: asyncio.Task[None] | None = None
        self._pending: set[str] | None = None  # symbols asked for while a backfill ran
        self.backfills = 0
        self.last_result: BackfillResult | None = None
        self._client: ListenedClient | None = None
        self._fill_symbols: set[str] = set()
        self._fill_timer: asyncio.TimerHandle | None = None

    @classmethod
    def attach(cls, client: ListenedClient, journal: Journal, env: str, market: str, *,
               symbols: Callable[[], Iterable[str]] = tuple, fresh_exchange: bool = False,
               log: Callable[[str, str], None] | None = None) -> JournalRecorder:
        """Record ``client``'s events, backfilling on every user-stream connect. Attach before
        ``client.start()`` so the first connect backfills; ``fresh_exchange`` (an embedded
        demo that starts empty) forgets the environment's old history first."""
        if fresh_exchange:
            journal.forget(env, market)
        recorder = cls(journal, env, market, source=client, symbols=symbols, log=log)
        recorder._client = client
        client.add_listener(recorder)
        return recorder

    def detach(self) -> None:
        if self._client is not None:
            self._client.remove_listener(self)
            self._client = None

    async def aclose(self) -> None:
        self.detach()
        if self._fill_timer is not None:
            self._fill_timer.cancel()
            self._fill_timer = None
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    # -- the listener ----------------------------------------------------------------------

    def __call__(self, event: Any) -> None:
        if isinstance(event, OrderUpdate):
            self.on_order_update(event)
        elif (isinstance(event, ConnectionState) and event.stream == "user"
              and event.state == "connected"):
            self.request_backfill()

    def on_order_update(self, event: Any) -> None:
        order = order_of(event)
        fill = fill_of(event)
        try:
            if order is not None:
                self.journal.record_order(self.env, self.market, order)
            if fill is not None:
                self.journal.record_trade(self.env, self.market, fill)
        except sqlite3.Error as exc:  # disk full, file locked: the exchange still has it
            self._say(f"Journal write failed ({exc}); the next backfill fetches it again",
                      "ERROR")
            return
        if fill is not None:
            return
        if order is not None and event.execution_type == "TRADE":
            # An event without its fill's trade id cannot be recorded exactly: fetch the
            # fills, at most once per FILL_FETCH_DELAY for all symbols that traded meanwhile.
            self._fetch_fills_soon(order.symbol)

    def record_order(self, order: OrderStatus) -> bool:
        return self.journal.record_order(self.env, self.market, order)

    def record_trade(self, trade: Trade) -> bool:
        return self.journal.record_trade(self.env, self.market, trade)

    # -- backfill ------------------------------------------------------------------------------

    def _fetch_fills_soon(self, symbol: str) -> None:
        if self.source is None:
            return
        self._fill_symbols.add(symbol)
        if self._fill_timer is None:
            self._fill_timer = asyncio.get_running_loop().call_later(
                FILL_FETCH_DELAY, self._fetch_fills)

    def _fetch_fills(self) -> None:
        self._fill_timer = None
        symbols, self._fill_symbols = self._fill_symbols, set()
        if self.backfilling:  # the running backfill's next round fetches them
            self._pending = (self._pending or set()) | symbols
            return
        self._task = asyncio.get_running_loop().create_task(
            self._run(symbols, known=False, orders=False))

    @property
    def backfilling(self) -> bool:
        return self._task is not None and not self._task.done()

    def request_backfill(self, symbols: Iterable[str] | None = None) -> None:
        """Backfill soon (``symbols``: only those; None: every known symbol). Requests made
        while one runs are merged into one more run after it."""
        if self.source is None:
            return
        wanted = set(symbols) if symbols is not None else set()
        if symbols is None:
            wanted |= set(self.symbols())
            wanted |= set(self.journal.symbols(self.env, self.market))
        if self.backfilling:
            self._pending = (self._pending or set()) | wanted
            return
        self._task = asyncio.get_running_loop().create_task(self._run(wanted))

    async def _run(self, symbols: set[str], *, known: bool = True,
                   orders: bool = True) -> None:
        assert self.source is not None
        while True:
            try:
                if orders:  # the client's open orders, however old: the journal keeps them
                    open_now = list(getattr(self.source, "open_orders", {}).values())
                    self.journal.record_orders(self.env, self.market, open_now)
                    symbols = symbols | {o.symbol for o in open_now}
                result = await backfill(self.journal, self.env, self.market, self.source,
                                        symbols, now_ms=_now_ms(self.source),
                                        lookback_ms=self.lookback_ms, known=known,
                                        with_orders=orders)
            except Exception as exc:  # a journal that cannot write must reach the log
                logger.exception("Journal backfill failed")
                self._say(f"History backfill failed: {exc}", "ERROR")
            else:
                self.backfills += 1
                self.last_result = result
                if result.orders or result.trades:
                    self._say(f"History: {result.trades} new fills, {result.orders} order "
                              f"updates from the exchange", "INFO")
                if result.failed:
                    self._say(f"History of {', '.join(result.failed)} could not be read; "
                              f"it is fetched again on the next reconnect", "WARNING")
            if not self._pending:
                return
            symbols, self._pending = self._pending, None
            known = orders = True

    def _say(self, message: str, level: str) -> None:
        if self._log is not None:
            self._log(message, level)


def _now_ms(source: Any) -> int:
    """The exchange's clock as the client measured it (``clock_offset_ms``), else ours."""
    return int(time.time() * 1000 + float(getattr(source, "clock_offset_ms", 0.0)))
