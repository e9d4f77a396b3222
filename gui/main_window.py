"""The main window: docks for every pane, the environment banner, menus and status bar."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import time
import traceback
from importlib import resources
from types import TracebackType
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QColor, QIcon, QPalette, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSizePolicy,
    QTableView,
    QToolBar,
    QWidget,
)

from connector import BinanceClient, BinanceError
from connector.demo import DEMO_API_KEY, DEMO_API_SECRET, DemoExchange
from connector.events import LogEntry

from .bridge import Bridge
from .log_model import LogModel
from .log_pane import LogPane
from .models import (
    BalancesModel,
    DecimalSortProxy,
    WatchlistModel,
)
from .order_flow import Brackets
from .orders import OrdersPane
from .orders_model import OrdersModel
from .secrets import SecretStore
from .settings import Settings
from .settings_dialog import Choice, SettingsDialog
from .shortcuts import ShortcutsDialog, install_shortcuts
from .tables import make_table
from .ticket import OrderTicket
from .watchlist import WatchlistPane
from .window_orders import OrderActions

logger = logging.getLogger("gui")

REPAINT_MS = 50
BANNER_COLOURS = {"Demo": ("#f0b90b", "#0f141b"), "Testnet": ("#3d7bd9", "#ffffff"),
                  "Live": ("#d61f2c", "#ffffff")}
RETRY_MAX = 30.0


class MainWindow(OrderActions, QMainWindow):
    def __init__(self) -> None:
        super().__init__(objectName="mainWindow")
        self.setWindowTitle("Starlight")
        self.setWindowIcon(QIcon(str(resources.files("resources").joinpath("icon.svg"))))
        self.setMinimumSize(900, 600)
        self.resize(1440, 860)
        self.settings = Settings()
        self.secrets = SecretStore()
        self.client: BinanceClient | None = None
        self.environment = self.settings.environment
        self.market = self.settings.market
        self._demo: DemoExchange | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._connecting: asyncio.Task[None] | None = None
        self._retry_delay = 1.0
        self._retry: asyncio.TimerHandle | None = None
        self._shown = False
        self._closed = False
        self._closing: asyncio.Future[None] | None = None
        self._submitting = False
        self._streams: dict[str, str] = {}

        self.watchlist_model = WatchlistModel(self)
        self.orders_model = OrdersModel(self)
        self.balances_model = BalancesModel(self)
        self.log_model = LogModel(parent=self)
        self.bridge = Bridge(self.watchlist_model, self)
        self.bridge.logged.connect(self.log_model.append)
        self.bridge.orderChanged.connect(self.orders_model.upsert)
        self.bridge.balancesChanged.connect(self.balances_model.update)
        self.bridge.connectionChanged.connect(self._connection_changed)

        self.watchlist_pane = WatchlistPane(self.watchlist_model)
        self.ticket = OrderTicket()
        self.orders_pane = OrdersPane(self.orders_model)
        self.balances_proxy = DecimalSortProxy(self)
        self.balances_proxy.setSourceModel(self.balances_model)
        self.balances_view = make_table("balances", (80, 130, 130, 150, 130))
        self.balances_view.setModel(self.balances_proxy)
        self.log_pane = LogPane(self.log_model)

        self._build_docks()
        self._build_banner()
        self._build_menus()
        self._build_status()
        self._wire()
        self._default_state = self.saveState()
        self._restore_layout()
        self.apply_theme(self.settings.theme)
        self._show_environment()
        self.watchlist_model.set_symbols(self.settings.watchlist(self.environment, self.market),
                                         {})

        self._repaint = QTimer(self)
        self._repaint.setInterval(REPAINT_MS)
        self._repaint.timeout.connect(self._flush)
        self._repaint.start()
        self._status_timer = QTimer(self)
        self._status_timer.setInterval(1000)
        self._status_timer.timeout.connect(self._update_status)
        self._status_timer.start()

    # -- construction ------------------------------------------------------------------------

    def _dock(self, title: str, name: str, widget: QWidget,
              area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self, objectName=name)
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.addDockWidget(area, dock)
        return dock

    def _build_docks(self) -> None:
        placeholder = QWidget()
        placeholder.setMaximumSize(0, 0)
        self.setCentralWidget(placeholder)
        self.setDockNestingEnabled(True)
        left, right = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea
        self.dock_watchlist = self._dock("Watchlist", "dockWatchlist", self.watchlist_pane, left)
        self.dock_ticket = self._dock("Order ticket", "dockTicket", self.ticket, left)
        self.dock_orders = self._dock("Open orders", "dockOrders", self.orders_pane, right)
        self.dock_balances = self._dock("Balances", "dockBalances", self.balances_view, right)
        self.dock_log = self._dock("Log", "dockLog", self.log_pane, right)
        self.splitDockWidget(self.dock_watchlist, self.dock_orders, Qt.Orientation.Horizontal)
        self.splitDockWidget(self.dock_watchlist, self.dock_ticket, Qt.Orientation.Vertical)
        self.splitDockWidget(self.dock_orders, self.dock_balances, Qt.Orientation.Vertical)
        self.splitDockWidget(self.dock_balances, self.dock_log, Qt.Orientation.Vertical)
        self.resizeDocks([self.dock_watchlist, self.dock_orders], [560, 880],
                         Qt.Orientation.Horizontal)
        self.resizeDocks([self.dock_watchlist, self.dock_ticket], [430, 400],
                         Qt.Orientation.Vertical)
        self.resizeDocks([self.dock_orders, self.dock_balances, self.dock_log], [260, 220, 320],
                         Qt.Orientation.Vertical)

    def _build_banner(self) -> None:
        bar = QToolBar("Environment", self, objectName="environmentBar")
        bar.setMovable(False)
        bar.setFloatable(False)
        self.banner = QLabel("", objectName="environmentBanner")
        self.banner.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(self.banner)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
        self.environment_bar = bar

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.action_settings = QAction("&Settings…", self, objectName="actionSettings")
        self.action_settings.setShortcut("Ctrl+,")
        self.action_settings.triggered.connect(self.open_settings)
        file_menu.addAction(self.action_settings)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut("Ctrl+Q")
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        view = self.menuBar().addMenu("&View")
        for dock in (self.dock_watchlist, self.dock_ticket, self.dock_orders, self.dock_balances,
                     self.dock_log):
            view.addAction(dock.toggleViewAction())
        view.addSeparator()
        themes = QActionGroup(self)
        self.theme_actions: dict[str, QAction] = {}
        for name in ("dark", "light"):
            action = QAction(f"{name.title()} theme", self, checkable=True)
            action.triggered.connect(lambda _=False, n=name: self.apply_theme(n))
            themes.addAction(action)
            view.addAction(action)
            self.theme_actions[name] = action
        view.addSeparator()
        reset = QAction("Reset layout", self, objectName="actionResetLayout")
        reset.triggered.connect(self.reset_layout)
        view.addAction(reset)
        self.settings_dialog = SettingsDialog(self.settings, self.secrets, self)
        self.settings_dialog.applied.connect(self._settings_applied)
        self.settings_dialog.testRequested.connect(
            lambda choice: self._spawn(self.test_connection(choice)))

    def _build_status(self) -> None:
        bar = self.statusBar()
        self.status_market = QLabel("Market: —", objectName="statusMarket")
        self.status_user = QLabel("Account: —", objectName="statusUser")
        self.status_clock = QLabel("Clock: —", objectName="statusClock")
        self.status_weight = QLabel("Weight: —", objectName="statusWeight")
        self.status_message = QLabel("", objectName="statusMessage")
        bar.addWidget(self.status_message, 1)
        for label in (self.status_market, self.status_user, self.status_clock,
                      self.status_weight):
            bar.addPermanentWidget(label)

    def _wire(self) -> None:
        self.watchlist_pane.addRequested.connect(lambda s: self._spawn(self.add_symbol(s)))
        self.watchlist_pane.removeRequested.connect(lambda s: self._spawn(self.remove_symbol(s)))
        self.watchlist_pane.symbolSelected.connect(self._symbol_selected)
        self.ticket.submitted.connect(lambda side: self._spawn(self.submit_order(side)))
        self.ticket.sizeRequested.connect(lambda pct: self._spawn(self.size_from_balance(pct)))
        self.orders_pane.cancelRequested.connect(lambda o: self._spawn(self.cancel_order(o)))
        self.orders_pane.cancelAllRequested.connect(lambda s: self._spawn(self.cancel_all(s)))
        # orders helper: brackets, amend by editing a price, shortcuts
        self.brackets = Brackets(self.bridge, self.orders_model, self._spawn, self.log)
        self.bridge.orderChanged.connect(self.brackets.on_order)
        self.orders_model.amendRequested.connect(
            lambda o, p: self._spawn(self.amend_order(o, p)))
        self.shortcuts_dialog: ShortcutsDialog | None = None
        self.shortcut_actions = install_shortcuts(self)

    # -- helpers ---------------------------------------------------------------------------------

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        """Run a coroutine on the shared loop; its errors reach the log, never kill the app."""
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            self.report_exception(type(exc), exc, exc.__traceback__)

    def report_exception(self, kind: type[BaseException], exc: BaseException,
                         tb: TracebackType | None) -> None:
        logger.error("Unhandled error", exc_info=(kind, exc, tb))
        self.log(f"Internal error: {kind.__name__}: {exc}", "ERROR")
        self.status_message.setText(f"Internal error: {exc}")

    def log(self, message: str, level: str = "INFO") -> None:
        self.log_model.append(LogEntry(time.time(), level, message))
        logger.log(logging.getLevelName(level), message)

    def _flush(self) -> None:
        self.watchlist_model.flush()

    def apply_theme(self, name: str) -> None:
        name = "light" if name == "light" else "dark"
        sheet = resources.files("resources").joinpath(f"{name}.qss").read_text("utf-8")
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.setStyleSheet(sheet)
        self.settings.theme = name
        self.theme_actions[name].setChecked(True)

    def _show_environment(self) -> None:
        env, market = self.environment, self.market
        text = {
            "Demo": "Simulated exchange on this computer: no real money, no keys needed",
            "Testnet": "Binance test network: test funds only",
            "Live": "LIVE TRADING: real money. Orders ask for confirmation",
        }[env]
        self.banner.setText(f"  {env.upper()} · {market.upper()}   —   {text}")
        self.banner.setProperty("env", env.lower())
        # The colour is also set on the label itself (not only in the theme), so it holds
        # whatever style sheet is active and reads the same through the palette.
        background, foreground = BANNER_COLOURS[env]
        self.banner.setStyleSheet(f"background-color: {background}; color: {foreground};")
        palette = self.banner.palette()
        palette.setColor(QPalette.ColorRole.Window, QColor(background))
        palette.setColor(QPalette.ColorRole.WindowText, QColor(foreground))
        self.banner.setPalette(palette)
        self.banner.setAutoFillBackground(True)
        self.setWindowTitle(f"Starlight — {env} {market}")

    # -- layout -------------------------------------------------------------------------------------

    def _tables(self) -> dict[str, QTableView]:
        return {"watchlist": self.watchlist_pane.view, "openOrders": self.orders_pane.view,
                "balances": self.balances_view}

    def _restore_layout(self) -> None:
        geometry, state = self.settings.window_state()
        if geometry is not None:
            self.restoreGeometry(geometry)
        if state is not None:
            self.restoreState(state)
        for name, view in self._tables().items():
            for col, width in enumerate(self.settings.column_widths(name)):
                if width > 10:
                    view.setColumnWidth(col, width)

    def save_layout(self) -> None:
        self.settings.set_window_state(self.saveGeometry(), self.saveState())
        for name, view in self._tables().items():
            model = view.model()
            widths = [view.columnWidth(c) for c in range(model.columnCount() if model else 0)]
            self.settings.set_column_widths(name, widths)
        self.settings.sync()

    def reset_layout(self) -> None:
        self.settings.clear_window_state()
        self.restoreState(self._default_state)
        for dock in self.findChildren(QDockWidget):
            dock.show()
        for view in self._tables().values():
            for col, width in enumerate(getattr(view, "_default_widths", ())):
                view.setColumnWidth(col, width)
        self.resize(1440, 860)

    # -- connecting --------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._shown:
            self._shown = True
            try:
                asyncio.get_event_loop()
            except RuntimeError:
                return
            self._connecting = self._spawn(self.connect_client())

    async def connect_client(self) -> None:
        env, market = self.environment, self.market
        futures = market == "Futures"
        self._show_environment()
        try:
            if env == "Demo":
                if self._demo is None:
                    self._demo = DemoExchange()
                    await self._demo.start()
                demo = self._demo
                client = BinanceClient(DEMO_API_KEY, DEMO_API_SECRET, False, futures,
                                       rest_url=demo.rest_url, ws_url=demo.ws_url,
                                       ws_api_url=demo.ws_api_url)
            else:
                key, secret = self.secrets.get(env, market)
                hosts = self.settings.hosts(env, market)
                client = BinanceClient(key, secret, env == "Testnet", futures,
                                       rest_url=hosts.rest_url or None,
                                       ws_url=hosts.ws_url or None,
                                       ws_api_url=hosts.ws_api_url or None)
                if not key or not secret:
                    self.log(f"No API key for {env} {market}: showing market data only. Add "
                             f"keys in File → Settings to trade.", "WARNING")
            self.log(f"Connecting to {env} {market} ({client.endpoints.rest_url})…")
            self.bridge.attach(client)
            await client.start()
        except (BinanceError, OSError) as exc:
            self.bridge.detach()
            delay = self._retry_delay
            self._retry_delay = min(self._retry_delay * 2, RETRY_MAX)
            self.log(f"Could not connect to {env} {market}: {exc}. Retrying in {delay:.0f} s "
                     f"(or change File → Settings).", "ERROR")
            self.status_message.setText(f"Not connected: {exc}")
            self._schedule_retry(delay)
            return
        if self._closed or (env, market) != (self.environment, self.market):
            await client.close()
            return
        self._retry_delay = 1.0
        self.client = client
        self.status_message.setText(f"Connected to {env} {market}")
        await self._populate(client)

    def _schedule_retry(self, delay: float) -> None:
        if self._closed:
            return
        loop = asyncio.get_event_loop()

        def retry() -> None:
            self._retry = None
            if not self._closed and self.client is None:
                self._connecting = self._spawn(self.connect_client())

        self._retry = loop.call_later(delay, retry)

    async def _populate(self, client: BinanceClient) -> None:
        contracts = client.contracts
        wanted = self.settings.watchlist(self.environment, self.market)
        known = [s for s in wanted if s in contracts]
        for missing in (s for s in wanted if s not in contracts):
            self.log(f"{missing} is not trading on {self.environment} {self.market}; removed "
                     f"from the watchlist", "WARNING")
        decimals = {s: c.price_decimals for s, c in contracts.items()}
        self.watchlist_model.set_symbols(known, decimals)
        self.watchlist_pane.set_completions(list(contracts))
        self.ticket.set_contracts(contracts, known)
        self.orders_model.contracts = contracts
        self.orders_model.set_orders(list(client.open_orders.values()))
        self.balances_model.set_balances(client.balances, client.futures)
        for col, width in enumerate(getattr(self.balances_view, "_default_widths", ())):
            self.balances_view.setColumnWidth(col, width)  # spot and futures differ in columns
        if known:
            try:
                await self.bridge.subscribe(known)
            except BinanceError as exc:
                self.log(f"Could not subscribe to market data: {exc}", "ERROR")

    async def aclose(self) -> None:
        """Stop the connector and the embedded demo exchange. Safe to call twice (or at once)."""
        if self._closing is None:
            self._closing = asyncio.ensure_future(self._aclose())
        await asyncio.shield(self._closing)

    async def _aclose(self) -> None:
        self._closed = True
        await self._stop_client()
        if self._demo is not None:
            demo, self._demo = self._demo, None
            await demo.close()
        for task in list(self._tasks):
            if task is not asyncio.current_task() and task is not self._closing:
                task.cancel()
        self._repaint.stop()
        self._status_timer.stop()

    async def _stop_client(self) -> None:
        if self._retry is not None:
            self._retry.cancel()
            self._retry = None
        connecting = self._connecting
        if connecting is not None and not connecting.done() and connecting is not asyncio.current_task():
            connecting.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await connecting
        client, self.client = self.client, None
        pending = self.bridge.client
        self.bridge.detach()
        for c in {id(x): x for x in (client, pending) if x is not None}.values():
            await c.close()

    async def switch_environment(self, env: str, market: str) -> None:
        """Close the old client cleanly, clear the panes, start the new one."""
        self.settings.set_watchlist(self.environment, self.market,
                                    self.watchlist_model.symbols())
        await self._stop_client()
        self.environment, self.market = env, market
        self.settings.environment, self.settings.market = env, market
        self.settings.sync()
        self.orders_model.set_orders([])
        self.balances_model.set_balances({}, market == "Futures")
        self.watchlist_model.set_symbols(self.settings.watchlist(env, market), {})
        self._streams.clear()
        self._retry_delay = 1.0
        self.log(f"Switched to {env} {market}")
        self._connecting = self._spawn(self.connect_client())
        await self._connecting

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_layout()
        self.settings.set_watchlist(self.environment, self.market,
                                    self.watchlist_model.symbols())
        self.settings.sync()
        if not self._closed:
            with contextlib.suppress(RuntimeError):  # no loop: main() closes us instead
                self._closing_task = asyncio.ensure_future(self.aclose())
        super().closeEvent(event)

    # -- settings ---------------------------------------------------------------------------------------

    def open_settings(self) -> None:
        self.settings_dialog.reload()
        self.settings_dialog.open()

    def _settings_applied(self, choice: Choice) -> None:
        self._spawn(self.apply_settings(choice))

    async def apply_settings(self, choice: Choice) -> None:
        if choice.environment != "Demo":
            persisted = self.secrets.set(choice.environment, choice.market, choice.key,
                                         choice.secret)
            if not persisted and (choice.key or choice.secret):
                self.log("No system keyring: API keys kept in memory for this session only",
                         "WARNING")
            self.settings.set_hosts(choice.environment, choice.market, choice.hosts)
        self.settings.set_confirm_orders(choice.environment, choice.confirm)
        self.settings.sync()
        if choice.environment == "Live" and self.environment != "Live":
            confirmed = await self.ask(
                "Switch to Live?",
                "You are switching to LIVE trading with real money.\n\nOrders you place will "
                "be sent to Binance.", "Switch to Live")
            if not confirmed:
                self.log("Stayed in the current environment: Live not confirmed")
                return
        await self.switch_environment(choice.environment, choice.market)

    async def test_connection(self, choice: Choice) -> None:
        dialog = self.settings_dialog
        dialog.test_result.setText("Testing…")
        if choice.environment == "Demo":
            dialog.test_result.setText("Demo needs no keys: the built-in demo account is used.")
            return
        client = BinanceClient(choice.key, choice.secret, choice.environment == "Testnet",
                               choice.market == "Futures",
                               rest_url=choice.hosts.rest_url or None,
                               ws_url=choice.hosts.ws_url or None,
                               ws_api_url=choice.hosts.ws_api_url or None, timeout=10)
        try:
            await client._rest.open()
            await client._rest.sync_time()
            balances = await client.get_balances()
        except BinanceError as exc:
            dialog.test_result.setText(f"Failed: {exc}")
            self.log(f"Connection test for {choice.environment} {choice.market} failed: {exc}",
                     "WARNING")
        else:
            dialog.test_result.setText(f"OK: key accepted, {len(balances)} non-zero balances")
            self.log(f"Connection test for {choice.environment} {choice.market}: OK")
        finally:
            await client.close()

    def ask(self, title: str, text: str, yes: str) -> asyncio.Future[bool]:
        """A non-blocking confirmation: ``open()`` plus a future, never ``exec()``."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, parent=self)
        box.setObjectName("confirmDialog")
        ok = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        future: asyncio.Future[bool] = asyncio.get_event_loop().create_future()

        def done(_: int) -> None:
            if not future.done():
                future.set_result(box.clickedButton() is ok)
            box.deleteLater()

        box.finished.connect(done)
        box.open()
        return future

    # -- watchlist -------------------------------------------------------------------------------------

    def _symbol_selected(self, symbol: str) -> None:
        self.ticket.set_symbol(symbol)
        quote = self.watchlist_model.quote(symbol)
        if quote and quote.bid is not None and not self.ticket.price.text():
            self.ticket.price.set_value(quote.bid)

    async def add_symbol(self, symbol: str) -> None:
        client = self.client
        if client is None:
            self.log(f"Cannot add {symbol}: not connected yet", "WARNING")
            return
        contract = client.contracts.get(symbol)
        if contract is None:
            self.log(f"Unknown symbol {symbol} on {self.environment} {self.market}", "WARNING")
            self.status_message.setText(f"Unknown symbol {symbol}")
            return
        if not self.watchlist_model.add(symbol, contract.price_decimals):
            return
        self.settings.set_watchlist(self.environment, self.market,
                                    self.watchlist_model.symbols())
        self.settings.sync()
        self.log(f"Watching {symbol}")
        await self.bridge.subscribe([symbol])

    async def remove_symbol(self, symbol: str) -> None:
        if not self.watchlist_model.remove(symbol):
            return
        self.settings.set_watchlist(self.environment, self.market,
                                    self.watchlist_model.symbols())
        self.settings.sync()
        self.log(f"Stopped watching {symbol}")
        if self.client is not None:
            with contextlib.suppress(BinanceError):
                await self.bridge.unsubscribe([symbol])

    # -- status -----------------------------------------------------------------------------------------

    def _connection_changed(self, stream: str, state: str, reason: str) -> None:
        self._streams[stream] = state
        if stream == "market":
            self.watchlist_model.mark_stale(state != "connected")
        self._update_status()

    def _update_status(self) -> None:
        market = self._streams.get("market", "—")
        user = self._streams.get("user", "—" if self.client is None or
                                 self.client.has_credentials else "no keys")
        for label, name, state in ((self.status_market, "Market", market),
                                   (self.status_user, "Account", user)):
            label.setText(f"● {name}: {state}")
            label.setProperty("state", state)
            label.style().unpolish(label)
            label.style().polish(label)
        client = self.client
        if client is not None:
            self.status_clock.setText(f"Clock {client.clock_offset_ms:+.0f} ms")
            self.status_weight.setText(f"Weight {client.used_weight}/6000")


def install_excepthook(window: MainWindow) -> None:
    """An exception in a slot is logged and shown; it never kills the app."""

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        try:
            window.report_exception(kind, exc, tb)
        except Exception:
            traceback.print_exception(kind, exc, tb)

    sys.excepthook = hook

