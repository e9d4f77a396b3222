"""The rules of every order type beyond LIMIT and MARKET, as pure functions (no I/O).

Public like ``filters``: widgets may import it.

The connector checks an order here before sending anything, and the GUI's
ticket calls the same functions for its inline validation (and the core's
``prepare_order`` can call them), so a trader sees exactly the error the
connector would raise. Each function takes a ``Contract``, ``Decimal``s and a
reference price (the last price, or the mid when that is all we have) and
raises ``InputError``/``FilterError`` with a message for a trader.

Binance's rules honoured here:

- the types each market has, by Binance's name (spot STOP_LOSS(_LIMIT),
  TAKE_PROFIT(_LIMIT), LIMIT_MAKER; futures STOP(_MARKET), TAKE_PROFIT(_MARKET),
  TRAILING_STOP_MARKET); futures conditional types live on the algo-order
  service;
- a stop-loss type triggers on a move against its side (a BUY at or above its
  stop), a take-profit type on a move with it; a stop that would trigger at
  once is refused;
- stop and limit prices on the tick (rounded like prices, and said so);
- trailing stops: callback rate 0.1 to 10 (%), in steps of 0.1 (futures);
- reduce-only and callback rate exist on futures only; post-only is spot's
  LIMIT_MAKER and futures' ``timeInForce=GTX``;
- OCO prices: SELL limit above the market above the stop, BUY the reverse.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ._models import Contract
from .errors import FilterError, InputError
from .filters import fmt, parse_decimal, round_price

SPOT_STOP_TYPES = ("STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT")
SPOT_TYPES = ("LIMIT", "MARKET", "LIMIT_MAKER", *SPOT_STOP_TYPES)
ALGO_TYPES = ("STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET", "TRAILING_STOP_MARKET")
FUTURES_TYPES = ("LIMIT", "MARKET", *ALGO_TYPES)
SPOT_PRICED = ("LIMIT", "LIMIT_MAKER", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT")
FUTURES_PRICED = ("LIMIT", "STOP", "TAKE_PROFIT")  # futures TAKE_PROFIT is a limit type
TIME_IN_FORCE = ("GTC", "IOC", "FOK")
CALLBACK_MIN, CALLBACK_MAX, CALLBACK_STEP = Decimal("0.1"), Decimal(10), Decimal("0.1")

# Plain words for the GUI, and the Binance type each means on each market.
PLAIN_TYPES: dict[str, tuple[tuple[str, str], ...]] = {
    "spot": (("Limit", "LIMIT"), ("Market", "MARKET"), ("Stop limit", "STOP_LOSS_LIMIT"),
             ("Stop market", "STOP_LOSS"), ("Take profit limit", "TAKE_PROFIT_LIMIT"),
             ("Take profit market", "TAKE_PROFIT"), ("OCO", "OCO")),
    "futures": (("Limit", "LIMIT"), ("Market", "MARKET"), ("Stop limit", "STOP"),
                ("Stop market", "STOP_MARKET"), ("Take profit limit", "TAKE_PROFIT"),
                ("Take profit market", "TAKE_PROFIT_MARKET"),
                ("Trailing stop", "TRAILING_STOP_MARKET")),
}


@dataclass(frozen=True, slots=True)
class ConditionalOrder:
    """An order of any type, checked and rounded, with what to send and where.

    ``order_type`` is the type on the wire (post-only spot becomes LIMIT_MAKER);
    ``notes`` are the roundings made, for the log.
    """

    order_type: str
    side: str
    price: Decimal | None
    stop_price: Decimal | None  # trigger; for a trailing stop, its activation price
    time_in_force: str | None  # GTX for futures post-only
    reduce_only: bool
    callback_rate: Decimal | None
    is_algo: bool  # futures conditional: /fapi/v1/algoOrder
    notes: tuple[str, ...] = ()


def market_types(contract: Contract) -> tuple[str, ...]:
    """The types this contract's market has (and the exchange lists for it)."""
    known = FUTURES_TYPES if contract.futures else SPOT_TYPES
    listed = contract.order_types
    return tuple(t for t in known if t in listed or t in ("LIMIT", "MARKET")) if listed else known


def needs_price(order_type: str, futures: bool) -> bool:
    return order_type in (FUTURES_PRICED if futures else SPOT_PRICED)


def needs_stop(order_type: str) -> bool:
    """Types that need a trigger price (a trailing stop's activation price is optional)."""
    return order_type in SPOT_STOP_TYPES or (order_type in ALGO_TYPES
                                              and order_type != "TRAILING_STOP_MARKET")


def is_stop_loss(order_type: str) -> bool:
    return order_type.startswith("STOP") or order_type == "TRAILING_STOP_MARKET"


def stop_reached(order_type: str, side: str, price: Decimal, stop: Decimal) -> bool:
    """Would a stop at ``stop`` trigger at ``price``? Stop-loss types fire on a move against
    the side (a BUY at or above), take-profit types on a move with it."""
    rising = (side == "BUY") == is_stop_loss(order_type)
    return price >= stop if rising else price <= stop


def _rounded(contract: Contract, value: Decimal, what: str, notes: list[str]) -> Decimal:
    rounded = round_price(contract, value)
    if rounded != value:
        notes.append(f"{what} {fmt(value)} rounded to {fmt(rounded)} {contract.quote_asset} "
                     f"({contract.symbol} tick {fmt(contract.tick_size)})")
    if rounded <= 0:
        raise FilterError(f"{what} rounds to 0 at {contract.symbol}'s tick "
                          f"{fmt(contract.tick_size)}")
    if contract.min_price > 0 and rounded < contract.min_price:
        raise FilterError(f"{what} {fmt(rounded)} is below the minimum "
                          f"{fmt(contract.min_price)} {contract.quote_asset} for "
                          f"{contract.symbol}")
    if contract.max_price > 0 and rounded > contract.max_price:
        raise FilterError(f"{what} {fmt(rounded)} is above the maximum "
                          f"{fmt(contract.max_price)} {contract.quote_asset} for "
                          f"{contract.symbol}")
    return rounded


def check_stop_side(contract: Contract, order_type: str, side: str, stop: Decimal,
                    reference_price: Decimal | None) -> None:
    """Refuse a stop that is on the wrong side of the market (it would trigger at once)."""
    if reference_price is None or reference_price <= 0:
        return
    if stop_reached(order_type, side, reference_price, stop):
        above = (side == "BUY") == is_stop_loss(order_type)
        raise FilterError(
            f"A {side} {order_type} triggers when the price {'rises to' if above else 'falls to'}"
            f" its stop, so the stop must be {'above' if above else 'below'} the market: "
            f"{fmt(stop)} is {'below' if above else 'above'} the market price "
            f"{fmt(reference_price)} {contract.quote_asset} and would trigger at once")


def check_callback_rate(contract: Contract, rate: Decimal | None) -> Decimal:
    """A trailing stop's callback rate, in percent: 0.1 to 10 in steps of 0.1."""
    if not contract.futures:
        raise InputError("A callback rate (trailing stop) is a futures setting; spot has none")
    if rate is None:
        raise InputError("A trailing stop needs a callback rate in % (0.1 to 10)")
    if not CALLBACK_MIN <= rate <= CALLBACK_MAX:
        raise FilterError(f"Callback rate {fmt(rate)} % is outside Binance's range "
                          f"{fmt(CALLBACK_MIN)} to {fmt(CALLBACK_MAX)} %")
    if rate % CALLBACK_STEP != 0:
        raise FilterError(f"Callback rate {fmt(rate)} % must be a multiple of "
                          f"{fmt(CALLBACK_STEP)} %")
    return rate


def check_conditional(contract: Contract, order_type: str, side: str,
                      price: Decimal | None = None, stop_price: Decimal | None = None, *,
                      tif: str | None = None, reference_price: Decimal | None = None,
                      reduce_only: bool = False, post_only: bool = False,
                      callback_rate: Decimal | None = None) -> ConditionalOrder:
    """Check one order's type-specific rules; return what to send. Raises before any I/O.

    Quantity filters are ``filters.check_order``'s job; this is everything else.
    """
    kind = order_type.strip().upper() if isinstance(order_type, str) else ""
    market = "futures" if contract.futures else "spot"
    if kind not in market_types(contract):
        raise InputError(f"Order type {order_type!r} does not exist on Binance {market}; use "
                         f"one of {', '.join(market_types(contract))}")
    if side not in ("BUY", "SELL"):
        raise InputError(f"Side {side!r} is not valid; use BUY or SELL")
    if not contract.futures and reduce_only:
        raise InputError("Reduce-only is a futures setting; a spot order cannot be reduce-only")
    if callback_rate is not None and kind != "TRAILING_STOP_MARKET":
        raise InputError("A callback rate is only for a trailing stop (TRAILING_STOP_MARKET)")
    notes: list[str] = []
    time_in_force = tif.strip().upper() if tif else None
    if time_in_force is not None and time_in_force not in TIME_IN_FORCE:
        raise InputError(f"Time in force {tif!r} is not valid; use one of "
                         f"{', '.join(TIME_IN_FORCE)}")
    if post_only:
        if kind not in ("LIMIT", "LIMIT_MAKER"):
            raise InputError(f"Post only applies to limit orders, not {kind}")
        if time_in_force in ("IOC", "FOK"):
            raise InputError(f"Post only cannot be {time_in_force}: a post-only order rests "
                             f"on the book")
        if contract.futures:
            time_in_force = "GTX"
        else:
            kind = "LIMIT_MAKER"
    limit: Decimal | None = None
    if needs_price(kind, contract.futures):
        if price is None:
            raise InputError(f"A {kind} order needs a limit price in {contract.quote_asset}")
        limit = _rounded(contract, parse_decimal(price, "Price"), "Price", notes)
        if kind == "LIMIT_MAKER":
            time_in_force = None
        elif time_in_force is None:
            time_in_force = "GTC"
    elif price is not None:
        raise InputError(f"A {kind} order takes no limit price")
    else:
        time_in_force = None
    stop: Decimal | None = None
    if needs_stop(kind):
        if stop_price is None:
            raise InputError(f"A {kind} order needs a stop (trigger) price in "
                             f"{contract.quote_asset}")
        stop = _rounded(contract, parse_decimal(stop_price, "Stop price"), "Stop price", notes)
        check_stop_side(contract, kind, side, stop, reference_price)
    elif kind == "TRAILING_STOP_MARKET":
        check_callback_rate(contract, callback_rate)
        if stop_price is not None:
            stop = _rounded(contract, parse_decimal(stop_price, "Activation price"),
                            "Activation price", notes)
    elif stop_price is not None:
        raise InputError(f"A {kind} order takes no stop price")
    return ConditionalOrder(kind, side, limit, stop, time_in_force, reduce_only, callback_rate,
                            contract.futures and kind in ALGO_TYPES, tuple(notes))


@dataclass(frozen=True, slots=True)
class OcoPrices:
    price: Decimal  # the limit-maker leg
    stop_price: Decimal  # the stop-loss leg's trigger
    stop_limit_price: Decimal | None  # None: the stop leg is STOP_LOSS (market)
    notes: tuple[str, ...] = ()


def check_oco(contract: Contract, side: str, price: Decimal, stop_price: Decimal,
              stop_limit_price: Decimal | None = None, *,
              reference_price: Decimal | None = None) -> OcoPrices:
    """An OCO's prices in the order Binance requires: a SELL's limit above the market and
    its stop below; a BUY's limit below and its stop above."""
    if contract.futures:
        raise InputError("OCO orders exist on spot only; on futures attach a take-profit and "
                         "a stop-loss (reduce-only) instead")
    if side not in ("BUY", "SELL"):
        raise InputError(f"Side {side!r} is not valid; use BUY or SELL")
    notes: list[str] = []
    limit = _rounded(contract, parse_decimal(price, "Price"), "Price", notes)
    stop = _rounded(contract, parse_decimal(stop_price, "Stop price"), "Stop price", notes)
    stop_limit = None if stop_limit_price is None else _rounded(
        contract, parse_decimal(stop_limit_price, "Stop limit price"), "Stop limit price", notes)
    selling = side == "SELL"
    if (limit <= stop) if selling else (limit >= stop):
        raise FilterError(
            f"A {side} OCO needs its limit price {'above' if selling else 'below'} its stop "
            f"price; {fmt(limit)} is not {'above' if selling else 'below'} {fmt(stop)}")
    if reference_price is not None and reference_price > 0:
        high, low = (limit, stop) if selling else (stop, limit)
        if not high > reference_price > low:
            raise FilterError(
                f"A {side} OCO needs the market between its prices: {fmt(low)} < last price < "
                f"{fmt(high)}, but the last price is {fmt(reference_price)} "
                f"{contract.quote_asset}")
    return OcoPrices(limit, stop, stop_limit, tuple(notes))


__all__ = [
    "ALGO_TYPES",
    "FUTURES_TYPES",
    "PLAIN_TYPES",
    "SPOT_TYPES",
    "ConditionalOrder",
    "OcoPrices",
    "check_callback_rate",
    "check_conditional",
    "check_oco",
    "check_stop_side",
    "market_types",
    "needs_price",
    "needs_stop",
    "stop_reached",
]
