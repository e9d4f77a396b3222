"""The history pane: every order and fill of the environment, from the journal.

It reads the journal file itself (its own SQLite connection; WAL lets it read
while the recorder writes) and notices new rows by the journal's revision, so
it needs no signal from whoever records. Fills and orders share one view
(``history``), switched by two buttons; beside it, realized PnL per symbol for
the same filters, computed a chunk per event-loop turn so 100,000 fills never
freeze the window. ``exportHistoryButton`` writes what the filters show to CSV.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator, Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QDate, QEvent, QObject, QTimer
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from connector import Contract, OrderStatus, Trade

from ..journal import Filters, Journal
from ..journal_csv import export_journal
from ..journal_pnl import PnlBook, totals
from ..widgets import Table
from .base import Environment, Pane, PaneContext
from .history_model import (
    FILL_COLUMNS,
    FILL_WIDTHS,
    FUTURES_ONLY_FILL_COLUMNS,
    ORDER_COLUMNS,
    ORDER_WIDTHS,
    PNL_WIDTHS,
    LazyJournalModel,
    PnlModel,
    date_edit,
    day_of,
    local_midnight_ms,
    named,
    set_widths,
)

PERIODS = ("All time", "Today", "7 days", "30 days", "Custom")
STATUSES = (("All statuses", None), ("Open", "open"), ("Filled", "filled"),
            ("Canceled", "canceled"), ("Expired", "expired"), ("Rejected", "rejected"))
RELOAD_INTERVAL = 0.5  # s: at most two reloads a second however fast fills arrive
PNL_CHUNK = 1000  # fills per event-loop turn (about 20 ms)


class HistoryPane(Pane):
    title = "History"
    dock_name = "dockHistory"
    area = "bottom"

    def __init__(self, ctx: PaneContext, parent: QWidget | None = None, *,
                 journal: Journal | None = None) -> None:
        super().__init__(ctx, parent)
        self._journal = journal
        self._owns_journal = journal is None
        self.env: tuple[str, str] | None = (ctx.settings.environment, ctx.settings.market)
        self.assets: dict[str, tuple[str, str]] = {}
        self._revision: tuple[int, int] | None = None
        self._reloaded_at = 0.0
        self._pnl_job: Iterator[None] | None = None
        self._pnl_book: PnlBook | None = None  # kept to feed only what is new next time
        self._pnl_key: tuple[Any, ...] | None = None
        self._pnl_mark = 0
        self._shown_filters: Filters | None = None
        self.pnl_ready = False

        self.fills = LazyJournalModel[Trade](FILL_COLUMNS, self)
        self.orders = LazyJournalModel[OrderStatus](ORDER_COLUMNS, self)
        self.pnl = PnlModel(self)
        self._build()
        self._pnl_timer = QTimer(self, interval=0)
        self._pnl_timer.timeout.connect(self._pnl_step)
        self.view.viewport().installEventFilter(self)
        self.reload()

    def _build(self) -> None:
        self.fills_button = named(QToolButton(self), "historyFillsButton")
        self.orders_button = named(QToolButton(self), "historyOrdersButton")
        kinds = QButtonGroup(self)
        kinds.setExclusive(True)
        for button, text in ((self.fills_button, "Fills"), (self.orders_button, "Orders")):
            button.setText(text)
            button.setCheckable(True)
            kinds.addButton(button)
        self.fills_button.setChecked(True)
        for button in (self.fills_button, self.orders_button):
            button.toggled.connect(self._kind_changed)
        self.symbol_box = named(QComboBox(self), "historySymbol")
        self.symbol_box.addItem("All symbols", None)
        self.symbol_box.setMinimumContentsLength(10)
        self.side_box = named(QComboBox(self), "historySide")
        for text, value in (("All sides", None), ("Buy", "BUY"), ("Sell", "SELL")):
            self.side_box.addItem(text, value)
        self.status_box = named(QComboBox(self), "historyStatus")
        for text, value in STATUSES:
            self.status_box.addItem(text, value)
        self.period_box = named(QComboBox(self), "historyPeriod")
        self.period_box.addItems(PERIODS)
        today = QDate.currentDate()
        self.from_edit = date_edit(self, "historyFrom", today.addDays(-30))
        self.to_edit = date_edit(self, "historyTo", today)
        self.summary = named(QLabel(self), "historySummary")
        self.export_button = named(QPushButton("Export CSV…", self), "exportHistoryButton")
        self.export_button.setToolTip("Write the orders and fills these filters show to a CSV "
                                      "file (UTC times, exact numbers)")
        self.export_button.clicked.connect(self.choose_export_path)
        for box in (self.symbol_box, self.side_box, self.status_box, self.period_box):
            box.currentIndexChanged.connect(self._filters_changed)
        for edit in (self.from_edit, self.to_edit):
            edit.dateChanged.connect(self._filters_changed)

        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        for w in (self.fills_button, self.orders_button, self.symbol_box, self.side_box,
                  self.status_box, self.period_box, self.from_edit, self.to_edit):
            bar.addWidget(w)
        bar.addStretch(1)
        bar.addWidget(self.summary)
        bar.addWidget(self.export_button)

        # unsorted: newest first, as the journal's index reads
        self.view = Table("history", FILL_WIDTHS, self, sortable=False)
        self._show_model(self.fills, FILL_WIDTHS)
        self.pnl_view = Table("historyPnl", PNL_WIDTHS, self, sortable=False)
        self.pnl_view.setModel(self.pnl)
        set_widths(self.pnl_view, PNL_WIDTHS)
        split = QSplitter(self)
        split.addWidget(self.view)
        split.addWidget(self.pnl_view)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setSizes([1060, 440])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(split, 1)
        self._sync_enabled()

    # -- the journal -----------------------------------------------------------------------

    @property
    def journal(self) -> Journal:
        if self._journal is None:
            self._journal = Journal.open()
        return self._journal

    def close_journal(self) -> None:
        if self._journal is not None and self._owns_journal:
            self._journal.close()
            self._journal = None

    # -- the pane protocol -----------------------------------------------------------------

    def on_connected(self, env: Environment, contracts: Mapping[str, Contract]) -> None:
        self.env = (env.name, env.market)
        self.assets = {s: (c.base_asset, c.quote_asset) for s, c in contracts.items()}
        self.reload()

    def on_disconnected(self) -> None:
        self.env = None
        self.reload()

    def flush(self) -> None:
        if self.env is None or time.monotonic() - self._reloaded_at < RELOAD_INTERVAL:
            return
        if self.journal.revision() != self._revision:
            self.reload()

    def tables(self) -> Mapping[str, QTableView]:
        return {"history": self.view, "historyPnl": self.pnl_view}

    # -- filters -----------------------------------------------------------------------------

    @property
    def showing_orders(self) -> bool:
        return self.orders_button.isChecked()

    def filters(self) -> Filters:
        """What the view shows, as journal filters (dates are local days, inclusive)."""
        start = end = None
        period = self.period_box.currentText()
        today = date.today()
        if period == "Today":
            start = local_midnight_ms(today)
        elif period in ("7 days", "30 days"):
            start = local_midnight_ms(today - timedelta(days=int(period.split()[0]) - 1))
        elif period == "Custom":
            start = local_midnight_ms(day_of(self.from_edit.date()))
            end = local_midnight_ms(day_of(self.to_edit.date()) + timedelta(days=1)) - 1
        return Filters(symbol=self.symbol_box.currentData(), side=self.side_box.currentData(),
                       status=self.status_box.currentData() if self.showing_orders else None,
                       start=start, end=end)

    def _show_model(self, model: QAbstractItemModel, widths: tuple[int, ...]) -> None:
        self.view.setModel(model)  # a new model resets the header: widths follow it
        set_widths(self.view, widths)

    def _kind_changed(self, checked: bool) -> None:
        if checked:
            if self.showing_orders:
                self._show_model(self.orders, ORDER_WIDTHS)
            else:
                self._show_model(self.fills, FILL_WIDTHS)
            self._sync_enabled()
            self._update_summary()

    def _filters_changed(self, *_: Any) -> None:
        self._sync_enabled()
        self.reload()

    def _sync_enabled(self) -> None:
        self.status_box.setEnabled(self.showing_orders)
        custom = self.period_box.currentText() == "Custom"
        self.from_edit.setEnabled(custom)
        self.to_edit.setEnabled(custom)
        futures = self.env is not None and self.env[1] == "Futures"
        for col in FUTURES_ONLY_FILL_COLUMNS:
            self.view.setColumnHidden(col, not futures and not self.showing_orders)

    # -- loading -----------------------------------------------------------------------------

    def reload(self) -> None:
        """Read counts and the visible page again, and start the PnL over."""
        self._reloaded_at = time.monotonic()
        self._sync_enabled()
        if self.env is None:
            self.fills.set_source(lambda: 0, lambda offset, limit: [])
            self.orders.set_source(lambda: 0, lambda offset, limit: [])
            self.pnl.set_rows([], [])
            self.summary.setText("Not connected")
            return
        try:
            journal = self.journal
        except (OSError, sqlite3.Error, RuntimeError) as exc:  # unwritable dir, newer schema
            self.summary.setText("Journal unavailable")
            self.ctx.log(f"History: the journal cannot be opened: {exc}", "ERROR")
            self.env = None
            return
        (env, market), f = self.env, self.filters()
        self._revision = journal.revision()
        self._refresh_symbols(journal.symbols(env, market))
        bar = self.view.verticalScrollBar()
        shown, scrolled = self.view.model(), bar.value()
        before = shown.rowCount()
        self.fills.set_source(lambda: journal.count_trades(env, market, f),
                              lambda offset, limit: journal.trades(env, market, f, limit=limit,
                                                                   offset=offset))
        self.orders.set_source(lambda: journal.count_orders(env, market, f),
                               lambda offset, limit: journal.orders(env, market, f, limit=limit,
                                                                    offset=offset))
        if scrolled and f == self._shown_filters:  # keep the rows in view: new ones are above
            bar.setValue(scrolled + shown.rowCount() - before)
        self._shown_filters = f
        self.pnl_ready = False
        self._pnl_job = self._pnl_steps(journal, env, market, f)
        self._pnl_timer.stop()  # it starts once the rows are painted: rows first, PnL next
        self.view.viewport().update()
        self._update_summary()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.Paint and self._pnl_job is not None
                and not self._pnl_timer.isActive()):
            self._pnl_timer.start()
        return False

    def _refresh_symbols(self, symbols: list[str]) -> None:
        current = [self.symbol_box.itemData(i) for i in range(1, self.symbol_box.count())]
        if current == symbols:
            return
        chosen = self.symbol_box.currentData()
        self.symbol_box.blockSignals(True)
        self.symbol_box.clear()
        self.symbol_box.addItem("All symbols", None)
        for s in symbols:
            self.symbol_box.addItem(s, s)
        index = self.symbol_box.findData(chosen)
        self.symbol_box.setCurrentIndex(max(0, index))
        self.symbol_box.blockSignals(False)

    def _pnl_steps(self, journal: Journal, env: str, market: str,
                   f: Filters) -> Iterator[None]:
        """FIFO needs every fill of the symbol before the range, of both sides: read them
        all, oldest first, a chunk per turn; only the range's fills count. When only newer
        fills were recorded since the last run with the same filters, feed just those."""
        basis = Filters(symbol=f.symbol, end=f.end)
        key = (env, market, f, tuple(sorted(self.assets.items())))
        mark = journal.last_trade_rowid()
        book = self._pnl_book if self._pnl_key == key else None
        if book is not None:
            try:
                for t in journal.trades(env, market, basis, newest_first=False,
                                        recorded_after=self._pnl_mark):
                    book.feed(t)
            except ValueError:  # an older fill arrived (a backfill): start over
                book = None
        if book is None:
            self._pnl_key = None
            book = PnlBook(futures=market == "Futures", assets=self.assets, since=f.start,
                           until=f.end)
            offset = 0
            while True:
                page = journal.trades(env, market, basis, limit=PNL_CHUNK, offset=offset,
                                      newest_first=False, recorded_after=None)
                try:
                    for t in page:
                        book.feed(t)
                except ValueError:  # an older fill landed mid-read and shifted the pages
                    book = PnlBook(futures=market == "Futures", assets=self.assets,
                                   since=f.start, until=f.end)
                    offset = 0
                    continue
                offset += len(page)
                if len(page) < PNL_CHUNK:
                    break
                yield
        self._pnl_book, self._pnl_key, self._pnl_mark = book, key, mark
        rows = book.rows()
        self.pnl.set_rows(rows, totals(rows))
        self.pnl_ready = True
        self._update_summary()

    def _pnl_step(self) -> None:
        if self._pnl_job is None or next(self._pnl_job, StopIteration) is StopIteration:
            self._pnl_job = None
            self._pnl_timer.stop()

    def _update_summary(self) -> None:
        if self.env is None:
            return
        n = self.orders.rowCount() if self.showing_orders else self.fills.rowCount()
        what = "orders" if self.showing_orders else "fills"
        pnl = "" if self.pnl_ready else " · computing PnL…"
        self.summary.setText(f"{n:,} {what}{pnl}")

    # -- export ------------------------------------------------------------------------------

    def choose_export_path(self) -> None:
        """Ask where to write (a non-blocking dialog: ``open()``, never ``exec()``)."""
        env, market = self.env or ("", "")
        name = f"starlight-history-{env}-{market}-{date.today():%Y%m%d}.csv".lower()
        dialog = QFileDialog(self, "Export history", str(Path.home() / name),
                             "CSV files (*.csv)")
        dialog.setObjectName("exportHistoryDialog")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("csv")
        dialog.fileSelected.connect(self.export_csv)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()

    def export_csv(self, path: str | Path) -> int:
        """Write what the filters show (orders and fills) to ``path``; returns the rows."""
        if self.env is None:
            self.ctx.log("History export: not connected to an environment yet", "WARNING")
            return 0
        try:
            rows = export_journal(self.journal, *self.env, path, self.filters())
        except OSError as exc:
            self.ctx.log(f"History export to {path} failed: {exc}", "ERROR")
            return 0
        self.ctx.log(f"History: {rows:,} orders and fills written to {path}", "INFO")
        return rows
