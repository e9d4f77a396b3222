"""The Order book pane: a price ladder of the ticket's symbol; a click puts a price in the ticket.

Fed by ``BookUpdate`` events (channel "depth") for the focused symbol, plus a
REST snapshot on focus so the ladder fills before the first diff. Events only
keep the newest book; ``flush`` rebuilds the rows when it changed, and the
model repaints just the rows that differ.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from connector import Contract, OrderBook, OrderStatus
from connector.events import BookUpdate

from ..chart.theme import ChartTheme, app_theme, chart_theme
from ..widgets import MarketView
from ._follow import FollowedStream
from .base import Environment, Pane, PaneContext
from .order_book_model import DEPTH, LadderModel, LadderPainter, group_price, ladder

GROUPS = (1, 10, 100)  # tick multiples offered


class OrderBookPane(Pane):
    title: ClassVar[str] = "Order book"
    dock_name: ClassVar[str] = "dockOrderBook"
    area = "right"
    listens: ClassVar[tuple[type, ...]] = (BookUpdate,)

    def __init__(self, ctx: PaneContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("orderBookPane")
        self.setMinimumSize(240, 320)
        self.symbol = ""
        self.book: OrderBook | None = None
        self.tick = Decimal(0)
        self.group = 1
        self._connected = False
        self._dirty = False
        self._stream = FollowedStream(ctx.bridge)
        self.theme: ChartTheme = chart_theme(app_theme())

        self.grouping = QComboBox()
        self.grouping.setObjectName("orderBookGrouping")
        self.grouping.setToolTip("Group price levels by a multiple of the tick")
        self.grouping.currentIndexChanged.connect(self._grouping_changed)
        self.caption = QLabel()
        self.caption.setProperty("muted", True)
        bar = QHBoxLayout()
        bar.setContentsMargins(6, 4, 6, 2)
        bar.addWidget(self.caption, 1)
        bar.addWidget(self.grouping)

        self.model = LadderModel()
        self.painter = LadderPainter(self.model, self.theme)
        self.view = MarketView("orderBook", self.model, self.painter, hover=True)
        self.view.setCursor(Qt.CursorShape.PointingHandCursor)
        self.view.setSpan(self.model.spread_row, 0, 1, 3)
        self.view.setToolTip("Click a level to put its price in the ticket")
        self.view.clicked.connect(self._clicked)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        self._fill_grouping()
        self._show_caption()
        ctx.bridge.symbolFocused.connect(self.set_symbol)
        ctx.bridge.orderChanged.connect(self._order_changed)

    # -- pane protocol -------------------------------------------------------------------------

    def on_connected(self, env: Environment, contracts: Mapping[str, Contract]) -> None:
        self._connected = True
        self._stream.forget()
        self.symbol = ""
        self.set_symbol(self.ctx.bridge.focused_symbol)

    def on_disconnected(self) -> None:
        self._connected = False
        self._stream.forget()
        self.set_book(None)

    def on_event(self, event: Any) -> None:
        if type(event) is BookUpdate and event.symbol == self.symbol:
            self.book = event.book
            self._dirty = True

    def flush(self) -> None:
        if not self._dirty:
            return
        self._dirty = False
        if self.book is None:
            self.model.set_ladder([None] * (2 * DEPTH), None)
            return
        mine = {(side, group_price(price, self.step, side))
                for side, price in self._my_prices()}
        self.model.set_ladder(*ladder(self.book, self.step, mine, group=self.group))

    # -- what is shown -------------------------------------------------------------------------

    @property
    def step(self) -> Decimal:
        return self.tick * self.group if self.tick else Decimal(1).scaleb(-8) * self.group

    def set_book(self, book: OrderBook | None) -> None:
        """Show ``book`` (the newest wins; an older snapshot never replaces a newer book)."""
        if (book is not None and self.book is not None and book.symbol == self.book.symbol
                and book.last_update_id < self.book.last_update_id):
            return
        self.book = book
        self._dirty = True
        self.flush()

    def set_symbol(self, symbol: str) -> None:
        if symbol == self.symbol:
            return
        self.symbol = symbol
        contract = self.ctx.bridge.contract(symbol) if symbol else None
        self.tick = contract.tick_size if contract else Decimal(0)
        self.model.price_decimals = contract.price_decimals if contract else None
        self.model.size_decimals = contract.quantity_decimals if contract else None
        self._fill_grouping()
        self._show_caption()
        self.set_book(None)
        if self._connected and symbol:
            self.ctx.spawn(self._follow(symbol))

    async def _follow(self, symbol: str) -> None:
        await self._stream.follow(symbol, "depth")
        book = await self.ctx.bridge.order_book(symbol, limit=100)
        if symbol == self.symbol:
            self.set_book(book)

    def set_theme(self, name: str) -> None:
        self.theme = self.painter.theme = chart_theme(name)
        self.view.viewport().update()

    def _fill_grouping(self) -> None:
        self.grouping.blockSignals(True)
        self.grouping.clear()
        for m in GROUPS:
            label = format((self.tick * m).normalize(), "f") if self.tick else f"{m}×"
            self.grouping.addItem(label, m)
        self.grouping.setCurrentIndex(GROUPS.index(self.group))
        self.grouping.blockSignals(False)

    def _grouping_changed(self, index: int) -> None:
        if index >= 0:
            self.group = GROUPS[index]
            self._dirty = True
            self.flush()

    def _show_caption(self) -> None:
        self.caption.setText(f"{self.symbol or '—'}  ·  group by")

    # -- the trader's orders and clicks ------------------------------------------------------

    def _my_prices(self) -> list[tuple[str, Decimal]]:
        return [("bid" if o.side == "BUY" else "ask", o.price)
                for o in self.ctx.bridge.open_orders()
                if o.symbol == self.symbol and o.is_open and o.price]

    def _order_changed(self, order: OrderStatus) -> None:
        if order.symbol == self.symbol:
            self._dirty = True

    def _clicked(self, index: QModelIndex) -> None:
        level = self.model.level_at(index.row())
        if level is not None:
            self.ctx.bridge.choose_price(level.price)

    def center(self) -> None:
        """Scroll so the spread sits in the middle of the view."""
        self.view.scrollTo(self.model.index(self.model.spread_row, 0),
                           QAbstractItemView.ScrollHint.PositionAtCenter)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.center()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.center()

    def tables(self) -> Mapping[str, QTableView]:
        return {}  # columns stretch to the dock: nothing to save

