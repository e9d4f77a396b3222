"""CSV export of the journal (orders and fills in one file), and reading it back.

One header row, one row per order (its latest state) or fill, told apart by the
``kind`` column ("order" / "fill"); columns a kind does not have stay empty.
Times are ISO-8601 UTC with milliseconds (``2026-12-01T19:53:13.123Z``), numbers
plain decimal strings (``format(d, "f")``, never ``1E-8``), so a spreadsheet or a
tax tool reads exactly what the exchange reported.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from connector import OrderStatus, Trade

from .journal import Filters, Journal, text

COLUMNS = ("kind", "time", "symbol", "side", "order_id", "trade_id", "client_order_id",
           "type", "status", "time_in_force", "price", "quantity", "executed_qty",
           "avg_price", "stop_price", "reduce_only", "quote_quantity", "commission",
           "commission_asset", "realized_pnl", "maker")
PAGE = 5000


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z")


def from_iso(value: str) -> int:
    return round(datetime.fromisoformat(value).timestamp() * 1000)


def order_row(o: OrderStatus) -> dict[str, str]:
    return {"kind": "order", "time": iso(o.update_time), "symbol": o.symbol, "side": o.side,
            "order_id": str(o.order_id), "client_order_id": o.client_order_id,
            "type": o.order_type, "status": o.status, "time_in_force": o.time_in_force,
            "price": text(o.price), "quantity": text(o.orig_qty),
            "executed_qty": text(o.executed_qty), "avg_price": text(o.avg_price),
            "stop_price": text(o.stop_price), "reduce_only": str(o.reduce_only).lower()}


def fill_row(t: Trade) -> dict[str, str]:
    return {"kind": "fill", "time": iso(t.time), "symbol": t.symbol, "side": t.side,
            "order_id": str(t.order_id), "trade_id": str(t.trade_id), "price": text(t.price),
            "quantity": text(t.quantity), "quote_quantity": text(t.quote_quantity),
            "commission": text(t.commission), "commission_asset": t.commission_asset,
            "realized_pnl": text(t.realized_pnl), "maker": str(t.is_maker).lower()}


def write_csv(path: str | Path, orders: Iterable[OrderStatus], trades: Iterable[Trade]) -> int:
    """Write ``orders`` then ``trades``; returns the number of data rows."""
    count = 0
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, COLUMNS, restval="")
        writer.writeheader()
        for o in orders:
            writer.writerow(order_row(o))
            count += 1
        for t in trades:
            writer.writerow(fill_row(t))
            count += 1
    return count


def export_journal(journal: Journal, env: str, market: str, path: str | Path,
                   filters: Filters | None = None) -> int:
    """Everything the history shows (``filters``), oldest first, read page by page."""
    def pages_of_orders() -> Iterable[OrderStatus]:
        offset = 0
        while page := journal.orders(env, market, filters, limit=PAGE, offset=offset,
                                     newest_first=False):
            yield from page
            offset += len(page)

    def pages_of_trades() -> Iterable[Trade]:
        offset = 0
        while page := journal.trades(env, market, filters, limit=PAGE, offset=offset,
                                     newest_first=False):
            yield from page
            offset += len(page)

    return write_csv(path, pages_of_orders(), pages_of_trades())


def read_csv(path: str | Path) -> tuple[list[OrderStatus], list[Trade]]:
    """The orders and fills of a file ``write_csv`` made."""
    orders: list[OrderStatus] = []
    trades: list[Trade] = []
    with open(path, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["kind"] == "order":
                orders.append(OrderStatus(
                    order_id=int(r["order_id"]), status=r["status"],
                    avg_price=Decimal(r["avg_price"]), executed_qty=Decimal(r["executed_qty"]),
                    symbol=r["symbol"], client_order_id=r["client_order_id"], side=r["side"],
                    order_type=r["type"], price=Decimal(r["price"]),
                    orig_qty=Decimal(r["quantity"]), time_in_force=r["time_in_force"],
                    update_time=from_iso(r["time"]), stop_price=Decimal(r["stop_price"]),
                    reduce_only=r["reduce_only"] == "true"))
            elif r["kind"] == "fill":
                trades.append(Trade(
                    trade_id=int(r["trade_id"]), order_id=int(r["order_id"]),
                    symbol=r["symbol"], side=r["side"], price=Decimal(r["price"]),
                    quantity=Decimal(r["quantity"]), quote_quantity=Decimal(r["quote_quantity"]),
                    commission=Decimal(r["commission"]), commission_asset=r["commission_asset"],
                    realized_pnl=Decimal(r["realized_pnl"]), is_maker=r["maker"] == "true",
                    time=from_iso(r["time"])))
    return orders, trades
