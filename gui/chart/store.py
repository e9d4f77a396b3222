"""Candles of one symbol and interval: Decimal values for reading, float arrays for drawing.

The chart draws from numpy arrays (float64 coordinates are fine for pixels) and
reads the readout from the ``Candle`` values themselves, so a price on screen is
always the exchange's Decimal, never a float round trip. The x coordinate of a
candle is its open time in intervals from a fixed origin: older pages prepend
without moving anything already drawn, and gaps in trading stay gaps.
"""

from __future__ import annotations

from collections.abc import Iterable
from operator import attrgetter
from typing import Any

import numpy as np
import numpy.typing as npt

from connector import Candle

INTERVAL_MS: dict[str, int] = {
    "1m": 60_000, "3m": 180_000, "5m": 300_000, "15m": 900_000, "30m": 1_800_000,
    "1h": 3_600_000, "2h": 7_200_000, "4h": 14_400_000, "6h": 21_600_000,
    "12h": 43_200_000, "1d": 86_400_000,
}

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


class CandleStore:
    """Oldest first, one candle per open time; ``version`` moves when drawn data changes."""

    def __init__(self, step_ms: int, origin: int | None = None) -> None:
        self.step = step_ms
        self.origin = origin  # open time at x == 0; set by the first candles
        self.candles: list[Candle] = []
        self.t: IntArray = np.empty(0, np.int64)
        self.x: FloatArray = np.empty(0)
        self.o: FloatArray = np.empty(0)
        self.h: FloatArray = np.empty(0)
        self.l: FloatArray = np.empty(0)
        self.c: FloatArray = np.empty(0)
        self.v: FloatArray = np.empty(0)
        self.derived: dict[str, Any] = {}  # results computed from this version (see fold)
        self.version = 0  # anything but the last candle changed
        self.live_version = 0  # only the last candle changed

    def __len__(self) -> int:
        return len(self.candles)

    def x_of(self, time_ms: int) -> float:
        """The x of the candle that holds ``time_ms`` (its left edge)."""
        origin = self.origin if self.origin is not None else time_ms - time_ms % self.step
        return float((time_ms - origin) // self.step)

    def time_of(self, x: float) -> int:
        origin = self.origin if self.origin is not None else 0
        return origin + round(x * self.step)

    def replace(self, candles: Iterable[Candle]) -> None:
        rows = _unique(candles)
        if rows and self.origin is None:
            self.origin = rows[-1].timestamp
        self.candles = rows
        self._set(*_arrays(rows))

    def prepend(self, candles: Iterable[Candle]) -> int:
        """Add the candles older than the oldest held (a page of history); returns how many."""
        first = self.candles[0].timestamp if self.candles else None
        older = [c for c in _unique(candles) if first is None or c.timestamp < first]
        if older:
            if self.origin is None:
                self.origin = older[-1].timestamp
            self.candles[:0] = older
            t, values = _arrays(older)
            self._set(np.concatenate((t, self.t)), np.vstack((values, self._values())))
        return len(older)

    def upsert(self, candle: Candle) -> bool:
        """A live kline: update the candle of its open time, or append a newer one."""
        if not self.candles or candle.timestamp > self.candles[-1].timestamp:
            self.candles.append(candle)
            t, values = _arrays([candle])
            self._set(np.concatenate((self.t, t)), np.vstack((self._values(), values)))
            return True
        i = self.index_of(candle.timestamp)
        if i is None or self.candles[i] == candle:
            return False
        self.candles[i] = candle
        self.o[i], self.h[i], self.l[i], self.c[i], self.v[i] = _floats(candle)
        if i == len(self.candles) - 1:
            self.live_version += 1
        else:
            self.version += 1
        return True

    def index_of(self, time_ms: int) -> int | None:
        i = int(np.searchsorted(self.t, time_ms))
        return i if i < len(self.t) and int(self.t[i]) == time_ms else None

    def index_at_x(self, x: float) -> int | None:
        """The candle under x (candle i spans [x_i, x_i + 1)), or None between candles."""
        i = int(np.searchsorted(self.x, x, side="right")) - 1
        return i if 0 <= i < len(self.x) and x < self.x[i] + 1 else None

    def visible(self, x_min: float, x_max: float) -> tuple[int, int]:
        """Index range [i0, i1) of the candles that reach into [x_min, x_max]."""
        i0 = int(np.searchsorted(self.x, x_min - 1, side="right"))
        i1 = int(np.searchsorted(self.x, x_max, side="right"))
        return i0, max(i0, i1)

    def price_range(self, i0: int, i1: int) -> tuple[float, float] | None:
        if i1 <= i0:
            return None
        return float(self.l[i0:i1].min()), float(self.h[i0:i1].max())

    def _values(self) -> FloatArray:
        return np.column_stack((self.o, self.h, self.l, self.c, self.v))

    def _set(self, t: IntArray, values: FloatArray) -> None:
        self.t = t
        self.o, self.h, self.l, self.c, self.v = (np.ascontiguousarray(values[:, k])
                                                  for k in range(5))
        origin = self.origin or 0
        self.x = ((self.t - origin) // self.step).astype(np.float64)
        self.version += 1


def _unique(candles: Iterable[Candle]) -> list[Candle]:
    """Sorted by open time, one per open time (the later copy wins)."""
    by_time = {c.timestamp: c for c in candles}
    return [by_time[t] for t in sorted(by_time)]


def _arrays(candles: list[Candle]) -> tuple[IntArray, FloatArray]:
    n = len(candles)
    t = np.fromiter((c.timestamp for c in candles), np.int64, n)
    values = np.empty((n, 5))
    for k, field in enumerate(_FIELDS):
        values[:, k] = np.fromiter(map(float, map(field, candles)), np.float64, n)
    return t, values


_FIELDS = tuple(attrgetter(name) for name in ("open", "high", "low", "close", "volume"))


def _floats(c: Candle) -> tuple[float, float, float, float, float]:
    return float(c.open), float(c.high), float(c.low), float(c.close), float(c.volume)
