"""Value objects the connector hands out.

All are frozen: a ``Contract`` or ``OrderStatus`` describes the exchange at one
moment, and sharing it between the GUI and the connector must never let one
side change what the other sees. Money and sizes are ``Decimal`` end to end.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import msgspec

ZERO = Decimal(0)


class Contract(msgspec.Struct, frozen=True, gc=False):
    """A tradable symbol and the filters every order on it must pass.

    A frozen msgspec ``Struct`` rather than a dataclass, where speed needs it:
    ``get_contracts`` builds thousands at once, and a 19-field frozen dataclass
    costs ten times as much to build (as much as decoding exchangeInfo itself).
    Equal, hashable and immutable like the others; it holds only strings,
    numbers and a tuple of strings, so it stays out of the cycle collector.
    """

    symbol: str
    base_asset: str
    quote_asset: str
    price_decimals: int
    quantity_decimals: int
    tick_size: Decimal
    lot_size: Decimal
    exchange: str  # "binance_spot" or "binance_futures"
    min_price: Decimal = ZERO
    max_price: Decimal = ZERO  # 0 = no limit
    min_qty: Decimal = ZERO
    max_qty: Decimal = ZERO  # 0 = no limit
    market_lot_size: Decimal = ZERO  # 0 = same as lot_size
    market_min_qty: Decimal = ZERO
    market_max_qty: Decimal = ZERO  # 0 = no limit
    min_notional: Decimal = ZERO
    max_notional: Decimal = ZERO  # 0 = no limit
    apply_min_notional_to_market: bool = True
    order_types: tuple[str, ...] = ("LIMIT", "MARKET")

    @property
    def futures(self) -> bool:
        return self.exchange == "binance_futures"


@dataclass(frozen=True, slots=True)
class Candle:
    timestamp: int  # open time, ms since the epoch
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal


@dataclass(frozen=True, slots=True)
class Balance:
    """One asset's balance. Spot fills ``free``/``locked``; futures the margin fields."""

    asset: str
    free: Decimal = ZERO
    locked: Decimal = ZERO
    initial_margin: Decimal = ZERO
    maintenance_margin: Decimal = ZERO
    margin_balance: Decimal = ZERO
    wallet_balance: Decimal = ZERO
    unrealized_pnl: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.free + self.locked if self.wallet_balance == ZERO else self.wallet_balance

    @property
    def is_zero(self) -> bool:
        return (
            self.free == ZERO
            and self.locked == ZERO
            and self.wallet_balance == ZERO
            and self.margin_balance == ZERO
            and self.unrealized_pnl == ZERO
        )


@dataclass(frozen=True, slots=True)
class OrderStatus:
    """An order as the exchange last reported it. ``status`` is Binance's, lower case."""

    order_id: int
    status: str  # new, partially_filled, filled, canceled, rejected, expired
    avg_price: Decimal
    executed_qty: Decimal
    symbol: str = ""
    client_order_id: str = ""
    side: str = ""  # BUY / SELL
    order_type: str = ""  # LIMIT / MARKET
    price: Decimal = ZERO
    orig_qty: Decimal = ZERO
    time_in_force: str = ""
    update_time: int = 0  # ms since the epoch
    stop_price: Decimal = ZERO  # trigger price of conditional orders; 0 = none
    reduce_only: bool = False
    is_algo: bool = False  # a futures conditional order on the algo-order service
    order_list_id: int = -1  # spot OCO legs share one; -1 = not in a list

    @property
    def is_open(self) -> bool:
        return self.status in ("new", "partially_filled")


@dataclass(frozen=True, slots=True)
class Trade:
    """One fill of one of the account's orders (``myTrades`` / ``userTrades`` / a stream fill)."""

    trade_id: int
    order_id: int
    symbol: str
    side: str  # BUY / SELL
    price: Decimal
    quantity: Decimal
    quote_quantity: Decimal
    commission: Decimal
    commission_asset: str
    realized_pnl: Decimal  # futures; 0 on spot
    is_maker: bool
    time: int  # ms since the epoch


PriceLevel = tuple[Decimal, Decimal]  # (price, quantity)


@dataclass(frozen=True, slots=True)
class OrderBook:
    """A local order book: bids descending, asks ascending, no zero quantities."""

    symbol: str
    last_update_id: int
    bids: tuple[PriceLevel, ...]
    asks: tuple[PriceLevel, ...]

    def top(self, n: int) -> tuple[tuple[PriceLevel, ...], tuple[PriceLevel, ...]]:
        """The best ``n`` levels a side, (bids, asks): what a ladder shows."""
        return self.bids[:n], self.asks[:n]


@dataclass(frozen=True, slots=True)
class Position:
    """A futures position (one-way mode). ``quantity`` is signed: negative is short."""

    symbol: str
    quantity: Decimal
    entry_price: Decimal
    mark_price: Decimal
    unrealized_pnl: Decimal
    leverage: int
    margin_type: str  # "isolated" or "cross"
    liquidation_price: Decimal  # 0 = none (no position, or cannot be liquidated)
    isolated_margin: Decimal = ZERO
    notional: Decimal = ZERO
