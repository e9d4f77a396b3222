"""Mark price, index price and funding of the demo's USD-M contracts.

Binance marks positions at a mark price, not the last trade: the index (a
spot average) plus a basis, so a thin book cannot liquidate anyone. Here the
index is the walk's mid and the mark is the index times ``1 + premium``, a
small per-symbol premium tests can set (``set_premium``). The funding rate
follows Binance's USD-M formula, ``F = P + clamp(I - P, -0.05 %, 0.05 %)``
with the interest rate ``I = 0.01 %`` per interval and ``P`` the premium;
it settles on the 8-hour schedule (00:00, 08:00, 16:00 UTC), or every
``funding_interval`` seconds for a demo whose clock for funding runs faster.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ._market import MarketData
from ._sink import EventSink
from ._symbols import SymbolSpec
from ._wire import ZERO, Market, fmt, now_ms

FUNDING_INTERVAL = 8 * 3600.0  # seconds
INTEREST_RATE = Decimal("0.0001")  # per funding interval
PREMIUM_CLAMP = Decimal("0.0005")
FUNDING_CAP = Decimal("0.0075")


class MarkPrices(MarketData):
    """The mark/index/funding layer between market data and accounts."""

    def __init__(self, market: Market, specs: Iterable[SymbolSpec], *, seed: int | None = None,
                 sink: EventSink | None = None) -> None:
        super().__init__(market, specs, seed=seed, sink=sink)
        # A small, steady basis per symbol (-1 .. +1 bp): marks differ from the book, visibly.
        self.premiums: dict[str, Decimal] = {
            s: Decimal(sum(map(ord, s)) % 5 - 2) / 20_000 for s in self.specs}
        self.funding_interval = FUNDING_INTERVAL
        self._next_funding_ms = 0

    def set_premium(self, symbol: str, premium: Decimal | str) -> None:
        """The basis of ``symbol`` as a fraction of the index (0 makes mark = index)."""
        self.premiums[self.spec(symbol).symbol] = Decimal(str(premium))

    def index_price(self, symbol: str) -> Decimal:
        return self.books[self.spec(symbol).symbol].mid

    def mark_price(self, symbol: str) -> Decimal:
        """Index plus the basis, on the contract's tick: what positions are marked at."""
        spec = self.spec(symbol)
        raw = self.books[spec.symbol].mid * (1 + self.premiums.get(spec.symbol, ZERO))
        return (raw / spec.tick).quantize(Decimal(1), rounding=ROUND_HALF_UP) * spec.tick

    def funding_rate(self, symbol: str) -> Decimal:
        premium = self.premiums.get(self.spec(symbol).symbol, ZERO)
        rate = premium + min(max(INTEREST_RATE - premium, -PREMIUM_CLAMP), PREMIUM_CLAMP)
        return min(max(rate, -FUNDING_CAP), FUNDING_CAP)

    def next_funding_time(self, now: int | None = None) -> int:
        """The next settlement, ms: schedule times are multiples of the interval since the epoch."""
        step = max(int(self.funding_interval * 1000), 1)
        t = now_ms() if now is None else now
        return (t // step + 1) * step

    def premium_index(self, symbol: str) -> dict[str, Any]:
        """``GET /fapi/v1/premiumIndex`` for one symbol; also what the markPrice stream carries."""
        spec = self.spec(symbol)
        t = now_ms()
        return {
            "symbol": spec.symbol, "markPrice": fmt(self.mark_price(spec.symbol)),
            "indexPrice": fmt(self.index_price(spec.symbol)),
            "estimatedSettlePrice": fmt(self.index_price(spec.symbol)),
            "lastFundingRate": fmt(self.funding_rate(spec.symbol)),
            "interestRate": fmt(INTEREST_RATE), "nextFundingTime": self.next_funding_time(t),
            "time": t,
        }

    def _funding_due(self, now: int) -> bool:
        """True once per schedule time; the first call only arms the clock."""
        step = int(self.funding_interval * 1000)
        if not self._next_funding_ms or self._next_funding_ms - now > step:
            self._next_funding_ms = self.next_funding_time(now)  # (re)armed: interval changed
            return False
        if now < self._next_funding_ms:
            return False
        self._next_funding_ms = self.next_funding_time(now)
        return True
