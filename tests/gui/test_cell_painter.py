"""The watchlist paints its rows itself: the colours a trader reads must be there."""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal

from PySide6.QtCore import QPoint, QSortFilterProxyModel, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication

from gui.models._format import DOWN, UP, Cell
from gui.models.watchlist import WatchlistModel
from gui.panes._cell_painter import CellPainter
from gui.widgets import Table


def _view(qapp: QApplication) -> Table:
    model = WatchlistModel()
    model.set_symbols(["BTCUSDT", "ETHUSDT"], {"BTCUSDT": 2, "ETHUSDT": 2})
    model.on_book("BTCUSDT", Decimal("100.00"), Decimal("101.00"))
    model.on_book("ETHUSDT", Decimal("50.00"), Decimal("51.00"))
    model.on_ticker("ETHUSDT", Decimal("50.5"), Decimal("-2.5"))
    model.on_book("BTCUSDT", Decimal("102.00"), Decimal("103.00"))  # up: flashes green
    model.flush()
    view = Table("watchlist", (110, 90, 90, 90, 70, 60))
    view.setModel(model)
    view.set_row_painter(CellPainter(view, model.cell))
    view.resize(560, 120)
    view.show()
    qapp.processEvents()
    return view


def _colours(image: QImage, view: Table, row: int, col: int) -> set[str]:
    rect = view.visualRect(view.model().index(row, col))
    return {QColor(image.pixel(QPoint(x, y))).name() for x in range(rect.left(), rect.right())
            for y in range(rect.top(), rect.bottom())}


def test_cells_show_flash_change_colours_and_selection(qapp: QApplication) -> None:
    view = _view(qapp)
    image = view.viewport().grab().toImage()
    bid = _colours(image, view, 0, 1)  # BTCUSDT's bid went up: green text
    assert any(abs(QColor(c).green() - UP.green()) < 30 and QColor(c).green() > 120
               for c in bid), bid
    change = _colours(image, view, 1, 4)  # ETHUSDT -2.5 %: red text
    assert any(abs(QColor(c).red() - DOWN.red()) < 30 and QColor(c).red() > 150
               for c in change), change
    view.selectRow(1)
    qapp.processEvents()
    image = view.viewport().grab().toImage()
    highlight = view.palette().highlight().color().name()
    assert highlight in _colours(image, view, 1, 0)
    assert highlight not in _colours(image, view, 0, 0)


def test_a_sorted_watchlist_paints_each_row_from_its_source_row(qapp: QApplication) -> None:
    view = _view(qapp)
    model = view.model()
    proxy = QSortFilterProxyModel()
    proxy.setSourceModel(model)
    proxy.sort(0, Qt.SortOrder.DescendingOrder)  # ETHUSDT (source row 1) on top
    asked: list[tuple[int, int]] = []

    def cell(row: int, col: int) -> Cell:
        asked.append((row, col))
        return model.cell(row, col)  # type: ignore[attr-defined, no-any-return]

    view.setModel(proxy)
    view.set_row_painter(CellPainter(
        view, cell, lambda row: proxy.mapToSource(proxy.index(row, 0)).row()))
    view.viewport().repaint()
    assert asked[:6] == [(1, c) for c in range(6)]  # the top row shows ETHUSDT's cells
    assert asked[6:12] == [(0, c) for c in range(6)]
    image = view.viewport().grab().toImage()  # alternate rows in the sheet's colour
    alternate = view.palette().alternateBase().color().name()
    assert alternate in _colours(image, view, 1, 0) and alternate not in _colours(image, view, 0, 0)


def _painted_cells(qapp: QApplication, view: Table, change: Callable[[], None]) -> set[int]:
    """The columns whose cells the painter was asked for by the repaint ``change`` caused."""
    model = view.model()
    asked: list[tuple[int, int]] = []

    def cell(row: int, col: int) -> Cell:
        asked.append((row, col))
        return model.cell(row, col)  # type: ignore[attr-defined, no-any-return]

    view.set_row_painter(CellPainter(view, cell))
    view.viewport().repaint()  # the painter's own full repaint, done with
    asked.clear()
    change()
    model.flush()  # type: ignore[attr-defined]
    deadline = time.monotonic() + 5
    while not asked and time.monotonic() < deadline:
        qapp.processEvents()
    return {col for _, col in asked}


def test_a_book_tick_repaints_the_bid_and_ask_cells_and_a_stale_row_all_of_it(
        qapp: QApplication) -> None:
    view = _view(qapp)
    model: WatchlistModel = view.model()  # type: ignore[assignment]
    tick = _painted_cells(qapp, view, lambda: model.on_book(
        "ETHUSDT", Decimal("50.50"), Decimal("51.00")))
    assert tick == {1, 2}  # the stream's usual update: two cells, not the row
    assert _painted_cells(qapp, view, lambda: model.on_ticker(
        "ETHUSDT", Decimal("50.7"), Decimal("-2.1"))) >= {3, 4}
    assert _painted_cells(qapp, view, model.mark_stale) == set(range(6))  # greyed: the row
