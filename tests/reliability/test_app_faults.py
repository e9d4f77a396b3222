"""The app under a missing exchange: it opens, says why, and retries until it connects."""

from __future__ import annotations

import socket

from connector.demo import DemoExchange
from gui.main_window import MainWindow

from ..gui.conftest import MemoryKeyring, Runner, point_environment, until
from .test_secrets import KEY, SECRET


def test_app_opens_without_the_exchange_says_why_and_retries(
        run: Runner, memory_keyring: MemoryKeyring) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]

    async def body() -> None:
        url = f"127.0.0.1:{port}"
        point_environment("Testnet", f"http://{url}", f"ws://{url}", f"ws://{url}/ws-api/v3",
                          memory_keyring, KEY, SECRET)
        window = MainWindow()
        window.show()
        log = window.log_model

        def logged(text: str) -> bool:
            return any(text in str(log.index(r).data()) for r in range(log.rowCount()))

        await until(lambda: logged("Could not connect to Testnet Spot"), what="the reason")
        assert logged("Retrying in")
        assert window.client is None and window.isVisible()
        async with DemoExchange(port=port, api_keys={KEY: SECRET}):
            await until(lambda: window.client is not None, timeout=15, what="retry succeeds")
            await until(window.watchlist_model.has_prices)
            window.close()
            await window.aclose()

    run(body())
