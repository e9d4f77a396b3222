"""The drawn candles and volume: one ``GraphicsObject`` each, drawing only the visible part.

Zoomed in (a candle at least ``DETAIL_PX`` wide) every visible candle gets a
wick and a body. Zoomed out, candles are folded per pixel column
(``aggregate``) and each column is one vertical bar, so a repaint costs the
width of the view whatever the history. The paths are built once per view
(x range, pixel size, data version) and reused by repaints that change none of
those (the crosshair moving); the live candle, which changes several times a
second, is drawn on its own so its ticks never rebuild the rest.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg  # type: ignore[import-untyped]  # no stubs
from PySide6.QtCore import QLineF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen

from .aggregate import Columns, aggregate
from .store import CandleStore, FloatArray

DETAIL_PX = 3.0  # narrower candles are folded into pixel columns
BODY = 0.72  # body width, in candles


def _pen(color: QColor) -> QPen:
    pen = QPen(color)
    pen.setCosmetic(True)
    pen.setWidth(1)
    return pen


def _segments(x: FloatArray, y0: FloatArray, y1: FloatArray) -> QPainterPath:
    """Vertical segments (x, y0)-(x, y1) as one path, built by numpy (no Python loop)."""
    xs = np.repeat(x, 2)
    ys = np.column_stack((y0, y1)).ravel()
    path: QPainterPath = pg.arrayToQPath(xs, ys, connect="pairs", finiteCheck=False)
    return path


class _ColumnsItem(pg.GraphicsObject):  # type: ignore[misc]  # pyqtgraph is untyped
    """What candles and volume share: the store, the colours, the per-view cache."""

    def __init__(self, store: CandleStore) -> None:
        super().__init__()
        self.store = store
        self.up = QColor("#16c784")
        self.down = QColor("#ea3943")
        self._cache_key: tuple[Any, ...] | None = None
        self._paths: list[tuple[QPainterPath, QPen, QColor | None]] = []
        self._bounds = QRectF()
        self.paths_built = 0  # how many times the paths were rebuilt (tests, bench)

    def set_store(self, store: CandleStore) -> None:
        self.store = store
        self.data_changed()

    def set_colors(self, up: QColor, down: QColor) -> None:
        self.up, self.down = QColor(up), QColor(down)
        self._cache_key = None
        self.update()

    def data_changed(self) -> None:
        """The store changed: new bounds, and repaint."""
        self.prepareGeometryChange()
        self._bounds = self._data_bounds()
        self._cache_key = None
        self.update()

    def live_changed(self) -> None:
        """Only the last candle changed: grow the bounds if needed, repaint without rebuilding."""
        bounds = self._data_bounds()
        if not self._bounds.contains(bounds):
            self.prepareGeometryChange()
            self._bounds = bounds
        self.update()

    def boundingRect(self) -> QRectF:
        return QRectF(self._bounds)

    def _data_bounds(self) -> QRectF:
        raise NotImplementedError

    def _build(self, i0: int, i1: int, x0: float, px: float) -> None:
        raise NotImplementedError

    def _live(self, painter: QPainter, i: int, px: float) -> None:
        raise NotImplementedError

    def paint(self, painter: QPainter, *args: Any) -> None:
        store = self.store
        view = self.getViewBox()
        px = self.pixelWidth()
        if len(store) == 0 or view is None or not px:
            return
        (x_min, x_max), _ = view.viewRange()
        i0, i1 = store.visible(x_min, x_max)
        last_visible = i1 == len(store)
        body_end = i1 - 1 if last_visible else i1  # the live candle is drawn apart
        x0 = np.floor(x_min / px) * px  # columns on whole pixels: stable while panning
        key = (i0, body_end, round(x0 / px), px, store.version, self.up.rgba(), self.down.rgba())
        if key != self._cache_key:
            self._paths = []
            if body_end > i0:
                self._build(i0, body_end, x0, px)
            self._cache_key = key
            self.paths_built += 1
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        for path, pen, fill in self._paths:
            painter.setPen(pen)
            painter.setBrush(fill if fill is not None else Qt.BrushStyle.NoBrush)
            painter.drawPath(path)
        if last_visible:
            self._live(painter, len(store) - 1, px)

    def _color(self, up: bool) -> QColor:
        return self.up if up else self.down


class CandlesItem(_ColumnsItem):
    """Price candles: wicks and bodies zoomed in, one high-low bar per pixel column out."""

    def _data_bounds(self) -> QRectF:
        s = self.store
        if len(s) == 0:
            return QRectF()
        low, high = float(s.l.min()), float(s.h.max())
        return QRectF(float(s.x[0]), low, float(s.x[-1] - s.x[0]) + 1, max(high - low, 1e-12))

    def _build(self, i0: int, i1: int, x0: float, px: float) -> None:
        s = self.store
        if 1.0 / px >= DETAIL_PX:
            x, o, h, low, c = s.x[i0:i1], s.o[i0:i1], s.h[i0:i1], s.l[i0:i1], s.c[i0:i1]
            centre = x + 0.5
            for rising in (True, False):
                m = (c >= o) if rising else (c < o)
                if not m.any():
                    continue
                color = self._color(rising)
                self._paths.append((_segments(centre[m], low[m], h[m]), _pen(color), None))
                bodies = QPainterPath()
                for left, top, bottom in zip(x[m] + (1 - BODY) / 2, np.maximum(o[m], c[m]),
                                             np.minimum(o[m], c[m]), strict=True):
                    bodies.addRect(QRectF(float(left), float(bottom), BODY, float(top - bottom)))
                self._paths.append((bodies, _pen(color), color))
            return
        cols = aggregate(s.x[i0:i1], s.o[i0:i1], s.h[i0:i1], s.l[i0:i1], s.c[i0:i1],
                         s.v[i0:i1], x0, px)
        self._columns(cols)

    def _columns(self, cols: Columns) -> None:
        for rising in (True, False):
            m = (cols.close >= cols.open) if rising else (cols.close < cols.open)
            if m.any():
                path = _segments(cols.x[m], cols.low[m], cols.high[m])
                self._paths.append((path, _pen(self._color(rising)), None))

    def _live(self, painter: QPainter, i: int, px: float) -> None:
        s = self.store
        color = self._color(bool(s.c[i] >= s.o[i]))
        painter.setPen(_pen(color))
        x = float(s.x[i])
        painter.drawLine(QLineF(x + 0.5, float(s.l[i]), x + 0.5, float(s.h[i])))
        if 1.0 / px >= DETAIL_PX:
            top, bottom = max(s.o[i], s.c[i]), min(s.o[i], s.c[i])
            painter.setBrush(color)
            painter.drawRect(QRectF(x + (1 - BODY) / 2, float(bottom), BODY, float(top - bottom)))


class VolumeItem(_ColumnsItem):
    """Volume bars in the candle's colour; zoomed out, the column's summed volume."""

    def _data_bounds(self) -> QRectF:
        s = self.store
        if len(s) == 0:
            return QRectF()
        return QRectF(float(s.x[0]), 0.0, float(s.x[-1] - s.x[0]) + 1, float(s.v.max()) or 1.0)

    def _build(self, i0: int, i1: int, x0: float, px: float) -> None:
        s = self.store
        if 1.0 / px >= DETAIL_PX:
            x, o, c, v = s.x[i0:i1], s.o[i0:i1], s.c[i0:i1], s.v[i0:i1]
            for rising in (True, False):
                m = (c >= o) if rising else (c < o)
                if not m.any():
                    continue
                bars = QPainterPath()
                for left, height in zip(x[m] + (1 - BODY) / 2, v[m], strict=True):
                    bars.addRect(QRectF(float(left), 0.0, BODY, float(height)))
                color = self._fill(rising)
                self._paths.append((bars, _pen(color), color))
            return
        cols = aggregate(s.x[i0:i1], s.o[i0:i1], s.h[i0:i1], s.l[i0:i1], s.c[i0:i1],
                         s.v[i0:i1], x0, px)
        for rising in (True, False):
            m = (cols.close >= cols.open) if rising else (cols.close < cols.open)
            if m.any():
                path = _segments(cols.x[m], np.zeros(int(m.sum())), cols.volume[m])
                self._paths.append((path, _pen(self._fill(rising)), None))

    def _fill(self, rising: bool) -> QColor:
        color = QColor(self._color(rising))
        color.setAlpha(110)
        return color

    def _live(self, painter: QPainter, i: int, px: float) -> None:
        s = self.store
        color = self._fill(bool(s.c[i] >= s.o[i]))
        painter.setPen(_pen(color))
        x = float(s.x[i])
        if 1.0 / px >= DETAIL_PX:
            painter.setBrush(color)
            painter.drawRect(QRectF(x + (1 - BODY) / 2, 0.0, BODY, float(s.v[i])))
        else:
            painter.drawLine(QLineF(x + 0.5, 0.0, x + 0.5, float(s.v[i])))
