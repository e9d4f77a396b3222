"""Lazy Qt models over the journal: rows are read a page at a time, when a view asks.

``rowCount`` is one ``count(*)`` (the scroll bar is true from the start) and
``data`` reads the page holding the row (``LIMIT``/``OFFSET`` on the v2 time
index), keeping the most recent pages only. Opening 100,000 fills costs a count
and one page, not 100,000 rows of Python objects (see bench/history.py).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QDate, QObject, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QDateEdit, QTableView, QWidget

from connector import OrderStatus, Trade

from ..journal_pnl import SymbolPnl
from ..models import amount
from ..models._format import DOWN, LEFT, MUTED, RIGHT, UP, Index
from ..models._table import TableModel

FIAT_LIKE = ("USDT", "USDC", "FDUSD", "BUSD", "TUSD", "DAI", "EUR", "TRY", "BRL", "JPY")
FILL_WIDTHS = (150, 85, 45, 95, 85, 95, 90, 70, 100, 50, 100, 85)
ORDER_WIDTHS = (150, 85, 45, 65, 110, 95, 85, 85, 95, 40, 100, 200)
PNL_WIDTHS = (80, 110, 95, 40, 80)
PAGE_ROWS = 200
KEEP_PAGES = 16

R = TypeVar("R")


def local_time(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000).strftime("%Y-%m-%d %H:%M:%S")


@dataclass(frozen=True, slots=True)
class Column(Generic[R]):
    title: str
    text: Callable[[R], str]
    align: int = RIGHT
    colour: Callable[[R], Any] | None = None


def _side_colour(side: str) -> Any:
    return UP if side == "BUY" else DOWN


def _signed(value: Decimal) -> Any:
    return UP if value > 0 else DOWN if value < 0 else None


FILL_COLUMNS: tuple[Column[Trade], ...] = (
    Column("Time", lambda t: local_time(t.time), LEFT),
    Column("Symbol", lambda t: t.symbol, LEFT),
    Column("Side", lambda t: t.side, LEFT, lambda t: _side_colour(t.side)),
    Column("Price", lambda t: amount(t.price)),
    Column("Quantity", lambda t: amount(t.quantity)),
    Column("Quote", lambda t: amount(t.quote_quantity)),
    Column("Fee", lambda t: amount(t.commission)),
    Column("Fee asset", lambda t: t.commission_asset, LEFT),
    Column("Realized PnL", lambda t: amount(t.realized_pnl), RIGHT,
           lambda t: _signed(t.realized_pnl)),
    Column("Role", lambda t: "Maker" if t.is_maker else "Taker", LEFT),
    Column("Order ID", lambda t: str(t.order_id)),
    Column("Trade ID", lambda t: str(t.trade_id)),
)
FUTURES_ONLY_FILL_COLUMNS = (8,)  # Realized PnL is 0 on every spot fill

ORDER_COLUMNS: tuple[Column[OrderStatus], ...] = (
    Column("Time", lambda o: local_time(o.update_time), LEFT),
    Column("Symbol", lambda o: o.symbol, LEFT),
    Column("Side", lambda o: o.side, LEFT, lambda o: _side_colour(o.side)),
    Column("Type", lambda o: o.order_type, LEFT),
    Column("Status", lambda o: o.status.replace("_", " ").capitalize(), LEFT,
           lambda o: None if o.is_open or o.status == "filled" else MUTED),
    Column("Price", lambda o: amount(o.price) if o.price else "Market"),
    Column("Quantity", lambda o: amount(o.orig_qty)),
    Column("Filled", lambda o: amount(o.executed_qty)),
    Column("Avg price", lambda o: amount(o.avg_price) if o.avg_price else "—"),
    Column("TIF", lambda o: o.time_in_force, LEFT),
    Column("Order ID", lambda o: str(o.order_id)),
    Column("Client ID", lambda o: o.client_order_id, LEFT),
)


class LazyJournalModel(TableModel, Generic[R]):
    """A read-only table of journal rows, newest first, loaded by the page."""

    def __init__(self, columns: Sequence[Column[R]], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.columns = tuple(columns)
        self._titles = tuple(c.title for c in self.columns)
        self._count: Callable[[], int] = lambda: 0
        self._read: Callable[[int, int], list[R]] = lambda offset, limit: []
        self._rows = 0
        self._pages: OrderedDict[int, list[R]] = OrderedDict()
        self.pages_read = 0  # for tests and the benchmark: how lazy it really is

    def row_count(self) -> int:
        return self._rows

    def titles(self) -> tuple[str, ...]:
        return self._titles

    def alignment(self, column: int) -> Any:
        return self.columns[column].align

    def set_source(self, count: Callable[[], int], read: Callable[[int, int], list[R]]) -> None:
        self._count, self._read = count, read
        self.reload()

    def reload(self) -> None:
        self.beginResetModel()
        self._pages.clear()
        self._rows = self._count()
        self.endResetModel()

    def row(self, index: int) -> R | None:
        if not 0 <= index < self._rows:
            return None
        number = index // PAGE_ROWS
        page = self._pages.get(number)
        if page is None:
            page = self._read(number * PAGE_ROWS, PAGE_ROWS)
            self.pages_read += 1
            self._pages[number] = page
            while len(self._pages) > KEEP_PAGES:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(number)
        offset = index - number * PAGE_ROWS
        return page[offset] if offset < len(page) else None

    def loaded_rows(self) -> int:
        return sum(len(p) for p in self._pages.values())

    # -- the model API ----------------------------------------------------------------------

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return column.align
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ForegroundRole):
            return None
        item = self.row(index.row())
        if item is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(item)
        return column.colour(item) if column.colour is not None else None


class PnlModel(TableModel):
    """Realized PnL per symbol, then one bold total per quote asset."""

    COLUMNS = ("Symbol", "Realized PnL", "Fees", "Fills", "Volume")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[SymbolPnl] = []
        self.total_rows = 0

    def row_count(self) -> int:
        return len(self.rows)

    def set_rows(self, rows: list[SymbolPnl], totals: list[SymbolPnl]) -> None:
        self.beginResetModel()
        self.rows = rows + totals
        self.total_rows = len(totals)
        self.endResetModel()

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        r = self.rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            quote = f" {r.quote_asset}" if r.quote_asset else ""
            places = 2 if r.quote_asset in FIAT_LIKE else 8
            if col == 0:
                return r.symbol
            if col == 1:
                return f"{r.realized:+.{places}f}{quote}"
            if col == 2:
                return f"{r.fees:.{places}f}{quote}"
            if col == 3:
                return str(r.fills)
            return f"{r.volume:.{places}f}"
        if role == Qt.ItemDataRole.ToolTipRole and col in (1, 2):
            exact = format(r.realized if col == 1 else r.fees, "f")
            notes = f"\nSold without a known cost: {amount(r.unmatched_qty)}" \
                if r.unmatched_qty else ""
            other = "".join(f"\nFees in {a}: {amount(q)} (not valued)" for a, q in r.other_fees)
            return f"{exact} {r.quote_asset}{notes}{other}"
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return LEFT if col == 0 else RIGHT
        if role == Qt.ItemDataRole.ForegroundRole and col == 1:
            return _signed(r.realized)
        if role == Qt.ItemDataRole.FontRole and index.row() >= len(self.rows) - self.total_rows:
            font = QFont()
            font.setBold(True)
            return font
        return None


# -- small widget helpers of the pane ------------------------------------------------------

W = TypeVar("W", bound=QWidget)


def named(widget: W, name: str) -> W:
    widget.setObjectName(name)
    return widget


def date_edit(parent: QWidget, name: str, day: QDate) -> QDateEdit:
    edit = named(QDateEdit(day, parent), name)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    return edit


def set_widths(view: QTableView, widths: tuple[int, ...]) -> None:
    for col, width in enumerate(widths):
        view.setColumnWidth(col, width)


def day_of(d: QDate) -> date:
    return date(d.year(), d.month(), d.day())


def local_midnight_ms(day: date) -> int:
    return int(datetime(day.year, day.month, day.day).timestamp() * 1000)
