"""The log pane's model: the connector's log stream, bounded."""

from __future__ import annotations

import time
from collections import deque
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, Qt
from PySide6.QtGui import QColor

from connector.events import LogEntry

from .models import MUTED, Index

__all__ = ["LEVEL_COLORS", "LogModel"]

LEVEL_COLORS = {"DEBUG": MUTED, "INFO": None, "WARNING": QColor("#f0b90b"),
                "ERROR": QColor("#ea3943")}


class LogModel(QAbstractListModel):
    """The connector's log stream, bounded: the oldest lines drop, memory stays flat."""

    def __init__(self, capacity: int = 5000, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.capacity = capacity
        self.entries: deque[LogEntry] = deque()

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.entries)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        e = self.entries[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            stamp = time.strftime("%H:%M:%S", time.localtime(e.time))
            ms = int(e.time * 1000) % 1000
            return f"{stamp}.{ms:03d}  {e.level:<7} {e.message}"
        if role == Qt.ItemDataRole.ForegroundRole:
            return LEVEL_COLORS.get(e.level)
        if role == Qt.ItemDataRole.UserRole:
            return e.level
        return None

    def append(self, entry: LogEntry) -> None:
        if len(self.entries) >= self.capacity:
            drop = len(self.entries) - self.capacity + 1
            self.beginRemoveRows(QModelIndex(), 0, drop - 1)
            for _ in range(drop):
                self.entries.popleft()
            self.endRemoveRows()
        row = len(self.entries)
        self.beginInsertRows(QModelIndex(), row, row)
        self.entries.append(entry)
        self.endInsertRows()

    def clear(self) -> None:
        self.beginResetModel()
        self.entries.clear()
        self.endResetModel()

    def text(self) -> str:
        return "\n".join(self.data(self.index(r)) for r in range(len(self.entries)))
