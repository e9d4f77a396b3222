"""Candles folded into pixel columns, so a zoomed-out chart draws one bar per column.

With 100,000 candles on 1,500 pixels, drawing every candle paints ~70 bars on
top of each other per column; folding them first (first open, max high, min
low, last close, largest volume: the pixels those ~70 bars would have lit)
draws exactly what the eye can see, at a cost
that depends on the width of the view, not on the history loaded.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .store import CandleStore, FloatArray


@dataclass(frozen=True, slots=True)
class Columns:
    """One entry per non-empty pixel column: its centre x and the folded OHLCV."""

    x: FloatArray
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray


def aggregate(x: FloatArray, o: FloatArray, h: FloatArray, low: FloatArray, c: FloatArray,
              v: FloatArray, x0: float, width: float) -> Columns:
    """Fold candles (sorted by x, candle i spanning [x_i, x_i + 1)) into columns of ``width``:
    column k spans [x0 + k * width, x0 + (k + 1) * width) and holds the candles whose centre
    falls in it. Column edges are found by binary search, so the cost beyond the three
    ``reduceat`` passes depends on the number of columns, not of candles."""
    if len(x) == 0:
        empty = np.empty(0)
        return Columns(empty, empty, empty, empty, empty, empty)
    centre = x + 0.5
    first = int(np.floor((centre[0] - x0) / width)) - 1  # a column of margin each side:
    last = int(np.floor((centre[-1] - x0) / width)) + 1  # floor and the edges may disagree
    ks = np.arange(first, last + 2)
    idx = np.searchsorted(centre, x0 + ks * width, side="left")
    filled = idx[1:] > idx[:-1]
    starts = idx[:-1][filled]
    ends = np.concatenate((starts[1:], [len(x)])) - 1
    return Columns(
        x=np.asarray(x0 + (ks[:-1][filled] + 0.5) * width, dtype=np.float64),
        open=o[starts],
        high=np.maximum.reduceat(h, starts),
        low=np.minimum.reduceat(low, starts),
        close=c[ends],
        volume=np.maximum.reduceat(v, starts),
    )


def fold(store: CandleStore, i0: int, i1: int, x0: float, width: float) -> Columns:
    """``aggregate`` of the store's candles [i0, i1), remembered for the store's version, so
    the candles and the volume (and repaints that only move the crosshair) fold once."""
    key: tuple[int, int, int, float, float] | None = (store.version, i0, i1, x0, width)
    if i1 - i0 <= 1:  # the live candle alone: nothing worth remembering
        key = None
    cached = store.derived.get("fold")
    if key is not None and cached is not None and cached[0] == key:
        columns: Columns = cached[1]
        return columns
    sl = slice(i0, i1)
    columns = aggregate(store.x[sl], store.o[sl], store.h[sl], store.l[sl], store.c[sl],
                        store.v[sl], x0, width)
    if key is not None:
        store.derived["fold"] = (key, columns)
    return columns
