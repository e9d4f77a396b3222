"""USD-M notional and leverage brackets: the one table the demo's futures parts read.

Each tier is (max initial leverage, notional cap in USDT, maintenance margin
ratio); floors and ``cum`` (the maintenance amount: ``cum_n = cum_{n-1} +
floor_n * (mmr_n - mmr_{n-1})``) follow from them, as on Binance.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Bracket:
    bracket: int
    initial_leverage: int
    notional_floor: Decimal
    notional_cap: Decimal
    maint_margin_ratio: Decimal
    cum: Decimal


_MAJOR = ((125, "50000", "0.004"), (100, "600000", "0.005"), (75, "3000000", "0.0065"),
          (50, "12000000", "0.01"), (25, "70000000", "0.02"), (20, "100000000", "0.025"),
          (10, "230000000", "0.05"), (5, "480000000", "0.1"), (4, "600000000", "0.125"),
          (3, "800000000", "0.15"), (2, "1200000000", "0.25"), (1, "1800000000", "0.5"))
_ALT = ((75, "5000", "0.005"), (50, "25000", "0.01"), (25, "100000", "0.02"),
        (20, "250000", "0.025"), (10, "1000000", "0.05"), (5, "2000000", "0.1"),
        (4, "5000000", "0.125"), (2, "10000000", "0.25"), (1, "50000000", "0.5"))
_MAJORS = frozenset({"BTCUSDT", "ETHUSDT"})


def _tiers(table: tuple[tuple[int, str, str], ...]) -> tuple[Bracket, ...]:
    out = []
    floor = cum = prev_mmr = Decimal(0)
    for i, (leverage, cap, mmr) in enumerate(table, 1):
        ratio = Decimal(mmr)
        cum += floor * (ratio - prev_mmr)
        out.append(Bracket(i, leverage, floor, Decimal(cap), ratio, cum))
        floor, prev_mmr = Decimal(cap), ratio
    return tuple(out)


_TABLES = {"major": _tiers(_MAJOR), "alt": _tiers(_ALT)}


def brackets(symbol: str) -> tuple[Bracket, ...]:
    """The brackets of ``symbol``, lowest notional first."""
    return _TABLES["major" if symbol in _MAJORS else "alt"]


def bracket_for(symbol: str, notional: Decimal) -> Bracket:
    """The bracket a position of ``notional`` (absolute, USDT) falls in."""
    tiers = brackets(symbol)
    for tier in tiers:
        if abs(notional) <= tier.notional_cap:
            return tier
    return tiers[-1]


def max_leverage(symbol: str) -> int:
    return brackets(symbol)[0].initial_leverage
