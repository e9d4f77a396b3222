"""Table rows painted in one Python call, with one model call per cell, no style on the way.

Qt's item painting calls the delegate for every visible cell from C++, after the style
has drawn the cell's row panel (under the app's style sheet, ``QStyleSheetStyle``
matching its rules for each cell); Qt's stock delegate then asks the model for seven
roles per cell, each a C++ -> Python call. With ~80 visible cells repainted ten times a
second, that was the watchlist's share of the GUI stalls (``bench/gui.py stall`` and
``paint``). ``CellPainter`` is handed the visible rows by ``PaintedTable`` and asks the
model once per cell (``cell(row, column)``: text, alignment, colour, background,
bold), then paints fills and one ``drawText`` at a point (placed by
the monospace font's advance: no layout pass), with the stock delegate's text margins,
alternate rows, selection colours (the palette, which the style sheet's ``selection-*``
properties set) and eliding. The models still answer every role for tests, copy and
accessibility. The watchlist and the trades tape paint this way; the ladder has its own
painter and shares ``Face``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QFont, QFontInfo, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QAbstractItemView, QStyle

from ..models._format import Cell

_ELIDE = Qt.TextElideMode.ElideRight


class CellPainter:
    """Paints a ``PaintedTable``'s rows (a ``RowPainter``) from a model's ``cell(row,
    column)`` (``Cell``): the trades tape, the watchlist.
    Besides the cells, it paints the row backgrounds Qt's item painting would: alternate
    rows and the selected row, in the palette's colours (which the style sheet sets).
    ``source_row`` maps a view row to the model's (a sorting proxy's ``mapToSource``)."""

    def __init__(self, view: QAbstractItemView, cell: Callable[[int, int], Cell],
                 source_row: Callable[[int], int] | None = None) -> None:
        # as QCommonStyle's item text: the focus frame's margin plus one, on each side
        style = view.style()
        self._margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1
        self._view = view
        self._cell = cell
        self._source_row = source_row
        self._faces: tuple[Face, Face] | None = None

    def paint_rows(self, painter: QPainter, rows: range, top: int, height: int,
                   columns: Sequence[tuple[int, int]], width: int,
                   hovered: tuple[int, int] | None) -> None:
        view = self._view
        font = painter.font()  # the view's (a restyle can change it): measured once
        faces = self._faces
        if faces is None or faces[0].font != font:
            faces = self._faces = (Face.of(font), Face.of(font, bold=True))
        palette = view.palette()
        group = (QPalette.ColorGroup.Active if view.isActiveWindow()
                 else QPalette.ColorGroup.Inactive)
        default = palette.color(group, QPalette.ColorRole.Text)
        alternate = (palette.brush(group, QPalette.ColorRole.AlternateBase)
                     if view.alternatingRowColors() else None)
        selection = view.selectionModel()
        highlight = palette.brush(group, QPalette.ColorRole.Highlight)
        highlighted = palette.color(group, QPalette.ColorRole.HighlightedText)
        no_parent = QModelIndex()
        cell_of, margin, source_row = self._cell, self._margin, self._source_row
        span = columns[-1][0] + columns[-1][1] - columns[0][0] if columns else 0
        for row in rows:
            selected = selection is not None and selection.isRowSelected(row, no_parent)
            if selected:
                painter.fillRect(columns[0][0], top, span, height, highlight)
            elif alternate is not None and row % 2:
                painter.fillRect(columns[0][0], top, span, height, alternate)
            baseline = faces[0].baseline(top, height)
            model_row = source_row(row) if source_row is not None else row
            for col, (left, col_width) in enumerate(columns):
                if not col_width:  # a hidden column
                    continue
                text, align, fg, bg, is_bold = cell_of(model_row, col)
                if selected:
                    fg = highlighted
                elif bg is not None:
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
    drawn at a point, with no layout pass (the ladder's painter uses it too)."""

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


_LEFT = Qt.AlignmentFlag.AlignLeft.value  # a plain int: no enum operation per cell
