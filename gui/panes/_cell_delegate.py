"""A table cell painter: one model round trip per cell, and no style on the way.

Qt's default delegate asks the model for seven roles per painted cell (font,
alignment, foreground, check state, decoration, display, background), each a
C++ -> Python call, then has the style draw the cell; under the app's style sheet
that is ``QStyleSheetStyle`` matching its rules for every cell. With ~80 visible
cells repainted ten times a second that was the watchlist's share of the GUI
stalls (``bench/gui.py stall`` and ``paint``). This delegate asks once, for
``CELL_ROLE`` (the five things a watchlist cell has: text, alignment, colour,
background, bold), and paints them itself: a fill and one ``drawText`` at a point
(placed by the monospace font's advance: no layout pass), with the stock delegate's
text margins, selection colours (the palette, which the style sheet's ``selection-*``
properties set; looked up again after a restyle) and eliding. The model still answers every
role for tests, copy and accessibility. The trades tape's ``CellPainter`` paints the same
cells, in one call per repaint.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple, cast

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontInfo, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from ..models._format import CELL_ROLE

# what a model's cell(row, column) and CELL_ROLE answer: text, alignment, colour,
# background, bold
Cell = tuple[str, int, QColor | None, QColor | None, bool]

# plain ints: a Python enum operation per cell costs more than the cell's drawText
_SELECTED = QStyle.StateFlag.State_Selected.value
_ACTIVE = QStyle.StateFlag.State_Active.value
_ELIDE = Qt.TextElideMode.ElideRight


class CellDelegate(QStyledItemDelegate):
    """Paints models that answer ``CELL_ROLE`` (the watchlist, the tape)."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        # as QCommonStyle's item text: the focus frame's margin plus one, on each side
        style = parent.style()
        self._margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None,
                                         parent) + 1
        self._fonts: tuple[Face, Face] | None = None  # (plain, bold), on first paint
        # the palette's (text, highlight, highlighted text) per colour group, on first use
        self._colors: dict[int, tuple[QColor, QBrush, QColor]] = {}
        parent.installEventFilter(self)  # a restyle changes fonts and colours: look again

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _RESTYLED:
            self._fonts = None
            self._colors.clear()
        return False

    def _palette(self, option: QStyleOptionViewItem, active: int) -> tuple[QColor, QBrush, QColor]:
        palette = option.palette
        group = QPalette.ColorGroup.Active if active else QPalette.ColorGroup.Inactive
        colors = self._colors[active] = (
            palette.color(group, QPalette.ColorRole.Text),
            palette.brush(group, QPalette.ColorRole.Highlight),
            palette.color(group, QPalette.ColorRole.HighlightedText))
        return colors

    def _measure(self, font: QFont) -> tuple[Face, Face]:
        self._fonts = fonts = (Face.of(font), Face.of(font, bold=True))
        return fonts

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        cell = index.data(CELL_ROLE)
        if cell is None:  # a model that does not answer CELL_ROLE: Qt's own painting
            super().paint(painter, option, index)
            return
        text, align, fg, bg, is_bold = cell
        rect = option.rect
        state = option.state.value
        if state & _SELECTED or fg is None:
            active = state & _ACTIVE
            text_color, highlight, highlighted = (self._colors.get(active)
                                                  or self._palette(option, active))
            if state & _SELECTED:
                painter.fillRect(rect, highlight)
                fg, bg = highlighted, None
            else:
                fg = text_color
        if bg is not None:
            painter.fillRect(rect, bg)
        painter.setPen(fg)
        face = (self._fonts or self._measure(option.font))[bool(is_bold)]
        painter.setFont(face.font)
        left, top, width, height = cast(tuple[int, int, int, int], rect.getRect())
        x, text = face.place(text, align, left, width, self._margin)
        painter.drawText(x, face.baseline(top, height), text)


class CellPainter:
    """Paints a ``MarketView``'s rows (a ``RowPainter``) from a model's ``cell(row, column)``,
    which answers what ``CELL_ROLE`` does: the trades tape. As ``CellDelegate`` paints a
    cell, with no selection (a market view has none), in one Python call per repaint."""

    def __init__(self, view: QWidget, cell: Callable[[int, int], Cell]) -> None:
        style = view.style()
        self._margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1
        self._view = view
        self._cell = cell
        self._faces: tuple[Face, Face] | None = None

    def paint_rows(self, painter: QPainter, rows: range, top: int, height: int,
                   columns: Sequence[tuple[int, int]], width: int,
                   hovered: tuple[int, int] | None) -> None:
        font = painter.font()  # the view's (a restyle can change it): measured once
        faces = self._faces
        if faces is None or faces[0].font != font:
            faces = self._faces = (Face.of(font), Face.of(font, bold=True))
        default = self._view.palette().color(QPalette.ColorRole.Text)
        cell_of, margin = self._cell, self._margin
        for row in rows:
            baseline = faces[0].baseline(top, height)
            for col, (left, col_width) in enumerate(columns):
                text, align, fg, bg, is_bold = cell_of(row, col)
                if bg is not None:
                    painter.fillRect(left, top, col_width, height, bg)
                face = faces[bool(is_bold)]
                if is_bold:
                    painter.setFont(face.font)
                painter.setPen(fg or default)
                x, text = face.place(text, align, left, col_width, margin)
                painter.drawText(x, baseline, text)
                if is_bold:
                    painter.setFont(font)
            top += height


class Face(NamedTuple):
    """A font as the cell painters use it, measured once rather than per cell: text is
    drawn at a point, with no layout pass (the ladder's delegate uses it too)."""

    font: QFont
    metrics: QFontMetrics
    advance: int  # of every character, for a fixed-pitch font (the tables' monospace); else 0
    rise: int  # ascent - descent

    @classmethod
    def of(cls, font: QFont, *, bold: bool = False) -> Face:
        face = QFont(font)
        face.setBold(bold)
        metrics = QFontMetrics(face)
        advance = metrics.horizontalAdvance("0") if QFontInfo(face).fixedPitch() else 0
        return cls(face, metrics, advance, metrics.ascent() - metrics.descent())

    def width(self, text: str) -> int:
        return len(text) * self.advance or self.metrics.horizontalAdvance(text)

    def baseline(self, top: int, height: int) -> int:
        """Where to draw text so that it sits in the middle of a row ``height`` high."""
        return top + (height + self.rise) // 2

    def place(self, text: str, align: int, left: int, width: int, margin: int) -> tuple[int, str]:
        """Where ``text`` starts in a cell ``width`` wide, left or right aligned ``margin``
        inside its edge, and the text itself, elided if it does not fit."""
        room = width - 2 * margin
        used = self.width(text)
        if used > room:
            text = self.metrics.elidedText(text, _ELIDE, room)
            used = self.metrics.horizontalAdvance(text)
        return (left + margin if align & _LEFT else left + width - margin - used), text


_RESTYLED = frozenset({QEvent.Type.FontChange, QEvent.Type.StyleChange, QEvent.Type.Polish})
_LEFT = Qt.AlignmentFlag.AlignLeft.value
