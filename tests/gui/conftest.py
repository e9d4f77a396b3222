"""GUI fixtures: offscreen Qt, a qasync loop, an in-memory keyring, a fresh config dir."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import keyring
import pytest
import qasync
from PySide6.QtWidgets import QApplication

from gui.secrets import MemoryKeyring

from ..connector.helpers import until


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def config_home(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # the journal
    return tmp_path / "config"


Runner = Callable[[Coroutine[Any, Any, Any]], Any]


@pytest.fixture
def run(qapp: QApplication, memory_keyring: MemoryKeyring, config_home: Any) -> Iterator[Runner]:
    """Run a coroutine on a qasync loop (Qt events and asyncio on one loop, as in the app)."""
    qapp.setQuitOnLastWindowClosed(False)  # tests open and close many windows
    loop = qasync.QEventLoop(qapp)
    asyncio.set_event_loop(loop)

    def runner(coro: Coroutine[Any, Any, Any], timeout: float = 60.0) -> Any:
        return loop.run_until_complete(asyncio.wait_for(coro, timeout))

    yield runner
    # No cancelling of leftovers here: what a test starts, it closes (``aclose`` leaves no
    # task behind, and test_session says so); a task still pending is a leak to report.
    leftovers = [t for t in asyncio.all_tasks(loop) if not t.done()]
    asyncio.set_event_loop(None)
    loop.close()
    assert not leftovers, f"tasks left running after the test: {leftovers}"


def point_environment(env: str, rest_url: str, ws_url: str, ws_api_url: str,
                      keys: MemoryKeyring, key: str, secret: str) -> None:
    """Saved settings that start the app in ``env`` (Spot) on the given hosts with a key."""
    from gui.settings import Hosts, Settings

    settings = Settings()
    settings.environment = env
    settings.set_hosts(env, "Spot", Hosts(rest_url, ws_url, ws_api_url))
    settings.sync()
    keys.set_password("starlight", f"{env}-Spot-key", key)
    keys.set_password("starlight", f"{env}-Spot-secret", secret)


__all__ = ["MemoryKeyring", "Runner", "point_environment", "until"]
