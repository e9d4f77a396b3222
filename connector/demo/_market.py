"""Market data of the demo exchange: the listing, quotes, the price walk, tickers and klines.

Pure, synchronous, Decimal. Prices move by a seeded random walk; every move
quotes a new touch, prints a trade by "someone else" (so aggTrade, klines and
tickers stay alive) and lets resting orders match. Kline history is a smooth
function of time that ends at the live price, so any window is consistent.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ._klines import kline_rows
from ._sink import EventSink, NullSink
from ._symbols import SymbolSpec
from ._wire import ZERO, Market, RejectError, fmt, now_ms

INTERVAL_MS = {
    "1s": 1_000, "1m": 60_000, "3m": 180_000, "5m": 300_000, "15m": 900_000, "30m": 1_800_000,
    "1h": 3_600_000, "2h": 7_200_000, "4h": 14_400_000, "6h": 21_600_000, "8h": 28_800_000,
    "12h": 43_200_000, "1d": 86_400_000, "3d": 259_200_000, "1w": 604_800_000,
    "1M": 2_592_000_000,
}


@dataclass(slots=True)
class Book:
    mid: Decimal
    bid: Decimal
    ask: Decimal
    bid_qty: Decimal
    ask_qty: Decimal
    update_id: int = 1
    open_24h: Decimal = ZERO
    high_24h: Decimal = ZERO
    low_24h: Decimal = ZERO
    volume_24h: Decimal = ZERO
    quote_volume_24h: Decimal = ZERO
    last: Decimal = ZERO
    last_qty: Decimal = ZERO
    trades: int = 0


class MarketData:
    """The listing, the quotes and the price walk of one market, and its market-data shapes.

    The bottom layer of ``MarketEngine``: it owns the state every layer above
    shares (specs, books, the random source, the trade ids, the sink). After
    every price move it calls ``_match`` so the order layer can fill what crossed.
    """

    def __init__(self, market: Market, specs: Iterable[SymbolSpec], *, seed: int | None = None,
                 sink: EventSink | None = None) -> None:
        self.market: Market = market
        self.specs: dict[str, SymbolSpec] = {s.symbol: s for s in specs}
        self.sink: EventSink = sink or NullSink()
        self._rng = random.Random(seed)
        self._trade_ids = itertools.count(100_001)
        self._agg_ids = itertools.count(5_000_001)
        self.books: dict[str, Book] = {}
        for spec in self.specs.values():
            self.books[spec.symbol] = self._new_book(spec)

    # -- listing and prices -------------------------------------------------------

    @property
    def futures(self) -> bool:
        return self.market == "futures"

    def symbols(self) -> list[str]:
        return [s for s, spec in self.specs.items() if spec.status == "TRADING"]

    def spec(self, symbol: str) -> SymbolSpec:
        try:
            return self.specs[symbol.upper()]
        except KeyError:
            raise RejectError(-1121, "Invalid symbol.") from None

    def _new_book(self, spec: SymbolSpec) -> Book:
        mid = _round_to(spec.price, spec.tick)
        book = Book(mid, mid, mid, ZERO, ZERO)
        self._quote(spec, book, mid)
        drift = Decimal(self._rng.randrange(-600, 600)) / 10_000  # -6 % .. +6 % over 24 h
        book.open_24h = _round_to(mid / (1 + drift), spec.tick)
        book.high_24h = mid * Decimal("1.021")
        book.low_24h = mid * Decimal("0.975")
        book.volume_24h = _round_to(Decimal(1_000_000) / mid, spec.step) if mid else ZERO
        book.quote_volume_24h = book.volume_24h * mid
        book.last = mid
        return book

    def _quote(self, spec: SymbolSpec, book: Book, mid: Decimal) -> None:
        mid = max(_round_to(mid, spec.tick), spec.tick * 2)
        spread_ticks = 1 + self._rng.randrange(2)
        book.mid = mid
        book.bid = mid - spec.tick * max(spread_ticks // 2, 1)
        book.ask = book.bid + spec.tick * spread_ticks
        notional = Decimal(5_000 + self._rng.randrange(50_000))
        book.bid_qty = max(spec.step, _round_to(notional / mid, spec.step))
        book.ask_qty = max(spec.step, _round_to(notional * Decimal("0.9") / mid, spec.step))
        book.update_id += 1

    def book(self, symbol: str) -> tuple[Decimal, Decimal, Decimal, Decimal]:
        b = self.books[self.spec(symbol).symbol]
        return b.bid, b.bid_qty, b.ask, b.ask_qty

    def price(self, symbol: str) -> Decimal:
        return self.books[self.spec(symbol).symbol].mid

    def set_price(self, symbol: str, price: Decimal | str) -> None:
        spec = self.spec(symbol)
        self._move(spec, Decimal(str(price)))

    def walk(self, symbols: Iterable[str] | None = None, volatility: float = 0.0004) -> None:
        """Move every symbol one step of a random walk, trading and matching as it goes."""
        for symbol in symbols if symbols is not None else self.symbols():
            if symbols is None and self._rng.random() > 0.35:
                continue  # not every market moves every tick
            spec = self.specs[symbol]
            book = self.books[symbol]
            change = Decimal(repr(round(self._rng.gauss(0.00001, volatility), 8)))
            self._move(spec, book.mid * (1 + change))

    def _move(self, spec: SymbolSpec, mid: Decimal) -> None:
        book = self.books[spec.symbol]
        old_mid = book.mid
        self._quote(spec, book, mid)
        t = now_ms()
        self.sink.book_ticker(self.market, spec.symbol, book.update_id, book.bid, book.bid_qty,
                              book.ask, book.ask_qty, t)
        # Someone else traded at the touch: keeps aggTrade, klines and tickers alive.
        buyer_is_maker = book.mid < old_mid
        price = book.bid if buyer_is_maker else book.ask
        qty = max(spec.step, _round_to(Decimal(self._rng.randrange(1, 400)) * 10 / price,
                                       spec.step))
        self._market_trade(spec, price, qty, buyer_is_maker, t)
        self._match(spec.symbol)

    def _match(self, symbol: str) -> None:
        """Fill resting orders the new touch crosses: the order layer overrides this."""

    def _market_trade(self, spec: SymbolSpec, price: Decimal, qty: Decimal,
                      buyer_is_maker: bool, t: int) -> None:
        book = self.books[spec.symbol]
        book.last, book.last_qty = price, qty
        book.high_24h = max(book.high_24h, price)
        book.low_24h = min(book.low_24h, price)
        book.volume_24h += qty
        book.quote_volume_24h += qty * price
        book.trades += 1
        first = next(self._trade_ids)
        self.sink.trade(self.market, spec.symbol, next(self._agg_ids), price, qty, first, first,
                        t, buyer_is_maker)

    # -- market data shapes ---------------------------------------------------------

    def ticker_24hr(self, symbol: str) -> dict[str, Any]:
        spec = self.spec(symbol)
        b = self.books[spec.symbol]
        t = now_ms()
        change = b.last - b.open_24h
        out: dict[str, Any] = {
            "symbol": spec.symbol,
            "priceChange": fmt(change),
            "priceChangePercent": fmt(change / b.open_24h * 100 if b.open_24h else ZERO, 3),
            "weightedAvgPrice": fmt(b.quote_volume_24h / b.volume_24h if b.volume_24h else b.last),
            "lastPrice": fmt(b.last),
            "lastQty": fmt(b.last_qty),
            "openPrice": fmt(b.open_24h),
            "highPrice": fmt(b.high_24h),
            "lowPrice": fmt(b.low_24h),
            "volume": fmt(b.volume_24h),
            "quoteVolume": fmt(b.quote_volume_24h),
            "openTime": t - 86_400_000,
            "closeTime": t,
            "firstId": 100_001,
            "lastId": 100_001 + b.trades,
            "count": b.trades + 1,
        }
        if not self.futures:
            out.update({
                "prevClosePrice": fmt(b.open_24h), "bidPrice": fmt(b.bid), "bidQty": fmt(b.bid_qty),
                "askPrice": fmt(b.ask), "askQty": fmt(b.ask_qty),
            })
        return out

    def klines(self, symbol: str, interval: str, limit: int = 500, start: int | None = None,
               end: int | None = None) -> list[list[Any]]:
        """Synthetic but consistent history: a smooth function of time ending at the live price."""
        spec = self.spec(symbol)
        if interval not in INTERVAL_MS:
            raise RejectError(-1120, "Invalid interval.")
        step = INTERVAL_MS[interval]
        now = now_ms()
        current_open = now - now % step
        if start is not None:
            first = start - start % step + (step if start % step else 0)
            opens = [first + i * step for i in range(limit)]
            opens = [o for o in opens if o <= current_open and (end is None or o <= end)]
        else:
            last = current_open if end is None else min(current_open, end - end % step)
            opens = [last - (limit - 1 - i) * step for i in range(limit)]
        return kline_rows(spec, self.books[spec.symbol].last, opens, step, current_open, now)


def _round_to(value: Decimal, step: Decimal) -> Decimal:
    return (value / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step
