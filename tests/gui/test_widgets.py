"""Shared widgets: live tables and texts repaint without repainting or laying out more."""

from __future__ import annotations

from importlib import resources

from PySide6.QtCore import QEvent, QObject, QPoint
from PySide6.QtGui import QColor, QStandardItemModel
from PySide6.QtWidgets import QApplication, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from gui.widgets import LiveText, market_view


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
        view = market_view("tape", QStandardItemModel(3, 3))
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
