"""Exchange filters as pure functions: rounding and validation, no I/O.

The connector checks every order here before sending it, and the GUI's order
ticket uses the same functions for its inline validation, so a trader sees
exactly the error the connector would raise.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

from ._models import Contract
from .errors import FilterError, InputError

MAX_MAGNITUDE = 15  # digits before the point; beyond any real price or size, and keeps
# every rounding inside Decimal's 28-digit context

__all__ = [
    "check_order",
    "fmt",
    "parse_decimal",
    "round_price",
    "round_quantity",
]


def fmt(value: Decimal) -> str:
    """Plain decimal text, never scientific notation, no trailing zeros: 0.00001, 95000."""
    if value == 0:
        return "0"
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def parse_decimal(value: object, what: str) -> Decimal:
    """A positive finite Decimal from Decimal/str/int/float, or an InputError saying why not."""
    if isinstance(value, bool):
        raise InputError(f"{what} must be a number, not {value!r}")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))  # the shortest text that round-trips: 0.1 -> 0.1
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip().replace(",", "")) if value.strip() else Decimal("NaN")
        except InvalidOperation:
            raise InputError(f"{what} {value!r} is not a number") from None
    else:
        raise InputError(f"{what} must be a number, not {type(value).__name__}")
    if not number.is_finite():
        raise InputError(f"{what} must be a finite number, not {value!r}")
    if number <= 0:
        raise InputError(f"{what} must be greater than zero, not {fmt(number)}")
    if number.adjusted() > MAX_MAGNITUDE:
        raise InputError(f"{what} {fmt(number)} is far too large")
    return number


def _round_down(value: Decimal, step: Decimal) -> Decimal:
    if step <= 0:
        return value
    return (value / step).to_integral_value(rounding=ROUND_DOWN) * step


def _step_for(contract: Contract, market: bool) -> Decimal:
    if market and contract.market_lot_size > 0:
        return contract.market_lot_size
    return contract.lot_size


def round_quantity(contract: Contract, quantity: Decimal, *, market: bool = False) -> Decimal:
    """Round down to the lot step (MARKET_LOT_SIZE for market orders): never more than asked."""
    step = _step_for(contract, market)
    return _round_down(quantity, step).quantize(step) if step > 0 else quantity


def round_price(contract: Contract, price: Decimal) -> Decimal:
    """Round to the nearest tick."""
    tick = contract.tick_size
    if tick <= 0:
        return price
    return ((price / tick).to_integral_value(rounding=ROUND_HALF_UP) * tick).quantize(tick)


def check_order(
    contract: Contract,
    quantity: Decimal,
    price: Decimal | None,
    *,
    market: bool,
    reference_price: Decimal | None = None,
) -> None:
    """Raise FilterError if an (already rounded) order breaks the symbol's filters.

    ``price`` is the limit price; for market orders pass ``reference_price``
    (the touch) so the notional can be estimated.
    """
    sym, base, quote = contract.symbol, contract.base_asset, contract.quote_asset
    min_qty = contract.market_min_qty if market and contract.market_min_qty > 0 else contract.min_qty
    max_qty = contract.market_max_qty if market and contract.market_max_qty > 0 else contract.max_qty
    if quantity <= 0:
        step = _step_for(contract, market)
        raise FilterError(
            f"Quantity rounds to 0 at {sym}'s lot step {fmt(step)} {base}; "
            f"the minimum is {fmt(max(min_qty, step))} {base}"
        )
    if min_qty > 0 and quantity < min_qty:
        raise FilterError(
            f"Quantity {fmt(quantity)} {base} is below the minimum {fmt(min_qty)} for {sym}"
        )
    if max_qty > 0 and quantity > max_qty:
        raise FilterError(
            f"Quantity {fmt(quantity)} {base} is above the maximum {fmt(max_qty)} for {sym}"
        )
    if price is not None:
        if price <= 0:
            raise FilterError(f"Price must be greater than zero for {sym}")
        if contract.min_price > 0 and price < contract.min_price:
            raise FilterError(
                f"Price {fmt(price)} is below the minimum {fmt(contract.min_price)} {quote} "
                f"for {sym}"
            )
        if contract.max_price > 0 and price > contract.max_price:
            raise FilterError(
                f"Price {fmt(price)} is above the maximum {fmt(contract.max_price)} {quote} "
                f"for {sym}"
            )
    notional_price = price if price is not None else reference_price
    if notional_price is None:
        return
    notional = quantity * notional_price
    applies = not market or contract.apply_min_notional_to_market
    if applies and contract.min_notional > 0 and notional < contract.min_notional:
        need = _round_up(contract.min_notional / notional_price, _step_for(contract, market))
        raise FilterError(
            f"Order value {fmt(notional.quantize(Decimal('0.01')))} {quote} is below {sym}'s "
            f"minimum of {fmt(contract.min_notional)} {quote}; at {fmt(notional_price)} that "
            f"is at least {fmt(need)} {base}"
        )
    if contract.max_notional > 0 and notional > contract.max_notional:
        raise FilterError(
            f"Order value {fmt(notional)} {quote} is above {sym}'s maximum of "
            f"{fmt(contract.max_notional)} {quote}"
        )


def _round_up(value: Decimal, step: Decimal) -> Decimal:
    if step <= 0:
        return value
    from decimal import ROUND_UP

    return (value / step).to_integral_value(rounding=ROUND_UP) * step
