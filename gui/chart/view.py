"""The chart's plots: prices over volume on one time axis, their items, crosshair and tags.

``ChartView`` only draws what it is given (a store, a theme, a cursor); the
Chart pane decides what to load and show.
"""

from __future__ import annotations

from collections.abc import Callable

import pyqtgraph as pg  # type: ignore[import-untyped]  # no stubs
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QFont, QPen
from PySide6.QtWidgets import QGraphicsItem

from .axis import TimeAxis
from .grid import GridItem
from .items import CandlesItem, VolumeItem
from .overlays import AxisTag, FillMarkers, OrderLines
from .store import CandleStore
from .theme import ChartTheme

AXIS_WIDTH = 78  # the price axis; the volume axis keeps the same room so both align


def _pen(color: str, style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> QPen:
    pen = QPen(QColor(color))
    pen.setCosmetic(True)
    pen.setStyle(style)
    return pen


class ChartView(pg.GraphicsLayoutWidget):  # type: ignore[misc]  # pyqtgraph is untyped
    def __init__(self, store: CandleStore, frame: Callable[[], tuple[int, int]],
                 theme: ChartTheme) -> None:
        """``frame()`` gives the current store's (origin, step) for the time axis."""
        super().__init__()
        self.theme = theme
        self.ci.layout.setSpacing(0)
        self.ci.setContentsMargins(0, 0, 0, 0)
        self.axis = TimeAxis(frame)
        self.price_plot: pg.PlotItem = self.addPlot(row=0, col=0)
        self.volume_plot: pg.PlotItem = self.addPlot(row=1, col=0, axisItems={"bottom": self.axis})
        self.ci.layout.setRowStretchFactor(0, 4)
        self.ci.layout.setRowStretchFactor(1, 1)
        for plot in (self.price_plot, self.volume_plot):
            plot.hideAxis("left")
            plot.showAxis("right")
            plot.setMenuEnabled(False)
            plot.hideButtons()
            plot.getAxis("right").setWidth(AXIS_WIDTH)
            # the tags move over it with every live tick: it repaints from a pixmap of
            # itself, not by replaying its labels' text (a quarter of a tick's paint)
            plot.getAxis("right").setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
            plot.vb.setMouseEnabled(x=True, y=False)
            plot.vb.disableAutoRange()
        self.price_plot.vb.setLimits(minXRange=8)  # zoomed in no further than 8 candles
        self.price_plot.hideAxis("bottom")
        self.volume_plot.setXLink(self.price_plot)
        self.volume_plot.setMaximumHeight(160)
        self.volume_plot.getAxis("right").setTicks([[], []])  # room only
        self.grids = (GridItem(self.axis, self.price_plot.getAxis("right")),
                      GridItem(self.axis, None))
        self.price_plot.addItem(self.grids[0], ignoreBounds=True)
        self.volume_plot.addItem(self.grids[1], ignoreBounds=True)
        self.candles = CandlesItem(store)
        self.volume = VolumeItem(store)
        self.price_plot.addItem(self.candles)
        self.volume_plot.addItem(self.volume)
        self.order_lines = OrderLines(self.price_plot, theme)
        self.markers = FillMarkers(self.price_plot)
        self.last_line = pg.InfiniteLine(angle=0, movable=False)
        self.last_line.setZValue(4)
        self.last_line.hide()
        self._last_color: str | None = None
        self.price_plot.addItem(self.last_line, ignoreBounds=True)
        self.last_tag = AxisTag(self.price_plot)
        self.cross_tag = AxisTag(self.price_plot)
        self.cross_v = pg.InfiniteLine(angle=90, movable=False)
        self.cross_h = pg.InfiniteLine(angle=0, movable=False)
        self.cross_vv = pg.InfiniteLine(angle=90, movable=False)
        for line, plot in ((self.cross_v, self.price_plot), (self.cross_h, self.price_plot),
                           (self.cross_vv, self.volume_plot)):
            line.setZValue(10)
            line.hide()
            plot.addItem(line, ignoreBounds=True)

    def set_store(self, store: CandleStore) -> None:
        self.candles.set_store(store)
        self.volume.set_store(store)

    def apply_theme(self, t: ChartTheme) -> None:
        self.theme = t
        self.setBackground(QColor(t.background))
        font = QFont()
        font.setPointSizeF(8.5)
        for plot in (self.price_plot, self.volume_plot):
            for name in ("right", "bottom"):
                axis = plot.getAxis(name)
                axis.setPen(pg.mkPen(t.grid))
                axis.setTextPen(pg.mkPen(t.text))
                axis.setStyle(tickFont=font, tickLength=-4)
        self.volume_plot.getAxis("right").setStyle(showValues=False)
        for grid in self.grids:
            grid.set_color(t.grid)
        self.volume.set_background(QColor(t.background))
        for item in (self.candles, self.volume):
            item.set_colors(QColor(t.up), QColor(t.down))
        for line in (self.cross_v, self.cross_h, self.cross_vv):
            line.setPen(_pen(t.muted, Qt.PenStyle.DashLine))

    def show_last(self, price: float | None, rising: bool, text: str) -> None:
        """The last price as a dotted line across the chart and a tag on the price axis."""
        if price is None:
            self.last_line.hide()
            self.last_tag.hide()
            return
        color = self.theme.up if rising else self.theme.down
        if color != self._last_color:  # a new pen repaints the line: only on a new colour
            self._last_color = color
            self.last_line.setPen(_pen(color, Qt.PenStyle.DotLine))
        self.last_line.setPos(price)
        self.last_line.show()
        self.last_tag.show(price, text, color, "#ffffff")

    def crosshair(self, pos: QPointF, price_text: Callable[[float], str]) -> QPointF | None:
        """Put the crosshair at scene ``pos``; the view point under it, or None when outside."""
        inside = self.price_plot.sceneBoundingRect().contains(pos)
        in_volume = self.volume_plot.sceneBoundingRect().contains(pos)
        for line in (self.cross_v, self.cross_vv):
            line.setVisible(inside or in_volume)
        self.cross_h.setVisible(inside)
        if not (inside or in_volume):
            self.cross_tag.hide()
            return None
        point: QPointF = self.price_plot.vb.mapSceneToView(pos)
        if inside:
            y = float(point.y())
            self.cross_tag.show(y, price_text(y), self.theme.muted, "#ffffff")
            self.cross_h.setPos(y)
        else:
            self.cross_tag.hide()
        self.cross_v.setPos(float(point.x()))
        self.cross_vv.setPos(float(point.x()))
        return point
