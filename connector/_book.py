"""A local order book kept exactly as Binance documents it, with no I/O of its own.

``BookSync`` is fed diff-depth events (``on_event``) and REST snapshots
(``on_snapshot``) and asks for a snapshot through a callable. The procedure:

1. buffer the stream's events; ask for a snapshot;
2. drop buffered events with ``u <= lastUpdateId`` (futures: ``u < lastUpdateId``);
3. the first event applied must straddle the snapshot: spot
   ``U <= lastUpdateId + 1 <= u``, futures ``U <= lastUpdateId <= u``; a
   snapshot older than the stream (the first event starts later) is fetched
   again, a bounded number of times, then the whole sync starts over;
4. every later event continues the one before: spot ``U == previous u + 1``,
   futures ``pu == previous u``; an event wholly at or before the book's id is
   a repeat and is ignored; anything else is a gap;
5. a gap or a crossed book (best bid >= best ask) drops the book from
   ``books`` at once and rebuilds it from a new snapshot, logged.

Sizes are absolute; zero removes the level. The hot path does no Decimal
work: levels are kept as the exchange's own strings and become an
``OrderBook`` (Decimals, best first) only when someone reads it. The
``OrderBook`` in ``books`` (and in each ``BookUpdate``) is a view that builds
itself on first read; before the book moves on, a view someone still holds is
frozen on a copy of the levels it stood for (``connector._book_levels``), so
nobody ever sees a later state under an earlier ``last_update_id``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, MutableMapping
from decimal import Decimal
from heapq import heapify, heappop, heappush
from sys import getrefcount
from typing import Any

from ._book_levels import BookView, Levels
from ._models import OrderBook

RequestSnapshot = Callable[[str, float], None]  # (symbol, delay in s)
LogFn = Callable[[str, str], None]

MAX_SNAPSHOT_TRIES = 5  # a snapshot behind the stream this often: start over
MAX_BUFFER = 5000  # events held while waiting for a snapshot
RETRY_DELAYS = (0.0, 0.2, 0.5, 1.0, 2.0)


def _is_zero(quantity: str) -> bool:
    return not quantity.strip("0.")


class _Probe:
    """Measures what ``sys.getrefcount`` reports for an object only one attribute holds, read
    the way ``BookSync._held_elsewhere`` reads it (interpreters differ in what they count)."""

    def __init__(self) -> None:
        self._view = object()

    def count(self) -> int:
        view = self._view
        return sys.getrefcount(view)


_OWN_REFS = _Probe().count()


class BookSync(Levels):
    """One symbol's local book; ``books[symbol]`` shows it only while it is known good."""

    def __init__(self, symbol: str, futures: bool, books: MutableMapping[str, OrderBook],
                 request_snapshot: RequestSnapshot, *, log: LogFn | None = None,
                 on_change: Callable[[OrderBook], None] | None = None,
                 max_tries: int = MAX_SNAPSHOT_TRIES) -> None:
        self.symbol = symbol
        self.futures = futures
        self.books = books
        self._request = request_snapshot
        self._log = log or (lambda msg, level: None)
        self.on_change = on_change
        self.max_tries = max_tries
        super().__init__()  # the levels; and per side a heap of the prices (bids negated)
        # whose top, once levels no longer there are popped, is the best
        self._bid_heap: list[float] = []
        self._ask_heap: list[float] = []
        self.update_id = 0
        self.live = False
        self._first = False  # the next event must straddle the snapshot
        self._buffer: list[dict[str, Any]] = []
        self._waiting = False  # a snapshot has been asked for
        self._tries = 0
        self._view: BookView | None = None
        self.rebuilds = 0
        self.applied = 0

    # -- feeding ------------------------------------------------------------------------------

    def start(self) -> None:
        """Ask for the first snapshot. Events are buffered from creation on, so subscribe to
        the stream between making the sync and calling this (Binance's order of steps)."""
        self._tries = 0
        if not self._waiting and not self.live:
            self._ask(0.0)

    def _ask(self, delay: float) -> None:
        self._waiting = True
        self._request(self.symbol, delay)

    def on_event(self, event: dict[str, Any]) -> None:
        """One diff-depth event (``depthUpdate``) of this symbol."""
        if not self.live:
            buffer = self._buffer
            buffer.append(event)
            if len(buffer) > MAX_BUFFER:
                del buffer[: len(buffer) - MAX_BUFFER]
            return
        last = event["u"]
        current = self.update_id
        if self._first:
            if self.futures:  # U <= lastUpdateId <= u, or it continues at lastUpdateId
                if last < current:
                    return
                straddles = event["U"] <= current or event["pu"] == current
            else:  # U <= lastUpdateId + 1 <= u
                if last <= current:
                    return
                straddles = event["U"] <= current + 1
            if not straddles:
                self._rebuild(f"the first event after the snapshot starts at {event['U']}, "
                              f"after the snapshot's {current}", event)
                return
            self._first = False
        elif last <= current:
            return  # a repeat of what the book already holds
        elif (event["pu"] != current) if self.futures else (event["U"] != current + 1):
            expected = "pu" if self.futures else "U"
            got = event["pu"] if self.futures else event["U"]
            self._rebuild(f"gap in the diff-depth stream ({expected} {got} after u {current})",
                          event)
            return
        if self._apply(event["b"], event["a"], last):
            self._changed()

    def on_snapshot(self, snapshot: dict[str, Any]) -> None:
        """The REST depth snapshot asked for (``lastUpdateId``, ``bids``, ``asks``)."""
        if not self._waiting:
            return
        self._waiting = False
        last = int(snapshot["lastUpdateId"])
        floor = last if self.futures else last + 1  # futures keep u == lastUpdateId
        buffered = [e for e in self._buffer if e["u"] >= floor]
        if buffered and buffered[0]["U"] > (last if self.futures else last + 1):
            self._tries += 1
            self._buffer = buffered
            if self._tries >= self.max_tries:
                self._log(f"{self.symbol} order book: snapshot {last} never caught up with the "
                          f"stream (first event {buffered[0]['U']}) after {self._tries} tries; "
                          f"starting over", "WARNING")
                self.rebuilds += 1
                self._buffer = []
                self._tries = 0
                self._ask(RETRY_DELAYS[-1])
                return
            self._ask(RETRY_DELAYS[min(self._tries, len(RETRY_DELAYS) - 1)])
            return
        self._buffer = []
        self._tries = 0
        self._reset_levels()
        if not self._apply(snapshot["bids"], snapshot["asks"], last, count=False):
            return  # the snapshot itself is crossed: a rebuild was asked for
        self.live = True
        self._first = True
        self._changed()
        for event in buffered:
            if not self.live:
                break
            self.on_event(event)

    def on_snapshot_error(self, exc: BaseException) -> None:
        """The snapshot request failed: try again a little later."""
        if not self._waiting:
            return
        self._waiting = False
        self._tries += 1
        self._log(f"{self.symbol} order book: snapshot failed ({exc}); retrying", "WARNING")
        self._ask(RETRY_DELAYS[min(self._tries, len(RETRY_DELAYS) - 1)])

    def stop(self) -> None:
        """Forget everything (unsubscribed): the book leaves ``books``."""
        self._drop_book()
        self._waiting = False

    # -- the hot path ------------------------------------------------------------------------

    def _apply(self, bids: list[list[str]], asks: list[list[str]], last: int, *,
                count: bool = True) -> bool:
        """Apply one event's levels; False (and a rebuild) if the book ends up crossed."""
        view = self._view
        if view is not None and getrefcount(view) > _OWN_REFS + (self.books.get(self.symbol)
                                                                 is view):
            view._freeze()  # someone holds the view: it keeps the levels it stood for
            self._view = None
        side, text, heap = self.bids, self._bid_text, self._bid_heap
        for p, q in bids:
            f = float(p)
            if q.strip("0."):
                if f not in side:
                    text[f] = p
                    heappush(heap, -f)
                side[f] = q
            elif side.pop(f, None) is not None:
                del text[f]
        while heap and -heap[0] not in side:
            heappop(heap)
        side, text, heap = self.asks, self._ask_text, self._ask_heap
        for p, q in asks:
            f = float(p)
            if q.strip("0."):
                if f not in side:
                    text[f] = p
                    heappush(heap, f)
                side[f] = q
            elif side.pop(f, None) is not None:
                del text[f]
        while heap and heap[0] not in side:
            heappop(heap)
        self.update_id = last
        bid_heap = self._bid_heap
        if bid_heap and heap and -bid_heap[0] >= heap[0]:
            self._rebuild(f"crossed book after update {last} (bid {-bid_heap[0]:g} >= "
                          f"ask {heap[0]:g})", None)
            return False
        if len(heap) > 64 + 2 * len(side) or len(bid_heap) > 64 + 2 * len(self.bids):
            self._compact()
        if count:
            self.applied += 1
        return True

    def _compact(self) -> None:
        """Drop heap entries of levels long gone (amortized: rare)."""
        self._bid_heap = [-f for f in self.bids]
        heapify(self._bid_heap)
        self._ask_heap = list(self.asks)
        heapify(self._ask_heap)

    def _reset_levels(self) -> None:
        self.bids, self.asks = {}, {}
        self._bid_text, self._ask_text = {}, {}
        self._bid_heap, self._ask_heap = [], []

    def _held_elsewhere(self) -> bool:
        """Does anyone but this sync (and ``books``) hold the current view?"""
        view = self._view
        return sys.getrefcount(view) > _OWN_REFS + (self.books.get(self.symbol) is view)

    def _changed(self) -> None:
        view = self._view
        if view is None:
            view = self._view = BookView(self.symbol, self.update_id, sync=self)
            self.books[self.symbol] = view
        else:
            view._advance(self.update_id)  # nobody else holds it: it moves on in place
        if self.on_change is not None:
            self.on_change(view)

    # -- rebuilding ---------------------------------------------------------------------------

    def _drop_book(self) -> None:
        if self._view is not None:
            if self._held_elsewhere():
                self._view._freeze()
            self._view = None
        self.books.pop(self.symbol, None)
        self.live = False
        self._first = False
        self._reset_levels()
        self._buffer = []

    def _rebuild(self, reason: str, event: dict[str, Any] | None) -> None:
        self.rebuilds += 1
        self._log(f"{self.symbol} order book: {reason}; rebuilding from a new snapshot",
                  "WARNING")
        self._drop_book()
        if event is not None:
            self._buffer.append(event)  # a real event of the stream: it may be needed
        self._tries = 0
        if not self._waiting:
            self._ask(0.0)


def order_book_from(symbol: str, data: dict[str, Any]) -> OrderBook:
    """A REST depth snapshot as an ``OrderBook`` (Binance sends each side best first)."""
    dec = Decimal
    return OrderBook(symbol, int(data["lastUpdateId"]),
                     tuple((dec(p), dec(q)) for p, q, *_ in data["bids"] if not _is_zero(q)),
                     tuple((dec(p), dec(q)) for p, q, *_ in data["asks"] if not _is_zero(q)))
