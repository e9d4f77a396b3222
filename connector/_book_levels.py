"""A book's levels as the exchange's strings, and the ``OrderBook`` view read from them.

``Levels`` holds each side as quantity text by float price, plus the price text;
it becomes Decimals only when read (``materialize``). ``BookSync``
(``connector._book``) is a ``Levels`` that the stream keeps changing. A
``BookView`` is the ``OrderBook`` in ``books`` and in each ``BookUpdate``: it
builds its levels on first read, and when the book moves on while somebody
still holds it, it is frozen on a copy of the levels it stood for (four dict
copies, tens of microseconds), still turned into Decimals only if read. Freezing
by building every level at once cost milliseconds per depth update for a GUI
that held the latest book until its next repaint.
"""

from __future__ import annotations

from decimal import Decimal
from heapq import nlargest, nsmallest
from typing import Any

from ._models import OrderBook, PriceLevel

Sides = tuple[tuple[PriceLevel, ...], tuple[PriceLevel, ...]]  # (bids, asks), best first


class Levels:
    """Both sides of a book as the exchange's text, keyed by float price."""

    def __init__(self) -> None:
        # The float is only a key and an order: a Binance price has at most 15 significant
        # digits, which a double keeps distinct and in order; every price and size that
        # leaves the book is the exchange's own text, made a Decimal.
        self.bids: dict[float, str] = {}  # quantity text by price
        self.asks: dict[float, str] = {}
        self._bid_text: dict[float, str] = {}  # the price's own text
        self._ask_text: dict[float, str] = {}

    def materialize(self, limit: int | None = None) -> Sides:
        """The levels as Decimals, best first; the best ``limit`` a side if given."""
        dec = Decimal
        side, text = self.bids, self._bid_text
        keys = sorted(side, reverse=True) if limit is None else nlargest(limit, side)
        bids = tuple((dec(text[f]), dec(side[f])) for f in keys)
        side, text = self.asks, self._ask_text
        keys = sorted(side) if limit is None else nsmallest(limit, side)
        asks = tuple((dec(text[f]), dec(side[f])) for f in keys)
        return bids, asks

    def copy(self) -> Levels:
        """These levels as they are now, unchanged by what happens to this book later."""
        frozen = Levels()
        frozen.bids, frozen.asks = self.bids.copy(), self.asks.copy()
        frozen._bid_text, frozen._ask_text = self._bid_text.copy(), self._ask_text.copy()
        return frozen


class BookView(OrderBook):
    """An ``OrderBook`` whose levels are built on first read (then kept)."""

    __slots__ = ("_levels_cache", "_source")

    def __init__(self, symbol: str, last_update_id: int, bids: tuple[PriceLevel, ...] = (),
                 asks: tuple[PriceLevel, ...] = (), sync: Levels | None = None) -> None:
        # (bids, asks given: a plain book, as dataclasses.replace makes one)
        object.__setattr__(self, "symbol", symbol)
        object.__setattr__(self, "last_update_id", last_update_id)
        object.__setattr__(self, "_source", sync)
        object.__setattr__(self, "_levels_cache", None if sync is not None
                           else (tuple(bids), tuple(asks)))

    def _levels(self) -> Sides:
        levels: Sides | None = object.__getattribute__(self, "_levels_cache")
        if levels is None:
            source: Levels = object.__getattribute__(self, "_source")
            levels = source.materialize()  # a plain book always has its levels
            object.__setattr__(self, "_levels_cache", levels)
        return levels

    @property
    def bids(self) -> tuple[PriceLevel, ...]:
        return self._levels()[0]

    @property
    def asks(self) -> tuple[PriceLevel, ...]:
        return self._levels()[1]

    def top(self, n: int) -> Sides:
        """The best ``n`` levels a side; only those become Decimals (a ladder of 20 from a
        book of 1,000 levels costs 20 conversions, not 1,000 and a sort)."""
        levels: Sides | None = object.__getattribute__(self, "_levels_cache")
        if levels is not None:
            return levels[0][:n], levels[1][:n]
        source: Levels = object.__getattribute__(self, "_source")
        return source.materialize(n)

    def _freeze(self) -> None:
        """The book moves on but someone holds this view: keep the levels it stands for."""
        if object.__getattribute__(self, "_levels_cache") is None:
            source: Levels = object.__getattribute__(self, "_source")
            object.__setattr__(self, "_source", source.copy())

    def _advance(self, last_update_id: int, setattr: Any = object.__setattr__) -> None:
        setattr(self, "last_update_id", last_update_id)
        setattr(self, "_levels_cache", None)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, OrderBook):
            return NotImplemented
        return (self.symbol, self.last_update_id, self.bids, self.asks) == (
            other.symbol, other.last_update_id, other.bids, other.asks)

    def __hash__(self) -> int:
        return hash((self.symbol, self.last_update_id, self.bids, self.asks))

    def __repr__(self) -> str:
        bids, asks = self._levels()
        return (f"OrderBook(symbol={self.symbol!r}, last_update_id={self.last_update_id}, "
                f"{len(bids)} bids, {len(asks)} asks)")

    def __reduce__(self) -> Any:
        return (OrderBook, (self.symbol, self.last_update_id, self.bids, self.asks))
