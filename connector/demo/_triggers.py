"""Binance's rules for conditional orders in the demo: which types, when a stop is reached.

Pure functions the engine and the algo service share: the order types of each
market, the trigger test (stop-loss types fire on a move against the order's
side, take-profit types on a move with it), spot's stop checks at placement
and the futures reduce-only check.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from ._symbols import SymbolSpec
from ._wire import ZERO, RejectError

if TYPE_CHECKING:
    from ._engine import MarketEngine
    from ._order import Order

SPOT_STOP_TYPES = ("STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT")
SPOT_TYPES = ("LIMIT", "MARKET", "LIMIT_MAKER", *SPOT_STOP_TYPES)
# Futures conditional types: only the algo-order service takes them (since 2025-12-09).
ALGO_TYPES = ("STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET", "TRAILING_STOP_MARKET")
LIMIT_PRICED = ("LIMIT", "LIMIT_MAKER", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT")
# Binance's MAX_NUM_ALGO_ORDERS: open stop orders per symbol (spot 5; futures 10 algo orders).
SPOT_MAX_ALGO_ORDERS = 5
FUTURES_MAX_ALGO_ORDERS = 10


def is_stop_loss(order_type: str) -> bool:
    return order_type.startswith("STOP")


def stop_reached(order_type: str, side: str, price: Decimal, stop: Decimal) -> bool:
    """Stop-loss types fire when the price moves against the position the order closes (a BUY
    stop at or above its stop, a SELL at or below); take-profit types the other way."""
    if stop <= 0 or price <= 0:
        return False
    rising = (side == "BUY") == is_stop_loss(order_type)
    return price >= stop if rising else price <= stop


def spot_stop_checks(engine: MarketEngine, spec: SymbolSpec, type_: str, side: str,
                     stop_price: Decimal | None, api_key: str) -> None:
    """Spot: a stop type needs a stopPrice on the tick that would not trigger at once."""
    if type_ not in SPOT_STOP_TYPES:
        if stop_price is not None:
            raise RejectError(-1106, "Parameter 'stopPrice' sent when not required.")
        return
    if stop_price is None:
        raise RejectError(-1102, "Mandatory parameter 'stopPrice' was not sent, was empty/null, "
                          "or malformed.")
    if stop_price <= 0 or stop_price % spec.tick != 0:
        raise RejectError(-1013, "Filter failure: PRICE_FILTER")
    if stop_reached(type_, side, engine.books[spec.symbol].last, stop_price):
        raise RejectError(-2010, "Stop price would trigger immediately.")
    open_stops = sum(1 for o in engine.orders_by_id.values()
                     if o.api_key == api_key and o.symbol == spec.symbol and o.is_open
                     and o.type in SPOT_STOP_TYPES)
    if open_stops >= SPOT_MAX_ALGO_ORDERS:
        raise RejectError(-2010, "Filter failure: MAX_NUM_ALGO_ORDERS")


def check_reduce_only(engine: MarketEngine, api_key: str, symbol: str, side: str,
                      quantity: Decimal) -> None:
    """-2022 when a reduce-only order would open or grow a position (or flip it)."""
    if not engine.futures:
        raise RejectError(-1106, "Parameter 'reduceOnly' sent when not required.")
    position = engine.account(api_key).positions.get(symbol)
    amount = position.amount if position is not None else ZERO
    reduces = amount < 0 if side == "BUY" else amount > 0
    if not reduces or quantity > abs(amount):
        raise RejectError(-2022, "ReduceOnly Order is rejected.")


def trigger(engine: MarketEngine, order: Order) -> None:
    """A spot stop/take-profit order's stop was reached: it starts working (a limit type rests
    at its price unless that crosses; a market type fills at the touch)."""
    book = engine.books[order.symbol]
    order.working = True
    if order.type in LIMIT_PRICED:
        crosses = book.ask <= order.price if order.side == "BUY" else book.bid >= order.price
        if not crosses:
            return
    touch = book.ask if order.side == "BUY" else book.bid
    engine._fill(order, order.orig_qty - order.executed_qty, touch, maker=False)
