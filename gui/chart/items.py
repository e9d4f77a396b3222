"""The drawn candles and volume: one ``GraphicsObject`` each, drawing only the visible part.

Zoomed in (a candle at least ``DETAIL_PX`` wide) every visible candle gets a
wick and a body. Zoomed out, candles are folded per pixel column
(``aggregate``) and each column is one vertical bar, so a repaint costs the
width of the view whatever the history. Everything is mapped to device pixels
with numpy first and drawn untransformed, snapped to whole pixels: crisp, and
Qt's raster engine draws a pixel-space path several times faster than a
transformed one (a path of rectangles is slower still, so bodies are
``drawRects``). The drawing is built once per view (range, scale, data version)
and replayed by repaints that change none of those (the crosshair moving); the
live candle, which ticks several times a second, is drawn on its own so its
ticks never rebuild the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import pyqtgraph as pg  # type: ignore[import-untyped]  # no stubs
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen, QTransform

from .aggregate import fold
from .store import CandleStore, FloatArray

DETAIL_PX = 3.0  # narrower candles are folded into pixel columns
BODY = 0.72  # body width, in candles
Op = Callable[[QPainter], None]  # one step of a built drawing


def _pen(color: QColor) -> QPen:
    pen = QPen(color)
    pen.setCosmetic(True)
    pen.setWidth(1)
    return pen


class _Device:
    """The view's data -> pixel map (scale and offset; the view never rotates)."""

    def __init__(self, t: QTransform, y_max: float) -> None:
        self.sx, self.sy, self.dx, self.dy = t.m11(), t.m22(), t.dx(), t.dy()
        self.top = int(np.floor(min(y_max * self.sy, 0.0) + self.dy))  # the view's top row

    def key(self) -> tuple[float, float, float, float]:
        return self.sx, self.sy, self.dx, self.dy

    def x(self, x: FloatArray) -> FloatArray:
        result: FloatArray = np.floor(x * self.sx + self.dx) + 0.5  # pixel centres
        return result

    def y(self, y: FloatArray) -> FloatArray:
        result: FloatArray = np.floor(y * self.sy + self.dy) + 0.5
        return result


def _segments(x: FloatArray, y0: FloatArray, y1: FloatArray) -> QPainterPath:
    """Vertical pixel segments, at least one pixel tall, as one path (numpy, no loop)."""
    top, bottom = np.minimum(y0, y1), np.maximum(y0, y1)
    bottom = np.maximum(bottom, top + 1)
    xs = np.repeat(x, 2)
    ys = np.column_stack((top, bottom)).ravel()
    path: QPainterPath = pg.arrayToQPath(xs, ys, connect="pairs", finiteCheck=False)
    return path


def _rects(left: FloatArray, right: FloatArray, y0: FloatArray, y1: FloatArray) -> list[QRectF]:
    """Pixel rectangles (bodies, bars), at least one pixel each way."""
    top, bottom = np.minimum(y0, y1) - 0.5, np.maximum(y0, y1) + 0.5
    left, right = np.floor(left), np.maximum(np.floor(right), np.floor(left) + 1)
    return [QRectF(a, b, c - a, d - b) for a, b, c, d in
            zip(left.tolist(), top.tolist(), right.tolist(), bottom.tolist(), strict=True)]


def _draw_path(path: QPainterPath, pen: QPen) -> Op:
    def op(p: QPainter) -> None:
        p.setPen(pen)
        p.drawPath(path)
    return op


def _draw_rects(rects: list[QRectF], color: QColor) -> Op:
    def op(p: QPainter) -> None:
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(color)
        p.drawRects(rects)
    return op


def _draw_image(pixels: npt.NDArray[np.uint32], left: int, top: int) -> Op:
    """Draw ``pixels`` (premultiplied ARGB, 0 = transparent) with its corner at (left, top)."""
    height, width = pixels.shape
    image = QImage(pixels.data, width, height, width * 4, QImage.Format.Format_ARGB32_Premultiplied)

    def op(p: QPainter) -> None:
        p.drawImage(QPointF(left, top), image)
        _ = pixels  # the image reads this buffer: keep it alive with the op
    return op


class _ColumnsItem(pg.GraphicsObject):  # type: ignore[misc]  # pyqtgraph is untyped
    """What candles and volume share: the store, the colours, the per-view cache."""

    def __init__(self, store: CandleStore) -> None:
        super().__init__()
        self.store = store
        self.up = QColor("#16c784")
        self.down = QColor("#ea3943")
        self._cache_key: tuple[Any, ...] | None = None
        self._ops: list[Op] = []
        self._bounds = QRectF()
        self._live = QRectF()  # the live candle's extent when last updated (item coordinates)
        self.paths_built = 0  # how many times the drawing was rebuilt (tests, bench)
        self.columns_drawn = 0  # bars in the last built drawing (tests)

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
        self._live = self._live_extent()
        self._cache_key = None
        self.update()

    def live_changed(self) -> None:
        """Only the last candle changed: repaint where it was and where it is, without
        rebuilding (a tick repainting the whole chart cost 1–2 ms of Qt's scene painting);
        a candle outside the bounds grows them and repaints the whole item."""
        live = self._live_extent()
        if not self._bounds.contains(live):
            self.prepareGeometryChange()
            self._bounds = self._data_bounds()
            self.update()
        else:  # two pixels round it: the drawing snaps to whole pixels
            mx, my = 2 * self.pixelWidth(), 2 * self.pixelHeight()
            self.update(live.united(self._live).adjusted(-mx, -my, mx, my))
        self._live = live

    def _live_extent(self) -> QRectF:
        s = self.store
        if len(s) == 0:
            return QRectF()
        low, high = self._live_span()
        return QRectF(float(s.x[-1]), low, 1.0, high - low)

    def boundingRect(self) -> QRectF:
        return QRectF(self._bounds)

    def paint(self, painter: QPainter, *args: Any) -> None:
        store = self.store
        view = self.getViewBox()
        px = self.pixelWidth()
        if len(store) == 0 or view is None or not px:
            return
        (x_min, x_max), (_, y_max) = view.viewRange()
        i0, i1 = store.visible(x_min, x_max)
        last_visible = i1 == len(store)
        end = i1 - 1 if last_visible else i1  # the live candle is drawn apart
        device = _Device(painter.transform(), y_max)
        detailed = 1.0 / px >= DETAIL_PX
        key = (i0, end, device.key(), store.version, self.up.rgba(), self.down.rgba())
        if key != self._cache_key:
            self._ops = []
            self.columns_drawn = 0
            if end > i0:
                if detailed:
                    self._detail(slice(i0, end), device)
                else:
                    x0 = np.floor(x_min / px) * px  # columns on whole pixels
                    self._fold(slice(i0, end), x0, px, device)
            self._cache_key = key
            self.paths_built += 1
        painter.save()
        painter.resetTransform()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        for op in self._ops:
            op(painter)
        if last_visible:
            live = len(store) - 1
            ops, self._ops = self._ops, []
            self._detail(slice(live, live + 1), device) if detailed else self._fold(
                slice(live, live + 1), float(store.x[live]), 1.0, device)
            for op in self._ops:
                op(painter)
            self._ops = ops
        painter.restore()

    def _color(self, up: bool) -> QColor:
        return self.up if up else self.down

    def _detail(self, s: slice, d: _Device) -> None:
        raise NotImplementedError

    def _fold(self, s: slice, x0: float, width: float, d: _Device) -> None:
        raise NotImplementedError

    def _live_span(self) -> tuple[float, float]:
        """The live candle's lowest and highest y."""
        raise NotImplementedError


class CandlesItem(_ColumnsItem):
    """Price candles: wicks and bodies zoomed in, one high-low bar per pixel column out."""

    def _live_span(self) -> tuple[float, float]:
        return float(self.store.l[-1]), float(self.store.h[-1])

    def _data_bounds(self) -> QRectF:
        s = self.store
        if len(s) == 0:
            return QRectF()
        low, high = float(s.l.min()), float(s.h.max())
        return QRectF(float(s.x[0]), low, float(s.x[-1] - s.x[0]) + 1, max(high - low, 1e-12))

    def _detail(self, sl: slice, d: _Device) -> None:
        s = self.store
        x, o, h, low, c = s.x[sl], s.o[sl], s.h[sl], s.l[sl], s.c[sl]
        for rising in (True, False):
            m = (c >= o) if rising else (c < o)
            if not m.any():
                continue
            color = self._color(rising)
            self._ops.append(_draw_path(_segments(d.x(x[m] + 0.5), d.y(low[m]), d.y(h[m])),
                                        _pen(color)))
            left = x[m] + (1 - BODY) / 2
            self._ops.append(_draw_rects(_rects(left * d.sx + d.dx, (left + BODY) * d.sx + d.dx,
                                                d.y(o[m]), d.y(c[m])), color))
            self.columns_drawn += int(m.sum())

    def _fold(self, sl: slice, x0: float, width: float, d: _Device) -> None:
        cols = fold(self.store, sl.start, sl.stop, x0, width)
        for rising in (True, False):
            m = (cols.close >= cols.open) if rising else (cols.close < cols.open)
            if m.any():
                path = _segments(d.x(cols.x[m]), d.y(cols.low[m]), d.y(cols.high[m]))
                self._ops.append(_draw_path(path, _pen(self._color(rising))))
        self.columns_drawn += len(cols.x)


class VolumeItem(_ColumnsItem):
    """Volume bars in the candle's colour; zoomed out, each column's largest volume (what
    drawing every bar of the column would show)."""

    def _live_span(self) -> tuple[float, float]:
        return 0.0, float(self.store.v[-1])

    def _data_bounds(self) -> QRectF:
        s = self.store
        if len(s) == 0:
            return QRectF()
        return QRectF(float(s.x[0]), 0.0, float(s.x[-1] - s.x[0]) + 1, float(s.v.max()) or 1.0)

    background = QColor("#0f141b")

    def set_background(self, color: QColor) -> None:
        self.background = QColor(color)
        self._cache_key = None
        self.update()

    def _fill(self, rising: bool) -> QColor:
        """The side's colour, 45 % over the background, mixed here: opaque pixels paint
        without blending (blended volume cost 2 ms a frame)."""
        a, b = self._color(rising), self.background
        return QColor.fromRgbF(*(0.45 * x + 0.55 * y for x, y in (
            (a.redF(), b.redF()), (a.greenF(), b.greenF()), (a.blueF(), b.blueF()))))

    def _detail(self, sl: slice, d: _Device) -> None:
        s = self.store
        x, o, c, v = s.x[sl], s.o[sl], s.c[sl], s.v[sl]
        for rising in (True, False):
            m = (c >= o) if rising else (c < o)
            if m.any():
                left = x[m] + (1 - BODY) / 2
                rects = _rects(left * d.sx + d.dx, (left + BODY) * d.sx + d.dx,
                               d.y(np.zeros(int(m.sum()))), d.y(v[m]))
                self._ops.append(_draw_rects(rects, self._fill(rising)))
                self.columns_drawn += int(m.sum())

    def _fold(self, sl: slice, x0: float, width: float, d: _Device) -> None:
        """One bar per pixel column, rasterised by numpy into an image drawn in one blit: the
        bars all stand on the baseline, so a column is "rows below its top", and ~150k
        pixels of comparisons cost less than stroking 1,400 tall lines."""
        cols = fold(self.store, sl.start, sl.stop, x0, width)
        if len(cols.x) == 0:
            return
        xs = np.floor(cols.x * d.sx + d.dx).astype(np.int64)
        tops = np.maximum(np.floor(cols.volume * d.sy + d.dy), d.top).astype(np.int64)
        base = int(np.floor(d.dy))  # y of volume 0
        left, top = int(xs.min()), int(min(tops.min(), base))
        image = np.zeros((base - top + 1, int(xs.max()) - left + 1), np.uint32)
        rows = np.arange(top, base + 1)[:, None]
        colors = np.where(cols.close >= cols.open, self._fill(True).rgba(),
                          self._fill(False).rgba()).astype(np.uint32)
        image[:, xs - left] = np.where(rows >= tops[None, :], colors[None, :], 0)
        self._ops.append(_draw_image(image, left, top))
        self.columns_drawn += len(cols.x)
