"""Order preparation: parse, round and check an order before anything is sent.

``prepare_order`` is the one rule for what an order may be. ``place_order``
sends exactly what it returns, and the GUI's ticket calls it for inline
validation, so a trader sees exactly the error the connector would raise. It
is a value-type module: no I/O, no client, safe for widgets to import.

Every other Binance type and the extras (stop price, post-only, reduce-only,
callback rate) arrive as keyword-only arguments of ``prepare_order`` and are
checked by ``conditional``'s rules; they come out as fields with defaults on
``PreparedOrder``, so the positional shape stays the seed's.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import msgspec

from ._models import ZERO, Contract
from .conditional import check_conditional, needs_price, needs_stop
from .errors import InputError
from .filters import check_order, fmt, parse_decimal, round_price, round_quantity

ORDER_TYPES = ("MARKET", "LIMIT")
SIDES = ("BUY", "SELL")
TIME_IN_FORCE = ("GTC", "IOC", "FOK")

# Types whose quantity follows the market lot filter (no limit price of their own).
_MARKET_KINDS = ("MARKET", "STOP_LOSS", "STOP_MARKET", "TAKE_PROFIT_MARKET",
                 "TRAILING_STOP_MARKET")

__all__ = ["ORDER_TYPES", "SIDES", "TIME_IN_FORCE", "PreparedOrder", "choice", "is_extended",
           "needs_reference_price", "prepare_order", "reference_from"]


@dataclass(frozen=True, slots=True)
class PreparedOrder:
    """An order that passed every local check, rounded to the symbol's filters.

    ``notional`` is quantity x price (for a MARKET order, x the reference
    price), or None when a MARKET order had no reference price. ``notes`` are
    the roundings made, as sentences to log.
    """

    symbol: str
    side: str  # BUY / SELL
    order_type: str  # Binance's type on the wire (post-only spot: LIMIT_MAKER)
    quantity: Decimal
    price: Decimal | None  # None for MARKET
    tif: str | None  # None for MARKET
    notional: Decimal | None
    notes: tuple[str, ...] = ()
    stop_price: Decimal | None = None  # trigger; for a trailing stop its activation price
    reduce_only: bool = False
    callback_rate: Decimal | None = None  # trailing stops, in %
    is_algo: bool = False  # futures conditional: sent to the algo-order service

    @property
    def is_market(self) -> bool:
        return self.order_type == "MARKET"

    def describe(self) -> str:
        """``BUY LIMIT 0.002 BTCUSDT @ 95000``: how the log names this order."""
        text = f"{self.side} {self.order_type} {fmt(self.quantity)} {self.symbol}"
        if self.price is not None:
            text += f" @ {fmt(self.price)}"
        if self.stop_price is not None:
            text += f" stop {fmt(self.stop_price)}"
        if self.callback_rate is not None:
            text += f" callback {fmt(self.callback_rate)} %"
        return text + (" reduce-only" if self.reduce_only else "")

    def params(self) -> dict[str, Any]:
        """The order's own request parameters (the client adds its id and response type)."""
        out: dict[str, Any] = {"symbol": self.symbol, "side": self.side,
                               "type": self.order_type, "quantity": format(self.quantity, "f")}
        if self.price is not None:
            out["price"] = format(self.price, "f")
        if self.tif is not None:
            out["timeInForce"] = self.tif
        if self.stop_price is not None:
            out["stopPrice"] = format(self.stop_price, "f")
        if self.reduce_only:
            out["reduceOnly"] = "true"
        return out


def choice(value: object, allowed: tuple[str, ...], what: str) -> str:
    """``value`` upper-cased if it is one of ``allowed``, else an InputError listing them."""
    text = value.strip().upper() if isinstance(value, str) else None
    if text is None or text not in allowed:
        raise InputError(f"{what} {value!r} is not valid; use one of {', '.join(allowed)}")
    return text


def is_extended(order_type: object, *, stop_price: object = None, reduce_only: bool = False,
                post_only: bool = False, callback_rate: object = None) -> bool:
    """Does this order need more than the seed's LIMIT/MARKET rules (``conditional``'s)?"""
    kind = order_type.strip().upper() if isinstance(order_type, str) else order_type
    return (kind not in ORDER_TYPES or stop_price is not None or bool(reduce_only)
            or bool(post_only) or callback_rate is not None)


def needs_reference_price(contract: Contract, order_type: object) -> bool:
    """Whether an order on ``contract`` is checked against the current price, so the caller
    should supply it as ``reference_price``: a MARKET order against a notional filter, a
    stop type for the side of its trigger."""
    kind = order_type.strip().upper() if isinstance(order_type, str) else ""
    if needs_stop(kind):
        return True
    return kind == "MARKET" and ((contract.min_notional > 0
                                  and contract.apply_min_notional_to_market)
                                 or contract.max_notional > 0)


def reference_from(order_type: str, side: str, bid: Decimal, ask: Decimal) -> Decimal:
    """The current price an order is checked against: a stop's side at the mid, a MARKET
    order's notional at the touch it would take (the ask for a BUY, the bid for a SELL)."""
    if needs_stop(order_type):
        return (bid + ask) / 2
    return ask if side == "BUY" else bid


def _optional(value: object, what: str) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return parse_decimal(value, what)


def prepare_order(
    contract: Contract,
    order_type: object,
    quantity: object,
    side: object,
    price: object = None,
    tif: object = None,
    *,
    reference_price: Decimal | None = None,
    stop_price: object = None,
    post_only: bool = False,
    reduce_only: bool = False,
    callback_rate: object = None,
) -> PreparedOrder:
    """Parse, round and check one order; raise InputError/FilterError saying what is wrong.

    ``reference_price`` is the current price (the ask for a BUY, the bid for a
    SELL) that a MARKET order's notional is estimated at, where the symbol's
    minimum notional applies to market orders, and that a stop's side is
    checked against. Any other type, or an extra, goes by ``conditional``'s rules.
    """
    if is_extended(order_type, stop_price=stop_price, reduce_only=reduce_only,
                   post_only=post_only, callback_rate=callback_rate):
        return _prepare_conditional(contract, order_type, quantity, side, price, tif,
                                    reference_price=reference_price, stop_price=stop_price,
                                    post_only=post_only, reduce_only=reduce_only,
                                    callback_rate=callback_rate)
    kind = choice(order_type, ORDER_TYPES, "Order type")
    direction = choice(side, SIDES, "Side")
    is_market = kind == "MARKET"
    time_in_force = None
    if not is_market:
        time_in_force = choice(tif, TIME_IN_FORCE, "Time in force") if tif else "GTC"
    qty = parse_decimal(quantity, "Quantity")
    limit_price: Decimal | None = None
    if not is_market:
        if price is None or (isinstance(price, str) and not price.strip()):
            raise InputError(f"A LIMIT order needs a price; give one in {contract.quote_asset}")
        limit_price = parse_decimal(price, "Price")
    notes: list[str] = []
    rounded_qty = round_quantity(contract, qty, market=is_market)
    if rounded_qty != qty and rounded_qty > 0:
        notes.append(f"Quantity {fmt(qty)} rounded down to {fmt(rounded_qty)} "
                     f"{contract.base_asset} ({contract.symbol} lot step)")
    rounded_price = None
    if limit_price is not None:
        rounded_price = round_price(contract, limit_price)
        if rounded_price != limit_price:
            notes.append(f"Price {fmt(limit_price)} rounded to {fmt(rounded_price)} "
                         f"{contract.quote_asset} ({contract.symbol} tick "
                         f"{fmt(contract.tick_size)})")
    reference = reference_price if is_market else None
    check_order(contract, rounded_qty, rounded_price, market=is_market, reference_price=reference)
    at = rounded_price if rounded_price is not None else reference
    return PreparedOrder(
        symbol=contract.symbol,
        side=direction,
        order_type=kind,
        quantity=rounded_qty,
        price=rounded_price,
        tif=time_in_force,
        notional=rounded_qty * at if at is not None else None,
        notes=tuple(notes),
    )


def _prepare_conditional(contract: Contract, order_type: object, quantity: object,
                         side: object, price: object, tif: object, *,
                         reference_price: Decimal | None, stop_price: object, post_only: bool,
                         reduce_only: bool, callback_rate: object) -> PreparedOrder:
    """Every type beyond LIMIT/MARKET, and the extras: ``conditional.check_conditional``'s
    rules, then the quantity filters (Binance waives the minimum notional when reducing)."""
    direction = choice(side, SIDES, "Side")
    if not isinstance(order_type, str):
        raise InputError(f"Order type must be a name such as 'STOP_MARKET', not {order_type!r}")
    if tif is not None and not isinstance(tif, str):
        raise InputError(f"Time in force {tif!r} is not valid; use one of "
                         f"{', '.join(TIME_IN_FORCE)}")
    qty = parse_decimal(quantity, "Quantity")
    order = check_conditional(contract, order_type, direction, _optional(price, "Price"),
                              _optional(stop_price, "Stop price"), tif=tif,
                              reference_price=reference_price, reduce_only=bool(reduce_only),
                              post_only=bool(post_only),
                              callback_rate=_optional(callback_rate, "Callback rate"))
    is_market = order.order_type in _MARKET_KINDS or (
        order.order_type == "TAKE_PROFIT" and not contract.futures)
    notes: list[str] = []
    rounded = round_quantity(contract, qty, market=is_market)
    if rounded != qty and rounded > 0:
        notes.append(f"Quantity {fmt(qty)} rounded down to {fmt(rounded)} "
                     f"{contract.base_asset} ({contract.symbol} lot step)")
    notes.extend(order.notes)
    checked = msgspec.structs.replace(contract, min_notional=ZERO) if order.reduce_only else contract
    at = order.stop_price or reference_price
    check_order(checked, rounded, order.price, market=is_market, reference_price=at)
    at = order.price if order.price is not None else at
    tif_sent = order.time_in_force if needs_price(order.order_type, contract.futures) else None
    return PreparedOrder(
        symbol=contract.symbol, side=direction, order_type=order.order_type, quantity=rounded,
        price=order.price, tif=tif_sent, notional=rounded * at if at is not None else None,
        notes=tuple(notes), stop_price=order.stop_price, reduce_only=order.reduce_only,
        callback_rate=order.callback_rate, is_algo=order.is_algo)
