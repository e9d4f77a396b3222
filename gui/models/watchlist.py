"""Watchlist quotes. Data changes at stream speed; the view repaints on a timer.

Market events only mark rows dirty; ``flush()`` (called ~20 times a second)
emits one ``dataChanged`` per dirty block, so thousands of messages a second
cost a few repaints, not thousands. A row whose connection is reported down
greys out and shows its age until fresh data for its symbol arrives.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, Qt

from ._format import (
    DOWN,
    DOWN_BG,
    LEFT,
    MUTED,
    RIGHT,
    SORT_ROLE,
    UP,
    UP_BG,
    WARN,
    Cell,
    Index,
    bold,
    money,
    sort_key,
)
from ._table import TableModel

FLASH_SECONDS = 0.3
AGE_COLUMN = 5
# The columns each kind of update changes: a flush repaints only those (a book tick, most
# of the stream, repaints the bid and ask cells, not the row).
QUOTE_COLUMNS = (1, 2)  # bid, ask (and their flash)
LAST_COLUMNS = (3, 4)  # last, 24h %
ALL_COLUMNS = (0, AGE_COLUMN)  # a row changed colour (stale, or fresh again)
_ALIGN = tuple(LEFT if col == 0 else RIGHT for col in range(6))
_BOLD = bold()  # one font, not one per call


@dataclass(slots=True)
class Quote:
    symbol: str
    decimals: int = 2
    bid: Decimal | None = None
    ask: Decimal | None = None
    last: Decimal | None = None
    change_pct: Decimal | None = None
    flash_up: bool = True
    flash_until: float = 0.0
    updated: float = 0.0  # monotonic time of the last book update
    stale: bool = False

    def age(self, now: float) -> str:
        return f"stale {max(0, int(now - self.updated))} s" if self.stale else ""


class WatchlistModel(TableModel):
    COLUMNS = ("Symbol", "Bid", "Ask", "Last", "24h %", "Age")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[Quote] = []
        self._row_of: dict[str, int] = {}
        self._dirty: set[int] = set()
        self._dirty_columns: tuple[int, int] | None = None  # first, last, of every dirty row
        self._flashing: set[int] = set()
        self._age_second = 0
        self.updates = 0  # market events applied, for the status bar and benchmarks

    # model API
    def row_count(self) -> int:
        return len(self.rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        q = self.rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(q, col)
        if role == SORT_ROLE:
            age = -q.updated if q.stale else None
            return sort_key((q.symbol, q.bid, q.ask, q.last, q.change_pct, age)[col])
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _ALIGN[col]
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._foreground(q, col)
        if role == Qt.ItemDataRole.BackgroundRole:
            return self._background(q, col)
        if role == Qt.ItemDataRole.ToolTipRole and q.stale:
            return (f"Stale: no fresh price for {q.symbol} since its market connection went "
                    f"down {q.age(time.monotonic()).removeprefix('stale ')} ago")
        if role == Qt.ItemDataRole.FontRole and col == 0:
            return _BOLD
        return None

    def cell(self, row: int, col: int) -> Cell:
        """What a cell shows: the row painter's one call per cell."""
        q = self.rows[row]
        return (self._text(q, col), _ALIGN[col], self._foreground(q, col),
                self._background(q, col), col == 0)

    @staticmethod
    def _text(q: Quote, col: int) -> str:
        if col == 0:
            return q.symbol
        if col in (1, 2, 3):
            return money((q.bid, q.ask, q.last)[col - 1], q.decimals)
        if col == 4:
            return "—" if q.change_pct is None else f"{q.change_pct:+.2f}%"
        return q.age(time.monotonic())

    @staticmethod
    def _background(q: Quote, col: int) -> Any:
        if col in (1, 2) and not q.stale and q.flash_until > time.monotonic():
            return UP_BG if q.flash_up else DOWN_BG
        return None

    @staticmethod
    def _foreground(q: Quote, col: int) -> Any:
        if q.stale:
            return WARN if col == AGE_COLUMN else MUTED
        if col == 4 and q.change_pct is not None:
            return UP if q.change_pct >= 0 else DOWN
        if col in (1, 2) and q.flash_until > time.monotonic():
            return UP if q.flash_up else DOWN
        return None

    # editing the list
    def symbols(self) -> list[str]:
        return [q.symbol for q in self.rows]

    def add(self, symbol: str, decimals: int = 2) -> bool:
        if symbol in self._row_of:
            return False
        row = len(self.rows)
        self.beginInsertRows(QModelIndex(), row, row)
        self.rows.append(Quote(symbol, decimals))
        self._row_of[symbol] = row
        self.endInsertRows()
        return True

    def remove(self, symbol: str) -> bool:
        row = self._row_of.get(symbol)
        if row is None:
            return False
        self.beginRemoveRows(QModelIndex(), row, row)
        del self.rows[row]
        self._row_of = {q.symbol: i for i, q in enumerate(self.rows)}
        self._dirty, self._dirty_columns = set(), None
        self._flashing.clear()
        self.endRemoveRows()
        return True

    def set_symbols(self, symbols: list[str], decimals: dict[str, int]) -> None:
        self.beginResetModel()
        self.rows = [Quote(s, decimals.get(s, 2)) for s in symbols]
        self._row_of = {q.symbol: i for i, q in enumerate(self.rows)}
        self._dirty, self._dirty_columns = set(), None
        self._flashing.clear()
        self.endResetModel()

    def quote(self, symbol: str) -> Quote | None:
        row = self._row_of.get(symbol)
        return None if row is None else self.rows[row]

    # stream speed: no Qt signal here
    def on_book(self, symbol: str, bid: Decimal, ask: Decimal) -> None:
        row = self._row_of.get(symbol)
        if row is None:
            return
        q = self.rows[row]
        now = time.monotonic()
        if q.bid is not None and bid != q.bid:
            q.flash_up = bid > q.bid
            q.flash_until = now + FLASH_SECONDS
            self._flashing.add(row)
        columns = ALL_COLUMNS if q.stale or q.last is None else QUOTE_COLUMNS
        q.bid, q.ask, q.stale, q.updated = bid, ask, False, now
        if q.last is None:
            q.last = (bid + ask) / 2
        self._touch(row, columns)
        self.updates += 1

    def on_ticker(self, symbol: str, last: Decimal, change_pct: Decimal) -> None:
        row = self._row_of.get(symbol)
        if row is None:
            return
        q = self.rows[row]
        q.last, q.change_pct = last, change_pct
        self._touch(row, ALL_COLUMNS if q.stale else LAST_COLUMNS)
        self.updates += 1

    def on_trade(self, symbol: str, price: Decimal) -> None:
        row = self._row_of.get(symbol)
        if row is not None:
            self.rows[row].last = price
            self._touch(row, ALL_COLUMNS if self.rows[row].stale else LAST_COLUMNS)

    def mark_stale(self, symbols: Iterable[str] = ()) -> None:
        """The connection carrying ``symbols`` (all rows when empty) is down: their prices
        are stale until a fresh book update arrives (``on_book`` clears the mark)."""
        wanted = set(symbols)
        for row, q in enumerate(self.rows):
            if (not wanted or q.symbol in wanted) and q.bid is not None and not q.stale:
                q.stale = True
                self._touch(row, ALL_COLUMNS)

    def _touch(self, row: int, columns: tuple[int, int]) -> None:
        """Row ``row`` changed in ``columns`` (first, last): repaint them at the next flush."""
        self._dirty.add(row)
        span = self._dirty_columns
        self._dirty_columns = columns if span is None else (
            min(span[0], columns[0]), max(span[1], columns[1]))

    def stale_symbols(self) -> list[str]:
        return [q.symbol for q in self.rows if q.stale]

    def flush(self) -> None:
        """Emit the repaints collected since the last flush (called by a timer)."""
        now = time.monotonic()
        expired = {r for r in self._flashing if r < len(self.rows)
                   and self.rows[r].flash_until <= now}
        self._flashing -= expired
        for row in expired:  # the flash's colours go
            self._touch(row, QUOTE_COLUMNS)
        if int(now) != self._age_second:  # stale ages tick once a second
            self._age_second = int(now)
            for row, q in enumerate(self.rows):
                if q.stale:
                    self._touch(row, (AGE_COLUMN, AGE_COLUMN))
        rows, span = self._dirty, self._dirty_columns
        self._dirty, self._dirty_columns = set(), None
        if not rows or span is None:
            return
        first, last = span
        for start, end in _blocks(sorted(r for r in rows if r < len(self.rows))):
            self.dataChanged.emit(self.index(start, first), self.index(end, last))

    def has_prices(self) -> bool:
        return bool(self.rows) and all(q.bid is not None for q in self.rows)


def _blocks(rows: list[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for r in rows:
        if out and r == out[-1][1] + 1:
            out[-1] = (out[-1][0], r)
        else:
            out.append((r, r))
    return out
