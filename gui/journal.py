"""The trade journal: every order state and every fill the app learns of, in SQLite.

No Qt here: a script reads the journal with the standard library and the
connector's value types (``Journal.open().trades("Live", "Spot")``).

Choices, and why:

- **One file, keyed by columns** ``env`` (Demo/Testnet/Live) and ``market``
  (Spot/Futures), not one file per environment: one schema to migrate, one file
  to back up or hand to a tax tool, and every query filters on the key (it leads
  every unique index). Order and trade ids are only unique per symbol on one
  exchange, so the key of a fill is ``(env, market, symbol, trade_id)``.
- **WAL with ``synchronous=NORMAL``**: a commit is in the WAL before ``commit()``
  returns, so killing the process (SIGKILL, a crash) never loses or tears a
  committed row; only an OS crash or power cut can drop the last few commits,
  and the next backfill fetches those again from the exchange, which is the
  source of truth. FULL would add an fsync per fill on the GUI's loop for no
  gain. WAL also lets the history pane read while the recorder writes.
- **Idempotent writes**: a fill is ``INSERT OR IGNORE`` on its unique key; an
  order has one row per state it passed through (``order_events``, unique per
  order and status) and one row holding its latest state (``orders``, an UPSERT
  that only moves forward: a later status rank, or the same rank and a newer
  update). Replaying a stream or a REST backfill changes nothing.
- **Exact numbers**: Decimals are stored as TEXT (``format(d, "f")``), times as
  integer milliseconds since the epoch (UTC).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Any

import platformdirs

from connector import OrderStatus, Trade

from .journal_schema import MIGRATIONS, SCHEMA_VERSION, migrate

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "Filters", "Journal", "SyncPoint", "default_path",
           "migrate", "text"]

FILE_NAME = "journal.sqlite3"
# Open states first, terminal last: a state never moves back to a lower rank.
STATUS_RANK = {"new": 0, "pending_new": 0, "partially_filled": 1, "pending_cancel": 1,
               "filled": 2, "canceled": 2, "rejected": 2, "expired": 2, "expired_in_match": 2}
OPEN_STATUSES = ("new", "pending_new", "partially_filled", "pending_cancel")

_ORDER_COLUMNS = ("symbol, order_id, client_order_id, side, order_type, status, price, "
                  "orig_qty, executed_qty, avg_price, time_in_force, stop_price, reduce_only, "
                  "update_time")
_TRADE_COLUMNS = ("symbol, trade_id, order_id, side, price, quantity, quote_quantity, "
                  "commission, commission_asset, realized_pnl, is_maker, time")


def default_path() -> Path:
    """``journal.sqlite3`` in the user's data directory (e.g. ~/.local/share/starlight)."""
    return Path(platformdirs.user_data_dir("starlight")) / FILE_NAME


def text(d: Decimal) -> str:
    return format(d, "f")


@dataclass(frozen=True, slots=True)
class Filters:
    """What the history shows: None means any. Times are inclusive ms bounds."""

    symbol: str | None = None
    side: str | None = None
    status: str | None = None  # orders only; "open" means any open state
    start: int | None = None
    end: int | None = None

    def where(self, env: str, market: str, time_column: str,
              orders: bool) -> tuple[str, list[Any]]:
        clauses: list[str] = ["env = ?", "market = ?"]
        args: list[Any] = [env, market]
        if self.symbol:
            clauses.append("symbol = ?")
            args.append(self.symbol)
        if self.side:
            clauses.append("side = ?")
            args.append(self.side)
        if orders and self.status:
            if self.status == "open":
                clauses.append(f"status IN ({', '.join('?' * len(OPEN_STATUSES))})")
                args.extend(OPEN_STATUSES)
            else:
                clauses.append("status = ?")
                args.append(self.status)
        if self.start is not None:
            clauses.append(f"{time_column} >= ?")
            args.append(self.start)
        if self.end is not None:
            clauses.append(f"{time_column} <= ?")
            args.append(self.end)
        return " AND ".join(clauses), args


@dataclass(frozen=True, slots=True)
class SyncPoint:
    """Resume a history read at id ``next_id`` or, with no id yet, at time ``since`` (ms)."""

    next_id: int | None = None
    since: int | None = None


class Journal:
    """One connection to the journal file. Not shared between threads (there are none)."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self.path = path
        self._writes = 0

    @classmethod
    def open(cls, path: str | Path | None = None) -> Journal:
        """Open (creating and migrating as needed) the journal at ``path``, default
        ``default_path()``."""
        where = Path(path) if path is not None else default_path()
        where.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(where, isolation_level=None, timeout=5.0)
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            migrate(conn)
        except BaseException:
            conn.close()
            raise
        return cls(conn, where)

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    def revision(self) -> tuple[int, int]:
        """Changes when anything is committed, by this connection or another process."""
        return self._writes, int(self._conn.execute("PRAGMA data_version").fetchone()[0])

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes into one commit (a backfill page); nests inside an outer one."""
        if self._conn.in_transaction:
            yield
            return
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    # -- writing ------------------------------------------------------------------------------

    def record_order(self, env: str, market: str, o: OrderStatus) -> bool:
        """Record one order state. True if the journal learned something new."""
        before = self._conn.total_changes
        rank = STATUS_RANK.get(o.status, 1)
        with self.transaction():
            self._conn.execute(
                "INSERT INTO order_events VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (env, market, symbol, order_id, status) DO UPDATE SET "
                "executed_qty = excluded.executed_qty, avg_price = excluded.avg_price, "
                "update_time = excluded.update_time "
                "WHERE excluded.update_time > order_events.update_time OR (excluded.update_time"
                " = order_events.update_time AND excluded.executed_qty != order_events.executed_qty)",
                (env, market, o.symbol, o.order_id, o.status, text(o.executed_qty),
                 text(o.avg_price), o.update_time))
            self._conn.execute(
                f"INSERT INTO orders (env, market, {_ORDER_COLUMNS}, status_rank) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (env, market, symbol, order_id) DO UPDATE SET "
                "status = excluded.status, status_rank = excluded.status_rank, "
                "executed_qty = excluded.executed_qty, avg_price = excluded.avg_price, "
                "update_time = max(orders.update_time, excluded.update_time), "
                + ", ".join(f"{c} = CASE WHEN excluded.{c} NOT IN ('', '0') THEN excluded.{c} "
                            f"ELSE orders.{c} END"
                            for c in ("client_order_id", "side", "order_type", "price",
                                      "orig_qty", "time_in_force", "stop_price"))
                + " WHERE excluded.status_rank > orders.status_rank"
                " OR (excluded.status_rank = orders.status_rank"
                " AND (excluded.update_time > orders.update_time"
                " OR (excluded.update_time = orders.update_time"
                " AND excluded.executed_qty != orders.executed_qty)))",
                (env, market, o.symbol, o.order_id, o.client_order_id, o.side, o.order_type,
                 o.status, text(o.price), text(o.orig_qty), text(o.executed_qty),
                 text(o.avg_price), o.time_in_force, text(o.stop_price), int(o.reduce_only),
                 o.update_time, rank))
        return self._changed(before)

    def record_trade(self, env: str, market: str, t: Trade) -> bool:
        """Record one fill. True if it was not in the journal yet."""
        before = self._conn.total_changes
        self._conn.execute(
            f"INSERT OR IGNORE INTO trades (env, market, {_TRADE_COLUMNS}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (env, market, t.symbol, t.trade_id, t.order_id, t.side, text(t.price),
             text(t.quantity), text(t.quote_quantity), text(t.commission), t.commission_asset,
             text(t.realized_pnl), int(t.is_maker), t.time))
        return self._changed(before)

    def record_orders(self, env: str, market: str, orders: Iterable[OrderStatus]) -> int:
        with self.transaction():
            return sum(self.record_order(env, market, o) for o in orders)

    def record_trades(self, env: str, market: str, trades: Iterable[Trade]) -> int:
        with self.transaction():
            return sum(self.record_trade(env, market, t) for t in trades)

    def forget(self, env: str, market: str) -> None:
        """Drop one environment's history (a fresh embedded demo exchange has no past, and
        its ids start again from the beginning)."""
        with self.transaction():
            for table in ("orders", "order_events", "trades", "sync_points"):
                self._conn.execute(f"DELETE FROM {table} WHERE env = ? AND market = ?",
                                   (env, market))
        self._writes += 1

    def _changed(self, before: int) -> bool:
        changed = self._conn.total_changes != before
        self._writes += changed
        return changed

    # -- reading ------------------------------------------------------------------------------

    def orders(self, env: str, market: str, filters: Filters | None = None, *,
               limit: int | None = None, offset: int = 0,
               newest_first: bool = True) -> list[OrderStatus]:
        """Orders in their latest state, newest update first (or oldest first)."""
        where, args = (filters or Filters()).where(env, market, "update_time", True)
        order = "DESC" if newest_first else "ASC"
        rows = self._conn.execute(
            f"SELECT {_ORDER_COLUMNS} FROM orders WHERE {where} "
            f"ORDER BY update_time {order}, order_id {order} LIMIT ? OFFSET ?",
            (*args, -1 if limit is None else limit, offset))
        return [_order(r) for r in rows]

    def trades(self, env: str, market: str, filters: Filters | None = None, *,
               limit: int | None = None, offset: int = 0, newest_first: bool = True,
               recorded_after: int | None = None) -> list[Trade]:
        """Fills, newest first (or oldest first: the order PnL is computed in);
        ``recorded_after``: only those recorded after ``last_trade_rowid()`` said that."""
        where, args = (filters or Filters()).where(env, market, "time", False)
        if recorded_after is not None:
            where += " AND rowid > ?"
            args.append(recorded_after)
        order = "DESC" if newest_first else "ASC"
        rows = self._conn.execute(
            f"SELECT {_TRADE_COLUMNS} FROM trades WHERE {where} "
            f"ORDER BY time {order}, trade_id {order} LIMIT ? OFFSET ?",
            (*args, -1 if limit is None else limit, offset))
        return [_trade(r) for r in rows]

    def last_trade_rowid(self) -> int:
        """A mark in the order fills were recorded (for readers that keep up incrementally)."""
        return self._scalar("SELECT max(rowid) FROM trades", ()) or 0

    def count_orders(self, env: str, market: str, filters: Filters | None = None) -> int:
        where, args = (filters or Filters()).where(env, market, "update_time", True)
        return int(self._conn.execute(f"SELECT count(*) FROM orders WHERE {where}",
                                      args).fetchone()[0])

    def count_trades(self, env: str, market: str, filters: Filters | None = None) -> int:
        where, args = (filters or Filters()).where(env, market, "time", False)
        return int(self._conn.execute(f"SELECT count(*) FROM trades WHERE {where}",
                                      args).fetchone()[0])

    def order_states(self, env: str, market: str, symbol: str,
                     order_id: int) -> list[tuple[str, Decimal, int]]:
        """Every state an order passed through: (status, executed qty, update time)."""
        rows = self._conn.execute(
            "SELECT status, executed_qty, update_time FROM order_events WHERE env = ? AND "
            "market = ? AND symbol = ? AND order_id = ? ORDER BY update_time, rowid",
            (env, market, symbol, order_id))
        return [(s, Decimal(q), int(t)) for s, q, t in rows]

    def symbols(self, env: str, market: str) -> list[str]:
        rows = self._conn.execute(
            "SELECT symbol FROM trades WHERE env = ? AND market = ? UNION "
            "SELECT symbol FROM orders WHERE env = ? AND market = ? ORDER BY 1",
            (env, market, env, market))
        return [r[0] for r in rows]

    def last_trade_time(self, env: str, market: str, symbol: str) -> int | None:
        return self._scalar("SELECT max(time) FROM trades WHERE env = ? AND market = ? "
                            "AND symbol = ?", (env, market, symbol))

    def last_trade_id(self, env: str, market: str, symbol: str) -> int | None:
        return self._scalar("SELECT max(trade_id) FROM trades WHERE env = ? AND market = ? "
                            "AND symbol = ?", (env, market, symbol))

    def open_order_ids(self, env: str, market: str, symbol: str) -> list[int]:
        rows = self._conn.execute(
            f"SELECT order_id FROM orders WHERE env = ? AND market = ? AND symbol = ? "
            f"AND status IN ({', '.join('?' * len(OPEN_STATUSES))}) ORDER BY order_id",
            (env, market, symbol, *OPEN_STATUSES))
        return [int(r[0]) for r in rows]

    def last_order_time(self, env: str, market: str, symbol: str) -> int | None:
        return self._scalar("SELECT max(update_time) FROM orders WHERE env = ? AND market = ? "
                            "AND symbol = ?", (env, market, symbol))

    def sync_point(self, env: str, market: str, symbol: str, kind: str) -> SyncPoint | None:
        """Where the last backfill of ``kind`` ("trades" / "orders") of ``symbol`` stopped."""
        row = self._conn.execute(
            "SELECT next_id, since FROM sync_points WHERE env = ? AND market = ? AND "
            "symbol = ? AND kind = ?", (env, market, symbol, kind)).fetchone()
        return None if row is None else SyncPoint(row[0], row[1])

    def set_sync_point(self, env: str, market: str, symbol: str, kind: str,
                       point: SyncPoint) -> None:
        self._conn.execute(
            "INSERT INTO sync_points VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (env, market, "
            "symbol, kind) DO UPDATE SET next_id = excluded.next_id, since = excluded.since",
            (env, market, symbol, kind, point.next_id, point.since))

    def _scalar(self, sql: str, args: Sequence[Any]) -> int | None:
        value = self._conn.execute(sql, args).fetchone()[0]
        return None if value is None else int(value)

    def execute(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Raw read access for scripts and tests (``EXPLAIN QUERY PLAN``, pragmas)."""
        return list(self._conn.execute(sql, args))


def _order(r: Sequence[Any]) -> OrderStatus:
    return OrderStatus(
        order_id=int(r[1]), status=r[5], avg_price=Decimal(r[9]), executed_qty=Decimal(r[8]),
        symbol=r[0], client_order_id=r[2], side=r[3], order_type=r[4], price=Decimal(r[6]),
        orig_qty=Decimal(r[7]), time_in_force=r[10], update_time=int(r[13]),
        stop_price=Decimal(r[11]), reduce_only=bool(r[12]))


def _trade(r: Sequence[Any]) -> Trade:
    return Trade(
        symbol=r[0], trade_id=int(r[1]), order_id=int(r[2]), side=r[3], price=Decimal(r[4]),
        quantity=Decimal(r[5]), quote_quantity=Decimal(r[6]), commission=Decimal(r[7]),
        commission_asset=r[8], realized_pnl=Decimal(r[9]), is_maker=bool(r[10]),
        time=int(r[11]))

