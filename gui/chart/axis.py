"""A time axis for candle x coordinates (intervals from the store's origin).

Ticks fall on round times (every 15 minutes, 4 hours, a day, ...) in the
trader's local time, spaced so that labels never collide.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pyqtgraph as pg  # type: ignore[import-untyped]  # no stubs

_MIN = 60_000
_SPACINGS = (  # candidate tick spacings, ms
    _MIN, 5 * _MIN, 15 * _MIN, 30 * _MIN, 60 * _MIN, 2 * 60 * _MIN, 4 * 60 * _MIN,
    6 * 60 * _MIN, 12 * 60 * _MIN, 1440 * _MIN, 2 * 1440 * _MIN, 7 * 1440 * _MIN,
    14 * 1440 * _MIN, 30 * 1440 * _MIN, 91 * 1440 * _MIN, 365 * 1440 * _MIN,
)
_LABEL_PX = 90  # room for one label


class TimeAxis(pg.AxisItem):  # type: ignore[misc]  # pyqtgraph is untyped
    def __init__(self, frame: Callable[[], tuple[int, int]], **kwargs: Any) -> None:
        """``frame()`` gives the store's (origin ms, step ms), read at each layout."""
        super().__init__(orientation="bottom", **kwargs)
        self._frame = frame

    def frame(self) -> tuple[int, int]:
        """The (origin ms, step ms) the ticks are laid out in."""
        return self._frame()

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list[Any]:
        origin, step = self._frame()
        if size <= 0 or maxVal <= minVal:
            return []
        ms_per_px = (maxVal - minVal) * step / size
        spacing = next((s for s in _SPACINGS if s >= ms_per_px * _LABEL_PX), _SPACINGS[-1])
        offset = time.localtime().tm_gmtoff * 1000  # round in local time
        start = origin + minVal * step
        first = (int(start + offset) // spacing + 1) * spacing - offset
        values = []
        t = first
        while t <= origin + maxVal * step:
            values.append((t - origin) / step)
            t += spacing
        return [(spacing / step, values)]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        origin, step = self._frame()
        ms = spacing * step
        out = []
        for v in values:
            local = time.localtime((origin + v * step) / 1000)
            if ms >= 1440 * _MIN:
                out.append(time.strftime("%b %Y" if ms >= 30 * 1440 * _MIN else "%d %b", local))
            elif local.tm_hour == 0 and local.tm_min == 0:
                out.append(time.strftime("%d %b", local))  # midnight: name the day
            else:
                out.append(time.strftime("%H:%M", local))
        return out
