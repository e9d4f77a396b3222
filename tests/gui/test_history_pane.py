"""The history pane (pytest-qt, offscreen) over a real journal file."""

from __future__ import annotations

from collections.abc import Coroutine, Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QDate
from PySide6.QtWidgets import QApplication, QFileDialog, QPushButton, QTableView
from pytestqt.qtbot import QtBot

from connector import Contract, OrderStatus, Trade
from gui.bridge import Bridge
from gui.journal import Filters, Journal
from gui.journal_csv import read_csv
from gui.journal_pnl import pnl_by_symbol
from gui.panes.base import Environment, PaneContext
from gui.panes.history import HistoryPane
from gui.settings import Settings

D = Decimal
NOW = int(datetime.now().timestamp() * 1000)
DAY = 24 * 3600 * 1000


def fill(i: int, *, symbol: str = "BTCUSDT", side: str | None = None, age_days: int = 0,
         pnl: str = "0") -> Trade:
    side = side or ("BUY" if i % 2 else "SELL")
    price = D(100 + i % 7)
    return Trade(i, 1000 + i, symbol, side, price, D("0.5"), price * D("0.5"), D("0.01"),
                 "USDT", D(pnl), i % 3 == 0, NOW - age_days * DAY - (1000 - i) * 1000)


def order(i: int, status: str, *, symbol: str = "BTCUSDT") -> OrderStatus:
    return OrderStatus(1000 + i, status, D(100), D("0.5") if status == "filled" else D(0),
                       symbol, f"c{i}", "BUY" if i % 2 else "SELL", "LIMIT", D(100), D("0.5"),
                       "GTC", NOW - (1000 - i) * 1000)


def no_spawn(coro: Coroutine[Any, Any, Any]) -> Any:
    coro.close()
    raise AssertionError("the history pane runs no commands")


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    j = Journal.open(tmp_path / "journal.sqlite3")
    j.record_trades("Demo", "Spot", [fill(i) for i in range(1, 41)])
    j.record_trades("Demo", "Spot", [fill(i, symbol="ETHUSDT", age_days=10)
                                     for i in range(41, 51)])
    j.record_orders("Demo", "Spot", [order(i, "filled") for i in range(1, 41)])
    j.record_orders("Demo", "Spot", [order(i, "canceled", symbol="ETHUSDT")
                                     for i in range(41, 46)])
    j.record_orders("Demo", "Spot", [order(i, "new", symbol="ETHUSDT") for i in range(46, 49)])
    j.record_trades("Demo", "Futures", [fill(i, pnl="1.5") for i in range(1, 5)])
    yield j
    j.close()


@pytest.fixture
def pane(qtbot: QtBot, qapp: QApplication, config_home: Any, journal: Journal) -> HistoryPane:
    logs: list[tuple[str, str]] = []

    ctx = PaneContext(Bridge(), Settings(), no_spawn,
                      lambda message, level: logs.append((message, level)))
    p = HistoryPane(ctx, journal=journal)
    p.logs = logs  # type: ignore[attr-defined]
    qtbot.addWidget(p)
    p.resize(1400, 500)
    p.show()
    p.on_connected(Environment("Demo", "Spot"), {})
    qtbot.waitUntil(lambda: p.pnl_ready)
    return p


def shown(p: HistoryPane, column: str) -> list[str]:
    model = p.view.model()
    col = [model.headerData(c, p.view.horizontalHeader().orientation())
           for c in range(model.columnCount())].index(column)
    return [model.index(r, col).data() for r in range(model.rowCount())]


def test_declares_its_dock_and_named_widgets(pane: HistoryPane) -> None:
    assert (HistoryPane.title, HistoryPane.dock_name, HistoryPane.area) == (
        "History", "dockHistory", "bottom")
    assert pane.findChild(QTableView, "history") is pane.view
    assert isinstance(pane.findChild(QPushButton, "exportHistoryButton"), QPushButton)
    assert set(pane.tables()) == {"history", "historyPnl"}


def test_fills_newest_first_then_orders(pane: HistoryPane) -> None:
    assert pane.view.model() is pane.fills and pane.fills.rowCount() == 50
    ids = [int(x) for x in shown(pane, "Trade ID")]
    assert ids[:3] == [40, 39, 38] and ids[-1] == 41  # ETH fills are 10 days older
    assert shown(pane, "Price")[0] == "105" and shown(pane, "Side")[0] == "SELL"
    assert pane.view.isColumnHidden(8)  # no realized PnL column on spot
    pane.orders_button.click()
    assert pane.view.model() is pane.orders and pane.orders.rowCount() == 48
    assert "48 orders" in pane.summary.text()
    assert shown(pane, "Status").count("Canceled") == 5


def test_filters_by_symbol_side_status_and_dates(pane: HistoryPane, qtbot: QtBot) -> None:
    pane.symbol_box.setCurrentIndex(pane.symbol_box.findData("ETHUSDT"))
    assert pane.fills.rowCount() == 10 and set(shown(pane, "Symbol")) == {"ETHUSDT"}
    pane.side_box.setCurrentIndex(pane.side_box.findData("BUY"))
    assert pane.fills.rowCount() == 5 and set(shown(pane, "Side")) == {"BUY"}
    pane.orders_button.click()
    assert pane.status_box.isEnabled()
    pane.side_box.setCurrentIndex(0)
    pane.status_box.setCurrentIndex(pane.status_box.findData("open"))
    assert pane.orders.rowCount() == 3 and set(shown(pane, "Status")) == {"New"}
    pane.status_box.setCurrentIndex(0)
    pane.symbol_box.setCurrentIndex(0)
    pane.fills_button.click()
    assert not pane.status_box.isEnabled()
    pane.period_box.setCurrentText("7 days")
    assert pane.fills.rowCount() == 40  # the ETH fills are 10 days old
    pane.period_box.setCurrentText("Custom")
    # the days the ETH fills fell on (ten days and ~16 minutes ago: just after midnight
    # that is the day before "ten days ago", so take them from the fills themselves)
    days = [date.fromtimestamp(fill(i, age_days=10).time / 1000) for i in (41, 50)]
    pane.from_edit.setDate(QDate(days[0].year, days[0].month, days[0].day))
    pane.to_edit.setDate(QDate(days[1].year, days[1].month, days[1].day))
    assert pane.fills.rowCount() == 10 and pane.filters().start is not None
    qtbot.waitUntil(lambda: pane.pnl_ready)
    assert [r.symbol for r in pane.pnl.rows] == ["ETHUSDT", "Total USDT"]


def test_pnl_per_symbol_and_total_match_the_fifo_function(pane: HistoryPane,
                                                          journal: Journal) -> None:
    expected = pnl_by_symbol(journal.trades("Demo", "Spot"), futures=False)
    assert [(r.symbol, r.realized, r.fees) for r in pane.pnl.rows[:-1]] == [
        (r.symbol, r.realized, r.fees) for r in expected]
    total = pane.pnl.rows[-1]
    assert total.symbol == "Total USDT" and total.realized == sum(r.realized for r in expected)
    text = pane.pnl.index(0, 1).data()
    assert text.endswith(" USDT") and text[0] in "+-"


def test_futures_shows_realized_pnl_from_the_exchange(pane: HistoryPane, qtbot: QtBot) -> None:
    contract = Contract("BTCUSDT", "BTC", "USDT", 1, 3, D("0.1"), D("0.001"), "binance_futures")
    pane.on_connected(Environment("Demo", "Futures"), {"BTCUSDT": contract})
    qtbot.waitUntil(lambda: pane.pnl_ready)
    assert pane.fills.rowCount() == 4 and not pane.view.isColumnHidden(8)
    assert shown(pane, "Realized PnL") == ["1.5"] * 4
    assert pane.pnl.rows[0].realized == D(6) and pane.pnl.index(0, 1).data() == "+6.00 USDT"
    pane.on_disconnected()
    assert pane.fills.rowCount() == 0 and pane.summary.text() == "Not connected"


def test_new_rows_appear_on_flush(pane: HistoryPane, journal: Journal, qtbot: QtBot) -> None:
    writer = Journal.open(journal.path)  # another connection, as the recorder has
    writer.record_trade("Demo", "Spot", fill(99, symbol="SOLUSDT"))
    writer.close()

    def flushed() -> bool:
        pane.flush()
        return pane.fills.rowCount() == 51

    qtbot.waitUntil(flushed)
    assert shown(pane, "Symbol")[0] == "SOLUSDT"
    assert pane.symbol_box.findData("SOLUSDT") > 0


def test_export_writes_what_the_filters_show(pane: HistoryPane, journal: Journal,
                                             tmp_path: Path) -> None:
    pane.symbol_box.setCurrentIndex(pane.symbol_box.findData("ETHUSDT"))
    path = tmp_path / "eth.csv"
    assert pane.export_csv(path) == 10 + 8
    orders, trades = read_csv(path)
    assert trades == journal.trades("Demo", "Spot", Filters(symbol="ETHUSDT"),
                                    newest_first=False)
    assert orders == journal.orders("Demo", "Spot", Filters(symbol="ETHUSDT"),
                                    newest_first=False)
    assert pane.logs[-1][1] == "INFO" and "18" in pane.logs[-1][0]  # type: ignore[attr-defined]
    assert pane.export_csv(tmp_path / "missing" / "x.csv") == 0
    assert pane.logs[-1][1] == "ERROR"  # type: ignore[attr-defined]


def test_export_button_asks_with_a_non_blocking_dialog(pane: HistoryPane, qtbot: QtBot,
                                                       tmp_path: Path) -> None:
    pane.export_button.click()  # returns at once: open(), not exec()
    dialog = pane.findChild(QFileDialog, "exportHistoryDialog")
    assert dialog is not None and dialog.isVisible()
    path = tmp_path / "all.csv"
    dialog.fileSelected.emit(str(path))
    dialog.reject()
    orders, trades = read_csv(path)
    assert (len(orders), len(trades)) == (48, 50)


def test_the_model_reads_pages_not_the_whole_journal(pane: HistoryPane, journal: Journal,
                                                     qtbot: QtBot) -> None:
    journal.record_trades("Demo", "Spot", [fill(i, symbol="XRPUSDT", age_days=1)
                                           for i in range(1000, 6000)])
    pane.reload()
    qtbot.waitUntil(lambda: pane.pnl_ready)
    assert pane.fills.rowCount() == 5050
    QApplication.processEvents()
    assert pane.fills.loaded_rows() <= 400  # what the view painted, a page or two
    last = pane.fills.index(5049, 11).data()
    assert last == "41" and pane.fills.loaded_rows() <= 600


def test_a_journal_that_cannot_open_is_reported_not_fatal(
        qtbot: QtBot, qapp: QApplication, config_home: Any, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    (tmp_path / "data" / "starlight").mkdir(parents=True)
    (tmp_path / "data" / "starlight" / "journal.sqlite3").write_bytes(b"not a database" * 100)
    logs: list[tuple[str, str]] = []
    ctx = PaneContext(Bridge(), Settings(), no_spawn,
                      lambda message, level: logs.append((message, level)))
    p = HistoryPane(ctx)  # the default journal, as the window builds it
    qtbot.addWidget(p)
    assert p.summary.text() == "Journal unavailable"
    assert logs and logs[-1][1] == "ERROR" and "journal" in logs[-1][0]
    p.flush()  # and nothing more happens
    assert p.fills.rowCount() == 0


def test_pnl_keeps_up_with_new_and_older_fills(pane: HistoryPane, journal: Journal,
                                               qtbot: QtBot) -> None:
    def settled() -> bool:
        pane.flush()
        return pane.pnl_ready and pane.fills.rowCount() == expected_rows

    def expected() -> list[tuple[str, Decimal]]:
        return [(r.symbol, r.realized) for r in pnl_by_symbol(
            journal.trades("Demo", "Spot"), futures=False)]

    pane.view.verticalScrollBar().setValue(20)
    book = pane._pnl_book
    writer = Journal.open(journal.path)
    writer.record_trades("Demo", "Spot", [fill(60, side="BUY"), fill(61, side="SELL")])
    expected_rows = 52
    qtbot.waitUntil(settled)
    assert pane._pnl_book is book  # only the two new fills were fed, to the same book
    assert [(r.symbol, r.realized) for r in pane.pnl.rows[:-1]] == expected()
    assert pane.view.verticalScrollBar().value() == 22  # the same rows stay in view
    writer.record_trade("Demo", "Spot", fill(0, side="SELL", age_days=30))  # a backfilled one
    writer.close()
    expected_rows = 53
    qtbot.waitUntil(settled)
    assert [(r.symbol, r.realized) for r in pane.pnl.rows[:-1]] == expected()
