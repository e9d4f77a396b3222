"""The positions pane against a futures client on the demo exchange (offscreen, qasync)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton

from connector import BinanceClient
from connector.demo import DEMO_API_KEY, DemoExchange
from connector.events import MarkPrice
from gui.bridge import Bridge
from gui.models._format import DOWN, UP
from gui.panes.base import Environment, PaneContext
from gui.panes.positions import PositionsPane, roe_pct
from gui.settings import Settings

from ..connector.conftest import make_client
from .conftest import Runner, until

BTC = "BTCUSDT"
D = Decimal


class Desk:
    """A demo, a futures client, a bridge and the pane, wired as the window wires them."""

    def __init__(self, env: str = "Demo") -> None:
        self.env = env
        self.demo = DemoExchange(seed=4, walk=False)
        self.tasks: list[asyncio.Task[Any]] = []
        self.logs: list[tuple[str, str]] = []
        self.client: BinanceClient
        self.pane: PositionsPane

    async def __aenter__(self) -> Desk:
        await self.demo.start()
        self.demo.futures.set_premium(BTC, 0)
        self.demo.futures.set_price(BTC, "95000")
        self.client = make_client(self.demo, True)
        await self.client.start()
        self.bridge = Bridge()
        self.bridge.attach(self.client)
        ctx = PaneContext(self.bridge, Settings(), self.spawn,
                          lambda msg, level: self.logs.append((msg, level)))
        self.pane = PositionsPane(ctx)
        self.pane.resize(900, 220)
        self.pane.show()
        listens = self.pane.listens
        self.client.add_listener(lambda e: self.pane.on_event(e) if isinstance(e, listens)
                                 else None)
        self.pane.on_connected(Environment(self.env, "Futures"), self.client.contracts)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.gather(*self.tasks, return_exceptions=True)
        self.pane.on_disconnected()
        self.pane.close()
        await self.client.close()
        await self.demo.close()

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        self.tasks.append(task)
        return task

    def rows(self) -> list[str]:
        self.pane.flush()
        return list(self.pane.model.symbols)

    def held(self, symbol: str = BTC) -> Decimal:
        p = self.demo.futures.account(DEMO_API_KEY).positions.get(symbol)
        return p.amount if p else Decimal(0)

    async def open(self, symbol: str, qty: str, side: str = "BUY") -> None:
        await self.client.place_order(symbol, "MARKET", qty, side)
        await until(lambda: symbol in self.rows(), what=f"{symbol} row")


def test_rows_show_the_position(run: Runner) -> None:
    async def go() -> None:
        async with Desk() as d:
            await d.open(BTC, "0.010")
            await d.open("ETHUSDT", "0.500", "SELL")
            model = d.pane.model
            assert d.rows() == [BTC, "ETHUSDT"]
            headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(9)]
            assert headers[:8] == ["Symbol", "Size", "Entry", "Mark", "Liq. price", "Margin",
                                   "Unrealized PnL", "ROE %"]
            assert model.index(0, 1).data() == "0.01" and model.index(1, 1).data() == "-0.5"
            assert model.index(0, 1).data(Qt.ItemDataRole.ForegroundRole) == UP
            assert model.index(1, 1).data(Qt.ItemDataRole.ForegroundRole) == DOWN
            p = d.client.positions[BTC]
            assert Decimal(model.index(0, 2).data()) == p.entry_price
            assert p.liquidation_price == 0 and model.index(0, 4).data() == "—"  # 10k wallet
            eth = d.client.positions["ETHUSDT"]
            assert Decimal(model.index(1, 4).data()) == eth.liquidation_price.quantize(
                Decimal("0.01")) > eth.entry_price
            assert roe_pct(p) == p.unrealized_pnl / (p.quantity * p.entry_price / 20) * 100
            assert d.pane.view.objectName() == "positions"
    run(go())


def test_close_by_button(run: Runner) -> None:
    async def go() -> None:
        async with Desk() as d:
            await d.open(BTC, "0.010")
            button = d.pane.findChild(QPushButton, "closePositionButton")
            assert button is not None and button.isEnabled()
            d.pane.view.selectRow(0)
            QTest.mouseClick(button, Qt.MouseButton.LeftButton)
            await until(lambda: d.rows() == [], what="row leaves")
            assert d.held() == 0
            order = d.demo.requests_to("/fapi/v1/order", "POST")[-1].params
            assert order["reduceOnly"] == "true" and order["side"] == "SELL"
            assert not button.isEnabled()
    run(go())


def test_close_by_double_click(run: Runner) -> None:
    async def go() -> None:
        async with Desk() as d:
            await d.open(BTC, "0.020", "SELL")
            view = d.pane.view
            rect = view.visualRect(view.model().index(0, 1))
            QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                             Qt.KeyboardModifier.NoModifier, rect.center())
            QTest.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton,
                              Qt.KeyboardModifier.NoModifier, rect.center())
            await until(lambda: d.rows() == [], what="row leaves")
            assert d.held() == 0
    run(go())


def test_live_asks_first(run: Runner) -> None:
    async def go() -> None:
        async with Desk("Live") as d:
            asked: list[str] = []
            answers = [False, True]

            async def confirm(question: str) -> bool:
                asked.append(question)
                return answers.pop(0)

            d.pane.confirm = confirm
            await d.open(BTC, "0.010")
            posts = len(d.demo.requests_to("/fapi/v1/order", "POST"))
            assert await d.pane.close_symbol(BTC) is None  # said no: nothing sent
            assert len(d.demo.requests_to("/fapi/v1/order", "POST")) == posts
            status = await d.pane.close_symbol(BTC)
            assert status is not None and status.status == "filled"
            assert asked[0] == "Close BTCUSDT long 0.01 at market (reduce-only)?"
    run(go())


def test_default_live_confirmation_does_not_block(run: Runner) -> None:
    async def go() -> None:
        async with Desk("Live") as d:
            await d.open(BTC, "0.010")
            task = d.spawn(d.pane.close_symbol(BTC))
            box: list[QMessageBox] = []
            await until(lambda: box or [w for w in QApplication.topLevelWidgets()
                                       if w.objectName() == "confirmPositionDialog"
                                       and w.isVisible() and not box.append(w)],  # type: ignore
                        what="confirmation shown")
            assert d.held() == Decimal("0.010")  # nothing sent while it asks
            box[0].button(QMessageBox.StandardButton.Yes).click()
            await task
            assert d.held() == 0
    run(go())


def test_reverse_closes_then_opens_the_other_way(run: Runner) -> None:
    async def go() -> None:
        async with Desk() as d:
            await d.open(BTC, "0.010")
            opened = await d.pane.reverse_symbol(BTC)
            assert opened is not None and opened.side == "SELL"
            assert d.held() == Decimal("-0.010")
            posts = [r.params for r in d.demo.requests_to("/fapi/v1/order", "POST")][-2:]
            assert posts[0]["reduceOnly"] == "true" and "reduceOnly" not in posts[1]
            await until(lambda: d.rows() == [BTC] and d.pane.model.positions[BTC].quantity < 0,
                        what="the pane shows the short")
    run(go())


def test_close_all_and_liquidation_leave_the_pane(run: Runner) -> None:
    async def go() -> None:
        async with Desk() as d:
            await d.open(BTC, "0.010")
            await d.open("ETHUSDT", "0.100")
            await d.pane.close_all()
            await until(lambda: d.rows() == [], what="all closed")
            await d.client.set_margin_type(BTC, "ISOLATED")
            await d.client.set_leverage(BTC, 100)
            await d.open(BTC, "0.100")
            await d.client.get_positions()
            lp = d.client.positions[BTC].liquidation_price
            d.demo.futures.set_price(BTC, (lp - 30).quantize(Decimal("0.1")))
            await until(lambda: d.rows() == [], what="liquidated row leaves")
    run(go())


def test_prefill_close_reaches_the_bridge(run: Runner) -> None:
    async def go() -> None:
        async with Desk() as d:
            await d.open("ETHUSDT", "0.300", "SELL")
            seen: list[tuple[str, str, Decimal]] = []
            d.bridge.closePrefilled.connect(lambda s, side, q: seen.append((s, side, q)))
            d.pane._prefill("ETHUSDT")
            assert seen == [("ETHUSDT", "BUY", Decimal("0.300"))]
            assert d.bridge.futures_settings("ETHUSDT") == (20, "cross")
    run(go())


def test_leverage_controls_show_and_set_the_exchange_values(run: Runner) -> None:
    from gui.panes.leverage import LeverageControls

    async def go() -> None:
        async with Desk() as d:
            controls = LeverageControls(d.bridge, d.spawn)
            controls.set_symbol(BTC)
            assert controls.isVisibleTo(controls.parentWidget() or controls)
            assert controls.leverage.value() == 20 and controls.margin.currentText() == "Cross"
            controls.leverage.setValue(10)
            controls.leverage.editingFinished.emit()
            await until(lambda: d.demo.futures.account(DEMO_API_KEY).leverage_of(BTC) == 10)
            controls.margin.setCurrentIndex(1)
            controls.margin.activated.emit(1)
            await until(lambda: d.demo.futures.account(DEMO_API_KEY).isolated(BTC))
            await asyncio.gather(*d.tasks, return_exceptions=True)
            assert controls.leverage.value() == 10 and controls.margin.currentText() == "Isolated"
            await d.open(BTC, "0.010")
            controls.margin.setCurrentIndex(0)
            controls.margin.activated.emit(0)  # refused with a position open (-4048)
            results = await asyncio.gather(*d.tasks, return_exceptions=True)
            assert any("-4048" in str(r) for r in results)
            assert controls.margin.currentText() == "Isolated"  # back to the exchange's value
            d.bridge.detach()
            controls.set_symbol(BTC)
            assert controls.isHidden()
            d.tasks.clear()
    run(go())


def test_context_menu_closes_and_funding_shows(run: Runner) -> None:
    async def go() -> None:
        async with Desk() as d:
            await d.open(BTC, "0.010")
            f = d.demo.futures
            d.pane.on_event(MarkPrice(BTC, f.mark_price(BTC), f.index_price(BTC),
                                      D("0.0001"), 1_796_140_800_000))  # 16:00 UTC
            d.pane.flush()
            assert d.pane.model.index(0, 9).data() == "0.0100% 16:00"
            assert d.pane.model.index(0, 8).data() == "20x cross"
            view = d.pane.view
            d.pane._menu(view.visualRect(view.model().index(0, 0)).center())
            actions = {a.text(): a for a in d.pane._open_menu.actions()}
            assert list(actions) == ["Close position", "Reverse position",
                                     "Close in ticket (reduce-only)…", "Close all positions"]
            d.pane._open_menu.close()
            actions["Close position"].trigger()
            await until(lambda: d.rows() == [], what="closed from the menu")
            d.pane.on_disconnected()
            assert d.pane.model.rowCount() == 0 and d.pane.model.funding == {}
    run(go())
