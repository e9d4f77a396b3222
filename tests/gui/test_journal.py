"""The journal (no Qt): schema, migrations, idempotency, filters, PnL, CSV, backfill."""

from __future__ import annotations

import csv
import re
import sqlite3
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from connector import BinanceClient, OrderStatus, Trade
from connector.demo import DEMO_API_KEY, DemoExchange
from connector.events import OrderUpdate
from gui.journal import SCHEMA_VERSION, Filters, Journal, SyncPoint, default_path, migrate
from gui.journal_csv import export_journal, iso, read_csv
from gui.journal_pnl import PnlBook, futures_pnl, pnl_by_symbol, spot_fifo_pnl, totals
from gui.journal_recorder import JournalRecorder, backfill

from ..connector.conftest import make_client
from ..connector.helpers import until

D = Decimal
T0 = 1_764_000_000_000


def trade(trade_id: int, side: str = "BUY", price: str = "100", qty: str = "1", *,
          symbol: str = "BTCUSDT", fee: str = "0", fee_asset: str = "USDT", pnl: str = "0",
          time: int = 0, order_id: int = 0) -> Trade:
    return Trade(trade_id, order_id or trade_id, symbol, side, D(price), D(qty),
                 D(price) * D(qty), D(fee), fee_asset, D(pnl), False, time or T0 + trade_id)


def order(order_id: int, status: str = "new", executed: str = "0", *, symbol: str = "BTCUSDT",
          side: str = "BUY", time: int = 0) -> OrderStatus:
    return OrderStatus(order_id, status, D("100") if D(executed) else D(0), D(executed), symbol,
                       f"c{order_id}", side, "LIMIT", D("100"), D("2"), "GTC",
                       time or T0 + order_id)


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    j = Journal.open(tmp_path / "j.sqlite3")
    yield j
    j.close()


def test_opens_in_wal_with_normal_sync_at_the_current_version(journal: Journal) -> None:
    assert journal.execute("PRAGMA journal_mode") == [("wal",)]
    assert journal.execute("PRAGMA synchronous") == [(1,)]  # NORMAL
    assert journal.schema_version == SCHEMA_VERSION == 3
    assert Path(str(journal.path) + "-wal").exists()


def test_default_location_is_the_user_data_dir(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_path() == tmp_path / "data" / "starlight" / "journal.sqlite3"
    with Journal.open() as j:
        assert j.path == default_path() and j.path.exists()


def test_fills_are_recorded_once_per_env_market_and_symbol(journal: Journal) -> None:
    t = trade(1, price="95000.12345678", qty="0.00000001", fee="0.00000001", fee_asset="BTC")
    assert journal.record_trade("Demo", "Spot", t) is True
    assert journal.record_trade("Demo", "Spot", t) is False
    assert journal.record_trades("Demo", "Spot", [t, t]) == 0
    assert journal.record_trade("Live", "Spot", t) is True  # another exchange account
    assert journal.record_trade("Demo", "Spot", trade(1, symbol="ETHUSDT")) is True
    assert journal.count_trades("Demo", "Spot") == 2
    [back] = journal.trades("Demo", "Spot", Filters(symbol="BTCUSDT"))
    assert back == t and back.quantity == D("0.00000001")
    assert journal.execute("SELECT quantity, price FROM trades LIMIT 1") == [
        ("0.00000001", "95000.12345678")]


def test_order_states_move_forward_only(journal: Journal) -> None:
    rec = journal.record_order
    assert rec("Demo", "Spot", order(7, "new", time=T0))
    assert rec("Demo", "Spot", order(7, "partially_filled", "1", time=T0 + 5))
    assert rec("Demo", "Spot", order(7, "filled", "2", time=T0 + 9))
    # replays of older states (a REST snapshot or a stream replay) change nothing
    assert not rec("Demo", "Spot", order(7, "new", time=T0))
    assert not rec("Demo", "Spot", order(7, "partially_filled", "1", time=T0 + 5))
    assert not rec("Demo", "Spot", order(7, "filled", "2", time=T0 + 9))
    [latest] = journal.orders("Demo", "Spot")
    assert (latest.status, latest.executed_qty, latest.update_time) == ("filled", D(2), T0 + 9)
    assert latest.client_order_id == "c7" and latest.orig_qty == D(2)
    assert [s for s, _, _ in journal.order_states("Demo", "Spot", "BTCUSDT", 7)] == [
        "new", "partially_filled", "filled"]
    # a second partial fill of the same state moves it on
    rec("Demo", "Spot", order(8, "partially_filled", "0.5", time=T0 + 1))
    assert rec("Demo", "Spot", order(8, "partially_filled", "1.5", time=T0 + 2))
    assert journal.orders("Demo", "Spot", Filters(status="open"))[0].executed_qty == D("1.5")


def test_filters_limits_and_order(journal: Journal) -> None:
    for i in range(1, 11):
        journal.record_trade("Demo", "Spot", trade(i, "BUY" if i % 2 else "SELL",
                                                   symbol="BTCUSDT" if i <= 6 else "ETHUSDT"))
        journal.record_order("Demo", "Spot", order(i, "filled" if i % 3 else "canceled", "1",
                                                   symbol="BTCUSDT" if i <= 6 else "ETHUSDT"))
    trades = journal.trades("Demo", "Spot")
    assert [t.trade_id for t in trades] == list(range(10, 0, -1))  # newest first
    assert [t.trade_id for t in journal.trades("Demo", "Spot", newest_first=False,
                                               limit=3, offset=2)] == [3, 4, 5]
    only = Filters(symbol="ETHUSDT", side="SELL")
    assert [t.trade_id for t in journal.trades("Demo", "Spot", only)] == [10, 8]
    assert journal.count_trades("Demo", "Spot", only) == 2
    span = Filters(start=T0 + 3, end=T0 + 5)
    assert [t.trade_id for t in journal.trades("Demo", "Spot", span)] == [5, 4, 3]
    assert [o.order_id for o in journal.orders("Demo", "Spot", Filters(status="canceled"))] == [
        9, 6, 3]
    assert journal.count_orders("Demo", "Spot", Filters(symbol="BTCUSDT")) == 6
    assert journal.count_trades("Live", "Spot") == 0
    assert journal.symbols("Demo", "Spot") == ["BTCUSDT", "ETHUSDT"]
    assert journal.last_trade_time("Demo", "Spot", "BTCUSDT") == T0 + 6
    assert journal.last_trade_id("Demo", "Spot", "ETHUSDT") == 10
    assert journal.last_trade_time("Demo", "Spot", "XRPUSDT") is None
    assert journal.open_order_ids("Demo", "Spot", "BTCUSDT") == []
    journal.record_order("Demo", "Spot", order(2, "new", symbol="BTCUSDT", time=T0))
    assert journal.open_order_ids("Demo", "Spot", "BTCUSDT") == []  # filled stays filled
    journal.record_order("Demo", "Spot", order(50, "new", symbol="BTCUSDT"))
    assert journal.open_order_ids("Demo", "Spot", "BTCUSDT") == [50]
    assert journal.last_order_time("Demo", "Spot", "BTCUSDT") == T0 + 50
    assert journal.sync_point("Demo", "Spot", "BTCUSDT", "trades") is None
    journal.set_sync_point("Demo", "Spot", "BTCUSDT", "trades", SyncPoint(next_id=7))
    journal.set_sync_point("Demo", "Spot", "BTCUSDT", "trades", SyncPoint(since=T0))
    assert journal.sync_point("Demo", "Spot", "BTCUSDT", "trades") == SyncPoint(since=T0)
    journal.forget("Demo", "Spot")
    assert journal.count_trades("Demo", "Spot") == journal.count_orders("Demo", "Spot") == 0
    assert journal.sync_point("Demo", "Spot", "BTCUSDT", "trades") is None


def test_migration_from_v1_keeps_rows_and_adds_indexes_and_sync_points(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrate(conn, upto=1) == 1
    conn.execute("INSERT INTO trades VALUES ('Live', 'Spot', 'BTCUSDT', 5, 9, 'BUY', '1.10', "
                 "'2', '2.20', '0.001', 'BTC', '0', 1, 1700000000000)")
    conn.close()
    with Journal.open(path) as j:
        assert j.schema_version == 3
        names = {r[0] for r in j.execute("SELECT name FROM sqlite_master WHERE type='index'")}
        assert {"trades_by_time", "orders_by_time"} <= names  # v2
        assert j.sync_point("Live", "Spot", "BTCUSDT", "trades") is None  # v3's table
        [t] = j.trades("Live", "Spot")
        assert (t.trade_id, t.price, t.quote_quantity, t.is_maker) == (5, D("1.10"), D("2.20"),
                                                                       True)
        plan = " ".join(str(r) for r in j.execute(
            "EXPLAIN QUERY PLAN SELECT * FROM trades WHERE env='Live' AND market='Spot' "
            "ORDER BY time DESC, trade_id DESC LIMIT 100"))
        assert "trades_by_time" in plan and "TEMP B-TREE" not in plan
    with Journal.open(path) as j:  # opening again migrates nothing
        assert j.schema_version == 3 and j.count_trades("Live", "Spot") == 1


def test_a_journal_from_a_newer_starlight_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(RuntimeError, match="newer"):
        Journal.open(path)


def test_spot_fifo_pnl_with_fees_by_hand() -> None:
    trades = [
        trade(1, "BUY", "100", "2", fee="0.2"),  # lot 2 @ cost 200.2
        trade(2, "BUY", "130", "1", fee="0.13"),  # lot 1 @ cost 130.13
        trade(3, "SELL", "150", "2.5", fee="0.375"),  # 374.625 - (200.2 + 65.065) = 109.36
        trade(4, "SELL", "120", "0.5", fee="0.06"),  # 59.94 - 65.065 = -5.125
        # a fee paid in the base asset: 9.99 received for 20; sold for 29.97 - 0.02997
        trade(5, "BUY", "2", "10", symbol="XRPUSDT", fee="0.01", fee_asset="XRP"),
        trade(6, "SELL", "3", "9.99", symbol="XRPUSDT", fee="0.02997"),
        # more sold than bought here: only the matched half is realized
        trade(7, "BUY", "10", "1", symbol="DOTUSDT"),
        trade(8, "SELL", "12", "2", symbol="DOTUSDT"),  # (24 * 1/2) - 10 = 2
        trade(9, "BUY", "0.03", "1", symbol="ETHBTC", fee="0.001", fee_asset="BNB"),
    ]
    rows = {r.symbol: r for r in spot_fifo_pnl(reversed(trades))}  # any order in: time order
    assert rows["BTCUSDT"].realized == D("104.235")
    assert rows["BTCUSDT"].fees == D("0.765") and rows["BTCUSDT"].fills == 4
    assert rows["XRPUSDT"].realized == D("9.94003")
    assert rows["XRPUSDT"].fees == D("0.01") * 2 + D("0.02997")
    assert rows["DOTUSDT"].realized == D(2) and rows["DOTUSDT"].unmatched_qty == D(1)
    assert rows["ETHBTC"].quote_asset == "BTC" and rows["ETHBTC"].other_fees == (
        ("BNB", D("0.001")),)
    total = {r.symbol: r for r in totals(rows.values())}
    assert total["Total USDT"].realized == D("104.235") + D("9.94003") + D(2)
    assert total["Total BTC"].realized == 0


def test_futures_pnl_is_the_sum_of_realized_pnl() -> None:
    rows = futures_pnl([
        trade(1, "BUY", "100", "1", pnl="0", fee="0.04"),
        trade(2, "SELL", "105.5", "1", pnl="5.5", fee="0.0422"),
        trade(3, "SELL", "100", "1", symbol="ETHUSDT", pnl="0"),
        trade(4, "BUY", "102.25", "1", symbol="ETHUSDT", pnl="-2.25", fee="0.0409"),
    ])
    assert [(r.symbol, r.realized, r.fees) for r in rows] == [
        ("BTCUSDT", D("5.5"), D("0.0822")), ("ETHUSDT", D("-2.25"), D("0.0409"))]
    assert totals(rows)[0].realized == D("3.25")


def test_csv_round_trip_gives_back_the_same_decimals(journal: Journal, tmp_path: Path) -> None:
    t = Trade(11, 3, "BTCUSDT", "SELL", D("95000.1"), D("0.00001"), D("0.950001"),
              D("1E-8"), "USDT", D("-0.12345678"), True, T0 + 123)
    o = OrderStatus(3, "filled", D("95000.1"), D("0.00001"), "BTCUSDT", "sl-x", "SELL",
                    "LIMIT", D("95000.10"), D("0.00001"), "GTC", T0 + 123, D(0), True)
    journal.record_trade("Demo", "Futures", t)
    journal.record_order("Demo", "Futures", o)
    path = tmp_path / "history.csv"
    assert export_journal(journal, "Demo", "Futures", path) == 2
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("kind,time,symbol,side,order_id,trade_id")
    rows = list(csv.DictReader(lines))
    assert rows[1]["time"] == iso(T0 + 123) == "2025-11-24T16:00:00.123Z"
    assert rows[1]["commission"] == "0.00000001"
    assert not re.search(r"\d[eE][+-]?\d", path.read_text())  # no exponents anywhere
    orders, trades = read_csv(path)
    assert trades == [t] and orders == [o]
    assert trades[0].commission == D("1E-8") and orders[0].price == D("95000.10")


# -- backfill against the demo, with a second client placing orders -----------------------


@pytest.fixture
async def demo() -> AsyncIterator[DemoExchange]:
    async with DemoExchange(seed=11, walk_interval=0.05) as ex:
        yield ex


def exchange_fills(ex: DemoExchange) -> set[int]:
    return {t["id"] for t in ex.spot.trades if t["api_key"] == DEMO_API_KEY}


async def test_backfill_finds_orders_placed_elsewhere_and_doubles_nothing(
        demo: DemoExchange, journal: Journal) -> None:
    other: BinanceClient = make_client(demo, False)
    await other.start()
    app = make_client(demo, False)
    recorder = JournalRecorder.attach(app, journal, "Demo", "Spot",
                                      symbols=lambda: ["DOGEUSDT"])
    await app.start()
    try:
        await until(lambda: recorder.backfills >= 1, what="the backfill on connect")
        for _ in range(3):
            await other.place_order("DOGEUSDT", "MARKET", 21, "BUY")
        resting = await other.place_order("DOGEUSDT", "LIMIT", 20, "BUY", price="0.2")
        # the app's own stream sees them (same account): orders and, fetched, their fills
        await until(lambda: journal.count_trades("Demo", "Spot") == 3, what="3 fills")
        await until(lambda: journal.count_orders("Demo", "Spot") == 4, what="4 orders")
    finally:
        await recorder.aclose()
        await app.close()

    # while the app is away: more fills and a cancel, only on the other client
    for _ in range(2):
        await other.place_order("DOGEUSDT", "MARKET", 20, "SELL")
    await other.place_order("ETHUSDT", "MARKET", "0.01", "BUY")
    await other.cancel_order("DOGEUSDT", resting.order_id)
    await other.close()

    app = make_client(demo, False)
    recorder = JournalRecorder.attach(app, journal, "Demo", "Spot", symbols=lambda: ["ETHUSDT"])
    await app.start()
    try:
        await until(lambda: recorder.backfills >= 1, what="the backfill on restart")
        fills = {t.trade_id for t in journal.trades("Demo", "Spot")}
        assert fills == exchange_fills(demo) and journal.count_trades("Demo", "Spot") == 6
        [cancelled] = journal.orders("Demo", "Spot", Filters(status="canceled"))
        assert cancelled.order_id == resting.order_id
        assert journal.count_orders("Demo", "Spot", Filters(status="open")) == 0
        # a reconnect backfills again and finds nothing new
        before = recorder.backfills
        await demo.drop_streams()
        await until(lambda: recorder.backfills > before, what="the backfill on reconnect")
        assert recorder.last_result is not None and recorder.last_result.trades == 0
        again = await backfill(journal, "Demo", "Spot", app, now_ms=demo.server_time_ms())
        assert (again.trades, again.orders) == (0, 0)
        assert again.symbols == ("DOGEUSDT", "ETHUSDT")
        assert journal.count_trades("Demo", "Spot") == 6
    finally:
        await recorder.aclose()
        await app.close()


def test_pnl_in_a_date_range_uses_the_cost_basis_from_before_it() -> None:
    trades = [trade(1, "BUY", "100", "1", time=T0), trade(2, "BUY", "200", "1", time=T0 + 10),
              trade(3, "SELL", "300", "1", time=T0 + 20)]
    [inside] = pnl_by_symbol(trades, futures=False, since=T0 + 15)
    assert inside.realized == D(200) and inside.fills == 1  # sold the 100 lot, bought before
    assert pnl_by_symbol(trades, futures=False, until=T0 + 15)[0].realized == 0
    with pytest.raises(ValueError, match="time order"):
        book = PnlBook(futures=False)
        book.feed(trades[1])
        book.feed(trades[0])


def test_the_recorder_records_order_updates_and_their_fills_once(journal: Journal) -> None:
    recorder = JournalRecorder(journal, "Live", "Spot")
    recorder.on_order_update(OrderUpdate(order(5, "new")))
    filled = OrderUpdate(order(5, "filled", "2"), "TRADE", trade(9, order_id=5))
    recorder.on_order_update(filled)
    recorder.on_order_update(filled)  # a replay
    assert [o.status for o in journal.orders("Live", "Spot")] == ["filled"]
    assert [t.trade_id for t in journal.trades("Live", "Spot")] == [9]


async def test_a_fill_the_stream_recorded_does_not_hide_the_gap_before_it(
        demo: DemoExchange, journal: Journal) -> None:
    async with make_client(demo, False) as client:
        await client.place_order("DOGEUSDT", "MARKET", 21, "BUY")
        first = await backfill(journal, "Demo", "Spot", client, ["DOGEUSDT"],
                               now_ms=demo.server_time_ms())
        assert first.trades == 1
        for _ in range(3):  # placed while the app was away...
            await client.place_order("DOGEUSDT", "MARKET", 21, "BUY")
        newest = (await client.get_trades("DOGEUSDT"))[-1]
        journal.record_trade("Demo", "Spot", newest)  # ...but the newest came by the stream
        again = await backfill(journal, "Demo", "Spot", client, now_ms=demo.server_time_ms())
        assert again.trades == 2  # the two before it: the sync point, not max(trade_id)
        assert {t.trade_id for t in journal.trades("Demo", "Spot")} == exchange_fills(demo)
        assert journal.sync_point("Demo", "Spot", "DOGEUSDT", "trades") == SyncPoint(
            next_id=newest.trade_id + 1)
