"""The Order book ladder: spread, cumulative sizes, grouping, own orders, click to price."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QSignalSpy, QTest

from connector import BinanceClient, OrderBook
from connector.demo import DEMO_API_KEY, DEMO_API_SECRET, DemoExchange
from connector.events import BookUpdate
from gui.bridge import Bridge
from gui.chart.numbers import fixed
from gui.panes.base import Environment, PaneContext
from gui.panes.order_book import OrderBookPane
from gui.panes.order_book_model import DEPTH, MINE_ROLE, group_levels
from gui.settings import Settings

from .conftest import Runner, until

D = Decimal
BOOK = OrderBook(
    "BTCUSDT", 42,
    bids=((D("80000.05"), D("1")), (D("80000.00"), D("2")), (D("79999.90"), D("0.5"))),
    asks=((D("80000.10"), D("1.5")), (D("80000.20"), D("0.25")), (D("80000.35"), D("3"))),
)


def column(pane: OrderBookPane, col: int) -> list[str | None]:
    model = pane.model
    return [model.index(r, col).data() for r in range(model.rowCount())]


async def connected_pane(demo: DemoExchange) -> tuple[OrderBookPane, Bridge, BinanceClient]:
    """A pane whose bridge has a live client (contracts, open orders), fed books by hand."""
    client = BinanceClient(DEMO_API_KEY, DEMO_API_SECRET, False, False, rest_url=demo.rest_url,
                           ws_url=demo.ws_url, ws_api_url=demo.ws_api_url)
    await client.start()
    bridge = Bridge()
    bridge.attach(client)

    def spawn(coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        raise AssertionError("books are fed by hand here")

    pane = OrderBookPane(PaneContext(bridge, Settings(), spawn, lambda m, level: None))
    pane.resize(320, 900)
    pane.show()
    bridge.focus_symbol("BTCUSDT")
    return pane, bridge, client


def test_the_ladder_shows_the_spread_and_cumulative_sizes(run: Runner) -> None:
    async def body() -> None:
        async with DemoExchange() as demo:
            pane, _bridge, client = await connected_pane(demo)
            pane.on_event(BookUpdate("BTCUSDT", BOOK))
            pane.on_event(BookUpdate("ETHUSDT", OrderBook("ETHUSDT", 1, (), ())))  # ignored
            pane.flush()
            prices, sizes, totals = column(pane, 0), column(pane, 1), column(pane, 2)
            mid = DEPTH
            assert prices[mid - 3:mid] == ["80000.35", "80000.20", "80000.10"]  # best ask lowest
            assert totals[mid - 3:mid] == ["4.75000", "1.75000", "1.50000"]
            assert prices[mid + 1:mid + 4] == ["80000.05", "80000.00", "79999.90"]
            assert sizes[mid + 1:mid + 4] == ["1.00000", "2.00000", "0.50000"]
            assert totals[mid + 1:mid + 4] == ["1.00000", "3.00000", "3.50000"]
            assert prices[0] is None and prices[-1] is None  # a thin book leaves rows empty
            assert prices[mid] == "Spread 0.05  (0.000062%)"
            pane.grouping.setCurrentIndex(1)  # 10 ticks: bids round down, asks up
            assert pane.step == D("0.10")
            prices, totals = column(pane, 0), column(pane, 2)
            assert prices[mid - 3:mid] == ["80000.40", "80000.20", "80000.10"]
            assert prices[mid + 1:mid + 3] == ["80000.00", "79999.90"]
            assert totals[mid + 1:mid + 3] == ["3.00000", "3.50000"]
            await client.close()
            pane.deleteLater()

    run(body())


def test_grouping_folds_levels_onto_tick_multiples() -> None:
    asks = ((D("1.01"), D("1")), (D("1.09"), D("2")), (D("1.10"), D("4")), (D("1.11"), D("8")))
    assert group_levels(asks, D("0.1"), "ask") == [(D("1.1"), D("7")), (D("1.2"), D("8"))]
    bids = ((D("1.19"), D("1")), (D("1.10"), D("2")), (D("1.09"), D("4")))
    assert group_levels(bids, D("0.1"), "bid") == [(D("1.1"), D("3")), (D("1.0"), D("4"))]
    assert len(group_levels(tuple((D(i), D(1)) for i in range(100)), D(1), "ask", 20)) == 20


def test_clicking_a_level_chooses_its_exact_price(run: Runner) -> None:
    async def body() -> None:
        async with DemoExchange() as demo:
            pane, bridge, client = await connected_pane(demo)
            pane.set_book(BOOK)
            spy = QSignalSpy(bridge.priceChosen)
            chosen: list[Decimal] = []
            bridge.priceChosen.connect(chosen.append)
            row = DEPTH + 2  # the second bid
            pane.view.scrollTo(pane.model.index(row, 1))
            rect = pane.view.visualRect(pane.model.index(row, 1))
            QTest.mouseClick(pane.view.viewport(), Qt.MouseButton.LeftButton,
                             pos=rect.center())
            await until(lambda: chosen, what="a chosen price")
            assert chosen == [D("80000.00")] and isinstance(chosen[0], Decimal)
            assert spy.count() == 1
            spread = pane.view.visualRect(pane.model.index(DEPTH, 0))
            QTest.mouseClick(pane.view.viewport(), Qt.MouseButton.LeftButton,
                             pos=spread.center())
            assert chosen == [D("80000.00")]  # the spread row is no price
            await client.close()
            pane.deleteLater()

    run(body())


def test_the_traders_own_orders_are_marked(run: Runner) -> None:
    async def body() -> None:
        async with DemoExchange() as demo:
            pane, bridge, client = await connected_pane(demo)
            order = await bridge.place_order("BTCUSDT", "LIMIT", D("0.001"), "BUY", D("80000.00"))
            await until(lambda: any(o.order_id == order.order_id
                                    for o in bridge.open_orders()), what="the open order")
            pane.set_book(BOOK)
            await until(lambda: not pane._dirty, what="a flush")
            marks = [pane.model.index(r, 0).data(MINE_ROLE) for r in range(pane.model.rowCount())]
            assert [r for r, mine in enumerate(marks) if mine] == [DEPTH + 2]
            await bridge.cancel_order("BTCUSDT", order.order_id)
            await until(lambda: not bridge.open_orders(), what="the cancel")
            pane.flush()
            assert not any(pane.model.index(r, 0).data(MINE_ROLE)
                           for r in range(pane.model.rowCount()))
            await client.close()
            pane.deleteLater()

    run(body())


def test_the_live_ladder_follows_the_demos_depth_stream(run: Runner) -> None:
    async def body() -> None:
        async with DemoExchange() as demo:
            client = BinanceClient(DEMO_API_KEY, DEMO_API_SECRET, False, False,
                                   rest_url=demo.rest_url, ws_url=demo.ws_url,
                                   ws_api_url=demo.ws_api_url)
            await client.start()
            bridge = Bridge()
            bridge.attach(client)
            errors: list[BaseException] = []

            def spawn(coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
                task = asyncio.ensure_future(coro)
                task.add_done_callback(lambda t: t.cancelled() or t.exception() is None
                                       or errors.append(t.exception()))  # type: ignore[arg-type]
                return task

            pane = OrderBookPane(PaneContext(bridge, Settings(), spawn, lambda m, level: None))
            client.add_listener(lambda e: pane.on_event(e) if type(e) in pane.listens else None)
            bridge.focus_symbol("BTCUSDT")
            pane.on_connected(Environment("Demo", "Spot"), client.contracts)
            updates = 0

            def count(event: object) -> None:
                nonlocal updates
                updates += type(event) is BookUpdate

            client.add_listener(count)
            await until(lambda: updates >= 3, timeout=15, what="depth updates")
            pane.flush()
            book = pane.book
            assert book is not None and not errors, errors
            contract = bridge.contract("BTCUSDT")
            assert contract is not None and len(book.bids) >= DEPTH and len(book.asks) >= DEPTH
            prices, totals = column(pane, 0), column(pane, 2)
            p_dp, q_dp = contract.price_decimals, contract.quantity_decimals
            assert prices[DEPTH - 1] == fixed(book.asks[0][0], p_dp)  # best ask above the spread
            assert prices[DEPTH + 1] == fixed(book.bids[0][0], p_dp)  # best bid below it
            assert prices[0] == fixed(book.asks[DEPTH - 1][0], p_dp)
            bid_totals = [sum(q for _, q in book.bids[:k + 1]) for k in range(DEPTH)]
            assert totals[DEPTH + 1:] == [fixed(t, q_dp) for t in bid_totals]
            spread = book.asks[0][0] - book.bids[0][0]
            assert prices[DEPTH].startswith(f"Spread {fixed(spread, p_dp)}  (")
            bridge.focus_symbol("ETHUSDT")
            await until(lambda: pane.book is not None and pane.book.symbol == "ETHUSDT",
                        timeout=15, what="the ETH book")
            pane.on_disconnected()
            bridge.detach()
            await client.close()
            pane.deleteLater()

    run(body())
