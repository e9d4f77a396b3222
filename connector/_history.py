"""Order and fill history: ``allOrders`` and ``myTrades`` / ``userTrades``, paged.

Binance caps one request at 1000 records and one ``startTime``/``endTime`` span
at 24 hours (spot) or 7 days (futures); ``fromId`` (trades) and ``orderId``
(orders) fetch records with an id at or above the given one, oldest first,
with no time span limit. So a span is read in two steps: time windows find the
first record at or after ``start`` (each window within the documented span),
then id paging reads everything after it, one full page at a time, until a page
comes back short or passes ``end``. Futures do not accept ``fromId`` together
with a time, and neither step ever sends both.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ._models import Contract, OrderStatus, Trade
from ._parsing import order_from
from .errors import InputError

if TYPE_CHECKING:
    from ._rest import RestClient

PAGE_CAP = 1000  # records per request, both markets, both endpoints
DEFAULT_LIMIT = 500
SPOT_SPAN_MS = 24 * 3600 * 1000  # "can't be longer than 24 hours"
FUTURES_SPAN_MS = 7 * 24 * 3600 * 1000  # "cannot be longer than 7 days"
# An open-ended read ("until now") looks this far past our estimate of the exchange's
# clock, which can be behind it by the estimate's error: a fill made a moment ago must
# not fall after the last window. Rows from the future do not exist, so it costs nothing.
CLOCK_SLACK_MS = 1000

Fetch = Callable[[str, dict[str, Any]], Awaitable[list[dict[str, Any]]]]


def signed_get(rest: RestClient, path: str) -> Fetch:
    """A ``Fetch`` sending signed GETs to ``path`` (retries and rate limits are the rest layer's)."""
    async def fetch(symbol: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        return await rest.request(  # type: ignore[no-any-return]
            "GET", path, params, security="SIGNED")
    return fetch


def trade_from(d: dict[str, Any]) -> Trade:
    """A fill from spot ``myTrades`` (isBuyer/isMaker) or futures ``userTrades`` (buyer/maker/side)."""
    side = d.get("side")
    if not side:
        side = "BUY" if d.get("isBuyer", d.get("buyer")) else "SELL"
    price = Decimal(d["price"])
    qty = Decimal(d["qty"])
    quote = d.get("quoteQty")
    return Trade(
        trade_id=int(d["id"]),
        order_id=int(d["orderId"]),
        symbol=d["symbol"],
        side=str(side).upper(),
        price=price,
        quantity=qty,
        quote_quantity=Decimal(quote) if quote not in (None, "") else price * qty,
        commission=Decimal(d.get("commission") or "0"),
        commission_asset=d.get("commissionAsset") or "",
        realized_pnl=Decimal(d.get("realizedPnl") or "0"),
        is_maker=bool(d.get("isMaker", d.get("maker", False))),
        time=int(d["time"]),
    )


def history_order_from(d: dict[str, Any], *, futures: bool) -> OrderStatus:
    """An ``allOrders`` row; ``update_time`` falls back to the creation ``time``."""
    status = order_from(d, futures=futures)
    if not status.update_time and d.get("time"):
        status = replace(status, update_time=int(d["time"]))
    return status


async def page_history(
    fetch: Fetch,
    symbol: str,
    *,
    id_param: str,
    id_key: str,
    span_ms: int,
    now_ms: int,
    start: int | None,
    end: int | None,
    limit: int | None,
    from_id: int | None = None,
) -> list[dict[str, Any]]:
    """Raw rows of one history endpoint, oldest first, deduplicated by id.

    - ``from_id``: rows with an id at or above it (then ``start``/``end`` filter them).
    - ``start`` (``end`` defaults to now): every row in the span, up to ``limit``
      (``None``: no cap), read by time windows then id pages.
    - neither: the most recent ``limit`` rows (at or before ``end`` within one span);
      one request, so ``limit`` may not exceed 1000 — give ``start`` to read further.
    """
    if limit is not None and limit <= 0:
        raise InputError(f"limit must be positive, not {limit}")
    if start is not None and end is not None and end < start:
        raise InputError(f"end ({end}) is before start ({start})")
    if start is None and from_id is None:
        wanted = DEFAULT_LIMIT if limit is None else limit
        if wanted > PAGE_CAP:
            raise InputError(f"limit {wanted} is more than one request returns ({PAGE_CAP}); "
                             f"give a start time to page through a longer history")
        params: dict[str, Any] = {"symbol": symbol, "limit": wanted}
        if end is not None:
            params.update(startTime=max(0, end - span_ms + 1), endTime=end)
        return _in_span(await fetch(symbol, params), id_key, None, end)

    rows: list[dict[str, Any]] = []
    cursor = from_id
    if cursor is None:
        assert start is not None
        stop = end if end is not None else now_ms + CLOCK_SLACK_MS
        window_start = start
        while window_start <= stop and cursor is None:
            window_end = min(window_start + span_ms - 1, stop)
            page = await fetch(symbol, {"symbol": symbol, "startTime": window_start,
                                        "endTime": window_end, "limit": PAGE_CAP})
            if page:
                rows.extend(page)
                cursor = max(int(r[id_key]) for r in page) + 1
            window_start = window_end + 1
        if cursor is None:
            return []
    while limit is None or len(_in_span(rows, id_key, start, end)) < limit:
        page = await fetch(symbol, {"symbol": symbol, id_param: cursor, "limit": PAGE_CAP})
        rows.extend(page)
        if len(page) < PAGE_CAP or (end is not None and int(page[-1]["time"]) > end):
            break
        cursor = max(int(r[id_key]) for r in page) + 1
    out = _in_span(rows, id_key, start, end)
    return out if limit is None else out[:limit]


def _in_span(rows: list[dict[str, Any]], id_key: str, start: int | None,
             end: int | None) -> list[dict[str, Any]]:
    seen: dict[int, dict[str, Any]] = {}
    for r in rows:
        t = int(r["time"])
        if (start is None or t >= start) and (end is None or t <= end):
            seen[int(r[id_key])] = r
    return [seen[k] for k in sorted(seen)]


async def order_history(fetch: Fetch, contract: Contract, *, now_ms: int, start: int | None,
                        end: int | None, limit: int | None,
                        from_id: int | None = None) -> list[OrderStatus]:
    rows = await page_history(
        fetch, contract.symbol, id_param="orderId", id_key="orderId",
        span_ms=FUTURES_SPAN_MS if contract.futures else SPOT_SPAN_MS, now_ms=now_ms,
        start=start, end=end, limit=limit, from_id=from_id)
    return [history_order_from(r, futures=contract.futures) for r in rows]


async def trade_history(fetch: Fetch, contract: Contract, *, now_ms: int, start: int | None,
                        end: int | None, limit: int | None,
                        from_id: int | None = None) -> list[Trade]:
    rows = await page_history(
        fetch, contract.symbol, id_param="fromId", id_key="id",
        span_ms=FUTURES_SPAN_MS if contract.futures else SPOT_SPAN_MS, now_ms=now_ms,
        start=start, end=end, limit=limit, from_id=from_id)
    return [trade_from(r) for r in rows]
