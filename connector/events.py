"""Events the client delivers to listeners (``client.add_listener``).

Each is a frozen dataclass (``BookTicker`` a frozen msgspec Struct), delivered on
the event loop in the order the connector learned of it. The GUI's bridge turns them into Qt signals.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TypeAlias

import msgspec

from ._models import ZERO, Balance, Candle, OrderBook, OrderStatus, Position, Trade


class BookTicker(msgspec.Struct, frozen=True, gc=False, tag_field="e", tag="bookTicker",
                 rename={"symbol": "s", "bid": "b", "bid_qty": "B", "ask": "a",
                         "ask_qty": "A", "update_id": "u", "time": "E"}):
    """Best bid/ask of a symbol (``<symbol>@bookTicker``), the most frequent event.

    A frozen msgspec ``Struct`` rather than a dataclass, where speed needs it: the
    stream decodes Binance's frame (whose keys the ``rename`` maps) straight into it in
    C, Decimals included, and building one costs a tenth of a frozen dataclass. Equal,
    hashable and immutable like the others; ``gc=False`` because it holds only strings,
    Decimals and ints, so it can never be part of a reference cycle.

    The tag is Binance's event type, not a field: a payload may have no ``"e"`` (spot
    sends none) or ``"e": "bookTicker"`` (futures), and decoding any other event
    (a 24 h ticker has the same bid/ask keys) fails at that key. That is the stream's
    rule for what a book ticker is (``LiveFeeds._on_market``), checked in C.
    """

    symbol: str
    bid: Decimal
    bid_qty: Decimal
    ask: Decimal
    ask_qty: Decimal
    update_id: int = 0
    time: int = 0  # ms; 0 where the exchange does not send one (spot)


@dataclass(frozen=True, slots=True)
class AggTrade:
    symbol: str
    trade_id: int
    price: Decimal
    quantity: Decimal
    is_buyer_maker: bool
    time: int


@dataclass(frozen=True, slots=True)
class Kline:
    symbol: str
    interval: str
    candle: Candle
    closed: bool


@dataclass(frozen=True, slots=True)
class MiniTicker:
    """24 h rolling window statistics (``<symbol>@miniTicker``)."""

    symbol: str
    close: Decimal
    open: Decimal
    high: Decimal
    low: Decimal
    volume: Decimal
    quote_volume: Decimal
    time: int

    @property
    def change_pct(self) -> Decimal:
        if self.open == 0:
            return ZERO
        return (self.close - self.open) / self.open * 100


@dataclass(frozen=True, slots=True)
class OrderUpdate:
    """An order's new state, from the user-data stream or from reconciliation.

    ``order`` is the same ``OrderStatus`` REST returns, so one type travels from
    the wire to the screen. ``execution_type`` is Binance's (NEW, TRADE,
    CANCELED, EXPIRED, REJECTED, ...) or "RECONCILED" when the state came from a
    REST reconciliation; ``fill`` is the fill this event reports (TRADE only).
    """

    order: OrderStatus
    execution_type: str = ""
    fill: Trade | None = None
    time: int = 0  # ms since the epoch (exchange time)


@dataclass(frozen=True, slots=True)
class BalanceUpdate:
    """New balances for the assets that changed (the full new value, not a delta)."""

    balances: tuple[Balance, ...]
    time: int = 0


@dataclass(frozen=True, slots=True)
class ConnectionState:
    """One connection changed state.

    ``stream`` is the kind ("market", "user" or "rest"); ``connection`` names the
    socket (stable for its life, e.g. "market stream 2"); ``symbols`` are the
    symbols whose streams ride on it, so a view can mark exactly those stale.
    """

    stream: str
    state: str  # connecting, connected, reconnecting, closed
    reason: str = ""
    connection: str = ""
    symbols: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class BookUpdate:
    """The local order book of ``symbol`` changed (channel "depth"); ``book`` is the new one."""

    symbol: str
    book: OrderBook


@dataclass(frozen=True, slots=True)
class Ticker:
    """24 h statistics (``<symbol>@ticker``)."""

    symbol: str
    last: Decimal
    open: Decimal
    high: Decimal
    low: Decimal
    volume: Decimal
    quote_volume: Decimal
    change_pct: Decimal
    time: int


@dataclass(frozen=True, slots=True)
class MarketTrade:
    """One trade of the market (``<symbol>@trade``); not one of the account's fills."""

    symbol: str
    trade_id: int
    price: Decimal
    quantity: Decimal
    is_buyer_maker: bool  # True: the seller was the aggressor
    time: int


@dataclass(frozen=True, slots=True)
class MarkPrice:
    """Futures mark price and funding (``<symbol>@markPrice@1s``)."""

    symbol: str
    mark_price: Decimal
    index_price: Decimal
    funding_rate: Decimal
    next_funding_time: int  # ms
    time: int = 0


@dataclass(frozen=True, slots=True)
class PositionUpdate:
    """A futures position changed; a closed one has ``quantity == 0`` and leaves
    ``client.positions``."""

    position: Position


@dataclass(frozen=True, slots=True)
class LogEntry:
    time: float  # seconds since the epoch
    level: str  # DEBUG, INFO, WARNING, ERROR
    message: str


Event: TypeAlias = (
    BookTicker
    | AggTrade
    | Kline
    | MiniTicker
    | OrderUpdate
    | BalanceUpdate
    | ConnectionState
    | LogEntry
    | BookUpdate
    | Ticker
    | MarketTrade
    | MarkPrice
    | PositionUpdate
)

__all__ = [
    "AggTrade",
    "BalanceUpdate",
    "BookTicker",
    "BookUpdate",
    "ConnectionState",
    "Event",
    "Kline",
    "LogEntry",
    "MarkPrice",
    "MarketTrade",
    "MiniTicker",
    "OrderUpdate",
    "PositionUpdate",
    "Ticker",
]
