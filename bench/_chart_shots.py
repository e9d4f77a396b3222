"""Screenshots of the Chart, Order book and Trades panes on demo data, dark and light.

A real DemoExchange, BinanceClient and bridge; the panes are fed as the window
feeds them (events of their types, ``flush`` on a timer). Used by
``bench/chart.py shots`` to look at the panes while working on them.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Coroutine
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import qasync  # type: ignore[import-untyped]
from PySide6.QtCore import QPointF, QTimer
from PySide6.QtWidgets import QApplication, QHBoxLayout, QSplitter, QWidget

from connector import BinanceClient
from connector.demo import DEMO_API_KEY, DEMO_API_SECRET, DemoExchange
from gui.bridge import Bridge
from gui.panes.base import Environment, PaneContext
from gui.panes.chart import ChartPane
from gui.panes.order_book import OrderBookPane
from gui.panes.trades import TradesPane
from gui.settings import Settings


async def _shots(out: Path) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    async with DemoExchange() as demo:
        client = BinanceClient(DEMO_API_KEY, DEMO_API_SECRET, False, False,
                               rest_url=demo.rest_url, ws_url=demo.ws_url,
                               ws_api_url=demo.ws_api_url)
        await client.start()
        bridge = Bridge()
        bridge.attach(client)

        def spawn(coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
            return asyncio.ensure_future(coro)

        ctx = PaneContext(bridge, Settings(), spawn, lambda m, level: None)
        chart, book, tape = ChartPane(ctx), OrderBookPane(ctx), TradesPane(ctx)
        panes = (chart, book, tape)
        window = QWidget()
        split = QSplitter()
        for pane in panes:
            split.addWidget(pane)
        split.setSizes([1000, 300, 260])
        QHBoxLayout(window).addWidget(split)
        window.resize(1560, 760)
        window.show()
        def deliver(event: object) -> None:
            for pane in panes:
                if type(event) in pane.listens:
                    pane.on_event(event)

        def flush() -> None:
            for pane in panes:
                pane.flush()

        client.add_listener(deliver)
        timer = QTimer()
        timer.timeout.connect(flush)
        timer.start(50)
        bridge.focus_symbol("BTCUSDT")
        for pane in panes:
            pane.on_connected(Environment("Demo", "Spot"), client.contracts)
        while len(chart.store) < 1000:
            await asyncio.sleep(0.05)
        last = chart.store.candles[-1].close
        await bridge.place_order("BTCUSDT", "LIMIT", Decimal("0.002"), "BUY",
                                 (last * Decimal("0.985")).quantize(Decimal("0.01")))
        await bridge.place_order("BTCUSDT", "LIMIT", Decimal("0.001"), "SELL",
                                 (last * Decimal("1.012")).quantize(Decimal("0.01")))
        await bridge.place_order("BTCUSDT", "MARKET", Decimal("0.001"), "BUY")
        await asyncio.sleep(4)  # trades on the tape, a live kline or two
        for name in ("dark", "light"):
            sheet = resources.files("resources").joinpath(f"{name}.qss").read_text("utf-8")
            app.setStyleSheet(sheet)
            app.setProperty("theme", name)
            for pane in panes:
                pane.set_theme(name)
            await asyncio.sleep(0.3)
            # the crosshair over a candle, as a trader would hover it
            view = chart.price_plot.vb
            x = float(chart.store.x[-40]) + 0.5
            y = float(chart.store.candles[-40].close)
            chart._mouse_moved(view.mapViewToScene(QPointF(x, y)))
            await asyncio.sleep(0.2)
            window.grab().save(str(out / f"market-{name}.png"))
            chart.grab().save(str(out / f"chart-{name}.png"))
            book.grab().save(str(out / f"book-{name}.png"))
            first, last_x = float(chart.store.x[0]), float(chart.store.x[-1])
            view.setXRange(first, last_x + 1, padding=0)  # all of it: one bar per pixel column
            await asyncio.sleep(0.2)
            chart.grab().save(str(out / f"chart-all-{name}.png"))
            view.setXRange(last_x - 160, last_x + 8, padding=0)
            print(out / f"market-{name}.png")
        timer.stop()
        for pane in panes:
            pane.on_disconnected()
        window.close()
        await client.close()


def shots(out: Path) -> None:
    app = QApplication.instance() or QApplication(sys.argv)
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)
    out.mkdir(parents=True, exist_ok=True)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    loop.run_until_complete(_shots(out))
