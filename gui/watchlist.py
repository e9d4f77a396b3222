"""Watchlist pane: live quotes for the symbols a trader follows."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QStringListModel, Qt, Signal
from PySide6.QtGui import QAction, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCompleter,
    QHeaderView,
    QLineEdit,
    QMenu,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from .models import DecimalSortProxy, WatchlistModel, mono_font


class WatchlistView(QTableView):
    deletePressed = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.deletePressed.emit()
            return
        super().keyPressEvent(event)


class WatchlistPane(QWidget):
    symbolSelected = Signal(str)
    addRequested = Signal(str)
    removeRequested = Signal(str)

    def __init__(self, model: WatchlistModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.add_edit = QLineEdit(objectName="watchlistAdd")
        self.add_edit.setPlaceholderText("Add symbol…  (e.g. BTCUSDT, Enter)")
        self.add_edit.setClearButtonEnabled(True)
        self._symbols = QStringListModel(self)
        completer = QCompleter(self._symbols, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchStartsWith)
        self.add_edit.setCompleter(completer)
        self.add_edit.returnPressed.connect(self._add)

        self.proxy = DecimalSortProxy(self)
        self.proxy.setSourceModel(model)
        self.view = WatchlistView(objectName="watchlist")
        self.view.setModel(self.proxy)
        self.view.setFont(mono_font())
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(24)
        self.view.setShowGrid(False)
        self.view.setAlternatingRowColors(True)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for col, width in enumerate((96, 110, 110, 110, 70)):
            self.view.setColumnWidth(col, width)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._menu)
        self.view.deletePressed.connect(self._remove_selected)
        self.view.selectionModel().currentRowChanged.connect(self._selected)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(6)
        layout.addWidget(self.add_edit)
        layout.addWidget(self.view)

    def set_completions(self, symbols: list[str]) -> None:
        self._symbols.setStringList(symbols)

    def selected_symbol(self) -> str | None:
        index = self.view.currentIndex()
        if not index.isValid():
            return None
        source = self.proxy.mapToSource(index)
        return self.model.rows[source.row()].symbol

    def _add(self) -> None:
        text = self.add_edit.text().strip().upper()
        if text:
            self.addRequested.emit(text)
        self.add_edit.clear()

    def _remove_selected(self) -> None:
        symbol = self.selected_symbol()
        if symbol:
            self.removeRequested.emit(symbol)

    def _selected(self, current: QModelIndex, previous: QModelIndex) -> None:
        if current.isValid():
            row = self.proxy.mapToSource(current).row()
            if 0 <= row < len(self.model.rows):
                self.symbolSelected.emit(self.model.rows[row].symbol)

    def _menu(self, pos: object) -> None:
        symbol = self.selected_symbol()
        menu = QMenu(self)
        remove = QAction(f"Remove {symbol}" if symbol else "Remove", menu)
        remove.setEnabled(symbol is not None)
        remove.triggered.connect(self._remove_selected)
        menu.addAction(remove)
        menu.popup(self.view.viewport().mapToGlobal(pos))  # type: ignore[arg-type]
