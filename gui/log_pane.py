"""Live log pane: the connector's log stream, filterable, bounded, autoscrolling."""

from __future__ import annotations

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QListView,
    QVBoxLayout,
    QWidget,
)

from .log_model import LogModel
from .models import mono_font

LEVELS = {"All": "", "Info+": "INFO|WARNING|ERROR", "Warnings+": "WARNING|ERROR",
          "Errors": "ERROR"}


class LogView(QListView):
    """The log lines; ``toPlainText()`` gives what is shown, as a text pane would."""

    def toPlainText(self) -> str:
        model = self.model()
        return "\n".join(str(model.index(r, 0).data()) for r in range(model.rowCount()))


class LogPane(QWidget):
    def __init__(self, model: LogModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        # Two stock proxies (level, then text): no Python callback per row.
        self.level_proxy = QSortFilterProxyModel(self)
        self.level_proxy.setSourceModel(model)
        self.level_proxy.setFilterRole(Qt.ItemDataRole.UserRole)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.level_proxy)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.view = LogView(objectName="log")
        self.view.setModel(self.proxy)
        self.view.setFont(mono_font())
        self.view.setUniformItemSizes(True)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        copy = QAction("Copy", self.view)
        copy.setShortcut(QKeySequence.StandardKey.Copy)
        copy.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        copy.triggered.connect(self.copy_selection)
        self.view.addAction(copy)
        copy_all = QAction("Copy all", self.view)
        copy_all.triggered.connect(lambda: QGuiApplication.clipboard().setText(model.text()))
        self.view.addAction(copy_all)

        self.filter = QLineEdit(objectName="logFilter")
        self.filter.setPlaceholderText("Filter log…")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        self.level = QComboBox(objectName="logLevel")
        self.level.addItems(list(LEVELS))
        self.level.currentTextChanged.connect(self._level)

        top = QHBoxLayout()
        top.addWidget(self.filter, 1)
        top.addWidget(self.level)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.view)

        self._follow = True
        bar = self.view.verticalScrollBar()
        bar.valueChanged.connect(self._scrolled)
        self.proxy.rowsInserted.connect(self._autoscroll)

    def _level(self, name: str) -> None:
        self.level_proxy.setFilterRegularExpression(f"^({LEVELS.get(name, '')})$"
                                                    if LEVELS.get(name) else "")

    def _scrolled(self, value: int) -> None:
        # Autoscroll pauses while the user reads older lines, resumes at the bottom.
        self._follow = value >= self.view.verticalScrollBar().maximum() - 2

    def _autoscroll(self, *args: object) -> None:
        if self._follow:
            self.view.scrollToBottom()

    def copy_selection(self) -> None:
        rows = sorted(self.view.selectionModel().selectedRows(), key=lambda i: i.row())
        QGuiApplication.clipboard().setText("\n".join(str(i.data()) for i in rows))
