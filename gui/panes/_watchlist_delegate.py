"""The watchlist's cell painter: one model round trip per cell instead of seven.

Qt's default delegate asks the model for seven roles per painted cell (font,
alignment, foreground, check state, decoration, display, background), each a
C++ -> Python call; with ~65 visible cells repainted 20 times a second that was
the watchlist's share of the GUI stalls (``bench/gui.py stall``). This delegate
asks once, for ``CELL_ROLE`` (a tuple of all five things a watchlist cell has),
and fills the style option itself. The model still answers every role for tests,
copy and accessibility.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QFontMetrics, QPalette
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem

from ..models.watchlist import CELL_ROLE

_HAS_DISPLAY = QStyleOptionViewItem.ViewItemFeature.HasDisplay
_TEXT = QPalette.ColorRole.Text
_NO_BRUSH = QBrush()
_FLAGS = {int(a): Qt.AlignmentFlag(int(a)) for a in (
    Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
    Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)}


class WatchlistDelegate(QStyledItemDelegate):
    def initStyleOption(self, option: QStyleOptionViewItem,
                        index: QModelIndex | QPersistentModelIndex) -> None:
        cell = index.data(CELL_ROLE)
        if cell is None:  # not a watchlist cell (never, but stay correct)
            super().initStyleOption(option, index)
            return
        text, align, fg, bg, bold = cell
        if bold:
            font = option.font
            font.setBold(True)
            option.font = font
            option.fontMetrics = QFontMetrics(font)
        option.displayAlignment = _FLAGS[align]
        if fg is not None:
            palette = option.palette
            palette.setBrush(_TEXT, QBrush(fg))
            option.palette = palette
        if isinstance(index, QModelIndex):
            option.index = index
        option.features |= _HAS_DISPLAY
        option.text = text
        option.backgroundBrush = _NO_BRUSH if bg is None else QBrush(bg)
        option.styleObject = None  # type: ignore[assignment]  # as Qt's own (QTBUG-30146)
