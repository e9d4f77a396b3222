"""What every table model shares: number formatting, sort keys, colours, alignment."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QColor, QFont

from connector.filters import fmt

SORT_ROLE = Qt.ItemDataRole.UserRole + 1
# A cell as ``gui.panes._cell_painter.CellPainter`` paints it, in one model call (the
# models' ``cell(row, column)``):
# (text, alignment, foreground QColor or None, background QColor or None, bold).
Cell = tuple[str, int, QColor | None, QColor | None, bool]
Index = QModelIndex | QPersistentModelIndex

UP = QColor("#16c784")
DOWN = QColor("#ea3943")
UP_BG = QColor(22, 199, 132, 60)
DOWN_BG = QColor(234, 57, 67, 60)
MUTED = QColor("#8a94a6")
WARN = QColor("#f0b90b")
RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)


def money(value: Decimal | None, decimals: int = 2, *, grouped: bool = False) -> str:
    """A price at the symbol's tick: 95012.30. Tables show plain digits (they paste into a
    spreadsheet and parse back as the same Decimal); sentences use ``grouped`` (95,012.30)."""
    if value is None:
        return "—"
    return f"{value:{',' if grouped else ''}.{max(decimals, 0)}f}"


def amount(value: Decimal) -> str:
    """A quantity with its significant decimals only: 0.00001, 1.5, 10000."""
    return fmt(value)


def bold() -> QFont:
    font = QFont()
    font.setBold(True)
    return font


def sort_key(value: object) -> object:
    """What a view sorts by: Decimals as whole numbers of 1e-8 (exact, compared natively by
    Qt, so no Python ``lessThan`` runs per comparison), missing values first."""
    if isinstance(value, Decimal):
        return int(value.scaleb(8).to_integral_value())
    if value is None:
        return -(2**62)
    return value


class DecimalSortProxy(QSortFilterProxyModel):
    """Sorts by SORT_ROLE, so 9 < 10 and 0.5 < 2."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setDynamicSortFilter(False)
