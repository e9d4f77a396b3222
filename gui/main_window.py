"""The main window: a dock per pane, the environment banner, menus and the status bar.

It lays things out and wires signals; what happens lives elsewhere: the environment's life
cycle in ``session``, events and commands in ``bridge``, trading in the panes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from importlib import resources
from typing import Any, TypeVar

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QIcon, QShowEvent
from PySide6.QtWidgets import QApplication, QMainWindow, QToolBar

from . import heap
from .banner import EnvironmentBanner
from .bridge import Bridge
from .docks import Docks
from .environment import Environment
from .models import LogModel, WatchlistModel
from .panes import PANES, Pane, PaneContext
from .panes.log import LogPane
from .panes.open_orders import OpenOrdersPane
from .panes.ticket import OrderTicket
from .panes.watchlist import WatchlistPane
from .secrets import SecretStore
from .session import DemoFactory, Session, app_demo
from .settings import Choice, Settings
from .settings_dialog import KEY_PAIRS, SettingsDialog
from .shortcuts import install_shortcuts
from .status_bar import StatusBar
from .tasks import Tasks
from .widgets import ask, named

logger = logging.getLogger("gui")

REPAINT_MS = 50  # each pane shows what came in at most this long ago
# The panes flush in turns, a fifth of them every 10 ms, each still every 50 ms: Qt
# paints everything dirty in a window in one go, and the watchlist, book, tape and
# chart repainting together held the event loop for 8 ms or more (bench/gui.py stall).
REPAINT_TURNS = 5
DEFAULT_SIZE = (1440, 860)
P = TypeVar("P", bound=Pane)


class MainWindow(QMainWindow):
    def __init__(self, panes: Sequence[type[Pane]] | None = None, *,
                 demo_factory: DemoFactory = app_demo) -> None:
        super().__init__()
        self.setObjectName("mainWindow")
        self.setWindowTitle("Starlight")
        self.setWindowIcon(QIcon(str(resources.files("resources").joinpath("icon.svg"))))
        self.setMinimumSize(900, 600)
        self.resize(*DEFAULT_SIZE)
        self.settings = Settings()
        self.secrets = SecretStore()
        self.bridge = Bridge(self)
        self.tasks = Tasks(self.report_exception)
        self.session = Session(self.settings, self.secrets, self.bridge,
                               demo_factory=demo_factory, parent=self)
        self._shown = False
        self._closing: asyncio.Future[None] | None = None

        context = PaneContext(self.bridge, self.settings, self.tasks.spawn, self.bridge.log)
        self.panes: list[Pane] = [cls(context) for cls in (PANES if panes is None else panes)]
        for pane in self.panes:
            if pane.listens:
                self.bridge.listen(pane.listens, pane.on_event)
        self.layout_ = Docks(self, self.panes)
        self.banner = EnvironmentBanner()
        bar = named(QToolBar("Environment", self), "environmentBar")
        bar.setMovable(False)
        bar.setFloatable(False)
        bar.addWidget(self.banner)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
        self.status = StatusBar(self.statusBar(), self.bridge)
        self.settings_dialog = SettingsDialog(self.settings, self)
        self._build_menus()

        self.session.environmentChanged.connect(self._show_environment)
        self.session.connected.connect(self._connected)
        self.session.disconnected.connect(self._disconnected)
        self.session.message.connect(self.status.show_message)
        self.settings_dialog.applied.connect(lambda c: self.tasks.spawn(self.apply_settings(c)))
        self.settings_dialog.testRequested.connect(lambda c: self.tasks.spawn(self._test(c)))

        self.layout_.restore(self.settings)
        self.apply_theme(self.settings.theme)
        self._show_environment(self.session.environment)
        self._turn = 0
        self._repaint = QTimer(self)
        self._repaint.setInterval(REPAINT_MS // REPAINT_TURNS)
        self._repaint.timeout.connect(self._flush)
        self._repaint.start()

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.action_settings = named(QAction("&Settings…", self), "actionSettings")
        self.action_settings.setShortcut("Ctrl+,")
        self.action_settings.triggered.connect(self.open_settings)
        file_menu.addAction(self.action_settings)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut("Ctrl+Q")
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        view = self.menuBar().addMenu("&View")
        for dock in self.layout_.toggles():
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
        reset = named(QAction("Reset layout", self), "actionResetLayout")
        reset.triggered.connect(self.reset_layout)
        view.addAction(reset)
        ticket = next((p for p in self.panes if isinstance(p, OrderTicket)), None)
        orders = next((p for p in self.panes if isinstance(p, OpenOrdersPane)), None)
        if ticket is not None and orders is not None:  # Help → Keyboard shortcuts
            install_shortcuts(self, ticket, orders, self.tasks.spawn)

    # -- what the window shows ---------------------------------------------------------------

    def _show_environment(self, env: Environment) -> None:
        self.banner.show_environment(env)
        self.setWindowTitle(f"Starlight — {env}")

    def _connected(self, env: Environment) -> None:
        contracts = self.bridge.contracts()
        for pane in self.panes:
            pane.on_connected(env, contracts)
        QTimer.singleShot(heap.SETTLE_MS, heap.settle)  # what the connect built: frozen

    def _disconnected(self) -> None:
        self.status.board.clear()
        for pane in self.panes:
            pane.on_disconnected()

    def _flush(self) -> None:
        self._turn = (self._turn + 1) % REPAINT_TURNS
        for pane in self.panes[self._turn::REPAINT_TURNS]:
            pane.flush()

    def report_exception(self, exc: BaseException) -> None:
        logger.error("Unhandled error", exc_info=(type(exc), exc, exc.__traceback__))
        self.bridge.log(f"Internal error: {type(exc).__name__}: {exc}", "ERROR")
        self.status.show_message(f"Internal error: {exc}")

    def apply_theme(self, name: str) -> None:
        name = "light" if name == "light" else "dark"
        sheet = resources.files("resources").joinpath(f"{name}.qss").read_text("utf-8")
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.setStyleSheet(sheet)
        self.settings.theme = name
        self.theme_actions[name].setChecked(True)
        for pane in self.panes:
            pane.set_theme(name)

    def save_layout(self) -> None:
        self.layout_.save(self.settings)
        self.settings.sync()

    def reset_layout(self) -> None:
        self.layout_.reset(self.settings)
        self.resize(*DEFAULT_SIZE)

    # -- settings ------------------------------------------------------------------------------

    def open_settings(self) -> None:
        """Show the dialog now; the keyring is read once, off the loop, while it opens."""
        self.settings_dialog.reload(self.secrets.persistent)
        self.settings_dialog.open()
        self.tasks.spawn(self._load_keys())

    async def _load_keys(self) -> None:
        self.settings_dialog.keys_loaded(await self.secrets.load(KEY_PAIRS))

    async def apply_settings(self, choice: Choice) -> None:
        await self.session.apply_settings(choice, lambda t, x, y: ask(self, t, x, y))

    async def _test(self, choice: Choice) -> None:
        self.settings_dialog.test_result.setText("Testing…")
        self.settings_dialog.test_result.setText(await self.session.check_credentials(choice))

    # -- life cycle ------------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._shown:
            self._shown = True
            if not self.layout_.restored:
                self.layout_.size_defaults()
            with contextlib.suppress(RuntimeError):  # no event loop: nothing to connect
                asyncio.get_event_loop()  # set, maybe not running yet (main() shows first)
                self.session.start()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_layout()
        if self._closing is None:
            with contextlib.suppress(RuntimeError):  # no loop: main() closes us instead
                self._closing = asyncio.ensure_future(self._aclose())
        super().closeEvent(event)

    async def aclose(self) -> None:
        """Stop the panes' tasks, the client and the embedded demo. Safe to call twice."""
        if self._closing is None:
            self._closing = asyncio.ensure_future(self._aclose())
        await asyncio.shield(self._closing)

    async def _aclose(self) -> None:
        self._repaint.stop()
        self.status.stop()
        # The client first: its close ends the commands in flight (a task cancelled halfway
        # through a subscription can leave the connector's close waiting), then the rest.
        await self.session.aclose()
        await self.tasks.aclose()

    # -- for scripts and tests: the panes and the session by their old names ------------------------

    def pane(self, kind: type[P]) -> P:
        return next(p for p in self.panes if isinstance(p, kind))

    @property
    def client(self) -> Any:
        """The current ``BinanceClient`` (None while connecting or switching)."""
        return self.session.client

    @property
    def _demo(self) -> Any:
        """The embedded ``DemoExchange`` (None until Demo is first used)."""
        return self.session.demo

    @property
    def watchlist_model(self) -> WatchlistModel:
        return self.pane(WatchlistPane).model

    @property
    def log_model(self) -> LogModel:
        return self.pane(LogPane).model

    @property
    def ticket(self) -> OrderTicket:
        return self.pane(OrderTicket)

    @property
    def _submitting(self) -> bool:
        return self.ticket.submitting

    async def submit_order(self, side: str) -> None:
        await self.ticket.submit(side)

    @property
    def dock_log(self) -> Any:
        return self.layout_.docks[LogPane.dock_name]
