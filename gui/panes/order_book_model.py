"""The order book ladder's data: grouped levels, cumulative sizes, the spread row, depth bars.

Rows are fixed: ``depth`` asks (farthest on top, best just above the middle),
the spread row, ``depth`` bids (best on top). A new book changes row contents
only, so the view keeps its scroll position and repaints just the rows that
changed. Grouping folds levels onto multiples of a step: bids round down, asks
up, so a grouped level never looks better than the orders in it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen

from connector import OrderBook

from ..chart.numbers import fixed, percent
from ..chart.theme import ChartTheme
from ..models._format import RIGHT
from ..models._table import TableModel
from ._cell_painter import Face

Index = QModelIndex | QPersistentModelIndex
PriceLevel = tuple[Decimal, Decimal]  # (price, quantity), as in OrderBook
DEPTH = 20  # levels per side
MINE_ROLE = Qt.ItemDataRole.UserRole + 3  # the trader has an order on this level
Cell = tuple[str, str, float, bool]  # (side, text, depth bar 0..1, mine): what is painted


def group_price(price: Decimal, step: Decimal, side: str) -> Decimal:
    """The level ``price`` falls in: bids round down to ``step``, asks up."""
    rounding = ROUND_FLOOR if side == "bid" else ROUND_CEILING
    return (price / step).to_integral_value(rounding) * step


def group_levels(levels: tuple[PriceLevel, ...], step: Decimal, side: str,
                 limit: int = DEPTH) -> list[PriceLevel]:
    """Levels (best first) folded onto multiples of ``step``, the first ``limit`` of them."""
    out: list[PriceLevel] = []
    for price, qty in levels:
        p = group_price(price, step, side)
        if out and out[-1][0] == p:
            out[-1] = (p, out[-1][1] + qty)
        elif len(out) == limit:
            break
        else:
            out.append((p, qty))
    return out


@dataclass(frozen=True, slots=True)
class Level:
    side: str  # ask / bid
    price: Decimal
    size: Decimal
    total: Decimal  # cumulative from the best level
    mine: bool = False


@dataclass(frozen=True, slots=True)
class Spread:
    absolute: Decimal
    pct: Decimal


def ladder(book: OrderBook, step: Decimal, mine: set[tuple[str, Decimal]],
           depth: int = DEPTH, group: int = 1) -> tuple[list[Level | None], Spread | None]:
    """The rows for ``book``: asks top-down, then bids; ``None`` where a side runs out.

    ``group`` ticks a level (``step`` is that many ticks): ``depth`` grouped levels
    never take more than ``depth * group`` of the book's, so no more are read.
    """
    best_bids, best_asks = book.top(depth * group)
    sides: dict[str, list[Level]] = {}
    for side, levels in (("ask", best_asks), ("bid", best_bids)):
        total = Decimal(0)
        rows = []
        for price, qty in group_levels(levels, step, side, depth):
            total += qty
            rows.append(Level(side, price, qty, total, (side, price) in mine))
        sides[side] = rows
    asks: list[Level | None] = [None] * (depth - len(sides["ask"])) + sides["ask"][::-1]
    bids: list[Level | None] = [*sides["bid"], *([None] * (depth - len(sides["bid"])))]
    spread = None
    if best_asks and best_bids:
        ask, bid = best_asks[0][0], best_bids[0][0]
        spread = Spread(ask - bid, (ask - bid) / ((ask + bid) / 2) * 100)
    return asks + bids, spread


class LadderModel(TableModel):
    COLUMNS = ("Price", "Size", "Total")

    def __init__(self, depth: int = DEPTH) -> None:
        super().__init__()
        self.depth = depth
        self.levels: list[Level | None] = [None] * (2 * depth)
        self.spread: Spread | None = None
        self.price_decimals: int | None = None
        self.size_decimals: int | None = None
        self._max_total = Decimal(0)
        # what the delegate paints, per (row, column), made on first paint after a change
        self._cells: dict[tuple[int, int], Cell | None] = {}

    def row_count(self) -> int:
        return 2 * self.depth + 1

    def alignment(self, column: int) -> Any:
        return RIGHT

    @property
    def spread_row(self) -> int:
        return self.depth

    def level_at(self, row: int) -> Level | None:
        if row == self.depth or not 0 <= row <= 2 * self.depth:
            return None
        return self.levels[row if row < self.depth else row - 1]

    def set_ladder(self, levels: list[Level | None], spread: Spread | None) -> None:
        """New rows: only the rows that differ are repainted."""
        totals = [lv.total for lv in levels if lv is not None]
        max_total = max(totals, default=Decimal(0))
        rescaled = max_total != self._max_total
        changed = [i for i, (a, b) in enumerate(zip(self.levels, levels, strict=True)) if a != b]
        self.levels, self._max_total = levels, max_total
        self._cells.clear()
        spread_changed = spread != self.spread
        self.spread = spread
        rows = [i if i < self.depth else i + 1 for i in changed]
        if spread_changed:
            rows.append(self.depth)
        if rescaled:
            rows = [0, 2 * self.depth]
        if rows:
            self.dataChanged.emit(self.index(min(rows), 0), self.index(max(rows), 2))

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row, col = index.row(), index.column()
        if row == self.depth:
            return self._spread_data(col, role)
        level = self.level_at(row)
        if level is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(level, col)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        if role == MINE_ROLE:
            return level.mine
        return None

    def _text(self, level: Level, col: int) -> str:
        if col == 0:
            return fixed(level.price, self.price_decimals)
        return fixed(level.size if col == 1 else level.total, self.size_decimals)

    def cell(self, row: int, col: int) -> Cell | None:
        """(side, text, depth bar 0..1, mine) of a cell: what the delegate paints, asked
        for directly (a Python call, not a round trip through Qt) and kept until the
        book changes."""
        key, cells = (row, col), self._cells
        if key not in cells:
            cells[key] = self._make_cell(row, col)
        return cells[key]

    def _make_cell(self, row: int, col: int) -> Cell | None:
        if row == self.depth:
            return "spread", self._spread_data(col, Qt.ItemDataRole.DisplayRole) or "", 0.0, False
        level = self.level_at(row)
        if level is None:
            return None
        bar = float(level.total / self._max_total) if self._max_total else 0.0
        return level.side, self._text(level, col), bar, level.mine

    def _spread_data(self, col: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and col == 0:
            s = self.spread
            if s is None:
                return "Spread —"
            return f"Spread {fixed(s.absolute, self.price_decimals)}  ({percent(s.pct)}%)"
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return Qt.AlignmentFlag.AlignCenter
        return None


class LadderPainter:
    """Paints the ladder's rows (a ``RowPainter`` for ``MarketView``): each row's depth bar,
    right-anchored across the whole row, under the text; the spread row across the width.

    Cells come from ``LadderModel.cell`` (cached until the book changes), text is placed
    at a point (``Face``), pens are made once per theme and no Qt enum is touched per
    cell: the ladder repaints ten times a second, ~50 visible cells each time.
    """

    def __init__(self, model: LadderModel, theme: ChartTheme) -> None:
        self.model = model
        self.theme = theme

    @property
    def theme(self) -> ChartTheme:
        return self._theme

    @theme.setter
    def theme(self, t: ChartTheme) -> None:
        self._theme = t
        self._text, self._grid = QPen(QColor(t.text)), QColor(t.grid)
        self._price = {"ask": QPen(QColor(t.down)), "bid": QPen(QColor(t.up))}
        self._bar = {"ask": QColor(t.down), "bid": QColor(t.up)}
        for c in self._bar.values():
            c.setAlpha(48)
        self._hover = QColor(t.text)
        self._hover.setAlpha(24)
        self._mine = QColor("#f0b90b")
        self._face: Face | None = None

    def paint_rows(self, painter: QPainter, rows: range, top: int, height: int,
                   columns: Sequence[tuple[int, int]], width: int,
                   hovered: tuple[int, int] | None) -> None:
        font = painter.font()  # the view's (a restyle can change it): measured once
        face = self._face = (self._face if self._face is not None and self._face.font == font
                             else Face.of(font))
        cell_of = self.model.cell
        for row in rows:
            for col, (left, col_width) in enumerate(columns):
                cell = cell_of(row, col)
                if cell is None:  # a side that ran out of levels
                    continue
                side, text, bar, mine = cell
                if side == "spread":
                    if col == 0:  # one cell across the row
                        painter.fillRect(0, top, width, height, self._grid)
                        painter.setPen(self._text)
                        painter.drawText(0, top, width, height, _CENTER, text)
                    continue
                if not col_width:  # hidden, or outside the area repainted
                    continue
                right = left + col_width
                if bar:  # this cell's part of the row's bar, which ends at the right edge
                    start = max(left, round(width * (1 - bar)))
                    if start < right:
                        painter.fillRect(start, top, right - start, height, self._bar[side])
                if col == 0 and mine:
                    self._mark(painter, left, top, height)
                painter.setPen(self._price[side] if col == 0 else self._text)
                painter.drawText(right - 8 - face.width(text), face.baseline(top, height), text)
                if hovered == (row, col):
                    painter.fillRect(left, top, col_width, height, self._hover)
            top += height

    def _mark(self, painter: QPainter, left: int, top: int, height: int) -> None:
        """The dot beside a level the trader has an order on."""
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self._mine)
        r = 3.5
        painter.drawEllipse(QRectF(left + 6, top + height / 2 - r, 2 * r, 2 * r))
        painter.restore()


_CENTER = Qt.AlignmentFlag.AlignCenter
