"""Shared widgets: live tables and texts repaint without repainting or laying out more."""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources

from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QStandardItemModel
from PySide6.QtWidgets import QApplication, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from gui.widgets import LiveText, MarketView


class _PaintCounter(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.paints = 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.paints += 1
        return False


def _sheet(name: str) -> str:
    return resources.files("resources").joinpath(f"{name}.qss").read_text("utf-8")


def test_a_live_table_repaints_without_repainting_what_is_behind_it(qapp: QApplication) -> None:
    before = qapp.styleSheet()
    try:
        qapp.setStyleSheet(_sheet("dark"))
        behind = QWidget()  # stands for the dock and pane the table sits in
        view = MarketView("tape", QStandardItemModel(30, 3))  # more rows than fit
        QVBoxLayout(behind).addWidget(view)
        behind.resize(300, 200)
        behind.show()
        qapp.processEvents()
        for theme in ("light", "dark"):  # a theme switch re-polishes every widget
            qapp.setStyleSheet(_sheet(theme))
            qapp.processEvents()
            counter = _PaintCounter()
            behind.installEventFilter(counter)
            painted = _PaintCounter()
            view.viewport().installEventFilter(painted)
            for _ in range(3):
                view.viewport().repaint()
                view.verticalScrollBar().repaint()  # as when the tape takes in rows
            assert painted.paints == 3
            assert counter.paints == 0, f"{theme}: the widget behind was repainted"
            behind.removeEventFilter(counter)
            view.viewport().removeEventFilter(painted)
            # and the table still shows the theme's background, not stale pixels
            image = view.viewport().grab().toImage()
            corner = QColor(image.pixel(QPoint(image.width() - 3, image.height() - 3)))
            assert corner == view.viewport().palette().base().color()
        assert view.viewport().autoFillBackground()
    finally:
        qapp.setStyleSheet(before)


class _EventCounter(QObject):
    def __init__(self, kind: QEvent.Type) -> None:
        super().__init__()
        self.kind, self.seen = kind, 0

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        self.seen += event.type() == self.kind
        return False


def test_live_text_changes_without_laying_out_the_window_again(qapp: QApplication) -> None:
    window = QWidget()
    inner = QWidget()
    live, label = LiveText(20), QLabel("start")
    row = QHBoxLayout(inner)
    row.addWidget(live)
    row.addWidget(label)
    QVBoxLayout(window).addWidget(inner)
    window.show()
    qapp.processEvents()
    relayouts = _EventCounter(QEvent.Type.LayoutRequest)
    window.installEventFilter(relayouts)
    for i in range(5):
        live.set_runs((("BTCUSDT", "#ffffff", True), (f" 9{'9' * i}.5", None, False)))
        qapp.processEvents()
    assert relayouts.seen == 0
    assert live.text() == "BTCUSDT 99999.5"
    image = live.grab().toImage()  # the runs are painted: some pixels are white text
    assert any(QColor(image.pixel(QPoint(x, y))).name() == "#ffffff"
               for x in range(image.width()) for y in range(image.height()))
    for i in range(5):  # what a QLabel does, for comparison: the window lays out again
        label.setText("x" * (i + 1))
        qapp.processEvents()
    assert relayouts.seen > 0


class _RowRecorder:
    """A RowPainter that notes what it is asked to paint and paints column 1 red."""

    def __init__(self) -> None:
        self.calls: list[tuple[range, int, int, list[tuple[int, int]], int,
                               tuple[int, int] | None]] = []

    def paint_rows(self, painter: QPainter, rows: range, top: int, height: int,
                   columns: Sequence[tuple[int, int]], width: int,
                   hovered: tuple[int, int] | None) -> None:
        self.calls.append((rows, top, height, list(columns), width, hovered))
        painter.fillRect(columns[1][0], top, columns[1][1], height * len(rows), QColor("#ff0000"))


def test_a_market_view_paints_the_rows_in_view_in_one_call_and_knows_the_hovered_cell(
        qapp: QApplication) -> None:
    recorder = _RowRecorder()
    view = MarketView("tape", QStandardItemModel(100, 3), recorder, hover=True)
    view.resize(300, 200)
    view.show()
    qapp.processEvents()
    viewport = view.viewport()

    def paint() -> tuple[range, int, int, list[tuple[int, int]], int, tuple[int, int] | None]:
        recorder.calls.clear()
        viewport.repaint()
        assert len(recorder.calls) == 1  # one call for the whole repaint
        return recorder.calls[0]

    rows, top, height, columns, width, hovered = paint()
    assert (rows.start, top, height) == (0, 0, 19)
    assert rows.stop - 1 == view.rowAt(viewport.height() - 1)  # down to the last row shown
    assert columns == [(view.columnViewportPosition(c), view.columnWidth(c)) for c in range(3)]
    assert width == viewport.width() and hovered is None
    image = viewport.grab().toImage()
    assert QColor(image.pixel(columns[1][0] + 2, 5)) == QColor("#ff0000")  # what it painted
    assert QColor(image.pixel(columns[0][0] + 2, 5)) != QColor("#ff0000")

    at = QPointF(columns[2][0] + 5, 19 * 3 + 5)
    qapp.sendEvent(viewport, QMouseEvent(QEvent.Type.MouseMove, at, viewport.mapToGlobal(at),
                                         Qt.MouseButton.NoButton, Qt.MouseButton.NoButton,
                                         Qt.KeyboardModifier.NoModifier))
    assert paint()[5] == (3, 2)
    qapp.sendEvent(viewport, QEvent(QEvent.Type.Leave))
    assert paint()[5] is None

    view.verticalScrollBar().setValue(10)  # scrolled: the rows in view, from the top
    rows, top, *_ = paint()
    assert rows.start == 10 and top == 0
