"""The Chart pane against a real DemoExchange, BinanceClient and bridge (offscreen)."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
from PySide6.QtCore import QEvent, QObject, QPointF, QTimer
from PySide6.QtWidgets import QApplication

from connector import BinanceClient, Candle
from connector.demo import DEMO_API_KEY, DEMO_API_SECRET, DemoExchange
from connector.events import Kline
from gui.bridge import Bridge
from gui.chart import INTERVAL_MS, CandleStore, aggregate
from gui.chart.numbers import fixed
from gui.panes.base import Environment, PaneContext
from gui.panes.chart import PAGE, ChartPane
from gui.settings import Settings

from .conftest import Runner, until


@dataclass
class Rig:
    demo: DemoExchange
    client: BinanceClient
    bridge: Bridge
    pane: ChartPane
    errors: list[BaseException] = field(default_factory=list)

    def streams(self) -> set[str]:
        """The demo's market streams someone listens to."""
        return {name for (_, name), conns in self.demo.hub._subs.items() if conns}

    def klines_requests(self) -> list[dict[str, str]]:
        return [r.params for r in self.demo.requests_to("/api/v3/klines")]


D = Decimal


def context(bridge: Bridge, errors: list[BaseException]) -> PaneContext:
    def spawn(coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        task.add_done_callback(lambda t: t.cancelled() or t.exception() is None
                               or errors.append(t.exception()))  # type: ignore[arg-type]
        return task

    return PaneContext(bridge, Settings(), spawn, lambda message, level: None)


@asynccontextmanager
async def chart_rig(symbol: str = "BTCUSDT") -> AsyncIterator[Rig]:
    """A chart pane fed as the window feeds it: events of its types, flush on a timer."""
    async with DemoExchange() as demo:
        client = BinanceClient(DEMO_API_KEY, DEMO_API_SECRET, False, False, rest_url=demo.rest_url,
                               ws_url=demo.ws_url, ws_api_url=demo.ws_api_url)
        await client.start()
        bridge = Bridge()
        bridge.attach(client)
        errors: list[BaseException] = []
        pane = ChartPane(context(bridge, errors))
        pane.resize(1000, 600)
        pane.show()
        client.add_listener(lambda e: pane.on_event(e) if type(e) in pane.listens else None)
        timer = QTimer()
        timer.timeout.connect(pane.flush)
        timer.start(50)
        bridge.focus_symbol(symbol)
        pane.on_connected(Environment("Demo", "Spot"), client.contracts)
        rig = Rig(demo, client, bridge, pane, errors)
        try:
            await until(lambda: len(pane.store) == PAGE, what="the first page of history")
            yield rig
            assert not errors, errors
        finally:
            timer.stop()
            pane.on_disconnected()
            bridge.detach()
            await client.close()
            pane.close()
            pane.deleteLater()  # Qt deletes it, not Python's collector (pyqtgraph + GC crash)
            await asyncio.sleep(0.05)


def contiguous(store: CandleStore) -> bool:
    """One candle per interval, oldest first: no duplicate and no hole anywhere."""
    return bool(np.all(np.diff(store.t) == store.step))


def test_loads_history_and_the_live_kline_updates_the_last_candle(run: Runner) -> None:
    async def body() -> None:
        async with chart_rig() as rig:
            store = rig.pane.store
            assert contiguous(store) and store.step == INTERVAL_MS["1h"]
            assert rig.klines_requests()[-1]["interval"] == "1h"
            assert "btcusdt@kline_1h" in rig.streams()
            first = store.candles[-1]
            await until(lambda: rig.pane.store.candles[-1] != first, timeout=15,
                        what="a live kline")
            assert rig.pane.store.candles[-1].timestamp >= first.timestamp
            assert len(rig.pane.store) in (PAGE, PAGE + 1) and contiguous(rig.pane.store)

    run(body())


def test_switching_the_interval_reloads_and_follows_the_new_stream(run: Runner) -> None:
    async def body() -> None:
        async with chart_rig() as rig:
            loads = rig.pane.loads
            rig.pane.intervals.setCurrentText("5m")
            await until(lambda: rig.pane.store.step == INTERVAL_MS["5m"]
                        and len(rig.pane.store) == PAGE, what="5m history")
            assert rig.pane.loads == loads + 1 and contiguous(rig.pane.store)
            assert rig.klines_requests()[-1]["interval"] == "5m"
            await until(lambda: "btcusdt@kline_1h" not in rig.streams(),
                        what="the 1h stream unsubscribed")
            assert "btcusdt@kline_5m" in rig.streams()

    run(body())


def test_focusing_another_symbol_reloads_its_candles(run: Runner) -> None:
    async def body() -> None:
        async with chart_rig() as rig:
            btc = rig.pane.store.candles[-1].close
            rig.bridge.focus_symbol("ETHUSDT")
            await until(lambda: rig.pane.symbol == "ETHUSDT" and len(rig.pane.store) == PAGE
                        and rig.pane.store.candles[-1].close != btc, what="ETH candles")
            assert rig.klines_requests()[-1]["symbol"] == "ETHUSDT"
            await until(lambda: "btcusdt@kline_1h" not in rig.streams(),
                        what="BTC's kline stream unsubscribed")
            assert "ethusdt@kline_1h" in rig.streams()

    run(body())


def test_scrolling_left_loads_older_candles_without_a_seam(run: Runner) -> None:
    async def body() -> None:
        async with chart_rig() as rig:
            pane = rig.pane
            oldest = int(pane.store.t[0])
            x0 = float(pane.store.x[0])
            pane.price_plot.vb.setXRange(x0 - 50, x0 + 100, padding=0)  # the trader drags left
            await until(lambda: len(pane.store) >= 2 * PAGE, what="an older page")
            store = pane.store
            assert int(store.t[0]) < oldest and contiguous(store)
            assert int(np.searchsorted(store.t, oldest)) == len(store) - PAGE  # seam exact
            request = rig.klines_requests()[1]
            assert request["endTime"] == str(oldest - 1)

    run(body())


def test_an_order_line_appears_with_its_order_and_goes_with_it(run: Runner) -> None:
    async def body() -> None:
        async with chart_rig() as rig:
            contract = rig.bridge.contract("BTCUSDT")
            assert contract is not None
            last = rig.pane.store.candles[-1].close
            price = (last * Decimal("0.9")).quantize(contract.tick_size)
            order = await rig.bridge.place_order("BTCUSDT", "LIMIT", Decimal("0.001"), "BUY",
                                                 price)
            lines = rig.pane.order_lines.lines
            await until(lambda: order.order_id in lines, what="the order's line")
            assert lines[order.order_id].value() == float(price)
            assert "BUY" in lines[order.order_id].label.toPlainText()
            await rig.bridge.cancel_order("BTCUSDT", order.order_id)
            await until(lambda: order.order_id not in lines, what="the line to go")
            assert lines == {}

    run(body())


def test_dragging_a_limit_orders_line_amends_it_at_the_exchange(run: Runner) -> None:
    async def body() -> None:
        async with chart_rig() as rig:
            contract = rig.bridge.contract("BTCUSDT")
            assert contract is not None
            last = rig.pane.store.candles[-1].close
            price = (last * Decimal("0.9")).quantize(contract.tick_size)
            order = await rig.bridge.place_order("BTCUSDT", "LIMIT", Decimal("0.001"), "BUY",
                                                 price)
            lines = rig.pane.order_lines.lines
            await until(lambda: order.order_id in lines, what="the order's line")
            line = lines[order.order_id]
            assert line.movable
            target = price - Decimal(100)
            line.setValue(float(target) + 0.004)  # a drag lands between ticks
            line.sigPositionChangeFinished.emit(line)
            assert line.value() == float(price)  # back where the exchange has it, for now
            await until(lambda: [D(o["price"]) for o in rig.demo.spot.open_orders()] == [target],
                        what="the amend at the exchange")
            await until(lambda: any(ln.value() == float(target) for ln in lines.values()),
                        what="the line at the amended price")
            assert len(rig.demo.spot.open_orders()) == 1

    run(body())


def test_a_fill_draws_a_marker_at_its_price(run: Runner) -> None:
    async def body() -> None:
        async with chart_rig() as rig:
            assert rig.pane.markers.count == 0
            status = await rig.bridge.place_order("BTCUSDT", "MARKET", Decimal("0.001"), "BUY")
            await until(lambda: rig.pane.markers.count == 1, what="a fill marker")
            fill = rig.pane.fills["BTCUSDT"][0]
            assert fill.side == "BUY" and fill.price > 0
            spot = rig.pane.markers.item.points()[0]
            assert abs(spot.pos().y() - float(fill.price)) < 1e-6
            assert status.order_id in rig.pane._executed
            await asyncio.sleep(0)  # a second report of the same fill draws nothing new
            rig.pane.on_order(await rig.client.get_order_status("BTCUSDT", status.order_id))
            assert rig.pane.markers.count == 1

    run(body())


def test_the_crosshair_reads_out_the_candle_under_it(run: Runner) -> None:
    async def body() -> None:
        async with chart_rig() as rig:
            pane = rig.pane
            await until(lambda: pane.price_plot.sceneBoundingRect().width() > 100, what="layout")
            i = len(pane.store) - 20
            candle = pane.store.candles[i]
            view_point = QPointF(float(pane.store.x[i]) + 0.5, float(candle.close))
            pane._mouse_moved(pane.price_plot.vb.mapViewToScene(view_point))
            text = pane.readout.text()
            contract = rig.bridge.contract("BTCUSDT")
            assert contract is not None
            for key, value in (("O", candle.open), ("H", candle.high), ("L", candle.low),
                               ("C", candle.close)):
                assert f"{key} {fixed(value, contract.price_decimals)}" in text
            assert f"V {fixed(candle.volume, contract.quantity_decimals)}" in text
            assert pane.cross_v.isVisible()

    run(body())


def test_per_pixel_columns_match_a_brute_force_fold() -> None:
    rng = random.Random(7)
    n = 5000
    x = np.arange(n, dtype=np.float64) - 3000
    o = np.array([rng.uniform(90, 110) for _ in range(n)])
    c = np.array([rng.uniform(90, 110) for _ in range(n)])
    h = np.maximum(o, c) + np.array([rng.uniform(0, 3) for _ in range(n)])
    low = np.minimum(o, c) - np.array([rng.uniform(0, 3) for _ in range(n)])
    v = np.array([rng.uniform(0, 50) for _ in range(n)])
    for x0, width in ((-3000.0, 7.3), (-2999.4, 1.0), (-3100.0, 0.35), (-3000.0, 123.0),
                      (-3000.5, 0.1), (-2950.0, 4999.0)):
        cols = aggregate(x, o, h, low, c, v, x0, width)
        groups: dict[int, list[int]] = {}
        for i in range(n):
            centre = float(x[i]) + 0.5
            k = int((centre - x0) // width)
            while x0 + k * width > centre:  # the column's own edges decide, exactly
                k -= 1
            while x0 + (k + 1) * width <= centre:
                k += 1
            groups.setdefault(k, []).append(i)
        keys = sorted(groups)
        assert len(cols.x) == len(keys)
        for k, key in enumerate(keys):
            members = groups[key]
            assert cols.x[k] == x0 + (key + 0.5) * width
            assert cols.open[k] == o[members[0]] and cols.close[k] == c[members[-1]]
            assert cols.high[k] == max(h[members]) and cols.low[k] == min(low[members])
            assert cols.volume[k] == max(v[members])


def test_the_store_keeps_decimals_and_one_candle_per_open_time() -> None:
    step = INTERVAL_MS["1m"]

    def candle(t: int, close: str) -> Candle:
        d = Decimal(close)
        return Candle(t * step, d, d, d, d, Decimal("1.5"))

    store = CandleStore(step)
    store.replace([candle(t, "10.10") for t in range(100, 200)])
    assert store.prepend([candle(t, "9.90") for t in range(50, 101)]) == 50  # 100 overlaps
    assert contiguous(store) and store.candles[0].close == Decimal("9.90")
    assert store.upsert(candle(199, "10.25")) and store.candles[-1].close == Decimal("10.25")
    assert store.upsert(candle(200, "10.30")) and len(store) == 151
    assert not store.upsert(candle(200, "10.30"))  # the same kline again changes nothing
    assert store.index_at_x(store.x[-1] + 0.99) == 150 and store.index_at_x(store.x[-1] + 1) is None


def test_a_zoomed_out_chart_draws_one_bar_per_pixel_column(run: Runner) -> None:
    async def body() -> None:
        async with chart_rig() as rig:
            pane = rig.pane
            step = pane.store.step
            t0 = int(pane.store.t[0]) - 99_000 * step
            older = [Candle(t0 + i * step, Decimal(100 + i % 7), Decimal(108 + i % 5),
                            Decimal(95 - i % 3), Decimal(101 + i % 11), Decimal(i % 13))
                     for i in range(99_000)]
            pane._exhausted = True  # this history is all there is
            pane.store.prepend(older)
            pane.candles.data_changed()
            pane.volume.data_changed()
            assert len(pane.store) == 100_000 and contiguous(pane.store)
            pane.price_plot.vb.setXRange(float(pane.store.x[0]), float(pane.store.x[-1]) + 1,
                                         padding=0)
            pane.view.viewport().repaint()
            width = pane.price_plot.vb.width()
            assert 0 < pane.candles.columns_drawn <= width + 2
            assert 0 < pane.volume.columns_drawn <= width + 2
            built = pane.candles.paths_built
            pane._mouse_moved(pane.price_plot.sceneBoundingRect().center())  # crosshair only
            pane.view.viewport().repaint()
            assert pane.candles.paths_built == built  # the drawing was replayed, not rebuilt
            low, high = pane.price_plot.vb.viewRange()[1]
            assert low < 92 and high > 112  # y fits every candle in view

    run(body())


def test_the_grid_is_laid_out_again_only_when_the_view_moves(run: Runner) -> None:
    async def body() -> None:
        async with chart_rig() as rig:
            pane = rig.pane
            grid = pane.view.grids[0]
            pane.view.viewport().repaint()
            laid, lines = grid.layouts, list(grid._lines)
            assert lines  # price and time lines in view
            pane.candles.live_changed()  # a live tick: everything is drawn again...
            pane.view.viewport().repaint()
            assert grid.layouts == laid  # ...but the grid is the same lines
            pane.price_plot.vb.translateBy(x=-7.0)
            pane.view.viewport().repaint()
            assert grid.layouts == laid + 1 and list(grid._lines) != lines

    run(body())


def test_a_live_tick_paints_the_chart_once_and_leaves_a_fitting_scale_alone(run: Runner) -> None:
    """pyqtgraph takes every setYRange for a change (axes re-laid, the chart painted twice,
    as the view's matrix is applied inside the first paint): a tick inside the price scale
    must not touch it, and one that moves a scale must still paint once."""
    async def body() -> None:
        async with chart_rig() as rig:
            pane = rig.pane
            await rig.client.unsubscribe_channel(["BTCUSDT"], "kline_1h")  # only ours now
            paints: list[int] = []
            watcher = _PaintCounter(paints)
            pane.view.viewport().installEventFilter(watcher)
            changes: list[object] = []
            pane.price_plot.vb.sigStateChanged.connect(changes.append)
            last = pane.store.candles[-1]
            volume = float(pane.store.v.max()) * 2  # the view's largest: the volume scale moves

            async def tick(close: Decimal, vol: float) -> None:
                paints.clear()
                pane.on_event(Kline("BTCUSDT", "1h", Candle(
                    last.timestamp, last.open, last.high, last.low, close, Decimal(vol)), False))
                pane.flush()
                await until(lambda: paints, what="the chart painted")
                for _ in range(5):  # a second paint would be queued behind the first
                    await asyncio.sleep(0)
                    QApplication.processEvents()

            inside = (last.low + last.high) / 2
            await tick(inside, volume)
            assert len(paints) == 1  # the volume scale moved, and the chart painted once
            assert pane.volume_plot.vb.viewRange()[1][1] >= volume
            changes.clear()
            await tick(inside + (last.high - inside) / 2, volume)
            assert len(paints) == 1 and changes == []  # the price scale was left alone
            pane.view.viewport().removeEventFilter(watcher)

    run(body())


def test_a_live_tick_repaints_only_round_the_live_candle(run: Runner) -> None:
    """A tick inside the scales repaints the live candle, its volume bar and the last-price
    line, not the whole chart (that cost 1-2 ms of Qt's scene painting a tick)."""
    async def body() -> None:
        async with chart_rig() as rig:
            pane = rig.pane
            await rig.client.unsubscribe_channel(["BTCUSDT"], "kline_1h")  # only ours now
            pane.view.viewport().repaint()
            regions: list[int] = []
            watcher = _PaintCounter([], regions)
            pane.view.viewport().installEventFilter(watcher)
            axis = pane.price_plot.getAxis("right")
            replays: list[int] = []

            class Picture:  # pyqtgraph's axis replays this picture of its labels to paint
                def __init__(self, picture: Any) -> None:
                    self.picture = picture

                def play(self, painter: Any) -> None:
                    replays.append(1)
                    self.picture.play(painter)

            axis.picture = Picture(axis.picture)
            last = pane.store.candles[-1]
            inside = (last.low + last.high) / 2
            pane.on_event(Kline("BTCUSDT", "1h", Candle(
                last.timestamp, last.open, last.high, last.low, inside, last.volume), False))
            pane.flush()
            await until(lambda: regions, what="the chart painted")
            assert not replays  # the price axis, under the moving tag, is drawn from its cache
            size = pane.view.viewport().size()
            assert 0 < sum(regions) < size.width() * size.height() * 0.2
            tag = pane.view.last_tag.item  # the axis tag moved with the price and says it
            assert tag.isVisible() and tag.text() == fixed(inside, pane._decimals()[0])
            assert tag.boundingRect().width() > 0
            pane.view.viewport().removeEventFilter(watcher)

    run(body())


class _PaintCounter(QObject):
    def __init__(self, paints: list[int], areas: list[int] | None = None) -> None:
        super().__init__()
        self.paints = paints
        self.areas = areas  # the painted area of each paint, in pixels

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.paints.append(1)
            if self.areas is not None:
                self.areas.append(sum(r.width() * r.height()
                                      for r in event.region()))  # type: ignore[attr-defined]
        return False


def test_a_kline_of_a_new_period_appends_a_candle_and_the_view_follows(run: Runner) -> None:
    async def body() -> None:
        async with chart_rig() as rig:
            pane = rig.pane
            await rig.client.unsubscribe_channel(["BTCUSDT"], "kline_1h")  # only ours now
            last = pane.store.candles[-1]
            right = pane.price_plot.vb.viewRange()[0][1]
            step = pane.store.step
            nxt = Candle(last.timestamp + step, last.close, last.close + 5, last.close - 5,
                         last.close + 1, Decimal("0.5"))
            pane.on_event(Kline("BTCUSDT", "1h", nxt, False))
            pane.on_event(Kline("BTCUSDT", "5m", last, False))  # another interval: ignored
            pane.flush()
            assert len(pane.store) == PAGE + 1 and pane.store.candles[-1] == nxt
            assert contiguous(pane.store)
            assert abs(pane.price_plot.vb.viewRange()[0][1] - (right + 1)) < 1e-6
            assert f"C {fixed(nxt.close, 2)}" in pane.readout.text()  # the latest, unhovered

    run(body())


def test_the_chart_follows_the_theme(run: Runner) -> None:
    async def body() -> None:
        async with chart_rig() as rig:
            pane = rig.pane
            pane.set_theme("light")
            assert pane.view.backgroundBrush().color().name() == "#ffffff"
            assert pane.candles.up.name() == "#0f9d68"
            pane.set_theme("dark")
            assert pane.view.backgroundBrush().color().name() == "#0f141b"
            assert pane.candles.down.name() == "#ea3943"

    run(body())
