"""The settings dialog reads the keyring once per opening, off the event loop thread, and
never loses what the trader typed."""

from __future__ import annotations

import threading

import keyring
import keyring.backends.fail
import pytest

from gui.secrets import MemoryKeyring, SecretStore
from gui.settings_dialog import KEY_PAIRS

from .conftest import Runner, until
from .test_main_window import open_window


class CountingKeyring(MemoryKeyring):
    def __init__(self) -> None:
        super().__init__()
        self.reads = 0
        self.threads: set[int] = set()

    def get_password(self, service: str, username: str) -> str | None:
        self.reads += 1
        self.threads.add(threading.get_ident())
        return super().get_password(service, username)

    def set_password(self, service: str, username: str, password: str) -> None:
        self.threads.add(threading.get_ident())
        super().set_password(service, username, password)


@pytest.fixture
def counting(run: Runner) -> CountingKeyring:
    backend = CountingKeyring()
    backend.store[("starlight", "Testnet-Spot-key")] = "saved-key"
    backend.store[("starlight", "Testnet-Spot-secret")] = "saved-secret"
    keyring.set_keyring(backend)  # the memory_keyring fixture puts the previous one back
    return backend


def test_keys_are_read_once_per_opening_off_the_loop(run: Runner,
                                                     counting: CountingKeyring) -> None:
    async def body() -> None:
        window = await open_window()
        dialog = window.settings_dialog
        window.open_settings()
        await until(lambda: counting.reads == 2 * len(KEY_PAIRS), what="one read per entry")
        await until(lambda: not len(window.tasks), what="the load to be applied")
        for env in ("Testnet", "Live", "Demo", "Testnet"):
            for market in ("Futures", "Spot"):
                dialog.environment.setCurrentText(env)
                dialog.market.setCurrentText(market)
        assert counting.reads == 2 * len(KEY_PAIRS)  # no keyring call on a combo change
        assert dialog.api_key.text() == "saved-key"
        assert threading.get_ident() not in counting.threads
        dialog.reject()
        await window.aclose()

    run(body())


def test_what_the_trader_types_wins_over_a_late_keyring_answer(
        run: Runner, counting: CountingKeyring) -> None:
    async def body() -> None:
        window = await open_window()
        dialog = window.settings_dialog
        window.open_settings()  # the keyring answers later, on the loop's next turns
        dialog.environment.setCurrentText("Testnet")
        dialog.api_key.setText("typed-key")
        await until(lambda: counting.reads == 2 * len(KEY_PAIRS))
        await until(lambda: not len(window.tasks))
        assert dialog.api_key.text() == "typed-key"
        dialog.environment.setCurrentText("Live")
        assert dialog.api_key.text() == ""
        dialog.environment.setCurrentText("Testnet")
        assert dialog.api_key.text() == "typed-key"  # kept while looking elsewhere
        assert dialog.api_secret.text() == "saved-secret"
        dialog.reject()
        await window.aclose()

    run(body())


def test_secret_store_writes_off_the_loop_and_falls_back_to_memory(
        run: Runner, counting: CountingKeyring) -> None:
    async def body() -> None:
        store = SecretStore()
        assert await store.set("Live", "Spot", "k", "s")
        assert counting.store[("starlight", "Live-Spot-secret")] == "s"
        assert threading.get_ident() not in counting.threads
        assert await store.set("Live", "Spot", "", "")  # empty deletes
        assert ("starlight", "Live-Spot-key") not in counting.store
        keyring.set_keyring(keyring.backends.fail.Keyring())
        assert not store.persistent
        assert not await store.set("Live", "Spot", "k2", "s2")  # session only
        assert await store.get("Live", "Spot") == ("k2", "s2")
        assert await store.get("Testnet", "Futures") == ("", "")

    run(body())
