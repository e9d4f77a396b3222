"""The part of a table model every one of ours answers alike: its size and its header."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

from ._format import LEFT, RIGHT, Index


class TableModel(QAbstractTableModel):
    """A flat table of ``row_count()`` rows under the column titles ``titles()``
    (``COLUMNS`` unless a model's columns change); each title aligned as its column's
    cells, by ``alignment(column)``: the first left, numbers right."""

    COLUMNS: tuple[str, ...] = ()

    def row_count(self) -> int:
        raise NotImplementedError

    def titles(self) -> Sequence[str]:
        return self.COLUMNS

    def alignment(self, column: int) -> Any:
        return LEFT if column == 0 else RIGHT

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else self.row_count()

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.titles())

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        titles = self.titles()
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(titles):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return titles[section]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self.alignment(section)
        return None
