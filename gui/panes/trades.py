"""The Trades pane: the market's recent trades of the ticket's symbol, newest on top.

Fed by ``MarketTrade`` (channel "trade"); ``AggTrade`` is taken too, so the tape
works on either stream. Events queue at stream speed; ``flush`` inserts them at
the top in one go and drops the oldest beyond ``CAPACITY`` rows. Price and size
are coloured by the aggressor: the buyer took the ask (green) or the seller hit
the bid (red).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any, ClassVar

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QVBoxLayout, QWidget

from connector import Contract
from connector.events import AggTrade, MarketTrade

from ..chart.numbers import fixed
from ..chart.theme import ChartTheme, app_theme, chart_theme
from ..models._format import LEFT, RIGHT, Cell
from ..models._table import TableModel
from ..widgets import MarketView
from ._cell_painter import CellPainter
from ._follow import FollowedStream
from .base import Environment, Pane, PaneContext

Index = QModelIndex | QPersistentModelIndex
CAPACITY = 500  # rows kept
CHANNEL = "trade"


@dataclass(frozen=True, slots=True)
class TapeRow:
    time: int  # ms
    price: Decimal
    quantity: Decimal
    buyer_aggressor: bool


class TapeModel(TableModel):
    COLUMNS = ("Time", "Price", "Size")

    def __init__(self, theme: ChartTheme, capacity: int = CAPACITY) -> None:
        super().__init__()
        self.rows: deque[TapeRow] = deque(maxlen=capacity)  # newest first
        self.capacity = capacity
        self.price_decimals: int | None = None
        self.size_decimals: int | None = None
        self.set_theme(theme)

    def row_count(self) -> int:
        return len(self.rows)

    def alignment(self, column: int) -> Any:
        return _ALIGN[column]

    def set_theme(self, theme: ChartTheme) -> None:
        self._colors = QColor(theme.up), QColor(theme.down), QColor(theme.text)
        self._brushes = tuple(QBrush(c) for c in self._colors)
        if self.rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, 2))

    def add(self, rows: list[TapeRow]) -> None:
        """Put ``rows`` (oldest first) on top, newest first; the oldest fall off the bottom."""
        rows = rows[-self.capacity:]
        if not rows:
            return
        overflow = len(self.rows) + len(rows) - self.capacity
        if overflow > 0:
            self.beginRemoveRows(QModelIndex(), len(self.rows) - overflow, len(self.rows) - 1)
            for _ in range(overflow):
                self.rows.pop()
            self.endRemoveRows()
        self.beginInsertRows(QModelIndex(), 0, len(rows) - 1)
        self.rows.extendleft(rows)
        self.endInsertRows()

    def clear(self) -> None:
        self.beginResetModel()
        self.rows.clear()
        self.endResetModel()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self.rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, col)
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._brushes[_tone(row, col)]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _ALIGN[col]
        return None

    def cell(self, row_number: int, col: int) -> Cell:
        """What a cell shows: the row painter's one call per cell."""
        row = self.rows[row_number]
        return self._text(row, col), _ALIGN[col], self._colors[_tone(row, col)], None, False

    def _text(self, row: TapeRow, col: int) -> str:
        if col == 0:
            return _clock(row.time // 1000)
        if col == 1:
            return fixed(row.price, self.price_decimals)
        return fixed(row.quantity, self.size_decimals)


def _tone(row: TapeRow, col: int) -> int:
    """Index into the theme's (up, down, muted): price and size by aggressor, time muted."""
    return 2 if col == 0 else 0 if row.buyer_aggressor else 1


@lru_cache(maxsize=512)
def _clock(seconds: int) -> str:
    """A trade's local time of day; cached, as a tape repaint shows the same few seconds."""
    return time.strftime("%H:%M:%S", time.localtime(seconds))


_ALIGN = (LEFT, RIGHT, RIGHT)  # time left, price and size right (as the watchlist: ints)


class TradesPane(Pane):
    title: ClassVar[str] = "Trades"
    dock_name: ClassVar[str] = "dockTrades"
    area = "right"
    listens: ClassVar[tuple[type, ...]] = (MarketTrade, AggTrade)

    def __init__(self, ctx: PaneContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("tradesPane")
        self.setMinimumSize(220, 200)
        self.symbol = ""
        self._connected = False
        self._stream = FollowedStream(ctx.bridge)
        self._pending: list[TapeRow] = []
        self._trades_seen = False  # MarketTrade preferred; AggTrade only without it
        self.model = TapeModel(chart_theme(app_theme()))
        self.view = MarketView("trades", self.model)
        self.view.set_row_painter(CellPainter(self.view, self.model.cell))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        ctx.bridge.symbolFocused.connect(self.set_symbol)

    def on_connected(self, env: Environment, contracts: Mapping[str, Contract]) -> None:
        self._connected = True
        self._stream.forget()
        self.symbol = ""
        self.set_symbol(self.ctx.bridge.focused_symbol)

    def on_disconnected(self) -> None:
        self._connected = False
        self._stream.forget()
        self._pending = []
        self.model.clear()

    def on_event(self, event: Any) -> None:
        kind = type(event)
        if (kind is MarketTrade or kind is AggTrade) and event.symbol == self.symbol:
            if kind is MarketTrade:
                self._trades_seen = True  # the "trade" stream is here: aggTrades would double
            elif self._trades_seen:
                return
            self._pending.append(TapeRow(event.time, event.price, event.quantity,
                                             not event.is_buyer_maker))

    def flush(self) -> None:
        if self._pending:
            pending, self._pending = self._pending, []
            self.model.add(pending)

    def set_symbol(self, symbol: str) -> None:
        if symbol == self.symbol:
            return
        self.symbol = symbol
        self._pending = []
        self._trades_seen = False
        self.model.clear()
        contract = self.ctx.bridge.contract(symbol) if symbol else None
        self.model.price_decimals = contract.price_decimals if contract else None
        self.model.size_decimals = contract.quantity_decimals if contract else None
        if self._connected and symbol:
            self.ctx.spawn(self._follow(symbol))

    async def _follow(self, symbol: str) -> None:
        await self._stream.follow(symbol, CHANNEL)

    def set_theme(self, name: str) -> None:
        self.model.set_theme(chart_theme(name))
