"""The Trades tape: newest on top, bounded, coloured by the aggressor, either trade stream."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from connector import BinanceClient
from connector.demo import DemoExchange
from connector.events import AggTrade, MarketTrade
from connector.filters import fmt
from gui.bridge import Bridge
from gui.chart.numbers import fixed
from gui.chart.theme import chart_theme
from gui.panes.base import Environment, PaneContext
from gui.panes.trades import CAPACITY, TradesPane
from gui.settings import Settings

from .conftest import Runner, until


def make_pane() -> TradesPane:
    def spawn(coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        raise AssertionError("nothing to run while disconnected")

    bridge = Bridge()
    pane = TradesPane(PaneContext(bridge, Settings(), spawn, lambda m, level: None))
    bridge.focus_symbol("BTCUSDT")
    return pane


def trade(i: int, buyer_maker: bool, symbol: str = "BTCUSDT") -> MarketTrade:
    return MarketTrade(symbol, i, Decimal("65000.10") + i, Decimal("0.0125"), buyer_maker,
                       1_700_000_000_000 + i)


def cell(pane: TradesPane, row: int, col: int, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
    return pane.model.index(row, col).data(role)


def test_the_tape_colours_by_aggressor_newest_on_top(qapp: QApplication, config_home: Any) -> None:
    pane = make_pane()
    theme = chart_theme("dark")
    pane.on_event(trade(1, buyer_maker=False))  # the buyer took the ask
    pane.on_event(trade(2, buyer_maker=True))  # the seller hit the bid
    pane.on_event(trade(3, buyer_maker=False, symbol="ETHUSDT"))  # not the ticket's symbol
    assert pane.model.rowCount() == 0  # nothing shown before flush
    pane.flush()
    assert pane.model.rowCount() == 2
    assert cell(pane, 0, 1) == "65002.1" and cell(pane, 1, 1) == "65001.1"  # newest first
    assert cell(pane, 0, 2) == "0.0125"
    down = cell(pane, 0, 1, Qt.ItemDataRole.ForegroundRole).color().name()
    up = cell(pane, 1, 1, Qt.ItemDataRole.ForegroundRole).color().name()
    assert (up, down) == (theme.up, theme.down)
    assert cell(pane, 1, 2, Qt.ItemDataRole.ForegroundRole).color().name() == theme.up
    for row in range(2):  # what the painter paints from its one call per cell
        for col in range(3):
            text, align, color, background, bold = pane.model.cell(row, col)
            assert text == cell(pane, row, col)
            assert align == int(cell(pane, row, col, Qt.ItemDataRole.TextAlignmentRole))
            assert color.name() == cell(pane, row, col,
                                        Qt.ItemDataRole.ForegroundRole).color().name()
            assert background is None and not bold
    pane.set_theme("light")
    light = chart_theme("light")
    assert cell(pane, 1, 1, Qt.ItemDataRole.ForegroundRole).color().name() == light.up
    pane.deleteLater()


def test_the_tape_is_bounded(qapp: QApplication, config_home: Any) -> None:
    pane = make_pane()
    for i in range(CAPACITY - 10):
        pane.on_event(trade(i, buyer_maker=i % 2 == 0))
    pane.flush()
    for i in range(CAPACITY - 10, CAPACITY + 100):
        pane.on_event(trade(i, buyer_maker=i % 2 == 0))
    pane.flush()
    assert pane.model.rowCount() == CAPACITY
    assert cell(pane, 0, 1) == fmt(Decimal("65000.10") + CAPACITY + 99)
    assert cell(pane, CAPACITY - 1, 1) == fmt(Decimal("65000.10") + 100)
    pane.deleteLater()


def test_aggtrades_fill_the_tape_until_the_trade_stream_comes(qapp: QApplication,
                                                             config_home: Any) -> None:
    pane = make_pane()
    pane.on_event(AggTrade("BTCUSDT", 1, Decimal("1.5"), Decimal("2"), False, 1))
    pane.flush()
    assert pane.model.rowCount() == 1
    pane.on_event(trade(5, buyer_maker=True))
    pane.on_event(AggTrade("BTCUSDT", 2, Decimal("1.6"), Decimal("2"), False, 2))  # a double
    pane.flush()
    assert pane.model.rowCount() == 2 and cell(pane, 0, 1) == "65005.1"
    pane.ctx.bridge.focus_symbol("ETHUSDT")
    assert pane.model.rowCount() == 0  # a new symbol starts an empty tape
    pane.deleteLater()


def test_the_live_tape_shows_the_demos_trades(run: Runner) -> None:
    async def body() -> None:
        async with DemoExchange() as demo:
            client = BinanceClient("", "", False, False, rest_url=demo.rest_url,
                                   ws_url=demo.ws_url, ws_api_url=demo.ws_api_url)
            await client.start()
            bridge = Bridge()
            bridge.attach(client)
            tasks: list[asyncio.Task[Any]] = []

            def spawn(coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
                tasks.append(asyncio.ensure_future(coro))
                return tasks[-1]

            pane = TradesPane(PaneContext(bridge, Settings(), spawn, lambda m, level: None))
            seen: list[MarketTrade] = []

            def deliver(event: object) -> None:
                if isinstance(event, MarketTrade) and event.symbol == "BTCUSDT":
                    seen.append(event)
                if type(event) in pane.listens:
                    pane.on_event(event)

            client.add_listener(deliver)
            bridge.focus_symbol("BTCUSDT")
            pane.on_connected(Environment("Demo", "Spot"), client.contracts)
            await until(lambda: len(seen) >= 3, timeout=15, what="market trades")
            pane.flush()
            await asyncio.gather(*tasks)  # the subscription itself raised nothing
            newest = seen[-1]
            assert cell(pane, 0, 1) == fixed(newest.price, 2)
            theme = chart_theme("dark")
            expected = theme.down if newest.is_buyer_maker else theme.up
            assert cell(pane, 0, 1, Qt.ItemDataRole.ForegroundRole).color().name() == expected
            assert pane.model.rowCount() == len(seen)
            pane.on_disconnected()
            bridge.detach()
            await client.close()
            pane.deleteLater()

    run(body())
