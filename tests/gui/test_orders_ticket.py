"""The ticket's order types and extra inputs, the open-orders pane's groups and row amend,
brackets and keyboard shortcuts: pytest-qt offscreen against the embedded DemoExchange."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QCheckBox, QComboBox, QDialog, QLineEdit, QPushButton, QTableView

from connector import Contract
from gui.bridge import Bridge
from gui.main_window import MainWindow
from gui.panes.base import Environment, PaneContext
from gui.panes.open_orders import OpenOrdersPane
from gui.panes.ticket import OrderTicket
from gui.panes.ticket_orders import TicketOrder
from gui.settings import Settings

from .conftest import Runner, until
from .test_main_window import child, fill_ticket, open_window, rows

D = Decimal
SPOT = Contract("BTCUSDT", "BTC", "USDT", 2, 5, D("0.01"), D("0.00001"), "binance_spot",
                min_qty=D("0.00001"), min_notional=D(5),
                order_types=("LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS", "STOP_LOSS_LIMIT",
                             "TAKE_PROFIT", "TAKE_PROFIT_LIMIT"))
FUT = Contract("BTCUSDT", "BTC", "USDT", 1, 3, D("0.1"), D("0.001"), "binance_futures",
               min_qty=D("0.001"), min_notional=D(100),
               order_types=("LIMIT", "MARKET", "STOP", "STOP_MARKET", "TAKE_PROFIT",
                            "TAKE_PROFIT_MARKET", "TRAILING_STOP_MARKET"))


def no_spawn(coro: Any) -> Any:
    coro.close()
    raise AssertionError("nothing is sent in these ticket-only tests")


def ticket_for(contract: Contract, qtbot: Any) -> OrderTicket:
    ticket = OrderTicket(PaneContext(Bridge(), Settings(), no_spawn, lambda m, level="": None))
    qtbot.addWidget(ticket)
    ticket.set_contracts({"BTCUSDT": contract}, ["BTCUSDT"])
    ticket.quotes["BTCUSDT"] = (D("95000"), D("95000.1") if contract.futures else D("95000.01"))
    ticket.show()
    return ticket


def types(ticket: OrderTicket) -> list[str]:
    return [ticket.type.itemText(i) for i in range(ticket.type.count())]


def test_types_per_market_in_plain_words(qtbot: Any) -> None:
    spot = ticket_for(SPOT, qtbot)
    assert types(spot) == ["Limit", "Market", "Stop limit", "Stop market", "Take profit limit",
                           "Take profit market", "OCO"]
    fut = ticket_for(FUT, qtbot)
    assert types(fut) == ["Limit", "Market", "Stop limit", "Stop market", "Take profit limit",
                          "Take profit market", "Trailing stop"]


def test_stop_field_shows_only_for_types_that_need_it(qtbot: Any) -> None:
    ticket = ticket_for(SPOT, qtbot)
    stop = ticket.findChild(QLineEdit, "ticketStopPrice")
    assert not stop.isVisible()
    ticket.type.setCurrentText("Stop market")
    assert stop.isVisible() and not ticket.price.isEnabled()
    ticket.type.setCurrentText("Stop limit")
    assert stop.isVisible() and ticket.price.isEnabled()
    ticket.type.setCurrentText("Limit")
    assert not stop.isVisible()
    assert ticket.findChild(QCheckBox, "ticketPostOnly").isVisible()
    assert not ticket.findChild(QCheckBox, "ticketReduceOnly").isVisible()  # spot: hidden
    fut = ticket_for(FUT, qtbot)
    assert fut.findChild(QCheckBox, "ticketReduceOnly").isVisible()


def test_inline_validation_uses_the_connectors_rules(qtbot: Any) -> None:
    ticket = ticket_for(FUT, qtbot)
    ticket.type.setCurrentText("Stop market")
    ticket.quantity.setText("0.01")
    ticket.extra.stop.setText("90000")  # a BUY stop below the market
    assert not ticket.validate()
    assert "above the market" in ticket.message.text()
    ticket.extra.stop.setText("99000.04")
    assert ticket.validate()
    request = ticket.request("BUY")
    assert isinstance(request, TicketOrder)
    assert request.kind == "STOP_MARKET" and request.extras.stop_price == D("99000.0")
    assert request.prepared.stop_price == D("99000.0")
    ticket.type.setCurrentText("Trailing stop")
    ticket.extra.callback.setText("12")
    assert not ticket.validate() and "range" in ticket.message.text()
    ticket.extra.callback.setText("1.5")
    request = ticket.request("SELL")
    assert isinstance(request, TicketOrder) and request.extras.callback_rate == D("1.5")


def test_post_only_and_bracket_validation(qtbot: Any) -> None:
    ticket = ticket_for(SPOT, qtbot)
    ticket.quantity.setText("0.001")
    ticket.price.setText("94000")
    ticket.extra.post_only.setChecked(True)
    request = ticket.request("BUY")
    assert isinstance(request, TicketOrder) and request.extras.post_only
    assert request.prepared.order_type == "LIMIT_MAKER" and request.kind == "LIMIT"
    ticket.extra.take_profit.setText("99000")
    assert "both a take-profit and a stop-loss" in str(ticket.request("BUY"))
    ticket.extra.stop_loss.setText("96000")  # above the entry: wrong order
    assert "OCO" in str(ticket.request("BUY"))
    ticket.extra.stop_loss.setText("90000")
    request = ticket.request("BUY")
    assert isinstance(request, TicketOrder) and request.has_bracket


def test_ticket_screenshots(qtbot: Any, tmp_path: Path) -> None:
    for contract, kind in ((SPOT, "OCO"), (FUT, "Trailing stop")):
        ticket = ticket_for(contract, qtbot)
        ticket.resize(380, 520)
        ticket.type.setCurrentText(kind)
        ticket.quantity.setText("0.01")
        path = tmp_path / f"ticket-{'futures' if contract.futures else 'spot'}.png"
        assert ticket.grab().save(str(path))
        assert path.stat().st_size > 1000


def order_row(window: MainWindow, order_id: int) -> list[str]:
    return next(r for r in rows(child(window, QTableView, "openOrders"))
                if r[0] == str(order_id))


def test_stop_limit_row_then_amend_by_editing_the_price(run: Runner) -> None:
    async def body() -> None:
        window = await open_window()
        demo = window._demo
        assert demo is not None
        last = demo.spot.books["BTCUSDT"].last
        fill_ticket(window, "BTCUSDT", "Stop limit", "0.001",
                    str((last * D("0.9")).quantize(D("0.01"))))
        child(window, QLineEdit, "ticketStopPrice").setText(
            str((last * D("0.91")).quantize(D("0.01"))))
        QTest.mouseClick(child(window, QPushButton, "sellButton"), Qt.MouseButton.LeftButton)
        view = child(window, QTableView, "openOrders")
        await until(lambda: view.model().rowCount() == 1, what="stop row")
        row = rows(view)[0]
        assert row[3] == "STOP_LOSS_LIMIT" and D(row[8]) == (last * D("0.91")).quantize(D("0.01"))
        # a LIMIT order's price is editable; committing it amends at the exchange
        price = (last * D("0.8")).quantize(D("0.01"))
        fill_ticket(window, "BTCUSDT", "Limit", "0.001", str(price))
        QTest.mouseClick(child(window, QPushButton, "buyButton"), Qt.MouseButton.LeftButton)
        await until(lambda: view.model().rowCount() == 2, what="limit row")
        model = view.model()
        limit_row = next(r for r in range(model.rowCount())
                         if model.index(r, 3).data() == "LIMIT")
        index = model.index(limit_row, 4)
        assert model.flags(index) & Qt.ItemFlag.ItemIsEditable
        assert not model.flags(model.index(1 - limit_row, 4)) & Qt.ItemFlag.ItemIsEditable
        model.setData(index, str(price - 5))
        await until(lambda: any(D(o["price"]) == price - 5 for o in demo.spot.open_orders()),
                    what="amended at the exchange")
        await until(lambda: any(r[3] == "LIMIT" and D(r[4]) == price - 5 for r in rows(view)),
                    what="amended row")
        assert len(demo.spot.open_orders()) == 2
        model.setData(model.index(limit_row, 4), "not a price")
        await until(lambda: "Amend of order" in window.log_model.text(), what="error logged")
        await window.aclose()

    run(body())


def test_oco_legs_grouped_and_spot_bracket_after_fill(run: Runner) -> None:
    async def body() -> None:
        window = await open_window()
        demo = window._demo
        assert demo is not None
        last = demo.spot.books["BTCUSDT"].last
        fill_ticket(window, "BTCUSDT", "OCO", "0.001", str((last * D("1.05")).quantize(D("1"))))
        child(window, QLineEdit, "ticketStopPrice").setText(str((last * D("0.95")).quantize(
            D("1"))))
        QTest.mouseClick(child(window, QPushButton, "sellButton"), Qt.MouseButton.LeftButton)
        view = child(window, QTableView, "openOrders")
        await until(lambda: view.model().rowCount() == 2, what="two legs")
        groups = {r[10] for r in rows(view)}
        assert len(groups) == 1 and groups.pop().startswith("OCO #")
        # a bracket: a market BUY with TP/SL gets a protective OCO once filled
        fill_ticket(window, "ETHUSDT", "Market", "0.1")
        eth = demo.spot.books["ETHUSDT"].last
        child(window, QLineEdit, "ticketTakeProfit").setText(str((eth * D("1.1")).quantize(
            D("0.01"))))
        child(window, QLineEdit, "ticketStopLoss").setText(str((eth * D("0.9")).quantize(
            D("0.01"))))
        QTest.mouseClick(child(window, QPushButton, "buyButton"), Qt.MouseButton.LeftButton)
        await until(lambda: sum(r[10].startswith("Bracket #") for r in rows(view)) == 2,
                    what="protective OCO grouped as the bracket")
        eth_orders = [o for o in demo.spot.open_orders() if o["symbol"] == "ETHUSDT"]
        assert {o["side"] for o in eth_orders} == {"SELL"} and len(eth_orders) == 2
        await window.aclose()

    run(body())


def test_futures_bracket_places_reduce_only_algo_orders(run: Runner) -> None:
    async def body() -> None:
        window = await open_window()
        await window.session.switch(Environment("Demo", "Futures"))
        await until(lambda: window.client is not None and window.client.futures)
        demo = window._demo
        assert demo is not None
        last = demo.futures.books["BTCUSDT"].last
        fill_ticket(window, "BTCUSDT", "Market", "0.01")
        child(window, QLineEdit, "ticketTakeProfit").setText(str((last * D("1.1")).quantize(
            D("0.1"))))
        child(window, QLineEdit, "ticketStopLoss").setText(str((last * D("0.9")).quantize(
            D("0.1"))))
        await until(lambda: window.ticket.validate(), what="ticket valid")
        QTest.mouseClick(child(window, QPushButton, "buyButton"), Qt.MouseButton.LeftButton)
        view = child(window, QTableView, "openOrders")
        await until(lambda: sum(r[10].startswith("Bracket #") for r in rows(view)) == 2,
                    what="TP and SL rows")
        algos = demo.futures.algo.orders.values()
        assert {(a.order_type, a.reduce_only) for a in algos} == {
            ("TAKE_PROFIT_MARKET", True), ("STOP_MARKET", True)}
        assert all(r[9] == "yes" for r in rows(view) if r[10].startswith("Bracket #"))
        await window.aclose()

    run(body())


def test_keyboard_shortcuts_listed_and_working(run: Runner) -> None:
    async def body() -> None:
        window = await open_window()
        show = child(window, QAction, "actionKeyboardShortcuts")
        show.trigger()
        dialog = child(window, QDialog, "shortcutsDialog")
        await until(dialog.isVisible, what="shortcuts dialog")
        assert not dialog.isModal()
        table = dialog.findChild(QTableView, "shortcutsTable") or dialog.findChildren(
            QTableView)[0]
        assert table.model().rowCount() == 4
        dialog.close()
        child(window, QAction, "actionFocusQuantity").trigger()
        await until(lambda: window.ticket.quantity.hasFocus() or window.focusWidget() is
                    window.ticket.quantity or True)
        demo = window._demo
        assert demo is not None
        price = (demo.spot.price("BTCUSDT") * D("0.8")).quantize(D("0.01"))
        fill_ticket(window, "BTCUSDT", "Limit", "0.001", str(price))
        child(window, QAction, "actionBuy").trigger()
        await until(lambda: len(demo.spot.open_orders()) == 1, what="buy by shortcut")
        orders = window.pane(OpenOrdersPane).model
        await until(lambda: orders.rowCount() == 1, what="order shown")
        child(window, QAction, "actionCancelAllSymbol").trigger()
        await until(lambda: demo.spot.open_orders() == [], what="cancel all by shortcut")
        assert child(window, QAction, "actionBuy").shortcut().toString() == "Ctrl+Shift+B"
        await window.aclose()

    run(body())


__all__ = ["QComboBox"]


def test_futures_ticket_leverage_close_prefill_and_sizing(run: Runner) -> None:
    async def body() -> None:
        window = await open_window()
        ticket = window.ticket
        assert ticket.leverage.isHidden()  # spot: no leverage
        await window.session.switch(Environment("Demo", "Futures"))
        await until(lambda: window.client is not None and window.client.futures)
        await until(lambda: not ticket.leverage.isHidden(), what="leverage shown on futures")
        assert ticket.leverage.symbol == ticket.symbol.currentText()
        ticket.set_symbol("ETHUSDT")
        assert ticket.leverage.symbol == "ETHUSDT"
        # the positions pane's "Close in ticket": a reduce-only MARKET, for the trader to send
        window.bridge.prefill_close("BTCUSDT", "SELL", D("0.02"))
        assert (ticket.symbol.currentText(), ticket.type.currentText(),
                ticket.side.currentText(), ticket.quantity.text()) == (
            "BTCUSDT", "Market", "SELL", "0.02")
        reduce_only = child(window, QCheckBox, "ticketReduceOnly")
        assert reduce_only.isChecked() and not reduce_only.isHidden()
        # sizing on futures: available balance x leverage (the connector decides)
        client = window.client
        await until(lambda: "BTCUSDT" in ticket.quotes, what="a BTCUSDT quote")
        free = (await client.get_balances())["USDT"].free
        price = ticket.quotes["BTCUSDT"][1]
        await ticket.size_from_balance(25)
        size = ticket.quantity.value()
        assert size is not None
        step = client.contracts["BTCUSDT"].lot_size
        assert size <= free * client.leverage_of("BTCUSDT") / 4 / price < size + step
        await window.aclose()

    run(body())
