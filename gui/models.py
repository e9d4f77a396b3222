"""Qt table models. Data changes at stream speed; views repaint on a timer.

Market events only mark rows dirty; ``flush()`` (called ~20 times a second)
emits one ``dataChanged`` per dirty block, so thousands of messages a second
cost a few repaints, not thousands.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PySide6.QtGui import QColor, QFont

from connector import Balance
from connector.filters import fmt

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
FLASH_SECONDS = 0.3
Index = QModelIndex | QPersistentModelIndex

UP = QColor("#16c784")
DOWN = QColor("#ea3943")
UP_BG = QColor(22, 199, 132, 60)
DOWN_BG = QColor(234, 57, 67, 60)
MUTED = QColor("#8a94a6")
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)


def money(value: Decimal | None, decimals: int = 2, *, grouped: bool = False) -> str:
    """A price at the symbol's tick: 95012.30. Tables show plain digits (they paste into a
    spreadsheet and parse back as the same Decimal); sentences use ``grouped`` (95,012.30)."""
    if value is None:
        return "—"
    return f"{value:{',' if grouped else ''}.{max(decimals, 0)}f}"


def amount(value: Decimal) -> str:
    """A quantity with its significant decimals only: 0.00001, 1.5, 10000."""
    return fmt(value)


def mono_font() -> QFont:
    font = QFont("DejaVu Sans Mono")
    font.setStyleHint(QFont.StyleHint.Monospace)
    return font


def sort_key(value: object) -> object:
    """What a view sorts by: Decimals as whole numbers of 1e-8 (exact, compared natively by
    Qt, so no Python ``lessThan`` runs per comparison), missing values first."""
    if isinstance(value, Decimal):
        return int(value.scaleb(8).to_integral_value())
    if value is None:
        return -(2**62)
    return value


class DecimalSortProxy(QSortFilterProxyModel):
    """Sorts by SORT_ROLE, so 9 < 10 and 0.5 < 2."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(False)


# -- watchlist ----------------------------------------------------------------------------


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
    stale: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


class WatchlistModel(QAbstractTableModel):
    COLUMNS = ("Symbol", "Bid", "Ask", "Last", "24h %")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[Quote] = []
        self._row_of: dict[str, int] = {}
        self._dirty: set[int] = set()
        self._flashing: set[int] = set()
        self.updates = 0  # market events applied, for the status bar and benchmarks

    # model API
    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal:
            if role == Qt.ItemDataRole.DisplayRole:
                return self.COLUMNS[section]
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return LEFT if section == 0 else RIGHT
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        q = self.rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return q.symbol
            if col == 1:
                return money(q.bid, q.decimals)
            if col == 2:
                return money(q.ask, q.decimals)
            if col == 3:
                return money(q.last, q.decimals)
            if col == 4:
                return "—" if q.change_pct is None else f"{q.change_pct:+.2f}%"
        elif role == SORT_ROLE:
            return sort_key((q.symbol, q.bid, q.ask, q.last, q.change_pct)[col])
        elif role == Qt.ItemDataRole.TextAlignmentRole:
            return LEFT if col == 0 else RIGHT
        elif role == Qt.ItemDataRole.ForegroundRole:
            if q.stale and col in (1, 2, 3):
                return MUTED
            if col == 4 and q.change_pct is not None:
                return UP if q.change_pct >= 0 else DOWN
            if col in (1, 2) and q.flash_until > time.monotonic():
                return UP if q.flash_up else DOWN
        elif role == Qt.ItemDataRole.BackgroundRole:
            if col in (1, 2) and q.flash_until > time.monotonic():
                return UP_BG if q.flash_up else DOWN_BG
        elif role == Qt.ItemDataRole.ToolTipRole and q.stale:
            return "Stale: the market stream is reconnecting"
        elif role == Qt.ItemDataRole.FontRole and col == 0:
            font = QFont()
            font.setBold(True)
            return font
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
        self._dirty.clear()
        self._flashing.clear()
        self.endRemoveRows()
        return True

    def set_symbols(self, symbols: list[str], decimals: dict[str, int]) -> None:
        self.beginResetModel()
        self.rows = [Quote(s, decimals.get(s, 2)) for s in symbols]
        self._row_of = {q.symbol: i for i, q in enumerate(self.rows)}
        self._dirty.clear()
        self._flashing.clear()
        self.endResetModel()

    def set_decimals(self, decimals: dict[str, int]) -> None:
        for q in self.rows:
            q.decimals = decimals.get(q.symbol, q.decimals)
        self._dirty.update(range(len(self.rows)))

    def quote(self, symbol: str) -> Quote | None:
        row = self._row_of.get(symbol)
        return None if row is None else self.rows[row]

    # stream speed: no Qt signal here
    def on_book(self, symbol: str, bid: Decimal, ask: Decimal) -> None:
        row = self._row_of.get(symbol)
        if row is None:
            return
        q = self.rows[row]
        if q.bid is not None and bid != q.bid:
            q.flash_up = bid > q.bid
            q.flash_until = time.monotonic() + FLASH_SECONDS
            self._flashing.add(row)
        q.bid, q.ask, q.stale = bid, ask, False
        if q.last is None:
            q.last = (bid + ask) / 2
        self._dirty.add(row)
        self.updates += 1

    def on_ticker(self, symbol: str, last: Decimal, change_pct: Decimal) -> None:
        row = self._row_of.get(symbol)
        if row is None:
            return
        q = self.rows[row]
        q.last, q.change_pct = last, change_pct
        self._dirty.add(row)
        self.updates += 1

    def on_trade(self, symbol: str, price: Decimal) -> None:
        row = self._row_of.get(symbol)
        if row is not None:
            self.rows[row].last = price
            self._dirty.add(row)

    def mark_stale(self, stale: bool) -> None:
        for q in self.rows:
            q.stale = stale and q.bid is not None
        self._dirty.update(range(len(self.rows)))

    def flush(self) -> None:
        """Emit the repaints collected since the last flush (called by a timer)."""
        now = time.monotonic()
        expired = {r for r in self._flashing if r < len(self.rows)
                   and self.rows[r].flash_until <= now}
        self._flashing -= expired
        rows = self._dirty | expired
        self._dirty = set()
        if not rows:
            return
        last_col = len(self.COLUMNS) - 1
        for start, end in _blocks(sorted(r for r in rows if r < len(self.rows))):
            self.dataChanged.emit(self.index(start, 0), self.index(end, last_col))

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


# -- balances ----------------------------------------------------------------------------------


class BalancesModel(QAbstractTableModel):
    SPOT = ("Asset", "Free", "Locked", "Total")
    FUTURES = ("Asset", "Wallet", "Margin", "Unrealized PnL", "Available")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.futures = False
        self.balances: dict[str, Balance] = {}
        self._assets: list[str] = []

    @property
    def columns(self) -> tuple[str, ...]:
        return self.FUTURES if self.futures else self.SPOT

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._assets)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section]
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.TextAlignmentRole:
            return LEFT if section == 0 else RIGHT
        return None

    def _values(self, b: Balance) -> tuple[Any, ...]:
        if self.futures:
            return (b.asset, b.wallet_balance, b.margin_balance, b.unrealized_pnl, b.free)
        return (b.asset, b.free, b.locked, b.free + b.locked)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        b = self.balances[self._assets[index.row()]]
        col = index.column()
        values = self._values(b)
        if role == Qt.ItemDataRole.DisplayRole:
            return values[0] if col == 0 else amount(values[col].quantize(Decimal("0.00000001")))
        if role == SORT_ROLE:
            return sort_key(values[col])
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return LEFT if col == 0 else RIGHT
        if role == Qt.ItemDataRole.ForegroundRole and self.futures and col == 3:
            return UP if b.unrealized_pnl >= 0 else DOWN
        if role == Qt.ItemDataRole.FontRole and col == 0:
            font = QFont()
            font.setBold(True)
            return font
        return None

    def set_balances(self, balances: dict[str, Balance], futures: bool) -> None:
        self.beginResetModel()
        self.futures = futures
        self.balances = {a: b for a, b in balances.items() if not b.is_zero}
        self._assets = sorted(self.balances)
        self.endResetModel()

    def update(self, balances: tuple[Balance, ...]) -> None:
        changed = False
        for b in balances:
            if b.is_zero:
                changed |= self.balances.pop(b.asset, None) is not None
            else:
                changed |= self.balances.get(b.asset) != b
                self.balances[b.asset] = b
        if not changed:
            return
        assets = sorted(self.balances)
        if assets != self._assets:
            self.beginResetModel()
            self._assets = assets
            self.endResetModel()
        else:
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(len(assets) - 1, len(self.columns) - 1))
