"""Keyboard shortcuts for trading, and Help → Keyboard shortcuts (a small non-modal list).

The window calls ``install_shortcuts`` once with the panes the shortcuts drive (the
ticket, the open orders); the actions live on the window so they work anywhere in it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QMainWindow,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from .panes.open_orders import OpenOrdersPane
from .panes.ticket import OrderTicket

Spawn = Callable[[Coroutine[Any, Any, Any]], "asyncio.Task[Any]"]

# (what, keys, objectName of the action)
SHORTCUTS: tuple[tuple[str, str, str], ...] = (
    ("Buy (send the ticket as BUY)", "Ctrl+Shift+B", "actionBuy"),
    ("Sell (send the ticket as SELL)", "Ctrl+Shift+S", "actionSell"),
    ("Cancel all orders for the ticket's symbol", "Ctrl+Shift+X", "actionCancelAllSymbol"),
    ("Focus the quantity field", "F2", "actionFocusQuantity"),
)


class ShortcutsDialog(QDialog):
    """The list of shortcuts; opened with ``open()``, never ``exec()``."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("shortcutsDialog")
        self.setWindowTitle("Keyboard shortcuts")
        self.setModal(False)
        table = QTableWidget(len(SHORTCUTS), 2, self)
        table.setObjectName("shortcutsTable")
        table.setHorizontalHeaderLabels(["Action", "Keys"])
        table.verticalHeader().hide()
        for row, (what, keys, _) in enumerate(SHORTCUTS):
            table.setItem(row, 0, QTableWidgetItem(what))
            table.setItem(row, 1, QTableWidgetItem(
                QKeySequence(keys).toString(QKeySequence.SequenceFormat.NativeText)))
        table.resizeColumnsToContents()
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Shortcuts work anywhere in the window:"))
        layout.addWidget(table)
        self.resize(440, 220)

    def open(self) -> None:
        """Non-modal: the shortcuts stay in view while the trader keeps working."""
        self.setWindowModality(Qt.WindowModality.NonModal)
        self.show()
        self.raise_()
        self.activateWindow()


def install_shortcuts(window: QMainWindow, ticket: OrderTicket, orders: OpenOrdersPane,
                      spawn: Spawn) -> dict[str, QAction]:
    """The trading actions on the window, and a Help menu that lists them."""
    def focus_quantity() -> None:
        ticket.quantity.setFocus()
        ticket.quantity.selectAll()

    def cancel_all() -> None:
        symbol = ticket.symbol.currentText().strip().upper()
        if symbol:
            spawn(orders.cancel_all(symbol))

    handlers: dict[str, Callable[[], object]] = {
        "actionBuy": lambda: spawn(ticket.submit("BUY")),
        "actionSell": lambda: spawn(ticket.submit("SELL")),
        "actionCancelAllSymbol": cancel_all,
        "actionFocusQuantity": focus_quantity,
    }
    actions: dict[str, QAction] = {}
    for what, keys, name in SHORTCUTS:
        action = QAction(what, window)
        action.setObjectName(name)
        action.setShortcut(QKeySequence(keys))
        action.triggered.connect(handlers[name])
        window.addAction(action)
        actions[name] = action
    help_menu = window.menuBar().addMenu("&Help")
    show = QAction("&Keyboard shortcuts", window)
    show.setObjectName("actionKeyboardShortcuts")
    dialog = ShortcutsDialog(window)
    show.triggered.connect(dialog.open)
    help_menu.addAction(show)
    actions["actionKeyboardShortcuts"] = show
    return actions
