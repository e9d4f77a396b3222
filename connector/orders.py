"""Order preparation: parse, round and check an order before anything is sent.

``prepare_order`` is the one rule for what an order may be. ``place_order``
sends exactly what it returns, and the GUI's ticket calls it for inline
validation, so a trader sees exactly the error the connector would raise. It
is a value-type module: no I/O, no client, safe for widgets to import.

New order kinds (stop price, post-only, reduce-only, callback rate) are meant
to arrive as keyword-only arguments of ``prepare_order`` and fields with
defaults on ``PreparedOrder``: the positional shape stays the seed's.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ._models import Contract
from .errors import InputError
from .filters import check_order, fmt, parse_decimal, round_price, round_quantity

ORDER_TYPES = ("MARKET", "LIMIT")
SIDES = ("BUY", "SELL")
TIME_IN_FORCE = ("GTC", "IOC", "FOK")

__all__ = ["ORDER_TYPES", "SIDES", "TIME_IN_FORCE", "PreparedOrder", "choice", "prepare_order"]


@dataclass(frozen=True, slots=True)
class PreparedOrder:
    """An order that passed every local check, rounded to the symbol's filters.

    ``notional`` is quantity x price (for a MARKET order, x the reference
    price), or None when a MARKET order had no reference price. ``notes`` are
    the roundings made, as sentences to log.
    """

    symbol: str
    side: str  # BUY / SELL
    order_type: str  # MARKET / LIMIT
    quantity: Decimal
    price: Decimal | None  # None for MARKET
    tif: str | None  # None for MARKET
    notional: Decimal | None
    notes: tuple[str, ...] = ()

    @property
    def is_market(self) -> bool:
        return self.order_type == "MARKET"

    def describe(self) -> str:
        """``BUY LIMIT 0.002 BTCUSDT @ 95000``: how the log names this order."""
        text = f"{self.side} {self.order_type} {fmt(self.quantity)} {self.symbol}"
        return text if self.price is None else f"{text} @ {fmt(self.price)}"

    def params(self) -> dict[str, Any]:
        """The order's own request parameters (the client adds its id and response type)."""
        out: dict[str, Any] = {"symbol": self.symbol, "side": self.side,
                               "type": self.order_type, "quantity": format(self.quantity, "f")}
        if self.price is not None:
            out["price"] = format(self.price, "f")
        if self.tif is not None:
            out["timeInForce"] = self.tif
        return out


def choice(value: object, allowed: tuple[str, ...], what: str) -> str:
    """``value`` upper-cased if it is one of ``allowed``, else an InputError listing them."""
    text = value.strip().upper() if isinstance(value, str) else None
    if text is None or text not in allowed:
        raise InputError(f"{what} {value!r} is not valid; use one of {', '.join(allowed)}")
    return text


def needs_reference_price(contract: Contract, order_type: object) -> bool:
    """Whether a MARKET order on ``contract`` is checked against a notional filter, so the
    caller should supply the current price as ``reference_price``."""
    is_market = isinstance(order_type, str) and order_type.strip().upper() == "MARKET"
    return is_market and ((contract.min_notional > 0 and contract.apply_min_notional_to_market)
                          or contract.max_notional > 0)


def prepare_order(
    contract: Contract,
    order_type: object,
    quantity: object,
    side: object,
    price: object = None,
    tif: object = None,
    *,
    reference_price: Decimal | None = None,
) -> PreparedOrder:
    """Parse, round and check one order; raise InputError/FilterError saying what is wrong.

    ``reference_price`` is the current price (the ask for a BUY, the bid for a
    SELL) that a MARKET order's notional is estimated at, where the symbol's
    minimum notional applies to market orders.
    """
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
