"""Shared bits of the benchmarks: import path, medians, percentiles, a table printer."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The screen a GUI benchmark runs on offscreen: Qt's offscreen screen is 800x800, where the
# main window cannot open at its default 1440x860 and its docks are squeezed over each
# other (and every repaint of one repaints its neighbours). A trader's desk is larger.
SCREEN = (1920, 1080)
_homes: list[str] = []


def isolate_gui() -> str:
    """Give this process settings and a journal of its own, in a new temporary directory
    (nothing of the user's is read or written, no run inherits another's saved window),
    and, offscreen, a ``SCREEN``-sized screen. Call before Qt starts; returns the dir."""
    home = tempfile.mkdtemp(prefix="starlight-bench-")
    _homes.append(home)
    os.environ["XDG_CONFIG_HOME"] = str(Path(home, "config"))
    os.environ["XDG_DATA_HOME"] = str(Path(home, "data"))
    if os.environ.get("QT_QPA_PLATFORM", "offscreen").startswith("offscreen"):
        width, height = SCREEN
        config = Path(home, "screen.json")
        config.write_text(json.dumps({"screens": [{
            "name": "bench", "x": 0, "y": 0, "width": width, "height": height,
            "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
        os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={config}"
    return home


def remove_homes() -> None:
    """Delete what ``isolate_gui`` made (also called by ``_stats.emit``, which skips atexit)."""
    while _homes:
        shutil.rmtree(_homes.pop(), ignore_errors=True)


atexit.register(remove_homes)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[k]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def rss_mb() -> float:
    """Resident memory of this process, from /proc (Linux)."""
    with open(f"/proc/{os.getpid()}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0
