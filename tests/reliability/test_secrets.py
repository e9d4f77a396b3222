"""Keys, secrets and signatures never reach a log, an exception, the settings or any file."""

from __future__ import annotations

import logging
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel, QPushButton

from connector.demo import DemoExchange
from gui.settings import Hosts, Settings
from gui.settings_dialog import Choice

from ..gui.conftest import MemoryKeyring, Runner, point_environment, until
from ..gui.test_main_window import child, fill_ticket, open_window, order_posts

KEY = "KEY-RECOGNISABLE-7f3a9c"
SECRET = "SECRET-RECOGNISABLE-c0ffee"


def test_full_session_leaks_nothing(run: Runner, memory_keyring: MemoryKeyring,
                                    config_home: Path, caplog: pytest.LogCaptureFixture) -> None:
    async def body() -> tuple[list[str], set[str]]:
        async with DemoExchange(api_keys={KEY: SECRET}) as testnet:
            point_environment("Testnet", testnet.rest_url, testnet.ws_url, testnet.ws_api_url,
                              memory_keyring, KEY, SECRET)
            window = await open_window()
            client = window.client
            assert client is not None
            for sent, qty in enumerate(("0.001", "50"), 1):  # a fill, then a rejection
                fill_ticket(window, "BTCUSDT", "Market", qty)
                QTest.mouseClick(child(window, QPushButton, "buyButton"),
                                 Qt.MouseButton.LeftButton)
                # this order's POST made and answered (not the previous one's)
                await until(lambda n=sent: len(order_posts(testnet)) == n
                            and not window._submitting)
            await until(lambda: "Rejected" in child(window, QLabel, "ticketStatus").text())
            testnet.faults.fail_next("/api/v3/order", method="POST", status=503,
                                     after_accept=True)
            fill_ticket(window, "ETHUSDT", "Market", "0.01")
            await window.submit_order("SELL")
            eth = [r for r in order_posts(testnet) if r.params.get("symbol") == "ETHUSDT"]
            assert [r.status for r in eth] == [503]  # sent once, accepted behind the 503
            assert any(o["clientOrderId"] == eth[0].params["newClientOrderId"]
                       for o in testnet.spot.orders(KEY))
            await testnet.drop_streams()
            await until(lambda: "reconciled" in " ".join(e.message for e in client.logs))
            texts = [e.message for e in client.logs]
            texts += [str(window.log_model.index(r).data())
                      for r in range(window.log_model.rowCount())]
            texts.append(child(window, QLabel, "ticketStatus").text())
            window.close()
            await window.aclose()
            signatures = {r.params["signature"] for r in testnet.requests
                          if "signature" in r.params}
            assert len(signatures) >= 3
            return texts, signatures

    with caplog.at_level(logging.DEBUG):
        texts, signatures = run(body())
    haystack = "\n".join(texts) + caplog.text
    for path in config_home.rglob("*"):
        if path.is_file():
            haystack += path.read_text("utf-8", "replace")
    for needle in (KEY, SECRET, *signatures):
        assert needle not in haystack


def test_without_a_keyring_keys_live_for_the_session_only(run: Runner, config_home: Path) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())

    async def body() -> None:
        async with DemoExchange(api_keys={KEY: SECRET}) as testnet:
            window = await open_window()
            window.open_settings()
            note = window.settings_dialog.keyring_note
            assert "memory for this session only" in note.text()
            await window.apply_settings(Choice("Testnet", "Spot", KEY, SECRET,
                                               Hosts(testnet.rest_url, testnet.ws_url,
                                                     testnet.ws_api_url), False))
            await until(lambda: window.client is not None and window.client.has_credentials
                        and window.client.endpoints.rest_url == testnet.rest_url)
            assert "USDT" in await window.client.get_balances()
            window.close()
            await window.aclose()

    run(body())
    assert Settings().environment == "Testnet"
    for path in config_home.rglob("*"):
        if path.is_file():
            content = path.read_text("utf-8", "replace")
            assert KEY not in content and SECRET not in content

