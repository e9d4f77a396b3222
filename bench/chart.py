"""Chart benchmarks, and screenshots of the market panes.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/chart.py pan     [--candles 100000]
    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/chart.py history [--candles 10000]
    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/chart.py shots   [--out DIR]

pan: the Chart pane with 100,000 candles, 1400x800, panned one step per frame at
three zooms (everything, 10,000 and 150 candles in view); each frame is a range
change plus a synchronous repaint of the view. Baseline, interleaved round by
round in the same run: pyqtgraph's stock CandlestickItem (its example: every
candle drawn into one QPicture, replayed on each paint). Prints min/median/p99/max
wall time, and the GUI thread's CPU time (what the frame costs, whatever else the
machine runs) with the load average.
history: 10,000 1m candles fetched from a DemoExchange in its own process, through
the bridge (ten pages), stored and drawn; the time from the request to the first paint. Baseline,
interleaved: the same ten pages fetched raw (aiohttp GET + json), which is what
the demo itself costs.
shots: the three panes on demo data, dark and light, saved as PNGs to look at.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Coroutine
from decimal import Decimal
from pathlib import Path
from typing import Any

import _common  # noqa: F401  (import path)
from _common import isolate_gui, median, percentile
from _demo_proc import DemoProcess
from _stats import Rounds

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
isolate_gui()

import numpy as np
import pyqtgraph as pg  # type: ignore[import-untyped]
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QPainter, QPicture
from PySide6.QtWidgets import QApplication

from connector import Candle
from gui.bridge import Bridge
from gui.panes.base import PaneContext
from gui.panes.chart import ChartPane
from gui.settings import Settings


class StockCandlestickItem(pg.GraphicsObject):  # type: ignore[misc]
    """pyqtgraph's examples/customGraphicsItem.py: every candle into one QPicture."""

    def __init__(self, x: Any, o: Any, h: Any, low: Any, c: Any) -> None:
        super().__init__()
        self.picture = QPicture()
        p = QPainter(self.picture)
        up, down = pg.mkPen("#16c784"), pg.mkPen("#ea3943")
        w = 0.36
        for xi, oi, hi, li, ci in zip(x, o, h, low, c, strict=True):
            p.setPen(up if ci >= oi else down)
            p.drawLine(QPointF(xi + 0.5, li), QPointF(xi + 0.5, hi))
            p.setBrush(pg.mkBrush("#16c784" if ci >= oi else "#ea3943"))
            p.drawRect(QRectF(xi + 0.5 - w, oi, w * 2, ci - oi))
        p.end()
        self._rect = QRectF(float(x[0]), float(low.min()), float(x[-1] - x[0] + 1),
                            float(h.max() - low.min()))

    def paint(self, p: QPainter, *args: Any) -> None:
        p.drawPicture(0, 0, self.picture)

    def boundingRect(self) -> QRectF:
        return QRectF(self._rect)


def synthetic(n: int, step: int = 60_000) -> list[Candle]:
    rng = np.random.default_rng(1)
    close = 60_000 + np.cumsum(rng.normal(0, 25, n))
    t0 = 1_700_000_000_000
    out = []
    for i in range(n):
        o = close[i - 1] if i else close[0]
        c = close[i]
        hi, lo = max(o, c) + abs(rng.normal(0, 10)), min(o, c) - abs(rng.normal(0, 10))
        out.append(Candle(t0 + i * step, Decimal(f"{o:.2f}"), Decimal(f"{hi:.2f}"),
                          Decimal(f"{lo:.2f}"), Decimal(f"{c:.2f}"),
                          Decimal(f"{abs(rng.normal(5, 2)):.4f}")))
    return out


def pane_context() -> tuple[PaneContext, Bridge]:
    bridge = Bridge()

    def spawn(coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        return asyncio.ensure_future(coro)

    return PaneContext(bridge, Settings(), spawn, lambda m, level: None), bridge


def pan(n: int, rounds: int, frames: int, stock_frames: int) -> None:
    app = QApplication.instance() or QApplication(sys.argv)
    ctx, _ = pane_context()
    pane = ChartPane(ctx)
    pane.resize(1400, 800)
    pane.show()
    t = time.perf_counter()
    candles = synthetic(n)
    made = time.perf_counter() - t
    t = time.perf_counter()
    from gui.chart import INTERVAL_MS, CandleStore
    store = CandleStore(INTERVAL_MS["1m"])
    store.replace(candles)
    pane._set_store(store)
    stored = time.perf_counter() - t
    t = time.perf_counter()
    stock = StockCandlestickItem(store.x, store.o, store.h, store.l, store.c)
    stock_built = time.perf_counter() - t
    print(f"{n} candles: made {made:.2f} s, stored (Decimal + numpy) {stored * 1000:.0f} ms, "
          f"stock QPicture built {stock_built:.2f} s")
    app.processEvents()
    vb = pane.price_plot.vb
    last = float(store.x[-1])
    results: dict[tuple[str, int], list[float]] = {}
    cpu: dict[tuple[str, int], list[float]] = {}
    for r in range(rounds):
        for kind in ("ours", "stock"):
            if kind == "stock":
                pane.price_plot.removeItem(pane.candles)
                pane.price_plot.addItem(stock)
            for width in (n, 10_000, 150):
                times = results.setdefault((kind, width), [])
                cpu_times = cpu.setdefault((kind, width), [])
                for f in range(frames if kind == "ours" else stock_frames):
                    shift = (f + r * frames) % max(1, n - width) if width < n else f % 50
                    left = last - width - shift
                    start, start_cpu = time.perf_counter(), time.thread_time()
                    vb.setXRange(left, left + width, padding=0)
                    pane.view.viewport().repaint()
                    times.append((time.perf_counter() - start) * 1000)
                    cpu_times.append((time.thread_time() - start_cpu) * 1000)
            if kind == "stock":
                pane.price_plot.removeItem(stock)
                pane.price_plot.addItem(pane.candles)
    print(f"\npan: {rounds} interleaved rounds x {frames} frames per zoom ({stock_frames} for the"
          f" stock item), 1400x800, offscreen;"
          f" load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"{'item':<8}{'in view':>10}{'min ms':>9}{'median':>9}{'p99':>9}{'max':>9}"
          f"{'cpu med':>9}{'cpu p99':>9}")
    for width in (n, 10_000, 150):
        for kind in ("ours", "stock"):
            v, c = results[(kind, width)], cpu[(kind, width)]
            print(f"{kind:<8}{width:>10}{min(v):>9.2f}{median(v):>9.2f}"
                  f"{percentile(v, 99):>9.2f}{max(v):>9.2f}{median(c):>9.2f}"
                  f"{percentile(c, 99):>9.2f}")
        ratio = median(results[("stock", width)]) / median(results[("ours", width)])
        print(f"{'':<8}{'':>10}  stock/ours median: {ratio:.1f}x")
    pane.close()


async def _history(n: int) -> None:
    from connector import BinanceClient

    with DemoProcess() as demo:  # an exchange of its own, as the app's would be
        client = BinanceClient("", "", False, False, rest_url=demo.rest_url, ws_url=demo.ws_url,
                               ws_api_url=demo.ws_api_url)
        await client.start()
        ctx, bridge = pane_context()
        bridge.attach(client)
        pane = ChartPane(ctx)
        pane.resize(1400, 800)
        pane.show()
        fetch: list[float] = []
        build: list[float] = []
        paint: list[float] = []
        total: list[float] = []
        raw: list[float] = []
        import aiohttp

        async with aiohttp.ClientSession() as http:
            for _ in range(5):
                raw.append(await _raw_pages(http, demo.rest_url, n))
                await _one(bridge, pane, n, fetch, build, paint, total)
        print(f"history: {n} 1m candles from the demo ({-(-n // 1000)} pages), 5 interleaved runs,"
              f" seconds; load average {os.getloadavg()[0]:.1f}")
        for name, v in (("baseline: raw GET + json of the same pages", raw),
                        ("fetch (bridge.candles: client, Decimal)", fetch),
                        ("store (numpy arrays)", build), ("first paint", paint),
                        ("total: request to first paint", total)):
            print(f"  {name:<44} min {min(v):.3f}  median {median(v):.3f}  max {max(v):.3f}")
        res = Rounds(["baseline", "total"])
        res.values = {"baseline": raw, "total": total}
        res.ratio("total", "baseline", label="total / baseline (request to first paint)")
        pane.close()
        await client.close()


async def _raw_pages(http: Any, rest_url: str, n: int) -> float:
    """What any client pays: the demo's pages over HTTP, decoded from JSON, nothing else."""
    t0 = time.perf_counter()
    end: int | None = None
    got = 0
    while got < n:
        params: dict[str, Any] = {"symbol": "BTCUSDT", "interval": "1m",
                                  "limit": min(1000, n - got)}
        if end is not None:
            params["endTime"] = end
        async with http.get(f"{rest_url}/api/v3/klines", params=params) as r:
            rows = await r.json()
        got += len(rows)
        end = rows[0][0] - 1
    return time.perf_counter() - t0


async def _one(bridge: Bridge, pane: ChartPane, n: int, fetch: list[float], build: list[float],
               paint: list[float], total: list[float]) -> None:
    from gui.chart import INTERVAL_MS, CandleStore

    t0 = time.perf_counter()
    candles = await bridge.candles("BTCUSDT", "1m", limit=n)
    t1 = time.perf_counter()
    store = CandleStore(INTERVAL_MS["1m"])
    store.replace(candles)
    pane._set_store(store)
    pane.price_plot.vb.setXRange(float(store.x[0]), float(store.x[-1]) + 1, padding=0)
    t2 = time.perf_counter()
    pane.view.viewport().repaint()
    t3 = time.perf_counter()
    assert len(store) == n and bool(np.all(np.diff(store.t) == store.step))
    fetch.append(t1 - t0)
    build.append(t2 - t1)
    paint.append(t3 - t2)
    total.append(t3 - t0)


def history(n: int) -> None:
    import qasync  # type: ignore[import-untyped]

    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    loop.run_until_complete(_history(n))


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("pan")
    p.add_argument("--candles", type=int, default=100_000)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--frames", type=int, default=60)
    p.add_argument("--stock-frames", type=int, default=10, help="the baseline is ~40x slower")
    h = sub.add_parser("history")
    h.add_argument("--candles", type=int, default=10_000)
    s = sub.add_parser("shots")
    s.add_argument("--out", default="docs/screenshots")
    args = parser.parse_args()
    if args.cmd == "pan":
        pan(args.candles, args.rounds, args.frames, args.stock_frames)
    elif args.cmd == "history":
        history(args.candles)
    else:
        from _chart_shots import shots

        shots(Path(args.out))


if __name__ == "__main__":
    main()
