"""Interleaved rounds in fresh processes, and honest summaries (min / median / max, ratios).

Every benchmark of the project follows the same rules (docs/performance.md):

* each side runs in its own fresh process (``fresh(...)``), so no side inherits the
  other's warm caches, JIT-less Python's allocator state or imported modules;
* rounds are interleaved (A B C, B C A, C A B, ...) so a noisy neighbour on this shared
  machine hurts every side alike;
* the summary prints min, median and max of every variant and, pair by pair, the ratio
  of medians with the spread of the per-round ratios.

API::

    results = Rounds(["raw", "ours"])
    for i in range(repeat):
        for name in results.order(i):            # rotated each round
            results.add(name, fresh([sys.executable, __file__, "--one", name]))["rate"])
    results.summary("msg/s", higher_is_better=True)
    results.ratio("ours", "raw", goal=0.8)       # ours / raw, per round and of medians

``fresh(argv)`` runs a child that prints one JSON object on its LAST stdout line (use
``emit(obj)`` in the child) and returns that object; a non-zero exit or a missing line
raises ``RuntimeError`` with the child's stderr, so a broken side cannot pass silently.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from collections.abc import Sequence
from typing import Any

from _common import remove_homes


def fresh(argv: Sequence[str], *, timeout: float = 300.0, env: dict[str, str] | None = None,
          ) -> dict[str, Any]:
    """Run ``argv`` in a new process; return the JSON object it printed last."""
    proc = subprocess.run(list(argv), capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"{' '.join(argv[1:3])} failed (exit {proc.returncode}):\n"
                           f"{proc.stderr[-3000:]}{proc.stdout[-1000:]}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def emit(obj: dict[str, Any]) -> None:
    """Child side of ``fresh``: print the result and leave at once (no slow shutdowns)."""
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()
    sys.stderr.flush()
    remove_homes()
    os._exit(0)  # python-binance's close waits out a 10 s timeout; nothing left to do


def spread(values: Sequence[float]) -> str:
    """``median (min–max)``, formatted to three significant figures."""
    return f"{_fmt(statistics.median(values))} ({_fmt(min(values))}–{_fmt(max(values))})"


def _fmt(x: float) -> str:
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.3g}" if abs(x) < 1 else f"{x:.2f}"


class Rounds:
    """Per-variant figures of interleaved rounds; round ``i`` of every variant pairs up."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = list(names)
        self.values: dict[str, list[float]] = {n: [] for n in self.names}

    def order(self, i: int) -> list[str]:
        """The variants rotated by ``i``: each one goes first, middle and last in turn."""
        k = i % len(self.names)
        return self.names[k:] + self.names[:k]

    def add(self, name: str, value: float) -> None:
        self.values[name].append(value)

    def median(self, name: str) -> float:
        return statistics.median(self.values[name])

    def summary(self, unit: str, title: str = "") -> None:
        if title:
            print(title)
        width = max(len(n) for n in self.names)
        for name in self.names:
            v = self.values[name]
            if v:
                print(f"  {name:<{width}}  median {_fmt(statistics.median(v)):>9} {unit}   "
                      f"min {_fmt(min(v)):>9}   max {_fmt(max(v)):>9}   ({len(v)} rounds)")

    def ratio(self, a: str, b: str, *, goal: float | None = None, lower_is_better: bool = False,
              label: str = "") -> float | None:
        """Print ``a / b`` (ratio of medians, and min–max of the per-round ratios)."""
        va, vb = self.values[a], self.values[b]
        if not va or not vb:
            return None
        pairs = [x / y for x, y in zip(va, vb, strict=False) if y]
        r = statistics.median(va) / statistics.median(vb)
        verdict = ""
        if goal is not None:
            met = r <= goal if lower_is_better else r >= goal
            verdict = (f"   goal {'<=' if lower_is_better else '>='} {goal:g}: "
                       f"{'MET' if met else 'NOT MET'}")
        print(f"  {label or f'{a} / {b}'}: {r:.2f}x   per round {min(pairs):.2f}–"
              f"{max(pairs):.2f}x{verdict}")
        return r
