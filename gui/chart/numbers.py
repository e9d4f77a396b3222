"""Numbers as the market panes print them: at the symbol's decimals when known."""

from __future__ import annotations

from decimal import Decimal

from connector.filters import fmt

from ..models import money


def fixed(value: Decimal, decimals: int | None) -> str:
    """``value`` at ``decimals`` places (95012.30), or its significant digits when unknown."""
    return fmt(value) if decimals is None else money(value, decimals)


def percent(value: Decimal) -> str:
    """Two significant digits however small (a BTC spread is 0.000011 %), plain text."""
    if value == 0:
        return "0"
    places = max(2, 1 - value.adjusted())
    return format(value.quantize(Decimal(1).scaleb(-places)), "f")
