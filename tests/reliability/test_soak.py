"""A short soak (bench/soak.py's core) over fixed seeds: random orders and faults, then the
exchange's own records must match the client's: no duplicate, nothing lost, no mismatch."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
SEEDS = (3, 777, 2026)
SECONDS = 12.0


def load_soak() -> ModuleType:
    sys.path.insert(0, str(BENCH))  # soak imports its sibling _common
    try:
        spec = importlib.util.spec_from_file_location("bench_soak", BENCH / "soak.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # dataclasses look their module up
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(BENCH))


@pytest.mark.timeout(300)  # settling after the faults may take a while on a loaded machine
async def test_short_soak_over_three_seeds_loses_and_duplicates_nothing() -> None:
    soak = load_soak()
    results = await asyncio.gather(*(soak.run(SECONDS, 2, seed) for seed in SEEDS))
    for seed, r in zip(SEEDS, results, strict=True):
        assert r.tally.sent > 20, f"seed {seed}: the soak hardly ran"
        assert sum(r.tally.faults.values()) >= 1, f"seed {seed}: no fault fired"
        notes = "\n".join(r.notes)
        assert (r.duplicates, r.lost, r.mismatches) == (0, 0, 0), f"seed {seed}: {r}\n{notes}"
