"""What the chart draws over the candles: the trader's open orders and fills, the crosshair."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pyqtgraph as pg  # type: ignore[import-untyped]  # no stubs
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem

from connector import OrderStatus

from .numbers import fixed
from .theme import ChartTheme


def order_price(order: OrderStatus) -> Decimal:
    """Where an order rests: its limit price, else its trigger (stop orders)."""
    return order.price if order.price else order.stop_price


def draggable(order: OrderStatus) -> bool:
    """A resting limit order's line can be dragged to amend its price (as its row can)."""
    return not order.is_algo and order.order_type in ("LIMIT", "LIMIT_MAKER") and order.is_open


class OrderLines:
    """One dashed horizontal line per open order of the shown symbol, in its side's colour.

    A limit order's line is movable: releasing it calls ``dragged(order, price)`` (the
    pane amends) and puts the line back where the order is until the exchange says it
    moved, so the line never shows a price the exchange has not accepted.
    """

    def __init__(self, plot: pg.PlotItem, theme: ChartTheme) -> None:
        self._plot = plot
        self._theme = theme
        self.dragged: Callable[[OrderStatus, Decimal], object] | None = None
        self.lines: dict[int, pg.InfiniteLine] = {}
        self.decimals: tuple[int | None, int | None] = (None, None)  # price, quantity
        self._shown: dict[int, tuple[Decimal, Decimal, str]] = {}

    def update(self, order: OrderStatus, symbol: str) -> None:
        """Show, move or remove the line of ``order`` (a line lives exactly as long as its order)."""
        price = order_price(order)
        if not order.is_open or order.symbol != symbol or not price:
            self.remove(order.order_id)
            return
        left = order.orig_qty - order.executed_qty
        state = (price, left, order.side)
        if self._shown.get(order.order_id) == state:
            return
        self.remove(order.order_id)
        color = self._theme.up if order.side == "BUY" else self._theme.down
        pen = QPen(QColor(color))
        pen.setCosmetic(True)
        pen.setStyle(Qt.PenStyle.DashLine)
        label = f"{order.side} {fixed(left, self.decimals[1])} @ {fixed(price, self.decimals[0])}"
        line = pg.InfiniteLine(pos=float(price), angle=0, movable=draggable(order), pen=pen,
                               label=label,
                               labelOpts={"position": 0.02, "color": color, "anchors": [(0, 1), (0, 1)],
                                          "fill": QColor(self._theme.background)})
        line.setZValue(5)
        if draggable(order):
            line.setToolTip("Drag to amend the price")
            line.sigPositionChangeFinished.connect(lambda ln, o=order: self._released(o, ln))
        self._plot.addItem(line, ignoreBounds=True)
        self.lines[order.order_id] = line
        self._shown[order.order_id] = state

    def _released(self, order: OrderStatus, line: pg.InfiniteLine) -> None:
        """A dragged line was let go: ask for the amend, show the order where it is now."""
        price = Decimal(repr(float(line.value())))
        line.setValue(float(order_price(order)))
        if self.dragged is not None and price > 0 and price != order_price(order):
            self.dragged(order, price)

    def remove(self, order_id: int) -> None:
        line = self.lines.pop(order_id, None)
        self._shown.pop(order_id, None)
        if line is not None:
            self._plot.removeItem(line)

    def clear(self) -> None:
        for order_id in list(self.lines):
            self.remove(order_id)

    def set_theme(self, theme: ChartTheme, orders: list[OrderStatus], symbol: str) -> None:
        self._theme = theme
        self.clear()
        for order in orders:
            self.update(order, symbol)


@dataclass(frozen=True, slots=True)
class Fill:
    time: int  # ms
    price: Decimal
    side: str  # BUY / SELL


class FillMarkers:
    """The trader's fills: a triangle at the fill price, up for buys, down for sells."""

    def __init__(self, plot: pg.PlotItem) -> None:
        self.item = pg.ScatterPlotItem(size=11, pxMode=True)
        self.item.setZValue(6)
        plot.addItem(self.item, ignoreBounds=True)

    def show(self, fills: list[Fill], x_of: Callable[[int], float], theme: ChartTheme) -> None:
        """Draw ``fills``; ``x_of`` maps a time to the x of its candle."""
        spots = [{"pos": (x_of(f.time) + 0.5, float(f.price)),
                  "symbol": "t1" if f.side == "BUY" else "t",
                  "brush": QColor(theme.up if f.side == "BUY" else theme.down),
                  "pen": QColor(theme.background)} for f in fills]
        self.item.setData(spots=spots)

    @property
    def count(self) -> int:
        return len(self.item.data)



class _TagItem(QGraphicsItem):
    """A filled box holding one line of text, its left middle at the item's position: what
    ``pg.TextItem`` drew here, without its text document (laying that out again for each
    new last price cost 0.2-0.3 ms a tick)."""

    PAD_X, PAD_Y = 4.0, 2.0

    def __init__(self) -> None:
        super().__init__()
        self._font = QFont()  # the application's font, as the axis labels use
        self._metrics = QFontMetricsF(self._font)
        self._advance: dict[str, float] = {}  # per character, measured once
        self._height = self._metrics.height() + 2 * self.PAD_Y
        self._text = ""
        self._fill = QColor()
        self._color = QColor()
        self._rect = QRectF()

    def set(self, text: str, fill: QColor, color: QColor) -> None:
        width = self._width(text) + 2 * self.PAD_X
        rect = QRectF(0.0, -self._height / 2, width, self._height)
        if rect != self._rect:
            self.prepareGeometryChange()
            self._rect = rect
        self._text, self._fill, self._color = text, fill, color
        self.update()

    def _width(self, text: str) -> float:
        """The text's advance, summed per character: a tag shows a price, and fonts do not
        kern digits (measuring the whole text shaped it again on every tick)."""
        advance = self._advance
        for char in text:
            if char not in advance:
                advance[char] = self._metrics.horizontalAdvance(char)
        return sum(advance[char] for char in text)

    def text(self) -> str:
        return self._text

    def boundingRect(self) -> QRectF:
        return QRectF(self._rect)

    def paint(self, painter: QPainter, *_: object) -> None:
        painter.fillRect(self._rect, self._fill)
        painter.setPen(self._color)
        painter.setFont(self._font)
        painter.drawText(self._rect, Qt.AlignmentFlag.AlignCenter, self._text)


class AxisTag:
    """A price tag on the right axis (the last price, the crosshair's price), kept at its y."""

    def __init__(self, plot: pg.PlotItem) -> None:
        self._plot = plot
        self._axis = plot.getAxis("right")
        self.item = _TagItem()
        self.item.setParentItem(self._axis)
        self.item.setZValue(20)
        self.value: float | None = None
        self._shown: tuple[str, str, str] | None = None
        self.item.hide()
        plot.vb.sigRangeChanged.connect(self.place)
        plot.vb.sigResized.connect(self.place)

    def show(self, value: float, text: str, fill: str, color: str) -> None:
        self.value = value
        if (text, fill, color) != self._shown:
            self._shown = (text, fill, color)
            self.item.set(text, QColor(fill), QColor(color))
        self.place()

    def hide(self) -> None:
        self.value = None
        self.item.hide()

    def place(self, *_: object) -> None:
        if self.value is None:
            return
        vb = self._plot.vb
        (_, _), (low, high) = vb.viewRange()
        if not low <= self.value <= high:
            self.item.hide()
            return
        scene = vb.mapViewToScene(pg.Point(0.0, self.value))
        self.item.setPos(0.0, self._axis.mapFromScene(scene).y())
        self.item.show()
