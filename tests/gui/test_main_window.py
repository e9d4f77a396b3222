"""The desktop app against its embedded DemoExchange (and others standing in for Testnet/Live)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QLabel,
    QLineEdit,
    QListView,
    QMessageBox,
    QPushButton,
    QTableView,
    QWidget,
)

from connector.demo import DEMO_API_KEY, DEMO_API_SECRET, DemoExchange
from gui.main_window import MainWindow
from gui.settings import Settings

from .conftest import MemoryKeyring, Runner, point_environment, until


def child(window: QWidget, kind: type, name: str) -> Any:
    found = window.findChild(kind, name)
    assert found is not None, name
    return found


def recording_demo() -> DemoExchange:
    """The embedded demo as tests need it: recording requests, so they can count orders
    (the app's own demo does not record)."""
    return DemoExchange(record=True)


async def open_window() -> MainWindow:
    window = MainWindow(demo_factory=recording_demo)
    window.show()
    await until(lambda: window.client is not None, what="connected")
    await until(window.watchlist_model.has_prices, what="live prices")
    return window


def rows(view: QTableView) -> list[list[str]]:
    model = view.model()
    return [[str(model.index(r, c).data()) for c in range(model.columnCount())]
            for r in range(model.rowCount())]


def select_row(view: QTableView, row: int) -> None:
    index = view.model().index(row, 0)
    view.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect
                                          | QItemSelectionModel.SelectionFlag.Rows)


def fill_ticket(window: MainWindow, symbol: str, kind: str, qty: str, price: str = "") -> None:
    child(window, QComboBox, "ticketSymbol").setCurrentText(symbol)
    child(window, QComboBox, "ticketType").setCurrentText(kind)
    child(window, QLineEdit, "ticketQuantity").setText(qty)
    child(window, QLineEdit, "ticketPrice").setText(price)


def order_posts(demo: DemoExchange) -> list[Any]:
    return [r for r in demo.requests if r.path.endswith("/order") and r.method == "POST"]


def log_text(window: MainWindow) -> str:
    log = child(window, QListView, "log").model()
    return "\n".join(str(log.index(r, 0).data()) for r in range(log.rowCount()))


def test_first_launch_is_demo_spot_with_live_prices(run: Runner) -> None:
    async def body() -> None:
        window = await open_window()
        assert window.width() >= 1200 and window.height() >= 750
        assert not window.windowIcon().isNull()
        banner = child(window, QLabel, "environmentBanner")
        assert "DEMO" in banner.text() and banner.property("env") == "demo"
        table = rows(child(window, QTableView, "watchlist"))
        assert [r[0] for r in table][:2] == ["BTCUSDT", "ETHUSDT"]
        assert all(Decimal(r[1]) < Decimal(r[2]) for r in table)  # plain, parseable numbers
        header = child(window, QTableView, "watchlist").model().headerData
        assert [header(c, Qt.Orientation.Horizontal) for c in range(3)] == ["Symbol", "Bid", "Ask"]
        assert rows(child(window, QTableView, "balances"))  # demo account has funds
        await window.aclose()
        await window.aclose()  # safe twice
        assert window.client is None

    run(body())


def test_limit_buy_rests_then_cancel_removes_it(run: Runner) -> None:
    async def body() -> None:
        window = await open_window()
        demo = window._demo
        assert demo is not None
        price = (demo.spot.price("BTCUSDT") * Decimal("0.8")).quantize(Decimal("0.01"))
        fill_ticket(window, "BTCUSDT", "Limit", "0.00100", str(price))
        QTest.mouseClick(child(window, QPushButton, "buyButton"), Qt.MouseButton.LeftButton)
        orders = child(window, QTableView, "openOrders")
        await until(lambda: orders.model().rowCount() == 1, what="order row")
        row = rows(orders)[0]
        assert row[1:4] == ["BTCUSDT", "BUY", "LIMIT"] and row[5] == "0.001"
        assert len(demo.spot.open_orders()) == 1
        select_row(orders, 0)
        QTest.mouseClick(child(window, QPushButton, "cancelButton"), Qt.MouseButton.LeftButton)
        await until(lambda: orders.model().rowCount() == 0, what="row gone")
        assert demo.spot.open_orders() == []
        assert "placed" in log_text(window) and "canceled" in log_text(window)
        await window.aclose()

    run(body())


def test_market_buy_changes_balances(run: Runner) -> None:
    async def body() -> None:
        window = await open_window()
        balances = child(window, QTableView, "balances")
        before = {r[0]: r for r in rows(balances)}
        fill_ticket(window, "ETHUSDT", "Market", "0.5")
        QTest.mouseClick(child(window, QPushButton, "buyButton"), Qt.MouseButton.LeftButton)
        await until(lambda: {r[0]: r for r in rows(balances)}["ETH"] != before["ETH"],
                    what="ETH balance to change")
        assert {r[0]: r for r in rows(balances)}["USDT"] != before["USDT"]
        await window.aclose()

    run(body())


def test_bad_quantity_shows_a_message_and_sends_nothing(run: Runner) -> None:
    async def body() -> None:
        window = await open_window()
        demo = window._demo
        assert demo is not None
        cases = (("0.000001", "90000", "minimum"), ("", "90000", "quantity"),
                 ("0.001", "", "limit price"), ("0.00001", "90000", "minimum"))
        status = child(window, QLabel, "ticketStatus")
        for qty, price, reason in cases:
            fill_ticket(window, "BTCUSDT", "Limit", qty, price)
            status.setText("")
            QTest.mouseClick(child(window, QPushButton, "buyButton"), Qt.MouseButton.LeftButton)
            await until(status.text, what="the ticket's verdict")
            assert status.text().startswith("Not sent") and reason in status.text(), status.text()
        assert order_posts(demo) == []
        await window.aclose()

    run(body())


def test_connector_log_lines_reach_the_pane_and_stay_bounded(run: Runner) -> None:
    async def body() -> None:
        window = await open_window()
        assert window.client is not None
        window.client._add_log("hello from the connector")
        log = child(window, QListView, "log")
        texts = [str(log.model().index(r, 0).data()) for r in range(log.model().rowCount())]
        assert any("hello from the connector" in t for t in texts)
        assert "hello from the connector" in log.toPlainText()
        capacity = window.log_model.capacity
        for i in range(capacity + 300):
            window.client._add_log(f"line {i}")
        assert window.log_model.rowCount() == capacity
        last = str(log.model().index(log.model().rowCount() - 1, 0).data())
        assert last.endswith(f"line {capacity + 299}")
        await window.aclose()

    run(body())


def test_watchlist_add_remove_persists_across_restart(run: Runner) -> None:
    async def body() -> None:
        window = await open_window()
        edit = child(window, QLineEdit, "watchlistAdd")
        edit.setText("ltcusdt")
        QTest.keyClick(edit, Qt.Key.Key_Return)
        await until(lambda: "LTCUSDT" in window.watchlist_model.symbols())
        edit.setText("NOSUCHCOIN")
        QTest.keyClick(edit, Qt.Key.Key_Return)
        await until(lambda: "Unknown symbol NOSUCHCOIN" in log_text(window))
        assert "NOSUCHCOIN" not in window.watchlist_model.symbols()
        view = child(window, QTableView, "watchlist")
        row = window.watchlist_model.symbols().index("ETHUSDT")
        select_row(view, view.model().mapFromSource(window.watchlist_model.index(row, 0)).row())
        QTest.keyClick(view, Qt.Key.Key_Delete)
        await until(lambda: "ETHUSDT" not in window.watchlist_model.symbols())
        window.close()
        await window.aclose()
        again = await open_window()
        symbols = again.watchlist_model.symbols()
        assert "LTCUSDT" in symbols and "ETHUSDT" not in symbols
        await again.aclose()

    run(body())


def test_settings_switch_to_testnet_stores_keys_in_keyring_only(
        run: Runner, memory_keyring: MemoryKeyring, config_home: Path) -> None:
    async def body() -> None:
        async with DemoExchange() as testnet:
            window = await open_window()
            child(window, QAction, "actionSettings").trigger()
            dialog = child(window, QDialog, "settingsDialog")
            assert dialog.isVisible()
            env = child(dialog, QComboBox, "environment")
            market = child(dialog, QComboBox, "market")
            assert [env.itemText(i) for i in range(env.count())] == ["Demo", "Testnet", "Live"]
            assert [market.itemText(i) for i in range(market.count())] == ["Spot", "Futures"]
            env.setCurrentText("Testnet")
            child(dialog, QLineEdit, "apiKey").setText(DEMO_API_KEY)
            child(dialog, QLineEdit, "apiSecret").setText(DEMO_API_SECRET)
            child(dialog, QLineEdit, "restUrl").setText(testnet.rest_url)
            child(dialog, QLineEdit, "streamUrl").setText(testnet.ws_url)
            child(dialog, QLineEdit, "wsApiUrl").setText(testnet.ws_api_url)
            dialog.accept()
            await until(lambda: window.client is not None
                        and window.client.endpoints.rest_url == testnet.rest_url, what="switch")
            assert window._demo is not None  # the embedded demo may idle, the client moved
            assert "TESTNET" in child(window, QLabel, "environmentBanner").text()
            await until(window.watchlist_model.has_prices, what="testnet prices")
            assert memory_keyring.store[("starlight", "Testnet-Spot-secret")] == DEMO_API_SECRET
            testnet_client = window.client
            child(window, QAction, "actionSettings").trigger()
            child(dialog, QComboBox, "environment").setCurrentText("Demo")
            dialog.accept()  # and back: the old client is closed, the demo one started
            await until(lambda: window.client is not None and window._demo is not None
                        and window.client.endpoints.rest_url == window._demo.rest_url,
                        what="switch back to Demo")
            assert testnet_client._rest._session is None  # closed cleanly
            assert "DEMO" in child(window, QLabel, "environmentBanner").text()
            window.close()
            await window.aclose()
        for path in config_home.rglob("*"):
            if path.is_file():
                content = path.read_bytes()
                assert DEMO_API_SECRET.encode() not in content
                assert DEMO_API_KEY.encode() not in content
        assert Settings().environment == "Demo"

    run(body())


def test_live_is_red_and_every_order_asks_first(run: Runner, memory_keyring: MemoryKeyring) -> None:
    async def body() -> None:
        async with DemoExchange() as live:
            point_environment("Live", live.rest_url, live.ws_url, live.ws_api_url,
                              memory_keyring, DEMO_API_KEY, DEMO_API_SECRET)
            window = await open_window()
            banner = child(window, QLabel, "environmentBanner")
            assert banner.property("env") == "live" and "LIVE" in banner.text()
            red = banner.palette().color(banner.backgroundRole())
            assert red.red() > 200 and red.green() < 60 and red.blue() < 60
            fill_ticket(window, "BTCUSDT", "Limit", "0.001", "50000")
            QTest.mouseClick(child(window, QPushButton, "buyButton"), Qt.MouseButton.LeftButton)
            await until(lambda: window.findChild(QMessageBox, "confirmDialog") is not None
                        and window.findChild(QMessageBox, "confirmDialog").isVisible(),
                        what="confirmation")
            box = window.findChild(QMessageBox, "confirmDialog")
            assert "BUY 0.001 BTCUSDT @ 50,000.00 ≈ 50.00 USDT" in box.text()
            box.reject()
            await until(lambda: "not confirmed" in log_text(window), what="the refusal")
            assert order_posts(live) == []
            QTest.mouseClick(child(window, QPushButton, "buyButton"), Qt.MouseButton.LeftButton)
            await until(lambda: window.findChild(QMessageBox, "confirmDialog") is not None
                        and window.findChild(QMessageBox, "confirmDialog").isVisible())
            box = window.findChild(QMessageBox, "confirmDialog")
            send = next(b for b in box.buttons()
                        if box.buttonRole(b) == QMessageBox.ButtonRole.AcceptRole)
            send.click()
            await until(lambda: len(order_posts(live)) == 1, what="confirmed order sent")
            await until(lambda: not window.ticket.submitting)
            assert len(order_posts(live)) == 1
            await window.aclose()

    run(body())
