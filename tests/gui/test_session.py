"""The app layer: connect, retry with backoff, switch, check credentials, close cleanly."""

from __future__ import annotations

import asyncio
import socket
from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel, QPushButton, QTableView

from connector.demo import DEMO_API_KEY, DEMO_API_SECRET, DemoExchange
from gui.bridge import Bridge
from gui.environment import Environment
from gui.main_window import MainWindow
from gui.secrets import SecretStore
from gui.session import Session
from gui.settings import Choice, Hosts, Settings

from .conftest import MemoryKeyring, Runner, point_environment, until
from .test_main_window import child, fill_ticket, log_text, open_window, recording_demo


def pending_tasks() -> list[asyncio.Task[Any]]:
    """Tasks still running, but for the test's own (its body and the runner's wait_for)."""
    me = asyncio.current_task()
    return [t for t in asyncio.all_tasks() if t is not me and not t.done()
            and t.get_coro().__qualname__ != "wait_for"]  # type: ignore[union-attr]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_aclose_leaves_no_task_behind(run: Runner) -> None:
    async def body() -> None:
        window = await open_window()
        demo = window._demo
        price = (demo.spot.price("BTCUSDT") * Decimal("0.8")).quantize(Decimal("0.01"))
        fill_ticket(window, "BTCUSDT", "Limit", "0.001", str(price))
        QTest.mouseClick(child(window, QPushButton, "buyButton"), Qt.MouseButton.LeftButton)
        orders = child(window, QTableView, "openOrders")
        await until(lambda: orders.model().rowCount() == 1, what="a resting order")
        assert pending_tasks()  # streams, the demo's walk: there is something to stop
        window.close()
        await window.aclose()
        assert pending_tasks() == []
        assert window.session.client is None and window.session.demo is None

    run(body())


def test_an_unreachable_exchange_is_retried_with_backoff_and_close_stops_it(
        run: Runner, memory_keyring: MemoryKeyring) -> None:
    url = f"127.0.0.1:{free_port()}"
    point_environment("Testnet", f"http://{url}", f"ws://{url}", f"ws://{url}/ws-api/v3",
                      memory_keyring, "k", "s")

    async def body() -> None:
        window = MainWindow()
        window.show()
        await until(lambda: "Retrying in 2 s" in log_text(window), what="a second attempt")
        assert "Retrying in 1 s" in log_text(window)
        assert "Not connected" in child(window, QLabel, "statusMessage").text()
        assert window.client is None
        await window.aclose()
        assert window.session._retry is None
        assert pending_tasks() == []

    run(body())


def test_session_alone_connects_switches_and_closes(run: Runner) -> None:
    async def body() -> None:
        bridge = Bridge()
        session = Session(Settings(), SecretStore(), bridge, demo_factory=recording_demo)
        seen: list[Any] = []
        session.connected.connect(seen.append)
        session.disconnected.connect(lambda: seen.append("gone"))
        session.start()
        await until(lambda: seen, what="connected")
        assert seen == [Environment("Demo", "Spot")]
        assert "BTCUSDT" in bridge.contracts() and bridge.client is session.client
        spot = session.client
        await session.switch(Environment("Demo", "Futures"))
        assert seen == [Environment("Demo", "Spot"), "gone", Environment("Demo", "Futures")]
        assert session.client is not None and session.client.futures
        assert spot is not None and spot._rest._session is None  # the old client closed
        assert Settings().market == "Futures"
        await session.aclose()
        await session.aclose()  # twice is fine
        assert bridge.client is None and pending_tasks() == []

    run(body())


def test_credential_check_says_what_happened(run: Runner) -> None:
    async def body() -> None:
        async with DemoExchange() as testnet:
            hosts = Hosts(testnet.rest_url, testnet.ws_url, testnet.ws_api_url)
            window = await open_window()
            session = window.session
            demo = await session.check_credentials(Choice("Demo", "Spot", "", "", Hosts(), False))
            assert demo.startswith("Demo needs no keys")
            bad = await session.check_credentials(
                Choice("Testnet", "Spot", DEMO_API_KEY, "wrong", hosts, False))
            assert bad.startswith("Failed:"), bad
            window.open_settings()
            dialog = window.settings_dialog
            dialog.environment.setCurrentText("Testnet")
            dialog.api_key.setText(DEMO_API_KEY)
            dialog.api_secret.setText(DEMO_API_SECRET)
            dialog.rest_url.setText(testnet.rest_url)
            QTest.mouseClick(child(dialog, QPushButton, "testConnection"),
                             Qt.MouseButton.LeftButton)
            result = child(dialog, QLabel, "testResult")
            await until(lambda: result.text().startswith("OK"), what="the test's verdict")
            assert "non-zero balances" in result.text()
            assert "Connection test for Testnet Spot: OK" in log_text(window)
            dialog.reject()
            await window.aclose()

    run(body())
