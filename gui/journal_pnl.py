"""Realized PnL per symbol from fills: pure functions over ``Trade`` values (no Qt, no I/O).

- Futures: the exchange computes ``realizedPnl`` per fill; the PnL is its sum, and fees
  (``commission``) are reported beside it, not inside it, as Binance's own history does.
- Spot: FIFO cost basis, fees included. A buy adds a lot of the quantity received (less a
  fee paid in the base asset) at the quote paid (plus a fee paid in the quote asset); a sell
  consumes lots oldest first for the quantity given up (plus a base fee) and realizes the
  quote received (less a quote fee) minus their cost. A sell of more than the journal has
  bought (coins acquired before the journal started) realizes only the matched part: the
  rest has no known cost, and inventing one would invent profit. Fees paid in a third asset
  (BNB) are counted in ``other_fees`` by asset and not valued.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from connector import Trade

ZERO = Decimal(0)
QUOTE_ASSETS = ("USDT", "USDC", "FDUSD", "BUSD", "TUSD", "DAI", "BTC", "ETH", "BNB", "EUR",
                "TRY", "BRL", "JPY")


def split_symbol(symbol: str, assets: Mapping[str, tuple[str, str]] | None = None
                 ) -> tuple[str, str]:
    """(base, quote) of ``symbol``: from ``assets`` (the contracts) when known, else by the
    quote suffixes Binance lists."""
    if assets and symbol in assets:
        return assets[symbol]
    for quote in QUOTE_ASSETS:
        if symbol.endswith(quote) and len(symbol) > len(quote):
            return symbol[:-len(quote)], quote
    return symbol, ""


@dataclass(frozen=True, slots=True)
class SymbolPnl:
    symbol: str
    quote_asset: str
    realized: Decimal  # in the quote asset
    fees: Decimal  # fees valued in the quote asset (base fees at the fill's price)
    fills: int
    volume: Decimal  # quote traded
    unmatched_qty: Decimal = ZERO  # spot: sold without a known cost basis
    other_fees: tuple[tuple[str, Decimal], ...] = ()


@dataclass(slots=True)
class _Acc:
    realized: Decimal = ZERO
    fees: Decimal = ZERO
    fills: int = 0
    volume: Decimal = ZERO
    unmatched: Decimal = ZERO
    other: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    lots: deque[list[Decimal]] = field(default_factory=deque)  # [quantity, cost] oldest first
    last: tuple[int, int] = (-1, -1)  # (time, trade id) of the last fill fed


def _ordered(trades: Iterable[Trade]) -> list[Trade]:
    return sorted(trades, key=lambda t: (t.time, t.trade_id))


class PnlBook:
    """Realized PnL fed one fill at a time, in time order (so a view can feed 100,000 fills in
    chunks between repaints). Every fill moves the FIFO lots; only fills inside
    ``[since, until]`` count towards the figures, so a date range shows what was realized in
    it, against a cost basis built from everything before."""

    def __init__(self, *, futures: bool, assets: Mapping[str, tuple[str, str]] | None = None,
                 since: int | None = None, until: int | None = None) -> None:
        self.futures = futures
        self.assets = assets
        self.since = since
        self.until = until
        self._accs: dict[str, _Acc] = defaultdict(_Acc)

    def feed(self, t: Trade) -> None:
        a = self._accs[t.symbol]
        if (t.time, t.trade_id) <= a.last:
            raise ValueError(f"fills must come in time order: {t.symbol} {t.trade_id} after "
                             f"{a.last[1]}")
        a.last = (t.time, t.trade_id)
        counts = (self.since is None or t.time >= self.since) and (
            self.until is None or t.time <= self.until)
        base, quote = split_symbol(t.symbol, self.assets)
        if counts:
            a.fills += 1
            a.volume += t.quote_quantity
            _fee(a, t, base, quote)
        if self.futures:
            if counts:
                a.realized += t.realized_pnl
            return
        fee_base = t.commission if t.commission_asset == base else ZERO
        fee_quote = t.commission if t.commission_asset == quote else ZERO
        if t.side == "BUY":
            received = t.quantity - fee_base
            if received > 0:
                a.lots.append([received, t.quote_quantity + fee_quote])
            return
        given = t.quantity + fee_base
        proceeds = t.quote_quantity - fee_quote
        need, matched, cost = given, ZERO, ZERO
        while need > 0 and a.lots:
            lot = a.lots[0]
            take = min(need, lot[0])
            part = lot[1] if take == lot[0] else lot[1] * take / lot[0]
            cost += part
            matched += take
            need -= take
            lot[0] -= take
            lot[1] -= part
            if lot[0] == 0:
                a.lots.popleft()
        if counts:
            a.unmatched += need
            if matched:
                a.realized += (proceeds if matched == given
                               else proceeds * matched / given) - cost

    def rows(self) -> list[SymbolPnl]:
        return [SymbolPnl(symbol, split_symbol(symbol, self.assets)[1], a.realized, a.fees,
                          a.fills, a.volume, a.unmatched, tuple(sorted(a.other.items())))
                for symbol, a in sorted(self._accs.items()) if a.fills]


def futures_pnl(trades: Iterable[Trade], assets: Mapping[str, tuple[str, str]] | None = None
                ) -> list[SymbolPnl]:
    return pnl_by_symbol(trades, futures=True, assets=assets)


def spot_fifo_pnl(trades: Iterable[Trade], assets: Mapping[str, tuple[str, str]] | None = None
                  ) -> list[SymbolPnl]:
    return pnl_by_symbol(trades, futures=False, assets=assets)


def pnl_by_symbol(trades: Iterable[Trade], *, futures: bool,
                  assets: Mapping[str, tuple[str, str]] | None = None,
                  since: int | None = None, until: int | None = None) -> list[SymbolPnl]:
    book = PnlBook(futures=futures, assets=assets, since=since, until=until)
    for t in _ordered(trades):
        book.feed(t)
    return book.rows()


def totals(rows: Iterable[SymbolPnl]) -> list[SymbolPnl]:
    """One total per quote asset: USDT and BTC profits do not add up."""
    by_quote: dict[str, list[SymbolPnl]] = defaultdict(list)
    for r in rows:
        by_quote[r.quote_asset].append(r)
    return [SymbolPnl(f"Total {quote}".strip(), quote, sum((r.realized for r in rs), ZERO),
                      sum((r.fees for r in rs), ZERO), sum(r.fills for r in rs),
                      sum((r.volume for r in rs), ZERO),
                      sum((r.unmatched_qty for r in rs), ZERO))
            for quote, rs in sorted(by_quote.items())]


def _fee(a: _Acc, t: Trade, base: str, quote: str) -> None:
    if t.commission_asset == quote:
        a.fees += t.commission
    elif t.commission_asset == base:
        a.fees += t.commission * t.price
    elif t.commission:
        a.other[t.commission_asset] += t.commission
