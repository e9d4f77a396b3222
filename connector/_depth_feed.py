"""Channel "depth": one ``BookSync`` per symbol, fed by the market stream and REST snapshots.

The sync logic lives in ``_book`` (no I/O); this is the I/O around it:
snapshot requests become tasks on the client's REST session, results and
failures go back to the sync, every applied change becomes a ``BookUpdate``.
Order of start-up follows Binance: the syncs buffer first, the stream is
subscribed, and only then is the first snapshot asked for.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from ._book import BookSync
from ._models import OrderBook
from ._rest import RestClient
from .endpoints import Endpoints
from .errors import BinanceError
from .events import BookUpdate, Event

SNAPSHOT_LIMIT = 1000
STREAM = "depth@100ms"


class DepthFeeds:
    def __init__(self, *, endpoints: Endpoints, rest: RestClient, books: dict[str, OrderBook],
                 emit: Callable[[Event], None], log: Callable[[str, str], None]) -> None:
        self._endpoints = endpoints
        self._rest = rest
        self._books = books
        self._emit = emit
        self._log = log
        self.syncs: dict[str, BookSync] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def prepare(self, symbols: list[str]) -> list[str]:
        """Make (buffering) syncs for the symbols that have none; returns those."""
        new = [s for s in symbols if s not in self.syncs]
        for symbol in new:
            self.syncs[symbol] = BookSync(symbol, self._endpoints.futures, self._books,
                                          self._request, log=self._log,
                                          on_change=self._changed)
        return new

    def start(self, symbols: list[str]) -> None:
        """The stream is subscribed: ask for the first snapshots."""
        for symbol in symbols:
            sync = self.syncs.get(symbol)
            if sync is not None:
                sync.start()

    def remove(self, symbols: list[str]) -> None:
        for symbol in symbols:
            sync = self.syncs.pop(symbol, None)
            if sync is not None:
                sync.stop()
            task = self._tasks.pop(symbol, None)
            if task is not None:
                task.cancel()

    def on_event(self, data: dict[str, Any]) -> None:
        sync = self.syncs.get(data["s"])
        if sync is not None:
            sync.on_event(data)

    def _changed(self, book: OrderBook) -> None:
        self._emit(BookUpdate(book.symbol, book))

    def _request(self, symbol: str, delay: float) -> None:
        old = self._tasks.get(symbol)
        if old is not None and not old.done() and old is not asyncio.current_task():
            old.cancel()
        self._tasks[symbol] = asyncio.get_running_loop().create_task(
            self._fetch(symbol, delay), name=f"depth snapshot {symbol}")

    async def _fetch(self, symbol: str, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        path = f"{self._endpoints.api_prefix}/depth"
        try:
            data = await self._rest.request("GET", path, {"symbol": symbol,
                                                                  "limit": SNAPSHOT_LIMIT})
        except (BinanceError, OSError) as exc:
            sync = self.syncs.get(symbol)
            if sync is not None:
                sync.on_snapshot_error(exc)
            return
        sync = self.syncs.get(symbol)
        if sync is not None:
            sync.on_snapshot(data)

    async def close(self) -> None:
        tasks = list(self._tasks.values())
        self.remove(list(self.syncs))
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
