"""Binance's paging rules for the history endpoints (``allOrders``, ``myTrades``, ``userTrades``).

One place for them: ``limit`` (default 500, max 1000), ``startTime``/``endTime``
at most one span apart (spot 24 h, futures 7 days), an id cursor (ids at or
above it, oldest first), and with neither a cursor nor a start the most recent
rows.
"""

from __future__ import annotations

from typing import Any

from ._rest_call import Call
from ._wire import RejectError

HISTORY_SPAN_MS = {False: 24 * 3600 * 1000, True: 7 * 24 * 3600 * 1000}  # spot 24 h, futures 7 d


def history_page(call: Call, rows: list[dict[str, Any]], id_param: str,
                 id_key: str) -> list[dict[str, Any]]:
    limit = call.int("limit") or 500
    if not 0 < limit <= 1000:
        raise RejectError(-1130, "Data sent for parameter 'limit' is not valid.")
    start, end, cursor = call.int("startTime"), call.int("endTime"), call.int(id_param)
    futures = call.engine.futures
    if start is not None and end is not None and end - start > HISTORY_SPAN_MS[futures]:
        raise RejectError(-1127, "More than 7 days between startTime and endTime." if futures
                          else "More than 24 hours between startTime and endTime.")
    timed = start is not None or end is not None
    if futures and id_param == "fromId" and cursor is not None and timed:
        raise RejectError(-1128, "The parameter fromId cannot be sent with startTime or endTime.")
    rows = sorted((r for r in rows if (cursor is None or r[id_key] >= cursor)
                   and (start is None or r["time"] >= start)
                   and (end is None or r["time"] <= end)), key=lambda r: int(r[id_key]))
    return rows[:limit] if cursor is not None or start is not None else rows[-limit:]
