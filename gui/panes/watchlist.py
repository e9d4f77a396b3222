"""Watchlist pane: live quotes for the symbols a trader follows; a click focuses a symbol."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QModelIndex, QPoint, QStringListModel, Qt, Signal
from PySide6.QtGui import QAction, QKeyEvent
from PySide6.QtWidgets import QCompleter, QLineEdit, QMenu, QTableView, QVBoxLayout, QWidget

from connector import BinanceError, Contract
from connector.events import AggTrade, BookTicker, ConnectionState, MiniTicker

from ..environment import Environment
from ..models import DecimalSortProxy, WatchlistModel
from ..widgets import Table, named
from ._cell_painter import CellPainter
from .base import Pane, PaneContext

CHANNELS = ("bookTicker", "miniTicker")
# The watchlist repaints at most this often (the window flushes every 50 ms): 200 rows of
# quotes are read at a glance, and each repaint is the GUI's largest single cost at
# stream speed (bench/gui.py stall). Ten a second still shows every flash (0.3 s).
REPAINT_SECONDS = 0.1


class WatchlistView(Table):
    deletePressed = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.deletePressed.emit()
            return
        super().keyPressEvent(event)


class WatchlistPane(Pane):
    title = "Watchlist"
    dock_name = "dockWatchlist"
    area = "left"
    listens = (BookTicker, MiniTicker, AggTrade)

    def __init__(self, ctx: PaneContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        settings = ctx.settings
        self.env = Environment(settings.environment, settings.market)
        self.model = WatchlistModel(self)
        self._painted = 0.0  # monotonic time of the last flush
        self.model.set_symbols(settings.watchlist(self.env.name, self.env.market), {})
        self.add_edit = named(QLineEdit(), "watchlistAdd")
        self.add_edit.setPlaceholderText("Add symbol…  (e.g. BTCUSDT, Enter)")
        self.add_edit.setClearButtonEnabled(True)
        self._symbols = QStringListModel(self)
        completer = QCompleter(self._symbols, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchStartsWith)
        self.add_edit.setCompleter(completer)
        self.add_edit.returnPressed.connect(self._add)

        self.proxy = DecimalSortProxy(self)
        self.proxy.setSourceModel(self.model)
        self.view = WatchlistView("watchlist", (92, 100, 100, 100, 64, 64))
        self.view.setModel(self.proxy)
        self.view.set_row_painter(CellPainter(  # the rows: one Python call per repaint
            self.view, self.model.cell,
            lambda row: self.proxy.mapToSource(self.proxy.index(row, 0)).row()))
        self.view.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._menu)
        self.view.deletePressed.connect(self._remove_selected)
        self.view.doubleClicked.connect(self._double_clicked)
        self.view.selectionModel().currentRowChanged.connect(self._selected)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(6)
        layout.addWidget(self.add_edit)
        layout.addWidget(self.view)
        ctx.bridge.connectionChanged.connect(self._connection)

    # -- the pane protocol ----------------------------------------------------------------------

    def on_event(self, event: Any) -> None:
        kind = type(event)
        if kind is BookTicker:
            self.model.on_book(event.symbol, event.bid, event.ask)
        elif kind is MiniTicker:
            self.model.on_ticker(event.symbol, event.close, event.change_pct)
        elif kind is AggTrade:
            self.model.on_trade(event.symbol, event.price)

    def on_connected(self, env: Environment, contracts: Mapping[str, Contract]) -> None:
        self.env = env
        wanted = self.ctx.settings.watchlist(env.name, env.market)
        known = [s for s in wanted if s in contracts]
        for missing in (s for s in wanted if s not in contracts):
            self.ctx.log(f"{missing} is not trading on {env}; removed from the watchlist",
                         "WARNING")
        self.model.set_symbols(known, {s: c.price_decimals for s, c in contracts.items()})
        self._symbols.setStringList(list(contracts))
        if known:
            self.ctx.spawn(self._subscribe(known))

    def on_disconnected(self) -> None:
        self.model.set_symbols([], {})  # the next environment brings its own list

    def flush(self) -> None:
        now = time.monotonic()
        if now - self._painted >= REPAINT_SECONDS:
            self._painted = now
            self.model.flush()

    def tables(self) -> Mapping[str, QTableView]:
        return {"watchlist": self.view}

    # -- commands -------------------------------------------------------------------------------------

    async def _subscribe(self, symbols: list[str]) -> None:
        try:
            for channel in CHANNELS:
                await self.ctx.bridge.subscribe(symbols, channel)
        except BinanceError as exc:
            self.ctx.log(f"Could not subscribe to market data: {exc}", "ERROR")

    def _save(self) -> None:
        self.ctx.settings.set_watchlist(self.env.name, self.env.market, self.model.symbols())
        self.ctx.settings.sync()

    async def add_symbol(self, symbol: str) -> None:
        bridge = self.ctx.bridge
        if not bridge.connected:
            self.ctx.log(f"Cannot add {symbol}: not connected yet", "WARNING")
            return
        contract = bridge.contract(symbol)
        if contract is None:
            self.ctx.log(f"Unknown symbol {symbol} on {self.env}", "WARNING")
            return
        if not self.model.add(symbol, contract.price_decimals):
            return
        self._save()
        self.ctx.log(f"Watching {symbol}")
        await self._subscribe([symbol])

    async def remove_symbol(self, symbol: str) -> None:
        if not self.model.remove(symbol):
            return
        self._save()
        self.ctx.log(f"Stopped watching {symbol}")
        if self.ctx.bridge.connected:
            for channel in CHANNELS:
                try:
                    await self.ctx.bridge.unsubscribe([symbol], channel)
                except BinanceError as exc:
                    self.ctx.log(f"Could not unsubscribe {symbol}: {exc}", "WARNING")

    def _connection(self, state: ConnectionState) -> None:
        if state.stream == "market" and state.state != "connected":
            self.model.mark_stale(state.symbols)

    # -- interaction ----------------------------------------------------------------------------------

    def selected_symbol(self) -> str | None:
        index = self.view.currentIndex()
        if not index.isValid():
            return None
        return self.model.rows[self.proxy.mapToSource(index).row()].symbol

    def _add(self) -> None:
        text = self.add_edit.text().strip().upper()
        if text:
            self.ctx.spawn(self.add_symbol(text))
        self.add_edit.clear()

    def _remove_selected(self) -> None:
        symbol = self.selected_symbol()
        if symbol:
            self.ctx.spawn(self.remove_symbol(symbol))

    def _selected(self, current: QModelIndex, previous: QModelIndex) -> None:
        if current.isValid():
            row = self.proxy.mapToSource(current).row()
            if 0 <= row < len(self.model.rows):
                self.ctx.bridge.focus_symbol(self.model.rows[row].symbol)

    def _double_clicked(self, index: QModelIndex) -> None:
        """A double-click on Bid or Ask puts that price in the ticket."""
        source = self.proxy.mapToSource(index)
        if 0 <= source.row() < len(self.model.rows) and source.column() in (1, 2):
            q = self.model.rows[source.row()]
            price = q.bid if source.column() == 1 else q.ask
            self.ctx.bridge.focus_symbol(q.symbol)
            if price is not None:
                self.ctx.bridge.choose_price(price)

    def _menu(self, pos: QPoint) -> None:
        symbol = self.selected_symbol()
        menu = QMenu(self)
        remove = QAction(f"Remove {symbol}" if symbol else "Remove", menu)
        remove.setEnabled(symbol is not None)
        remove.triggered.connect(self._remove_selected)
        menu.addAction(remove)
        menu.popup(self.view.viewport().mapToGlobal(pos))
