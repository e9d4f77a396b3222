"""Kline history of the demo exchange: a smooth function of time ending at the live price.

Every candle is the curve between its open and the next one's, widened a little for
its high and low; the current candle closes at the live price. The curve is computed
in floats (ten thousand candles a request must cost milliseconds, not a second), and
each price is then put on the symbol's tick in integer units, so every price on the
wire is an exact multiple of the tick, written with Binance's eight decimals.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from ._symbols import SymbolSpec
from ._wire import fmt


def _units(size: Decimal) -> tuple[int, int]:
    """``size`` as ``m * 10**-k`` (ints, k >= 0): 0.01 -> (1, 2), 0.5 -> (5, 1), 10 -> (10, 0)."""
    _, digits, exponent = size.normalize().as_tuple()
    m = int("".join(map(str, digits)))
    assert isinstance(exponent, int)
    return (m * 10 ** exponent, 0) if exponent > 0 else (m, -exponent)


def _written(n: int, k: int) -> str:
    """``n * 10**-k`` with eight decimals (k <= 8, as every tick and lot of the demo)."""
    whole, frac = divmod(n, 10 ** k)
    return f"{whole}.{frac:0{k}d}{'0' * (8 - k)}" if k else f"{n}.00000000"


def _wave(hours: float, seed: int) -> float:
    return (0.03 * math.sin(hours / 37 + seed) + 0.012 * math.sin(hours / 5.3 + seed * 2)
            + 0.004 * math.sin(hours * 1.9 + seed * 3))


def kline_rows(spec: SymbolSpec, last: Decimal, opens: list[int], step: int, current_open: int,
               now: int) -> list[list[Any]]:
    """Binance's kline rows for candles opening at ``opens`` (ms), ``step`` ms long."""
    tick_m, tick_k = _units(spec.tick)
    lot_m, lot_k = _units(spec.step)
    tick, lot, live = float(spec.tick), float(spec.step), float(last)
    seed = sum(map(ord, spec.symbol))
    now_wave = _wave(0.0, seed)

    def curve(t: int) -> float:
        return live * (1 + _wave((t - now) / 3_600_000, seed) - now_wave)

    def price(x: float) -> str:
        return _written(max(1, round(x / tick)) * tick_m, tick_k)

    rows = []
    live_text = fmt(last)
    nxt = curve(opens[0]) if opens else 0.0
    for o in opens:
        open_, nxt = nxt, curve(o + step)
        close = live if o == current_open else nxt
        lots = max(1, round((200_000 + (o // step) % 97 * 3_000) / close / lot))
        volume = lots * lot
        rows.append([
            o, price(open_), price(max(open_, close) * 1.0007), price(min(open_, close) * 0.9993),
            live_text if o == current_open else price(close), _written(lots * lot_m, lot_k),
            o + step - 1, f"{volume * close:.8f}", 100 + (o // step) % 50,
            f"{volume / 2:.8f}", f"{volume * close / 2:.8f}", "0",
        ])
    return rows
