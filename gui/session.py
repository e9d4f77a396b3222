"""The app layer: which environment, which client, and their life cycle. No widgets.

The session builds the client for the chosen environment (the embedded
``DemoExchange`` for Demo), attaches it to the bridge, connects, retries with
backoff when the exchange cannot be reached, switches environment (old client
closed before the new one starts) and checks credentials for the settings
dialog. It also records every order and fill the client learns of in the
journal (``gui.journal``), backfilling on each connect. ``aclose`` ends
everything it started: no task is left behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from connector import BinanceClient, BinanceError
from connector.demo import DEMO_API_KEY, DEMO_API_SECRET, DemoExchange

from .bridge import Bridge
from .environment import Environment
from .journal import Journal
from .journal_recorder import JournalRecorder
from .secrets import SecretStore
from .settings import Choice, Hosts, Settings

RETRY_FIRST = 1.0
RETRY_MAX = 30.0
DemoFactory = Callable[[], DemoExchange]
Confirm = Callable[[str, str, str], Awaitable[bool]]  # (title, text, yes button) -> ok


def app_demo() -> DemoExchange:
    """The embedded demo of the app: it runs for hours, so it must not record every request."""
    return DemoExchange(record=False)


class Session(QObject):
    environmentChanged = Signal(object)  # Environment (before connecting to it)
    connected = Signal(object)  # Environment: a client is live, bridge.contracts() is filled
    disconnected = Signal()  # the client went away: forget the old environment's data
    message = Signal(str)  # one sentence for the status bar

    def __init__(self, settings: Settings, secrets: SecretStore, bridge: Bridge, *,
                 demo_factory: DemoFactory = app_demo,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.secrets = secrets
        self.bridge = bridge
        self.environment = Environment(settings.environment, settings.market)
        self.client: BinanceClient | None = None
        self.demo: DemoExchange | None = None
        self._demo_factory = demo_factory
        self._connecting: asyncio.Task[None] | None = None
        self._retry: asyncio.TimerHandle | None = None
        self._retry_delay = RETRY_FIRST
        self._closing: asyncio.Future[None] | None = None
        self._journal: Journal | None = None
        self._recorder: JournalRecorder | None = None

    @property
    def closed(self) -> bool:
        return self._closing is not None

    def log(self, message: str, level: str = "INFO") -> None:
        self.bridge.log(message, level)

    # -- connecting ---------------------------------------------------------------------------

    def start(self) -> None:
        """Connect in the background (the window calls this once it is shown)."""
        if self._connecting is None and not self.closed:
            self._connecting = asyncio.ensure_future(self._first_connect())

    async def _first_connect(self) -> None:
        await self.secrets.warm_up()
        await self.connect_client()

    async def _new_client(self, env: Environment) -> BinanceClient:
        if env.name == "Demo":
            if self.demo is None:
                demo = self._demo_factory()
                await demo.start()
                self.demo = demo
            return BinanceClient(DEMO_API_KEY, DEMO_API_SECRET, False, env.futures,
                                 rest_url=self.demo.rest_url, ws_url=self.demo.ws_url,
                                 ws_api_url=self.demo.ws_api_url)
        key, secret = await self.secrets.get(env.name, env.market)
        if not key or not secret:
            self.log(f"No API key for {env}: showing market data only. Add keys in File → "
                     f"Settings to trade.", "WARNING")
        return _client_for(env, key, secret, self.settings.hosts(env.name, env.market))

    async def connect_client(self) -> None:
        """One attempt; on failure say why and try again later (1 s, 2 s, … up to 30 s)."""
        env = self.environment
        self.environmentChanged.emit(env)
        try:
            client = await self._new_client(env)
            self.log(f"Connecting to {env} ({client.endpoints.rest_url})…")
            self.bridge.attach(client)
            self._record(client, env)  # before start(): its first connect backfills
            await client.start()
        except (BinanceError, OSError) as exc:
            self.bridge.detach()
            await self._stop_recording()
            delay, self._retry_delay = self._retry_delay, min(self._retry_delay * 2, RETRY_MAX)
            self.log(f"Could not connect to {env}: {exc}. Retrying in {delay:.0f} s (or "
                     f"change File → Settings).", "ERROR")
            self.message.emit(f"Not connected: {exc}")
            self._schedule_retry(delay)
            return
        if self.closed or env != self.environment:
            await client.close()
            return
        self._retry_delay = RETRY_FIRST
        self.client = client
        self.message.emit(f"Connected to {env}")
        self.connected.emit(env)

    def _record(self, client: BinanceClient, env: Environment) -> None:
        try:
            if self._journal is None:
                self._journal = Journal.open()
        except (sqlite3.Error, OSError) as exc:
            self.log(f"The history journal cannot be opened ({exc}); trading goes on, but this "
                     f"session's orders and fills are not recorded", "ERROR")
            return
        # The embedded demo starts empty each launch: its old history would clash with new ids.
        self._recorder = JournalRecorder.attach(
            client, self._journal, env.name, env.market, fresh_exchange=env.name == "Demo",
            symbols=lambda: self.settings.watchlist(env.name, env.market), log=self.log)

    async def _stop_recording(self) -> None:
        recorder, self._recorder = self._recorder, None
        if recorder is not None:
            await recorder.aclose()

    def _schedule_retry(self, delay: float) -> None:
        if self.closed:
            return

        def retry() -> None:
            self._retry = None
            if not self.closed and self.client is None:
                self._connecting = asyncio.ensure_future(self.connect_client())

        self._retry = asyncio.get_running_loop().call_later(delay, retry)

    async def _stop_client(self) -> None:
        if self._retry is not None:
            self._retry.cancel()
            self._retry = None
        connecting = self._connecting
        if connecting is not None and connecting is not asyncio.current_task():
            connecting.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await connecting
        self._connecting = None
        client, self.client = self.client, None
        pending = self.bridge.client
        self.bridge.detach()
        await self._stop_recording()
        for c in {id(x): x for x in (client, pending) if x is not None}.values():
            await c.close()

    async def switch(self, env: Environment) -> None:
        """Close the old client cleanly, then start the new one."""
        await self._stop_client()
        self.disconnected.emit()
        self.environment = env
        self.settings.environment, self.settings.market = env.name, env.market
        self.settings.sync()
        self._retry_delay = RETRY_FIRST
        self.log(f"Switched to {env}")
        self._connecting = asyncio.ensure_future(self.connect_client())
        await self._connecting

    async def aclose(self) -> None:
        """Stop the client and the embedded demo exchange. Safe to call twice (or at once)."""
        if self._closing is None:
            self._closing = asyncio.ensure_future(self._aclose())
        await asyncio.shield(self._closing)

    async def _aclose(self) -> None:
        await self._stop_client()
        if self.demo is not None:
            demo, self.demo = self.demo, None
            await demo.close()
        if self._journal is not None:
            journal, self._journal = self._journal, None
            journal.close()

    # -- settings ---------------------------------------------------------------------------------

    async def apply_settings(self, choice: Choice, confirm: Confirm) -> None:
        """Store what the settings dialog says, then switch (Live only once confirmed)."""
        if choice.environment != "Demo":
            persisted = await self.secrets.set(choice.environment, choice.market, choice.key,
                                               choice.secret)
            if not persisted and (choice.key or choice.secret):
                self.log("No system keyring: API keys kept in memory for this session only",
                         "WARNING")
            self.settings.set_hosts(choice.environment, choice.market, choice.hosts)
        self.settings.set_confirm_orders(choice.environment, choice.confirm)
        self.settings.sync()
        if choice.environment == "Live" and not self.environment.live:
            ok = await confirm("Switch to Live?", "You are switching to LIVE trading with real "
                               "money.\n\nOrders you place will be sent to Binance.",
                               "Switch to Live")
            if not ok:
                self.log("Stayed in the current environment: Live not confirmed")
                return
        await self.switch(Environment(choice.environment, choice.market))

    async def check_credentials(self, choice: Choice) -> str:
        """A signed request with the dialog's keys; the sentence to show beside the button."""
        env = Environment(choice.environment, choice.market)
        if env.name == "Demo":
            return "Demo needs no keys: the built-in demo account is used."
        client = _client_for(env, choice.key, choice.secret, choice.hosts, timeout=10)
        try:
            balances = await client.check_credentials()
        except BinanceError as exc:
            self.log(f"Connection test for {env} failed: {exc}", "WARNING")
            return f"Failed: {exc}"
        finally:
            await client.close()
        self.log(f"Connection test for {env}: OK")
        return f"OK: key accepted, {len(balances)} non-zero balances"


def _client_for(env: Environment, key: str, secret: str, hosts: Hosts,
                **options: Any) -> BinanceClient:
    return BinanceClient(key, secret, env.name == "Testnet", env.futures,
                         rest_url=hosts.rest_url or None, ws_url=hosts.ws_url or None,
                         ws_api_url=hosts.ws_api_url or None, **options)
