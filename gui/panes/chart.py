"""The Chart pane: candles and volume of the ticket's symbol, history, live kline, orders, fills.

History comes in pages of 1,000 klines (``bridge.candles``): the latest page on
load, then older pages whenever the view nears the oldest candle held, each
page ending just before it (``end = oldest - 1``) so seams have neither gaps nor
duplicates. The live kline (channel ``kline_<interval>``) updates or appends
the last candle on ``flush``. The trader's open orders are dashed price lines
(``bridge.open_orders`` + ``orderChanged``), fills are triangles. Drawing is in
``gui.chart``: per-pixel columns keep 100,000 candles smooth.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar

import pyqtgraph as pg  # type: ignore[import-untyped]  # no stubs
from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QVBoxLayout, QWidget

from connector import BinanceError, Candle, Contract, OrderStatus
from connector.events import Kline
from connector.filters import round_price

from ..chart import INTERVAL_MS, CandleStore, ChartTheme, chart_theme
from ..chart.numbers import fixed
from ..chart.overlays import Fill
from ..chart.theme import app_theme
from ..chart.view import ChartView
from ..widgets import LiveText, Run, named, opaque
from ._follow import FollowedStream
from .base import Environment, Pane, PaneContext

INTERVALS = tuple(INTERVAL_MS)
PAGE = 1000  # klines per request
PREFETCH = 200  # load older history when the view is this many candles from the oldest
INITIAL_VIEW = 160  # candles shown after a load
RIGHT_MARGIN = 8  # empty candles right of the latest


class ChartPane(Pane):
    title: ClassVar[str] = "Chart"
    dock_name: ClassVar[str] = "dockChart"
    area = "center"
    listens: ClassVar[tuple[type, ...]] = (Kline,)

    def __init__(self, ctx: PaneContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("chart")
        self.setMinimumSize(420, 260)
        self.symbol = ""
        self.interval = "1h"
        self.store = CandleStore(INTERVAL_MS[self.interval])
        self.loads = 0  # history requests made (tests watch it)
        self._connected = False
        self._generation = 0  # a reload makes every answer of an older one stale
        self._older: asyncio.Task[Any] | None = None
        self._exhausted = False  # the exchange has no older candles
        self._pending: dict[int, Candle] = {}  # live klines not yet applied, by open time
        self._stream = FollowedStream(ctx.bridge)
        self._executed: dict[int, Decimal] = {}  # order id -> executed qty seen
        self._notional: dict[int, Decimal] = {}  # order id -> executed qty x avg price seen
        self.fills: dict[str, list[Fill]] = {}
        self.theme: ChartTheme = chart_theme(app_theme())
        self.contract: Contract | None = None
        self._hovering = False  # the crosshair is over the chart: the readout follows it

        self.intervals = QComboBox()
        self.intervals.setObjectName("chartInterval")
        self.intervals.addItems(INTERVALS)
        self.intervals.setCurrentText(self.interval)
        self.intervals.setToolTip("Candle interval")
        self.intervals.currentTextChanged.connect(self.set_interval)
        self.readout = named(LiveText(60), "chartReadout")  # with every tick and mouse move
        bar = QHBoxLayout()
        bar.setContentsMargins(6, 4, 6, 2)
        bar.addWidget(self.intervals)
        bar.addWidget(self.readout, 1)

        self.view = ChartView(self.store, lambda: (self.store.origin or 0, self.store.step),
                              self.theme)
        opaque(self.view.viewport())
        v = self.view  # the parts the pane drives (and tests look at)
        self.price_plot, self.volume_plot = v.price_plot, v.volume_plot
        self.candles, self.volume, self.markers = v.candles, v.volume, v.markers
        self.order_lines = v.order_lines
        self.cross_v, self.cross_h = v.cross_v, v.cross_h
        self.price_plot.vb.sigXRangeChanged.connect(self._x_range_changed)
        self.view.scene().sigMouseMoved.connect(self._mouse_moved)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        self.set_theme(self.theme.name)
        ctx.bridge.symbolFocused.connect(self.set_symbol)
        ctx.bridge.orderChanged.connect(self.on_order)
        self.order_lines.dragged = lambda o, p: self.ctx.spawn(self.amend_to(o, p))

    # -- pane protocol -------------------------------------------------------------------------

    def on_connected(self, env: Environment, contracts: Mapping[str, Contract]) -> None:
        self._connected = True
        self._stream.forget()  # a new client has no streams yet
        self._executed, self._notional = {}, {}
        for order in self.ctx.bridge.open_orders():
            self._seen(order)
        self.symbol = self.ctx.bridge.focused_symbol or self.symbol
        self.reload()

    def on_disconnected(self) -> None:
        self._connected = False
        self._stream.forget()
        self._generation += 1
        self.order_lines.clear()
        self._set_store(CandleStore(self.store.step))

    def on_event(self, event: Any) -> None:
        if (type(event) is Kline and event.symbol == self.symbol
                and event.interval == self.interval):
            self._pending[event.candle.timestamp] = event.candle

    def flush(self) -> None:
        if not self._pending or len(self.store) == 0:
            return  # klines that come before the history wait for it
        pending, self._pending = self._pending, {}
        appended = False
        for t in sorted(pending):
            was = len(self.store)
            if self.store.upsert(pending[t]):
                appended |= len(self.store) > was
        if appended:
            previous_end = float(self.store.x[-2]) + 1 if len(self.store) > 1 else 0.0
            following = self._view_range()[1] >= previous_end  # the trader watches the edge
            self.candles.data_changed()
            self.volume.data_changed()
            if following:
                self.price_plot.vb.translateBy(x=1.0)
        else:
            self.candles.live_changed()
            self.volume.live_changed()
        self._fit_y()
        self._show_last()
        if not self._hovering:
            self._show_readout(None)

    # -- what is shown -------------------------------------------------------------------------

    def set_symbol(self, symbol: str) -> None:
        if symbol != self.symbol:
            self.symbol = symbol
            self.reload()

    def set_interval(self, interval: str) -> None:
        if interval in INTERVAL_MS and interval != self.interval:
            self.interval = interval
            if self.intervals.currentText() != interval:
                self.intervals.setCurrentText(interval)
            self.reload()

    def set_theme(self, name: str) -> None:
        """Colours for the "dark" or "light" theme (the window calls this when it switches)."""
        t = self.theme = chart_theme(name)
        self.view.apply_theme(t)
        self.readout.setStyleSheet(f"color: {t.text};")
        self.order_lines.set_theme(t, self.ctx.bridge.open_orders(), self.symbol)
        self._show_fills()
        self._show_last()
        self._show_readout(None)

    def reload(self) -> None:
        """Forget the candles and load the symbol's latest page (streams follow the symbol)."""
        self._generation += 1
        self._exhausted = False
        self._pending = {}
        self._set_store(CandleStore(INTERVAL_MS[self.interval]))
        self.order_lines.clear()
        self.contract = self.ctx.bridge.contract(self.symbol) if self.symbol else None
        self.order_lines.decimals = self._decimals()
        if not self._connected or not self.symbol:
            return
        for order in self.ctx.bridge.open_orders():
            self.order_lines.update(order, self.symbol)
        self.ctx.spawn(self._load(self._generation, self.symbol, self.interval))

    async def _load(self, generation: int, symbol: str, interval: str) -> None:
        await self._stream.follow(symbol, f"kline_{interval}")
        if generation != self._generation:
            return
        self.loads += 1
        candles = await self.ctx.bridge.candles(symbol, interval, limit=PAGE)
        if generation != self._generation:
            return
        store = CandleStore(INTERVAL_MS[interval])
        store.replace(candles)
        self._exhausted = len(candles) < PAGE
        self._set_store(store)
        n = float(store.x[-1]) if len(store) else 0.0
        self.price_plot.vb.setXRange(n - INITIAL_VIEW, n + RIGHT_MARGIN, padding=0)
        self.flush()

    def _maybe_load_older(self) -> None:
        if (self._exhausted or len(self.store) == 0 or not self._connected
                or (self._older is not None and not self._older.done())):
            return
        if self._view_range()[0] < float(self.store.x[0]) + PREFETCH:
            self._older = self.ctx.spawn(self._load_older(self._generation))

    async def _load_older(self, generation: int) -> None:
        first = int(self.store.t[0])
        self.loads += 1
        page = await self.ctx.bridge.candles(self.symbol, self.interval, end=first - 1,
                                             limit=PAGE)
        if generation != self._generation:
            return
        added = self.store.prepend(page)
        self._exhausted = added == 0
        self.candles.data_changed()
        self.volume.data_changed()
        self._show_fills()
        self._older = None
        self._maybe_load_older()  # still near the edge: keep going

    def _set_store(self, store: CandleStore) -> None:
        self.store = store
        self.view.set_store(store)
        self._show_fills()
        self._fit_y()
        self._show_last()
        if not self._hovering:
            self._show_readout(None)

    def _show_last(self) -> None:
        if len(self.store) == 0:
            self.view.show_last(None, True, "")
            return
        last = self.store.candles[-1]
        self.view.show_last(float(last.close), last.close >= last.open,
                            fixed(last.close, self._decimals()[0]))

    def _decimals(self) -> tuple[int | None, int | None]:
        c = self.contract
        return (c.price_decimals, c.quantity_decimals) if c else (None, None)

    # -- orders and fills ------------------------------------------------------------------------

    async def amend_to(self, order: OrderStatus, price: Decimal) -> None:
        """An order's line dragged to ``price``: amend it (rounded to the tick); the line
        moves when the exchange says the order did. Errors go to the log."""
        if self.contract is not None:
            price = round_price(self.contract, price)
        try:
            await self.ctx.bridge.amend_order(order.symbol, order.order_id, price)
        except (BinanceError, RuntimeError) as exc:
            self.ctx.log(f"Amend of order {order.order_id} failed: {exc}", "ERROR")

    def on_order(self, order: OrderStatus) -> None:
        """An order changed: move its line, and mark what it filled since we last saw it."""
        if order.symbol == self.symbol:
            self.order_lines.update(order, self.symbol)
        before, notional = self._executed.get(order.order_id), self._notional.get(order.order_id)
        self._seen(order)
        qty = order.executed_qty - (before or Decimal(0))
        if qty > 0 and order.avg_price:
            price = (order.executed_qty * order.avg_price - (notional or Decimal(0))) / qty
            when = order.update_time or int(time.time() * 1000)
            self.add_fill(order.symbol, when, price, order.side)

    def _seen(self, order: OrderStatus) -> None:
        self._executed[order.order_id] = order.executed_qty
        self._notional[order.order_id] = order.executed_qty * order.avg_price

    def add_fill(self, symbol: str, time_ms: int, price: Decimal, side: str) -> None:
        """One fill of the trader's (the one place fills enter, whatever event carried them)."""
        self.fills.setdefault(symbol, []).append(Fill(time_ms, price, side))
        if symbol == self.symbol:
            self._show_fills()

    def _show_fills(self) -> None:
        fills = self.fills.get(self.symbol, []) if len(self.store) else []
        self.markers.show(fills, self.store.x_of, self.theme)

    # -- view ----------------------------------------------------------------------------------

    def _view_range(self) -> tuple[float, float]:
        (x_min, x_max), _ = self.price_plot.vb.viewRange()
        return float(x_min), float(x_max)

    def _x_range_changed(self, *_: Any) -> None:
        self._fit_y()
        self._maybe_load_older()

    def _fit_y(self) -> None:
        """Fit the price and volume scales to the candles in view."""
        i0, i1 = self.store.visible(*self._view_range())
        prices = self.store.price_range(i0, i1)
        if prices is None:
            return
        low, high = prices
        pad = (high - low) * 0.06 or abs(high) * 0.001 or 1.0
        _set_y(self.price_plot.vb, low - pad, high + pad)
        _set_y(self.volume_plot.vb, 0.0, float(self.store.v[i0:i1].max()) * 1.05 or 1.0)

    def _mouse_moved(self, pos: QPointF) -> None:
        point = self.view.crosshair(pos, self._price_text)
        self._hovering = point is not None
        i = self.store.index_at_x(float(point.x())) if point is not None else None
        self._show_readout(self.store.candles[i] if i is not None else None)

    def _price_text(self, y: float) -> str:
        dp = self._decimals()[0]
        return fixed(Decimal(repr(y)), 2 if dp is None else dp)

    def _show_readout(self, candle: Candle | None) -> None:
        """Symbol and interval, and the OHLCV under the cursor (else the latest) as Decimals."""
        t = self.theme
        if candle is None and len(self.store):
            candle = self.store.candles[-1]
        head: tuple[Run, ...] = ((self.symbol or "—", t.text, True),
                                 (f" · {self.interval}", None, False))
        if candle is None:
            self.readout.set_runs(head)
            return
        color = t.up if candle.close >= candle.open else t.down
        price_dp, size_dp = self._decimals()
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(candle.timestamp / 1000))
        values = tuple(run for k, v, dp in (
            ("O", candle.open, price_dp), ("H", candle.high, price_dp),
            ("L", candle.low, price_dp), ("C", candle.close, price_dp),
            ("V", candle.volume, size_dp))
            for run in ((f"  {k} ", t.muted, False), (fixed(v, dp), color, False)))
        self.readout.set_runs((*head, (f"  {when}", t.muted, False), *values))


def _set_y(view: pg.ViewBox, low: float, high: float) -> None:
    """Set a plot's price (or volume) scale, unless it is that already. pyqtgraph takes every
    ``setYRange`` for a change (axes re-laid, chart repainted), and most live ticks stay
    inside the scale. A scale that does move has its matrix applied here: left to the
    paint, applying it marks the scene dirty again and the chart paints twice a tick."""
    if view.targetRange()[1] != [low, high]:
        view.setYRange(low, high, padding=0)
        view.updateMatrix()  # now, not in the paint (where it marks the scene dirty again)
