"""Futures margin arithmetic: leverage brackets, Binance's liquidation price, sizing. Pure.

Liquidation price, from Binance's "How to Calculate Liquidation Price of
USDⓈ-M Futures Contracts"
(https://www.binance.com/en/support/faq/b3c689c1f50a44cabb3a84e663b81d93),
one-way mode (the hedge-mode LONG/SHORT terms are zero)::

    LP = (WB - TMM1 + UPNL1 + cumB - Side1 * Position1 * EP1)
         / (Position1 * MMR_B - Side1 * Position1)

* ``WB``: wallet balance: the cross wallet balance in cross margin, the
  position's isolated wallet in isolated margin;
* ``TMM1``, ``UPNL1``: maintenance margin and unrealized PnL of all *other*
  cross contracts (0 in isolated margin);
* ``cumB``, ``MMR_B``: maintenance amount and rate of the position's bracket
  (``GET /fapi/v1/leverageBracket``: ``cum``, ``maintMarginRatio``);
* ``Side1`` 1 long, -1 short; ``Position1`` the absolute size; ``EP1`` the
  entry price.

Maintenance margin is ``|notional| * maintMarginRatio - cum`` with the bracket
the notional falls in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ._models import Contract
from .filters import round_quantity

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Bracket:
    """One notional tier of a symbol: max leverage and maintenance margin rate/amount."""

    bracket: int
    initial_leverage: int
    notional_floor: Decimal
    notional_cap: Decimal
    maint_margin_ratio: Decimal
    cum: Decimal


Brackets = Mapping[str, tuple[Bracket, ...]]


def brackets_from(data: Any) -> dict[str, tuple[Bracket, ...]]:
    """``GET /fapi/v1/leverageBracket``: a list of symbols, or one object when asked for one."""
    items = [data] if isinstance(data, dict) else list(data)
    out: dict[str, tuple[Bracket, ...]] = {}
    for item in items:
        rows = sorted(item.get("brackets", []), key=lambda b: Decimal(str(b["notionalFloor"])))
        out[item["symbol"]] = tuple(
            Bracket(int(b["bracket"]), int(b["initialLeverage"]),
                    Decimal(str(b["notionalFloor"])), Decimal(str(b["notionalCap"])),
                    Decimal(str(b["maintMarginRatio"])), Decimal(str(b["cum"])))
            for b in rows)
    return out


def bracket_for(tiers: Iterable[Bracket], notional: Decimal) -> Bracket | None:
    """The tier an absolute notional falls in (the last beyond the table; None without tiers).

    ``notionalCap`` is inclusive: a notional exactly on a cap is in the lower tier, where
    Binance's ``maxNotionalValue`` for that tier's leverage puts it.
    """
    last: Bracket | None = None
    value = abs(notional)
    for b in tiers:
        last = b
        if value <= b.notional_cap:
            return b
    return last


def maintenance_margin(tiers: Iterable[Bracket], notional: Decimal) -> Decimal:
    b = bracket_for(tiers, notional)
    if b is None or not notional:
        return ZERO
    return max(abs(notional) * b.maint_margin_ratio - b.cum, ZERO)


def liquidation_price(wallet: Decimal, other_maint: Decimal, other_pnl: Decimal,
                      quantity: Decimal, entry: Decimal, mmr: Decimal, cum: Decimal) -> Decimal:
    """Binance's one-way formula (module docstring) for signed ``quantity``; 0 = none."""
    if not quantity:
        return ZERO
    side = Decimal(1) if quantity > 0 else Decimal(-1)
    size = abs(quantity)
    denominator = size * mmr - side * size
    if not denominator:
        return ZERO
    price = (wallet - other_maint + other_pnl + cum - side * size * entry) / denominator
    return price if price > 0 else ZERO


def futures_trade_quantity(contract: Contract, available: Decimal, leverage: int,
                           price: Decimal, pct: Decimal) -> Decimal:
    """Quantity ``pct`` % of the available balance buys on futures: ``available * leverage``
    is the notional it can margin. Rounded down to the lot step; 0 when nothing fits."""
    if price <= 0 or leverage <= 0 or available <= 0 or pct <= 0:
        return ZERO
    notional = available * leverage * min(pct, Decimal(100)) / 100
    return max(round_quantity(contract, notional / price), ZERO)
