"""Leverage brackets of the demo's USD-M contracts: Binance-like tiers, one table.

A bracket says, for a position notional above ``floor`` up to and including
``cap``, the highest initial leverage allowed and the maintenance margin rate
(a notional exactly on a cap is in the lower tier: Binance's
``maxNotionalValue`` for a leverage is that tier's ``notionalCap``, so a
position of exactly that size still trades at that leverage). The
maintenance amount ``cum`` is not data: Binance defines it so maintenance
margin (``notional * rate - cum``) is continuous across tiers, so it is derived
here (``cum[n] = cum[n-1] + floor[n] * (rate[n] - rate[n-1])``). The shapes
served by ``GET /fapi/v1/leverageBracket`` are built from these rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Bracket:
    bracket: int
    initial_leverage: int
    notional_floor: Decimal
    notional_cap: Decimal
    maint_margin_ratio: Decimal
    cum: Decimal


# (notional cap, max initial leverage, maintenance margin rate); floors are the previous cap.
_TIERS: dict[str, tuple[tuple[int, int, str], ...]] = {
    "btc": ((50_000, 125, "0.004"), (600_000, 100, "0.005"), (3_000_000, 75, "0.0065"),
            (12_000_000, 50, "0.01"), (70_000_000, 25, "0.02"), (100_000_000, 20, "0.025"),
            (230_000_000, 10, "0.05"), (480_000_000, 5, "0.1"), (600_000_000, 4, "0.125"),
            (800_000_000, 3, "0.15"), (1_200_000_000, 2, "0.25"), (1_800_000_000, 1, "0.5")),
    "eth": ((50_000, 125, "0.004"), (600_000, 100, "0.005"), (3_000_000, 75, "0.0065"),
            (12_000_000, 50, "0.01"), (50_000_000, 25, "0.02"), (65_000_000, 20, "0.025"),
            (150_000_000, 10, "0.05"), (320_000_000, 5, "0.1"), (400_000_000, 4, "0.125"),
            (530_000_000, 3, "0.15"), (800_000_000, 2, "0.25"), (1_200_000_000, 1, "0.5")),
    "major": ((10_000, 75, "0.005"), (50_000, 50, "0.01"), (250_000, 25, "0.02"),
              (1_000_000, 20, "0.025"), (5_000_000, 10, "0.05"), (20_000_000, 5, "0.1"),
              (25_000_000, 4, "0.125"), (50_000_000, 3, "0.15"), (100_000_000, 2, "0.25"),
              (200_000_000, 1, "0.5")),
    "alt": ((5_000, 50, "0.01"), (25_000, 25, "0.02"), (100_000, 20, "0.025"),
            (250_000, 10, "0.05"), (1_000_000, 5, "0.1"), (5_000_000, 4, "0.125"),
            (10_000_000, 3, "0.15"), (15_000_000, 2, "0.25"), (50_000_000, 1, "0.5")),
}
_TABLE_OF = {"BTCUSDT": "btc", "ETHUSDT": "eth", "BNBUSDT": "major", "SOLUSDT": "major",
             "XRPUSDT": "major", "DOGEUSDT": "major", "ADAUSDT": "major", "LTCUSDT": "major",
             "LINKUSDT": "major", "AVAXUSDT": "major", "DOTUSDT": "major"}


@cache
def _table(name: str) -> tuple[Bracket, ...]:
    out: list[Bracket] = []
    floor, cum, prev_rate = ZERO, ZERO, ZERO
    for i, (cap, leverage, rate) in enumerate(_TIERS[name], start=1):
        mmr = Decimal(rate)
        cum += floor * (mmr - prev_rate)
        out.append(Bracket(i, leverage, floor, Decimal(cap), mmr, cum))
        floor, prev_rate = Decimal(cap), mmr
    return tuple(out)


def brackets(symbol: str) -> tuple[Bracket, ...]:
    """Every tier of ``symbol``, lowest notional first (unknown symbols get the alt table)."""
    return _table(_TABLE_OF.get(symbol, "alt"))


def bracket_for(symbol: str, notional: Decimal) -> Bracket:
    """The tier an absolute position ``notional`` falls in (the last tier beyond the table);
    the cap is inclusive (module docstring)."""
    tiers = brackets(symbol)
    value = abs(notional)
    for b in tiers:
        if value <= b.notional_cap:
            return b
    return tiers[-1]


def max_notional(symbol: str, leverage: int) -> Decimal:
    """The largest position notional ``leverage`` allows (Binance's ``maxNotionalValue``)."""
    caps = [b.notional_cap for b in brackets(symbol) if b.initial_leverage >= leverage]
    return max(caps) if caps else ZERO
