"""The watchlist paints its cells itself: the colours a trader reads must be there."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication

from gui.models._format import DOWN, UP
from gui.models.watchlist import WatchlistModel
from gui.panes._cell_delegate import CellDelegate
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
    view.setItemDelegate(CellDelegate(view))
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
