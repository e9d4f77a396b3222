"""Market data methods of ``BinanceClient``: candles, quotes and stream subscriptions."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from . import _parsing as parse
from ._book import order_book_from
from ._core import ClientCore, ContractLike
from ._models import Candle, Contract, OrderBook
from .errors import InputError

CHANNELS = ("bookTicker", "aggTrade", "miniTicker", "24hrMiniTicker",
            "depth", "ticker", "trade", "markPrice")
FUTURES_DEPTH_LIMITS = (5, 10, 20, 50, 100, 500, 1000)


class MarketDataMixin(ClientCore):
    async def get_historical_candles(
        self,
        contract: ContractLike,
        interval: str,
        start: int | None = None,
        end: int | None = None,
        limit: int | None = None,
    ) -> list[Candle]:
        """Candles oldest first; pages past the per-request cap (1000 spot, 1500 futures)."""
        c = await self._contract(contract)
        cap = 1500 if self.futures else 1000
        wanted = limit if limit is not None else (cap if start is None or end is None else None)
        if wanted is not None and wanted <= 0:
            raise InputError(f"limit must be positive, not {wanted}")
        candles: list[Candle] = []
        if start is not None:
            cursor = start
            while wanted is None or len(candles) < wanted:
                page = cap if wanted is None else min(cap, wanted - len(candles))
                rows = await self._klines(c, interval, page, start=cursor, end=end)
                candles.extend(rows)
                if len(rows) < page:
                    break
                cursor = rows[-1].timestamp + 1
        else:
            cursor_end = end
            assert wanted is not None
            while len(candles) < wanted:
                page = min(cap, wanted - len(candles))
                rows = await self._klines(c, interval, page, end=cursor_end)
                candles[:0] = rows
                if len(rows) < page:
                    break
                cursor_end = rows[0].timestamp - 1
        return candles

    async def _klines(self, c: Contract, interval: str, limit: int, *,
                      start: int | None = None, end: int | None = None) -> list[Candle]:
        params: dict[str, Any] = {"symbol": c.symbol, "interval": interval, "limit": limit,
                                  "startTime": start, "endTime": end}
        rows = await self._rest.request("GET", self._path("klines"), params)
        return [parse.candle_from(r) for r in rows]

    async def _mid(self, c: Contract) -> Decimal:
        """The market now: the mid of the live quote, else of a fresh book ticker."""
        quote = self.prices.get(c.symbol) or await self.get_bid_ask(c)
        return (quote["bid"] + quote["ask"]) / 2

    async def get_bid_ask(self, contract: ContractLike) -> dict[str, Decimal]:
        c = await self._contract(contract)
        data = await self._rest.request("GET", self._path("ticker/bookTicker"),
                                        {"symbol": c.symbol})
        quote = {"bid": Decimal(data["bidPrice"]), "ask": Decimal(data["askPrice"])}
        self.prices[c.symbol] = quote
        return quote

    async def get_order_book(self, contract: ContractLike, limit: int = 100) -> OrderBook:
        """A REST snapshot of the book, ``limit`` levels a side (Binance's allowed limits:
        spot 1..5000, futures 5, 10, 20, 50, 100, 500, 1000)."""
        c = await self._contract(contract)
        if isinstance(limit, bool) or not isinstance(limit, int) or not (
                limit in FUTURES_DEPTH_LIMITS if self.futures else 1 <= limit <= 5000):
            allowed = ", ".join(map(str, FUTURES_DEPTH_LIMITS)) if self.futures else "1 to 5000"
            raise InputError(f"Order book limit must be one of {allowed}, not {limit!r}")
        data = await self._rest.request("GET", self._path("depth"),
                                        {"symbol": c.symbol, "limit": limit})
        return order_book_from(c.symbol, data)

    async def subscribe_channel(self, contracts: Iterable[ContractLike] | ContractLike,
                                channel: str, reconnection: bool = False) -> None:
        symbols = await self._symbols(contracts)
        await self._live.subscribe(symbols, _channel(channel), force=reconnection)

    async def unsubscribe_channel(self, contracts: Iterable[ContractLike] | ContractLike,
                                  channel: str) -> None:
        symbols = await self._symbols(contracts)
        await self._live.unsubscribe(symbols, _channel(channel))


def _channel(channel: str) -> str:
    if channel in CHANNELS or (channel.startswith("kline_") and len(channel) > 6):
        return "miniTicker" if channel == "24hrMiniTicker" else channel
    raise InputError(f"Unknown channel {channel!r}; use bookTicker, aggTrade, miniTicker, depth, "
                     f"ticker, trade, markPrice (futures) or kline_<interval> (e.g. kline_1m)")
