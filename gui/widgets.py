"""Small widgets the panes share: dense tables, Decimal number fields, a confirmation box."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Protocol, TypeVar

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    QRegularExpression,
    QSize,
    Qt,
)
from PySide6.QtGui import (
    QAccessible,
    QColor,
    QFont,
    QFontMetrics,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QRegularExpressionValidator,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLineEdit,
    QMessageBox,
    QSizePolicy,
    QTableView,
    QWidget,
)

from connector.filters import fmt

QObjectT = TypeVar("QObjectT", bound=QObject)
QWidgetT = TypeVar("QWidgetT", bound=QWidget)


def named(obj: QObjectT, name: str) -> QObjectT:
    """``obj`` with its objectName set: the handle tests and style sheets find it by (the
    stubs do not declare Qt's ``objectName=`` keyword)."""
    obj.setObjectName(name)
    return obj


class _Opaque(QObject):
    """Turns a widget's own background fill back on each time the style sheet polishes it
    (``QStyleSheetStyle`` turns it off for widgets whose background it draws)."""

    _EVENTS = frozenset({QEvent.Type.Polish, QEvent.Type.StyleChange})

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in self._EVENTS and isinstance(watched, QWidget):
            watched.setAutoFillBackground(True)
        return False


_opaque = _Opaque()


def opaque(widget: QWidgetT) -> QWidgetT:
    """``widget`` filling its own background, so that Qt paints nothing beneath it.

    Under the app's style sheet every widget's background is drawn by the style, and Qt
    does not count such a widget as opaque: each repaint of a live table or of the chart
    first repainted the dock, pane and window behind it (0.4-0.5 ms of the order book's
    2 ms, ten times a second; ``bench/gui.py stall``). The fill is the palette colour the
    style sheet sets, the colour it paints anyway.
    """
    widget.setAutoFillBackground(True)
    widget.installEventFilter(_opaque)
    return widget


Run = tuple[str, str | None, bool]  # text, colour ("#rrggbb"; None: the palette's), bold
_PAD = 4  # px before the text, as a label beside another widget has


class LiveText(QWidget):
    """One line of coloured text that changes many times a second: the chart's readout,
    the status bar's clock and request weight.

    ``QLabel.setText`` re-lays out every layout from the label up to the window (each
    ``QLayout.activate`` ends in ``updateGeometry``): about 1 ms of the event loop per
    change in the main window (``bench/gui.py stall``). This only repaints: its size hint
    is ``width_hint`` digits by one line, whatever it shows.
    """

    def __init__(self, width_hint: int = 12, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runs: tuple[Run, ...] = ()
        self._width_hint = width_hint
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        opaque(self)

    def text(self) -> str:
        return "".join(run[0] for run in self._runs)

    def set_text(self, text: str) -> None:
        self.set_runs(((text, None, False),))

    def set_runs(self, runs: tuple[Run, ...]) -> None:
        if runs != self._runs:
            self._runs = runs
            self.update()

    def sizeHint(self) -> QSize:
        metrics = self.fontMetrics()
        return QSize(metrics.horizontalAdvance("0") * self._width_hint + 2 * _PAD,
                     metrics.height() + 2)

    def minimumSizeHint(self) -> QSize:
        return QSize(0, self.sizeHint().height())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        plain = self.font()
        bold = QFont(plain)
        bold.setBold(True)
        metrics = {False: QFontMetrics(plain), True: QFontMetrics(bold)}
        y = (self.height() + metrics[False].ascent() - metrics[False].descent()) // 2
        default = self.palette().color(QPalette.ColorRole.WindowText)
        x = _PAD
        for text, color, is_bold in self._runs:
            painter.setFont(bold if is_bold else plain)
            painter.setPen(QColor(color) if color else default)
            painter.drawText(x, y, text)
            x += metrics[is_bold].horizontalAdvance(text)


def mono_font() -> QFont:
    font = QFont("DejaVu Sans Mono")
    font.setStyleHint(QFont.StyleHint.Monospace)
    return font


class RowPainter(Protocol):
    """Paints the visible rows of a ``PaintedTable`` (rows of one height, as all of ours)."""

    def paint_rows(self, painter: QPainter, rows: range, top: int, height: int,
                   columns: Sequence[tuple[int, int]], width: int,
                   hovered: tuple[int, int] | None) -> None:
        """Rows ``rows``, the first at ``top``, each ``height`` px; ``columns`` as (left,
        width), the width 0 for a column hidden or outside the area repainted (a stream
        update repaints only the cells it changed); ``width`` the viewport's; ``hovered``
        the (row, column) under the mouse."""


class PaintedTable(QTableView):
    """A table that, given a ``RowPainter``, paints its visible rows in one Python call
    instead of Qt's item painting, which calls the delegate per cell from C++ (Python
    objects made for each cell's painter, option and index) after the style's per-cell
    row panel. The book's ladder repainted in a third of the time, the tape and the
    watchlist in about half (docs/performance.md). Clicks, indexes, selection, scrolling
    and spans stay Qt's; without a painter, Qt paints."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.row_painter: RowPainter | None = None
        self._hover_tracked = False
        self._hovered: tuple[int, int] | None = None

    def set_row_painter(self, painter: RowPainter, *, hover: bool = False) -> None:
        """Paint the rows with ``painter`` (one that needs the view is made after it);
        with ``hover``, the painter is told which cell is under the mouse."""
        self.row_painter = painter
        self._hover_tracked = hover
        if hover:
            self.setMouseTracking(True)
        self.viewport().update()

    def dataChanged(self, top_left: QModelIndex | QPersistentModelIndex,
                    bottom_right: QModelIndex | QPersistentModelIndex,
                    roles: Sequence[int] = ()) -> None:
        """Repaint exactly the changed cells. Qt's repaint of a range reaches a pixel into
        the next column and row (a grid line's width; these tables draw none), which made a
        bid-and-ask update paint a third cell and a row more. Qt handles what we have no
        use for (editors, and accessibility when it is on)."""
        top, bottom = top_left.row(), bottom_right.row()
        shown = [] if (self.row_painter is None or QAccessible.isActive()
                       or top_left.parent().isValid() or self.isRowHidden(top)
                       or self.isRowHidden(bottom)) else [
            (self.columnViewportPosition(c), self.columnWidth(c))
            for c in range(top_left.column(), bottom_right.column() + 1)
            if not self.isColumnHidden(c)]
        if not shown:
            super().dataChanged(top_left, bottom_right, roles)
            return
        x = min(x for x, _ in shown)
        y = self.rowViewportPosition(top)
        self.viewport().update(QRect(x, y, max(x + w for x, w in shown) - x,
                                     self.rowViewportPosition(bottom) + self.rowHeight(bottom) - y))

    def paintEvent(self, event: QPaintEvent) -> None:
        model = self.model()
        if self.row_painter is None or model is None:
            super().paintEvent(event)
            return
        area = event.rect()
        first = max(0, self.rowAt(area.top()))
        last = self.rowAt(area.bottom())
        last = model.rowCount() - 1 if last < 0 else last
        if first > last:
            return
        left, right = area.left(), area.right()  # a column outside them is not painted
        columns = [(x, w if x <= right and x + w > left else 0) for x, w in (
            (self.columnViewportPosition(c), self.columnWidth(c))
            for c in range(model.columnCount()))]
        painter = QPainter(self.viewport())
        self.row_painter.paint_rows(painter, range(first, last + 1),
                                    self.rowViewportPosition(first),
                                    self.verticalHeader().defaultSectionSize(),
                                    columns, self.viewport().width(), self._hovered)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        super().mouseMoveEvent(event)
        if self._hover_tracked:
            index = self.indexAt(event.position().toPoint())
            self._hover_at((index.row(), index.column()) if index.isValid() else None)

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Leave:
            self._hover_at(None)  # the mouse left the rows (for the scroll bar, or away)
        return super().viewportEvent(event)

    def _hover_at(self, cell: tuple[int, int] | None) -> None:
        if cell != self._hovered:
            self._hovered = cell
            self.viewport().update()


class MarketView(PaintedTable):
    """A read-only market table (the book's ladder, the tape): monospace, no selection, no
    focus, no grid, fixed 19 px rows, the columns sharing the width."""

    def __init__(self, name: str, model: QAbstractItemModel,
                 painter: RowPainter | None = None, *, hover: bool = False) -> None:
        super().__init__()
        self.setObjectName(name)
        self.setModel(model)
        self.setFont(mono_font())
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setShowGrid(False)
        opaque(self.viewport())  # repainted ten times a second
        opaque(self.verticalScrollBar())  # moves with every row the tape takes in
        rows = self.verticalHeader()
        rows.hide()
        rows.setDefaultSectionSize(19)
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        header.setHighlightSections(False)
        if painter is not None:
            self.set_row_painter(painter, hover=hover)


class Table(PaintedTable):
    """A dense table: monospace numbers, whole-row selection, sortable, saved widths."""

    def __init__(self, name: str, widths: tuple[int, ...], parent: QWidget | None = None,
                 *, sortable: bool = True) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.default_widths = widths
        self.setFont(mono_font())
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(24)
        self.setShowGrid(False)
        opaque(self.viewport())  # the watchlist's repaints with every flush
        self.setAlternatingRowColors(True)
        self.setSortingEnabled(sortable)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.reset_widths()

    def setModel(self, model: QAbstractItemModel | None) -> None:
        super().setModel(model)
        self.reset_widths()  # widths need columns: they only take once a model is set

    def reset_widths(self) -> None:
        for col, width in enumerate(self.default_widths):
            self.setColumnWidth(col, width)


class DecimalEdit(QLineEdit):
    """A number field that keeps every digit (Decimal, never float) and steps with ↑/↓."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setValidator(QRegularExpressionValidator(QRegularExpression(r"^\d{0,12}(\.\d{0,12})?$"),
                                                      self))
        self.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.step = Decimal(0)

    def value(self) -> Decimal | None:
        text = self.text().strip()
        if not text or text == ".":
            return None
        try:
            value = Decimal(text)
        except InvalidOperation:
            return None
        return value if value.is_finite() else None

    def set_value(self, value: Decimal) -> None:
        self.setText(fmt(value))

    def _step_by(self, steps: int) -> None:
        if self.step <= 0:
            return
        current = self.value() or Decimal(0)
        new = (current / self.step).to_integral_value() * self.step + self.step * steps
        if new > 0:
            self.setText(fmt(new.quantize(self.step)))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Up:
            self._step_by(1)
        elif event.key() == Qt.Key.Key_Down:
            self._step_by(-1)
        else:
            super().keyPressEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        if self.hasFocus():
            self._step_by(1 if event.angleDelta().y() > 0 else -1)
            event.accept()
        else:
            super().wheelEvent(event)


def ask(parent: QWidget, title: str, text: str, yes: str) -> asyncio.Future[bool]:
    """A non-blocking confirmation: ``open()`` plus a future, never ``exec()``."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, parent=parent)
    box.setObjectName("confirmDialog")
    ok = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    future: asyncio.Future[bool] = asyncio.get_event_loop().create_future()

    def done(_: int) -> None:
        if not future.done():
            future.set_result(box.clickedButton() is ok)
        box.deleteLater()

    box.finished.connect(done)
    box.open()
    return future
