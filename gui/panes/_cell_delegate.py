"""A table cell painter: one model round trip per cell, and no style on the way.

Qt's default delegate asks the model for seven roles per painted cell (font,
alignment, foreground, check state, decoration, display, background), each a
C++ -> Python call, then has the style draw the cell; under the app's style sheet
that is ``QStyleSheetStyle`` matching its rules for every cell. With ~80 visible
cells repainted ten times a second that was the watchlist's share of the GUI
stalls (``bench/gui.py stall`` and ``paint``). This delegate asks once, for
``CELL_ROLE`` (the five things a watchlist cell has: text, alignment, colour,
background, bold), and paints them itself: a fill and one ``drawText``, with the
stock delegate's text margins, selection colours (the palette, which the style
sheet's ``selection-*`` properties set) and eliding. The model still answers every
role for tests, copy and accessibility. The trades tape paints its cells the same way.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from ..models._format import CELL_ROLE

# plain ints: a Python enum operation per cell costs more than the cell's drawText
_SELECTED = QStyle.StateFlag.State_Selected.value
_ACTIVE = QStyle.StateFlag.State_Active.value
_ELIDE = Qt.TextElideMode.ElideRight
_FLAGS = {int(a): Qt.AlignmentFlag(int(a)) for a in (
    Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
    Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)}


class CellDelegate(QStyledItemDelegate):
    """Paints models that answer ``CELL_ROLE`` (the watchlist, the tape)."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        # as QCommonStyle's item text: the focus frame's margin plus one, on each side
        style = parent.style()
        self._margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None,
                                         parent) + 1
        self._plain, self._bold = QFont(), QFont()  # the view's font, and it in bold

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        cell = index.data(CELL_ROLE)
        if cell is None:  # a model that does not answer CELL_ROLE: Qt's own painting
            super().paint(painter, option, index)
            return
        text, align, fg, bg, is_bold = cell
        rect, palette = option.rect, option.palette
        state = option.state.value
        selected = state & _SELECTED
        group = QPalette.ColorGroup.Active if state & _ACTIVE else QPalette.ColorGroup.Inactive
        if selected:
            painter.fillRect(rect, palette.brush(group, QPalette.ColorRole.Highlight))
            painter.setPen(palette.color(group, QPalette.ColorRole.HighlightedText))
        else:
            if bg is not None:
                painter.fillRect(rect, bg)
            painter.setPen(fg if fg is not None else palette.color(group, QPalette.ColorRole.Text))
        font = option.font
        if is_bold:
            if font != self._plain:
                self._plain, self._bold = QFont(font), QFont(font)
                self._bold.setBold(True)
            font = self._bold
        painter.setFont(font)
        box = rect.adjusted(self._margin, 0, -self._margin, 0)
        metrics = painter.fontMetrics()
        width = box.width()
        # no glyph is wider than maxWidth, so a short text needs no measuring
        if len(text) * metrics.maxWidth() > width and metrics.horizontalAdvance(text) > width:
            text = metrics.elidedText(text, _ELIDE, width)
        painter.drawText(box, _FLAGS[align], text)
