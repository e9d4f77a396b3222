"""Instruments for ``bench/gui.py stall``: what happens inside each stall, and the
experiments that size the repaint's share (patched into the real window's classes)."""

from __future__ import annotations

import itertools
import time


class Probe:
    """Where a stall comes from: every gc pass, every repaint flush, model.data() time."""

    def __init__(self, paint: bool) -> None:
        import gc

        from gui.models import WatchlistModel

        self.gcs: list[tuple[float, float, int]] = []  # start, ms, generation
        self.flushes: list[tuple[float, float]] = []  # start, ms
        self.data_calls: list[float] = []  # perf_counter of each model.data() call
        self.data_ms = 0.0
        self._gc_start = 0.0
        gc.callbacks.append(self._gc)
        flush, data = WatchlistModel.flush, WatchlistModel.data
        probe = self

        def timed_flush(model: WatchlistModel) -> None:
            t = time.perf_counter()
            flush(model)
            probe.flushes.append((t, (time.perf_counter() - t) * 1000))

        def timed_data(model: WatchlistModel, index: object, role: int = 0) -> object:
            t = time.perf_counter()
            try:
                return data(model, index, role)  # type: ignore[arg-type]
            finally:
                probe.data_calls.append(t)
                probe.data_ms += (time.perf_counter() - t) * 1000

        WatchlistModel.flush = timed_flush  # type: ignore[method-assign]
        if paint:  # the wrapper costs as much as data() itself: off for the figures
            WatchlistModel.data = timed_data  # type: ignore[method-assign,assignment]

    def _gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_start = time.perf_counter()
        else:
            self.gcs.append((self._gc_start, (time.perf_counter() - self._gc_start) * 1000,
                             info["generation"]))

    def explain(self, gaps: list[float], ticks: list[float], over: float) -> dict[str, object]:
        """For each gap longer than ``over`` ms: the gc passes and paint work inside it."""
        import bisect

        starts = [g[0] for g in self.gcs]
        data_t = self.data_calls
        out = {"gaps": 0, "with_gc2": 0, "with_gc1": 0, "with_gc0": 0, "with_paint": 0,
               "gc_ms_in_gaps": 0.0, "worst": []}
        worst: list[tuple[float, str]] = []
        for gap, (a, b) in zip(gaps, itertools.pairwise(ticks), strict=False):
            if gap <= over:
                continue
            out["gaps"] += 1  # type: ignore[operator]
            inside = [g for g in self.gcs[bisect.bisect_left(starts, a):
                                          bisect.bisect_right(starts, b)]]
            gens = {g[2] for g in inside}
            for gen in (2, 1, 0):
                if gen in gens:
                    out[f"with_gc{gen}"] += 1  # type: ignore[operator]
                    break
            out["gc_ms_in_gaps"] += sum(g[1] for g in inside)  # type: ignore[operator]
            calls = bisect.bisect_right(data_t, b) - bisect.bisect_left(data_t, a)
            if calls:
                out["with_paint"] += 1  # type: ignore[operator]
            worst.append((gap, f"{gap:.1f} ms: gc " + (", ".join(
                f"gen{g[2]} {g[1]:.1f} ms" for g in inside) or "none") +
                f"; {calls} model.data() calls"))
        out["worst"] = [w for _, w in sorted(worst, reverse=True)[:5]]
        return out


def split_flush(parts: int) -> None:
    """An experiment: repaint ``parts`` times as often, a ``1/parts`` slice of the dirty
    rows each time (the rest stay dirty), so each paint covers a fraction of the view."""
    import gui.main_window
    from gui.models import WatchlistModel

    gui.main_window.REPAINT_MS = max(1, 50 // parts)  # type: ignore[attr-defined]
    flush = WatchlistModel.flush

    def sliced(model: WatchlistModel) -> None:
        dirty, columns = sorted(model._dirty), model._dirty_columns
        if len(dirty) > 1:
            keep = dirty[len(dirty) // parts:]
            model._dirty = set(dirty[:len(dirty) // parts])
            flush(model)
            model._dirty |= set(keep)
            model._dirty_columns = columns
        else:
            flush(model)

    WatchlistModel.flush = sliced  # type: ignore[method-assign]


def cache_model_data() -> None:
    """An experiment for the proposed gui fix: data() answers from a per-row cache that
    flush() clears for the rows it repaints (dirty or flash-expired), so a repaint does
    no formatting. Same answers as the model's own data()."""
    from gui.models import WatchlistModel

    data, flush = WatchlistModel.data, WatchlistModel.flush

    def cached_data(model: WatchlistModel, index: object, role: int = 0) -> object:
        cache = model.__dict__.setdefault("_cells", {})
        key = (index.row(), index.column(), role)  # type: ignore[attr-defined]
        try:
            return cache[key]
        except KeyError:
            value = cache[key] = data(model, index, role)  # type: ignore[arg-type]
            return value

    def cached_flush(model: WatchlistModel) -> None:
        model.__dict__.get("_cells", {}).clear()  # rows repaint at most 20 times a second
        flush(model)

    WatchlistModel.data = cached_data  # type: ignore[method-assign,assignment]
    WatchlistModel.flush = cached_flush  # type: ignore[method-assign]
