"""Keyboard shortcuts for trading, and Help → Keyboard shortcuts (a small non-modal list)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout

if TYPE_CHECKING:
    from .main_window import MainWindow

# (what, keys, objectName of the action)
SHORTCUTS: tuple[tuple[str, str, str], ...] = (
    ("Buy (send the ticket as BUY)", "Ctrl+Shift+B", "actionBuy"),
    ("Sell (send the ticket as SELL)", "Ctrl+Shift+S", "actionSell"),
    ("Cancel all orders for the ticket's symbol", "Ctrl+Shift+X", "actionCancelAllSymbol"),
    ("Focus the quantity field", "F2", "actionFocusQuantity"),
)


class ShortcutsDialog(QDialog):
    """The list of shortcuts; opened with ``open()``, never ``exec()``."""

    def __init__(self, parent: MainWindow) -> None:
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


def install_shortcuts(window: MainWindow) -> dict[str, QAction]:
    """The trading actions on the window, and a Help menu that lists them."""
    def focus_quantity() -> None:
        window.ticket.quantity.setFocus()
        window.ticket.quantity.selectAll()

    handlers = {
        "actionBuy": lambda: window.ticket.submitted.emit("BUY"),
        "actionSell": lambda: window.ticket.submitted.emit("SELL"),
        "actionCancelAllSymbol": lambda: window.cancel_all_for_ticket(),
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
    window.shortcuts_dialog = dialog
    actions["actionKeyboardShortcuts"] = show
    return actions
