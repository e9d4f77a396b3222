"""History pane benchmark: 100,000 fills, from creating the pane to its first painted rows.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/history.py [--fills 100000] [--rounds 5]

A temporary journal gets ``--fills`` fills (10 symbols over 90 days). Each round
times, interleaved (the order alternates per round):

- lazy: ``HistoryPane`` over the journal (a count and one page through the v2 index),
  shown, until its table's viewport has painted rows; and, separately, until the
  chunked PnL of all fills is on screen;
- baseline: every fill read from the same journal into a ``QStandardItemModel``
  (the 12 columns of the pane, as text), in a ``QTableView``, shown, until painted.

Prints min / median / max per variant and the ratio of the medians.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from decimal import Decimal
from pathlib import Path
from typing import Any

from _common import isolate_gui
from _stats import Rounds

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
isolate_gui()

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QApplication, QTableView, QWidget

from connector import Trade
from gui.journal import Journal

SYMBOLS = ("BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT", "XRPUSDT", "ADAUSDT", "DOGEUSDT",
           "LTCUSDT", "DOTUSDT", "LINKUSDT")
DAY = 24 * 3600 * 1000


class PaintWatch(QObject):
    """Notes when a widget's paint event has run."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self.painted = False
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.painted = True
        return False


def fill_journal(path: Path, n: int) -> float:
    now = int(time.time() * 1000)
    step = 90 * DAY // n
    trades = []
    for i in range(n):
        symbol = SYMBOLS[i % len(SYMBOLS)]
        price = Decimal(100 + (i * 37) % 500) + Decimal(i % 100) / 100
        qty = Decimal((i % 9) + 1) / 10
        trades.append(Trade(i // len(SYMBOLS) + 1, 10_000_000 + i, symbol,
                            "BUY" if (i // len(SYMBOLS)) % 3 != 2 else "SELL", price, qty,
                            price * qty, price * qty / 1000, "USDT", Decimal(0), i % 4 == 0,
                            now - 90 * DAY + i * step))
    t0 = time.perf_counter()
    with Journal.open(path) as j:
        j.record_trades("Demo", "Spot", trades)
    return time.perf_counter() - t0


def until(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.perf_counter() + timeout
    while not condition():
        if time.perf_counter() > deadline:
            raise TimeoutError("benchmark condition never became true")
        QApplication.processEvents()


def lazy_round(path: Path) -> tuple[float, float, int]:
    from gui.bridge import Bridge
    from gui.panes.base import PaneContext
    from gui.panes.history import HistoryPane
    from gui.settings import Settings

    def spawn(coro: Coroutine[Any, Any, Any]) -> Any:
        coro.close()

    journal = Journal.open(path)
    t0 = time.perf_counter()
    ctx = PaneContext(Bridge(), Settings(), spawn, lambda m, level: None)
    pane = HistoryPane(ctx, journal=journal)
    watch = PaintWatch(pane.view.viewport())
    pane.resize(1400, 600)
    pane.show()
    until(lambda: watch.painted and pane.fills.rowCount() > 0)
    first = time.perf_counter() - t0
    until(lambda: pane.pnl_ready)
    pnl = time.perf_counter() - t0
    rows = pane.fills.rowCount()
    pane.close()
    pane.deleteLater()
    QApplication.processEvents()
    journal.close()
    return first, pnl, rows


def baseline_round(path: Path) -> tuple[float, int]:
    from gui.panes.history_model import FILL_COLUMNS

    journal = Journal.open(path)
    t0 = time.perf_counter()
    trades = journal.trades("Demo", "Spot")
    model = QStandardItemModel(len(trades), len(FILL_COLUMNS))
    model.setHorizontalHeaderLabels([c.title for c in FILL_COLUMNS])
    for r, t in enumerate(trades):
        for c, column in enumerate(FILL_COLUMNS):
            model.setItem(r, c, QStandardItem(column.text(t)))
    view = QTableView()
    view.setModel(model)
    watch = PaintWatch(view.viewport())
    view.resize(1400, 600)
    view.show()
    until(lambda: watch.painted)
    elapsed = time.perf_counter() - t0
    rows = model.rowCount()
    view.close()
    view.deleteLater()
    QApplication.processEvents()
    journal.close()
    return elapsed, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fills", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    app = QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "journal.sqlite3"
        insert = fill_journal(path, args.fills)
        print(f"journal: {args.fills:,} fills inserted in {insert:.2f} s "
              f"({args.fills / insert:,.0f} fills/s, one transaction); "
              f"file {path.stat().st_size / 1e6:.1f} MB")
        lazy: list[float] = []
        pnl: list[float] = []
        base: list[float] = []
        for r in range(args.rounds):
            order = (0, 1) if r % 2 == 0 else (1, 0)
            for which in order:
                if which == 0:
                    first, ready, rows = lazy_round(path)
                    assert rows == args.fills, rows
                    lazy.append(first)
                    pnl.append(ready)
                else:
                    elapsed, rows = baseline_round(path)
                    assert rows == args.fills, rows
                    base.append(elapsed)
        res = Rounds(["lazy pane, first rows painted", "lazy pane, PnL of all fills",
                      "baseline QStandardItemModel"])
        for name, values in zip(res.names, (lazy, pnl, base), strict=True):
            res.values[name] = [v * 1000 for v in values]
        res.summary("ms", f"{args.rounds} interleaved rounds, load average "
                          f"{os.getloadavg()[0]:.1f}:")
        res.ratio("baseline QStandardItemModel", "lazy pane, first rows painted",
                  label="baseline / lazy first paint")
    app.quit()


if __name__ == "__main__":
    main()
