"""The pane protocol: a dock per pane, events by type, focus and prices between panes,
stale rows, and layouts that survive a restart."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QWidget,
)

from connector import Contract
from connector.events import BookTicker, ConnectionState, MiniTicker
from gui.bridge import Bridge, NotConnectedError
from gui.environment import Environment
from gui.main_window import MainWindow
from gui.models._format import MUTED
from gui.panes import PANES, Pane, PaneContext
from gui.panes.open_orders import OpenOrdersPane
from gui.status_bar import ConnectionBoard
from gui.tasks import install_error_reporting

from .conftest import Runner, until
from .test_main_window import child, log_text, open_window, recording_demo, select_row

OLD_DOCKS = ("dockWatchlist", "dockTicket", "dockOrders", "dockBalances", "dockLog")


class ProbePane(Pane):
    """A pane in the center (where the chart goes), to prove one class is all it takes."""

    title = "Probe"
    dock_name = "dockProbe"
    area = "center"
    listens = (BookTicker,)

    def __init__(self, ctx: PaneContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("probe")
        self.events: list[Any] = []
        self.connects: list[tuple[Environment, int]] = []
        self.flushes = 0
        self.focused: list[str] = []
        ctx.bridge.symbolFocused.connect(self.focused.append)

    def on_event(self, event: Any) -> None:
        self.events.append(event)

    def on_connected(self, env: Environment, contracts: Mapping[str, Contract]) -> None:
        self.connects.append((env, len(contracts)))

    def flush(self) -> None:
        self.flushes += 1


def test_every_pane_gets_a_dock_a_view_toggle_and_keeps_its_old_name(run: Runner) -> None:
    window = MainWindow()
    names = [cls.dock_name for cls in PANES]
    assert len(set(names)) == len(names) and set(OLD_DOCKS) <= set(names)
    toggles = {a.text() for a in window.menuBar().actions()[1].menu().actions()}
    for cls in PANES:
        assert cls.title and cls.area in ("left", "center", "right", "bottom")
        dock = child(window, QDockWidget, cls.dock_name)
        assert isinstance(dock.widget(), cls) and dock.windowTitle() == cls.title
        assert cls.title in toggles
    assert window.dockWidgetArea(child(window, QDockWidget, "dockWatchlist")) \
        == Qt.DockWidgetArea.LeftDockWidgetArea
    run(window.aclose())


def test_a_new_pane_is_one_class_in_the_center(run: Runner) -> None:
    async def body() -> None:
        window = MainWindow((*PANES, ProbePane), demo_factory=recording_demo)
        window.show()
        probe = window.pane(ProbePane)
        await until(lambda: probe.connects and probe.events and probe.flushes > 1,
                    what="the probe to be connected, fed and flushed")
        assert probe.connects[0] == (Environment("Demo", "Spot"), len(window.client.contracts))
        assert {type(e) for e in probe.events} == {BookTicker}  # only what it listens to
        dock = child(window, QDockWidget, "dockProbe")
        assert window.centralWidget() is window.layout_.center
        assert dock.parent() is window.layout_.center and dock.isVisible()
        assert window.dockWidgetArea(child(window, QDockWidget, "dockLog")) \
            == Qt.DockWidgetArea.BottomDockWidgetArea
        tabbed = window.tabifiedDockWidgets(child(window, QDockWidget, "dockOrders"))
        under_the_chart = {"dockBalances", "dockPositions", "dockLog", "dockHistory"}
        assert {d.objectName() for d in tabbed} == under_the_chart
        window.ticket.set_symbol("ETHUSDT")
        assert probe.focused[-1] == "ETHUSDT" and window.bridge.focused_symbol == "ETHUSDT"
        window.close()
        await window.aclose()
        again = MainWindow((*PANES, ProbePane))  # its saved center layout restores
        assert child(again, QDockWidget, "dockProbe").parent() is again.layout_.center
        await again.aclose()

    run(body())


def test_bridge_routes_each_event_type_to_its_listeners(qapp: QApplication) -> None:
    bridge = Bridge()
    books: list[Any] = []
    both: list[Any] = []
    logs: list[Any] = []

    def broken(event: Any) -> None:
        raise ValueError("boom")

    bridge.listen([BookTicker], books.append)
    bridge.listen([BookTicker], broken)
    bridge.listen([BookTicker, MiniTicker], both.append)
    bridge.logged.connect(logs.append)
    book = BookTicker("BTCUSDT", Decimal(1), Decimal(2), Decimal(3), Decimal(4))
    ticker = MiniTicker("BTCUSDT", *(Decimal(5),) * 6, 0)
    bridge._on_event(book)
    bridge._on_event(ticker)
    assert books == [book] and both == [book, ticker]  # a broken listener stops no one
    assert len(logs) == 1 and "boom" in logs[0].message and logs[0].level == "ERROR"
    states: list[Any] = []
    bridge.connectionChanged.connect(states.append)
    state = ConnectionState("market", "reconnecting", "test")
    bridge._on_event(state)
    assert states == [state]
    assert bridge.contract("BTCUSDT") is None and bridge.open_orders() == []
    assert bridge.health() is None and not bridge.connected


def test_commands_without_a_client_say_so(run: Runner) -> None:
    bridge = Bridge()
    with pytest.raises(NotConnectedError, match="Not connected"):
        run(bridge.place_order("BTCUSDT", "LIMIT", "1", "BUY", "1"))
    with pytest.raises(NotConnectedError):
        run(bridge.candles("BTCUSDT", "1m"))


def test_focus_and_chosen_prices_reach_the_ticket(run: Runner) -> None:
    async def body() -> None:
        window = await open_window()
        view = child(window, QTableView, "watchlist")
        model = window.watchlist_model
        row = view.model().mapFromSource(model.index(model.symbols().index("ETHUSDT"), 0)).row()
        price = child(window, QLineEdit, "ticketPrice")
        price.clear()
        select_row(view, row)
        assert window.ticket.symbol.currentText() == "ETHUSDT"
        assert window.bridge.focused_symbol == "ETHUSDT"
        assert Decimal(price.text()) == model.quote("ETHUSDT").bid  # a starting price
        window.ticket.type.setCurrentText("Market")
        window.bridge.choose_price(Decimal("1234.5"))
        assert price.text() == "1234.5" and window.ticket.type.currentText() == "Limit"
        ask_cell = view.model().index(row, 2)
        view.doubleClicked.emit(ask_cell)
        assert Decimal(price.text()) == model.quote("ETHUSDT").ask
        window.ticket.symbol.setCurrentText("BNBUSDT")
        assert window.bridge.focused_symbol == "BNBUSDT"
        await window.aclose()

    run(body())


def test_a_dropped_connection_greys_its_rows_until_fresh_prices(run: Runner) -> None:
    async def body() -> None:
        window = await open_window()
        model = window.watchlist_model
        bridge = window.bridge
        btc = model.symbols().index("BTCUSDT")
        bridge._on_event(ConnectionState("market", "reconnecting", "test",
                                         connection="market stream 9", symbols=("BTCUSDT",)))
        assert model.stale_symbols() == ["BTCUSDT"]
        model.rows[btc].updated = time.monotonic() - 7
        age = model.index(btc, 5)
        assert model.data(age) == "stale 7 s"
        assert model.data(model.index(btc, 1), Qt.ItemDataRole.ForegroundRole) == MUTED
        assert "since its market connection went down" in model.data(
            age, Qt.ItemDataRole.ToolTipRole)
        await until(lambda: not model.stale_symbols(), what="a fresh BTCUSDT price")
        assert model.data(age) == ""
        # A real drop: the connector says which connection (or, until it does, all rows).
        seen: list[list[str]] = []
        bridge.connectionChanged.connect(lambda s: seen.append(model.stale_symbols())
                                         if s.state != "connected" else None)
        await window._demo.drop_streams()
        await until(lambda: any(seen), what="rows marked stale")
        assert set(max(seen, key=len)) <= set(model.symbols())
        await until(lambda: not model.stale_symbols(), what="fresh prices after reconnecting")
        await window.aclose()

    run(body())


def test_connection_board_is_connected_only_when_every_connection_is() -> None:
    board = ConnectionBoard()
    assert board.summary("market") is None
    board.update(ConnectionState("market", "connected", connection="market stream 1"))
    board.update(ConnectionState("market", "connected", connection="market stream 2"))
    assert board.summary("market") == "connected" and board.count("market") == (2, 2)
    board.update(ConnectionState("market", "reconnecting", connection="market stream 2"))
    assert board.summary("market") == "reconnecting" and board.count("market") == (1, 2)
    board.update(ConnectionState("user", "connected"))
    assert board.summary("user") == "connected"
    board.clear()
    assert board.summary("market") is None


def test_layout_and_column_widths_survive_a_restart_and_reset(run: Runner) -> None:
    async def body() -> None:
        window = await open_window()
        child(window, QTableView, "watchlist").setColumnWidth(1, 151)
        child(window, QDockWidget, "dockBalances").hide()
        window.close()
        await window.aclose()
        again = MainWindow()
        assert child(again, QTableView, "watchlist").columnWidth(1) == 151
        assert child(again, QDockWidget, "dockBalances").isHidden()
        again.reset_layout()
        assert not child(again, QDockWidget, "dockBalances").isHidden()
        assert child(again, QTableView, "watchlist").columnWidth(1) != 151
        await again.aclose()

    run(body())


def test_open_orders_cancel_by_double_click_and_all_for_a_symbol(run: Runner) -> None:
    async def body() -> None:
        window = await open_window()
        demo = window._demo
        orders = child(window, QTableView, "openOrders")
        base = (demo.spot.price("BTCUSDT") * Decimal("0.7")).quantize(Decimal("0.01"))
        for i in range(3):
            await window.bridge.place_order("BTCUSDT", "LIMIT", "0.001", "BUY", base + i)
        await until(lambda: orders.model().rowCount() == 3, what="three resting orders")
        assert "3 open orders" in window.pane(OpenOrdersPane).count.text()
        orders.doubleClicked.emit(orders.model().index(0, 0))
        await until(lambda: orders.model().rowCount() == 2, what="one cancelled")
        select_row(orders, 0)
        QTest.mouseClick(child(window, QPushButton, "cancelAllButton"), Qt.MouseButton.LeftButton)
        await until(lambda: orders.model().rowCount() == 0, what="all cancelled")
        assert demo.spot.open_orders() == []
        await window.aclose()

    run(body())


def test_an_error_in_a_slot_is_reported_not_fatal(run: Runner) -> None:
    async def body() -> None:
        window = await open_window()
        install_error_reporting(window.report_exception, asyncio.get_running_loop())
        try:
            sys.excepthook(ValueError, ValueError("slot went wrong"), None)
            asyncio.get_running_loop().call_exception_handler({"message": "stray callback"})
            window.tasks.spawn(_fail())
            await until(lambda: "boom in a task" in log_text(window))
        finally:
            sys.excepthook = sys.__excepthook__
            asyncio.get_running_loop().set_exception_handler(None)
        assert "Internal error: ValueError: slot went wrong" in log_text(window)
        assert "stray callback" in log_text(window)
        assert "boom in a task" in child(window, QLabel, "statusMessage").text()
        await window.aclose()

    run(body())


async def _fail() -> None:
    raise RuntimeError("boom in a task")
