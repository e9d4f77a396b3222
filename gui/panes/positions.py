"""The futures positions pane: what the trader holds, its PnL and where it liquidates.

One row per open position (``PositionUpdate`` events; a closed one leaves),
with its funding from the mark price stream. Events only change the model's
data; ``flush`` repaints. A position closes from ``closePositionButton``, the
context menu or a double-click: one reduce-only MARKET for the whole size
(``bridge.close_position``). In Live every close asks first, through
``confirm`` (the window may provide its own; the default is a non-blocking
``QMessageBox.open()``); Demo and Testnet do not ask.

Reverse is two orders, never one: first the reduce-only close, then, only once
it filled, a plain MARKET of the closed size the other way. A single order of
twice the size could not be reduce-only, so if the position shrank meanwhile
(a take-profit, a liquidation, another app) it would open more than intended;
two steps can at worst leave the trader flat, never larger than they were.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from decimal import Decimal
from typing import Any, ClassVar

from PySide6.QtCore import QModelIndex, QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QHBoxLayout,
    QMenu,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from connector import Contract, OrderStatus, Position
from connector.events import MarkPrice, PositionUpdate
from connector.filters import fmt

from ..models import SORT_ROLE, DecimalSortProxy, money, sort_key
from ..models._format import DOWN, LEFT, RIGHT, UP, Index
from ..models._table import TableModel
from ..widgets import Table
from .base import Environment, Pane, PaneContext

Confirm = Callable[[str], Awaitable[bool]]
ZERO = Decimal(0)
CENTER = int(Qt.AlignmentFlag.AlignCenter)


def position_margin(p: Position) -> Decimal:
    """Isolated: the position's own margin; cross: the initial margin at the mark."""
    if p.margin_type == "isolated":
        return p.isolated_margin
    return abs(p.notional) / p.leverage if p.leverage else ZERO


def roe_pct(p: Position) -> Decimal:
    """Binance's ROE: unrealized PnL over the initial margin at entry (size x entry / leverage)."""
    initial = abs(p.quantity) * p.entry_price / p.leverage if p.leverage else ZERO
    return p.unrealized_pnl / initial * 100 if initial else ZERO


class PositionsModel(TableModel):
    COLUMNS = ("Symbol", "Size", "Entry", "Mark", "Liq. price", "Margin", "Unrealized PnL",
               "ROE %", "Mode", "Funding")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.positions: dict[str, Position] = {}
        self.funding: dict[str, tuple[Decimal, int]] = {}
        self.contracts: Mapping[str, Contract] = {}
        self.symbols: list[str] = []
        self._pending: dict[str, Position] = {}
        self._dirty: set[str] = set()

    # -- data in (stream speed) and out (flush) -------------------------------------------------

    def row_count(self) -> int:
        return len(self.symbols)

    def alignment(self, column: int) -> Any:
        return LEFT if column == 0 else CENTER if column == 8 else RIGHT

    def stage(self, p: Position) -> None:
        self._pending[p.symbol] = p

    def stage_funding(self, m: MarkPrice) -> None:
        if self.funding.get(m.symbol) != (m.funding_rate, m.next_funding_time):
            self.funding[m.symbol] = (m.funding_rate, m.next_funding_time)
            self._dirty.add(m.symbol)

    def flush(self) -> bool:
        """Apply staged positions; True when rows came or went (selection must be restored)."""
        pending, self._pending = self._pending, {}
        for symbol, p in pending.items():
            if p.quantity:
                self.positions[symbol] = p
            else:
                self.positions.pop(symbol, None)
            self._dirty.add(symbol)
        symbols = sorted(self.positions)
        dirty, self._dirty = self._dirty, set()
        if symbols != self.symbols:
            self.beginResetModel()
            self.symbols = symbols
            self.endResetModel()
            return True
        for symbol in dirty:
            if symbol in self.positions:
                row = self.symbols.index(symbol)
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.COLUMNS) - 1))
        return False

    def reset(self, positions: Mapping[str, Position]) -> None:
        self.beginResetModel()
        self._pending.clear()
        self.positions = {s: p for s, p in positions.items() if p.quantity}
        self.symbols = sorted(self.positions)
        self.endResetModel()

    # -- Qt -------------------------------------------------------------------------------------

    def _values(self, p: Position) -> tuple[Any, ...]:
        rate = self.funding.get(p.symbol)
        return (p.symbol, p.quantity, p.entry_price, p.mark_price, p.liquidation_price,
                position_margin(p), p.unrealized_pnl, roe_pct(p), f"{p.leverage}x {p.margin_type}",
                rate[0] if rate else None)

    def _text(self, p: Position, col: int, value: Any) -> str:
        c = self.contracts.get(p.symbol)
        price_decimals = c.price_decimals if c else 2
        if col == 0:
            return str(value)
        if col == 1:
            return fmt(value)
        if col in (2, 3):
            return money(value, price_decimals)
        if col == 4:
            return money(value, price_decimals) if value else "—"
        if col == 8:
            return str(value)
        if col == 9:
            rate = self.funding.get(p.symbol)
            if rate is None:
                return "—"
            at = time.strftime("%H:%M", time.gmtime(rate[1] / 1000))
            return f"{rate[0] * 100:.4f}% {at}"
        return money(value, 2)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.symbols):
            return None
        p = self.positions[self.symbols[index.row()]]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(p, col, self._values(p)[col])
        if role == SORT_ROLE:
            return sort_key(self._values(p)[col])
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return LEFT if col == 0 else CENTER if col == 8 else RIGHT
        if role == Qt.ItemDataRole.ForegroundRole:
            if col == 1:
                return UP if p.quantity > 0 else DOWN
            if col in (6, 7):
                return UP if p.unrealized_pnl >= 0 else DOWN
        if role == Qt.ItemDataRole.ToolTipRole and col == 1:
            side = "Long" if p.quantity > 0 else "Short"
            return f"{side} {fmt(abs(p.quantity))} {p.symbol}, {p.leverage}x {p.margin_type}"
        return None


class PositionsPane(Pane):
    title: ClassVar[str] = "Positions"
    dock_name: ClassVar[str] = "dockPositions"
    area = "bottom"
    listens: ClassVar[tuple[type, ...]] = (PositionUpdate, MarkPrice)

    def __init__(self, ctx: PaneContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("positionsPane")
        self.env: Environment | None = None
        self.confirm: Confirm = self._ask  # the window may put its own confirmation here
        self.model = PositionsModel(self)
        self.proxy = DecimalSortProxy(self)
        self.proxy.setSourceModel(self.model)
        widths = (92, 80, 92, 92, 92, 84, 118, 70, 110, 120)
        self.view = Table("positions", widths, self)
        self.view.setModel(self.proxy)
        for col, width in enumerate(widths):  # widths hold once the model gives columns
            self.view.setColumnWidth(col, width)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._menu)
        self.view.doubleClicked.connect(lambda index: self._close_row(index))
        self.close_button = QPushButton("Close", self)
        self.close_button.setObjectName("closePositionButton")
        self.close_button.setToolTip("Close the selected position: one reduce-only MARKET order")
        self.close_button.clicked.connect(lambda: self._close_row(self.view.currentIndex()))
        self.reverse_button = QPushButton("Reverse", self)
        self.reverse_button.setObjectName("reversePositionButton")
        self.reverse_button.setToolTip("Close the selected position, then open the same size "
                                       "the other way")
        self.reverse_button.clicked.connect(lambda: self._reverse_row(self.view.currentIndex()))
        self.close_all_button = QPushButton("Close all", self)
        self.close_all_button.setObjectName("closeAllPositionsButton")
        self.close_all_button.clicked.connect(self._close_all)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for b in (self.close_button, self.reverse_button, self.close_all_button):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.view)
        layout.addLayout(buttons)
        self._enable()

    # -- the pane protocol ----------------------------------------------------------------------

    def on_event(self, event: Any) -> None:
        if isinstance(event, PositionUpdate):
            self.model.stage(event.position)
        elif isinstance(event, MarkPrice):
            self.model.stage_funding(event)

    def on_connected(self, env: Environment, contracts: Mapping[str, Contract]) -> None:
        self.env = env
        self.model.contracts = contracts
        self.model.reset(self.ctx.bridge.positions() if env.futures else {})
        self._enable()

    def on_disconnected(self) -> None:
        self.env = None
        self.model.funding.clear()
        self.model.reset({})
        self._enable()

    def flush(self) -> None:
        selected = self._symbol_at(self.view.currentIndex())
        if self.model.flush() and selected in self.model.positions:
            row = self.proxy.mapFromSource(self.model.index(self.model.symbols.index(selected), 0))
            self.view.selectRow(row.row())
        self._enable()

    def tables(self) -> Mapping[str, QTableView]:
        return {"positions": self.view}

    # -- actions --------------------------------------------------------------------------------

    def _enable(self) -> None:
        has = bool(self.model.symbols)
        for b in (self.close_button, self.reverse_button, self.close_all_button):
            b.setEnabled(has)

    def _symbol_at(self, index: QModelIndex) -> str | None:
        if not index.isValid():
            return None
        row = self.proxy.mapToSource(index).row()
        return self.model.symbols[row] if 0 <= row < len(self.model.symbols) else None

    def selected(self) -> Position | None:
        symbol = self._symbol_at(self.view.currentIndex())
        return self.model.positions.get(symbol) if symbol else None

    def _menu(self, pos: Any) -> None:
        index = self.view.indexAt(pos)
        symbol = self._symbol_at(index)
        if symbol is None:
            return
        self.view.setCurrentIndex(index)
        menu = QMenu(self)
        for text, slot in (("Close position", lambda: self._close_row(index)),
                           ("Reverse position", lambda: self._reverse_row(index)),
                           ("Close in ticket (reduce-only)…", lambda: self._prefill(symbol)),
                           ("Close all positions", self._close_all)):
            action = QAction(text, menu)
            action.triggered.connect(slot)
            menu.addAction(action)
        self._open_menu = menu  # kept alive while it shows (popup does not block)
        menu.popup(self.view.viewport().mapToGlobal(pos))

    def _prefill(self, symbol: str) -> None:
        p = self.model.positions.get(symbol)
        if p is not None:
            self.ctx.bridge.prefill_close(p.symbol, "SELL" if p.quantity > 0 else "BUY",
                                          abs(p.quantity))

    def _close_row(self, index: QModelIndex) -> None:
        symbol = self._symbol_at(index)
        if symbol is not None:
            self.ctx.spawn(self.close_symbol(symbol))

    def _reverse_row(self, index: QModelIndex) -> None:
        symbol = self._symbol_at(index)
        if symbol is not None:
            self.ctx.spawn(self.reverse_symbol(symbol))

    def _close_all(self) -> None:
        self.ctx.spawn(self.close_all())

    async def _allowed(self, question: str) -> bool:
        if self.env is None or self.env.name != "Live":
            return True
        return await self.confirm(question)

    async def close_symbol(self, symbol: str) -> OrderStatus | None:
        p = self.model.positions.get(symbol)
        if p is None:
            return None
        if not await self._allowed(f"Close {_describe(p)} at market (reduce-only)?"):
            self.ctx.log(f"Close of {symbol} cancelled", "INFO")
            return None
        result: OrderStatus | None = await self.ctx.bridge.close_position(symbol)
        return result

    async def reverse_symbol(self, symbol: str) -> OrderStatus | None:
        p = self.model.positions.get(symbol)
        if p is None:
            return None
        if not await self._allowed(f"Reverse {_describe(p)}: close it at market, then open "
                                   f"{fmt(abs(p.quantity))} the other way?"):
            self.ctx.log(f"Reverse of {symbol} cancelled", "INFO")
            return None
        closed: OrderStatus | None = await self.ctx.bridge.close_position(symbol)
        if closed is None or closed.status != "filled" or not closed.executed_qty:
            self.ctx.log(f"Reverse of {symbol} stopped: the close did not fill, nothing more "
                         f"sent", "WARNING")
            return None
        # the other way is the close's own side: a long closed by a SELL reopens as a short
        opened: OrderStatus = await self.ctx.bridge.place_order(symbol, "MARKET",
                                                                closed.executed_qty, closed.side)
        return opened

    async def close_all(self) -> None:
        held = [self.model.positions[s] for s in self.model.symbols]
        if not held:
            return
        listing = ", ".join(_describe(p) for p in held)
        if not await self._allowed(f"Close every position at market (reduce-only): {listing}?"):
            self.ctx.log("Close all cancelled", "INFO")
            return
        for p in held:  # one at a time: each close reads its size from the exchange
            await self.ctx.bridge.close_position(p.symbol)

    async def _ask(self, question: str) -> bool:
        """Live confirmation without blocking the loop: ``open()`` and a future."""
        box = QMessageBox(QMessageBox.Icon.Warning, "Confirm (Live)", question,
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.setObjectName("confirmPositionDialog")
        box.setDefaultButton(QMessageBox.StandardButton.No)
        answer: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

        def done(code: int) -> None:
            if not answer.done():
                answer.set_result(code == QMessageBox.StandardButton.Yes.value)

        box.finished.connect(done)
        box.open()
        try:
            return await answer
        finally:
            box.deleteLater()


def _describe(p: Position) -> str:
    side = "long" if p.quantity > 0 else "short"
    return f"{p.symbol} {side} {fmt(abs(p.quantity))}"
