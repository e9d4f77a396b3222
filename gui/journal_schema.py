"""The journal's schema: one migration per version, applied in order (``PRAGMA user_version``).

A migration is never edited once released: a new version adds a new entry, so a
journal written by any earlier Starlight opens in a later one.
"""

from __future__ import annotations

import sqlite3

_V1 = """
CREATE TABLE orders (
    env TEXT NOT NULL, market TEXT NOT NULL, symbol TEXT NOT NULL, order_id INTEGER NOT NULL,
    client_order_id TEXT NOT NULL, side TEXT NOT NULL, order_type TEXT NOT NULL,
    status TEXT NOT NULL, status_rank INTEGER NOT NULL, price TEXT NOT NULL,
    orig_qty TEXT NOT NULL, executed_qty TEXT NOT NULL, avg_price TEXT NOT NULL,
    time_in_force TEXT NOT NULL, stop_price TEXT NOT NULL, reduce_only INTEGER NOT NULL,
    update_time INTEGER NOT NULL,
    PRIMARY KEY (env, market, symbol, order_id)
);
CREATE TABLE order_events (
    env TEXT NOT NULL, market TEXT NOT NULL, symbol TEXT NOT NULL, order_id INTEGER NOT NULL,
    status TEXT NOT NULL, executed_qty TEXT NOT NULL, avg_price TEXT NOT NULL,
    update_time INTEGER NOT NULL,
    UNIQUE (env, market, symbol, order_id, status)
);
CREATE TABLE trades (
    env TEXT NOT NULL, market TEXT NOT NULL, symbol TEXT NOT NULL, trade_id INTEGER NOT NULL,
    order_id INTEGER NOT NULL, side TEXT NOT NULL, price TEXT NOT NULL, quantity TEXT NOT NULL,
    quote_quantity TEXT NOT NULL, commission TEXT NOT NULL, commission_asset TEXT NOT NULL,
    realized_pnl TEXT NOT NULL, is_maker INTEGER NOT NULL, time INTEGER NOT NULL,
    UNIQUE (env, market, symbol, trade_id)
);
"""
# v2: the history pane pages newest first through 100,000s of rows; without these, every
# page is a full scan and a sort (see bench/history.py).
_V2 = """
CREATE INDEX trades_by_time ON trades (env, market, time DESC, trade_id DESC);
CREATE INDEX orders_by_time ON orders (env, market, update_time DESC, order_id DESC);
"""
# v3: where each backfill stopped, per symbol and kind. The next backfill resumes there, not
# at the newest id in the journal: a stream may have recorded newer rows than the exchange's
# history has been read up to, and resuming after those would skip the gap.
_V3 = """
CREATE TABLE sync_points (
    env TEXT NOT NULL, market TEXT NOT NULL, symbol TEXT NOT NULL, kind TEXT NOT NULL,
    next_id INTEGER, since INTEGER,
    PRIMARY KEY (env, market, symbol, kind)
);
"""
MIGRATIONS: tuple[str, ...] = (_V1, _V2, _V3)  # MIGRATIONS[n] takes user_version n to n + 1
SCHEMA_VERSION = len(MIGRATIONS)

def migrate(conn: sqlite3.Connection, upto: int = SCHEMA_VERSION) -> int:
    """Bring the schema to version ``upto``, one migration per transaction. Returns it."""
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        raise RuntimeError(f"The journal has schema version {version}, newer than this "
                           f"Starlight understands ({SCHEMA_VERSION}); update Starlight")
    while version < upto:
        script = MIGRATIONS[version]
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in filter(str.strip, script.split(";")):
                conn.execute(statement)
            version += 1
            conn.execute(f"PRAGMA user_version = {version}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    return version
