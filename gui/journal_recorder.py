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
import time
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from connector import OrderStatus, Trade
from connector.errors import BinanceError
from connector.events import ConnectionState, OrderUpdate

from .journal import Journal

logger = logging.getLogger("gui.journal")

SPOT_LOOKBACK_MS = 24 * 3600 * 1000  # a symbol the journal has never seen: one request's span
FUTURES_LOOKBACK_MS = 7 * 24 * 3600 * 1000


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
    """The order an ``OrderUpdate`` carries: ``event.order`` (the reshaped event)."""
    order = getattr(event, "order", None)
    if isinstance(order, OrderStatus):
        return order
    # TODO(remove when core's OrderUpdate(order, execution_type, fill, time) is merged): the
    # flat event of today, read field by field.
    if not hasattr(event, "order_id"):
        return None
    return OrderStatus(event.order_id, event.status, event.avg_price, event.executed_qty,
                       event.symbol, event.client_order_id, event.side, event.order_type,
                       event.price, event.orig_qty, event.time_in_force, event.time)


def fill_of(event: Any) -> Trade | None:
    """The fill an ``OrderUpdate`` carries (``event.fill``, execution type TRADE), if any."""
    fill = getattr(event, "fill", None)
    return fill if isinstance(fill, Trade) else None


@dataclass(frozen=True, slots=True)
class BackfillResult:
    symbols: tuple[str, ...]
    orders: int  # order states the journal learned
    trades: int  # fills the journal did not have
    failed: tuple[str, ...] = ()  # symbols whose history could not be read (logged)


async def backfill(journal: Journal, env: str, market: str, source: HistorySource,
                   symbols: Iterable[str] = (), *, now_ms: int,
                   lookback_ms: int | None = None) -> BackfillResult:
    """Fetch what came after the journal's last point, for the symbols the journal knows
    plus ``symbols`` (the watchlist, the open orders)."""
    lookback = lookback_ms if lookback_ms is not None else (
        FUTURES_LOOKBACK_MS if source.futures else SPOT_LOOKBACK_MS)
    wanted = sorted(set(journal.symbols(env, market)) | {s.upper() for s in symbols if s})
    orders = trades = 0
    failed: list[str] = []
    for symbol in wanted:
        try:
            last_trade = journal.last_trade_id(env, market, symbol)
            if last_trade is None:
                fills = await source.get_trades(symbol, start=now_ms - lookback, limit=None)
            else:
                fills = await source.get_trades(symbol, from_id=last_trade + 1, limit=None)
            cursor = journal.order_cursor(env, market, symbol)
            if cursor is None:
                states = await source.get_order_history(symbol, start=now_ms - lookback,
                                                        limit=None)
            else:
                states = await source.get_order_history(symbol, from_id=cursor, limit=None)
        except BinanceError as exc:
            logger.warning("History of %s not backfilled: %s", symbol, exc)
            failed.append(symbol)
            continue
        with journal.transaction():
            trades += journal.record_trades(env, market, fills)
            orders += journal.record_orders(env, market, states)
    return BackfillResult(tuple(wanted), orders, trades, tuple(failed))


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
        if order is not None:
            self.journal.record_order(self.env, self.market, order)
        if fill is not None:
            self.journal.record_trade(self.env, self.market, fill)
        elif (order is not None and getattr(event, "execution_type", "") == "TRADE"
              and getattr(event, "last_fill_qty", Decimal(0))):
            # An event without its fill's trade id cannot be recorded exactly: fetch the fill.
            self.request_backfill((order.symbol,))

    def record_order(self, order: OrderStatus) -> bool:
        return self.journal.record_order(self.env, self.market, order)

    def record_trade(self, trade: Trade) -> bool:
        return self.journal.record_trade(self.env, self.market, trade)

    # -- backfill ------------------------------------------------------------------------------

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

    async def _run(self, symbols: set[str]) -> None:
        assert self.source is not None
        while True:
            try:
                result = await backfill(self.journal, self.env, self.market, self.source,
                                        symbols, now_ms=_now_ms(self.source),
                                        lookback_ms=self.lookback_ms)
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

    def _say(self, message: str, level: str) -> None:
        if self._log is not None:
            self._log(message, level)


def _now_ms(source: Any) -> int:
    """The exchange's clock as the client measured it (``clock_offset_ms``), else ours."""
    return int(time.time() * 1000 + float(getattr(source, "clock_offset_ms", 0.0)))
