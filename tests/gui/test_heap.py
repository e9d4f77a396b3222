"""The heap is frozen once the first connect settles, and only then."""

from __future__ import annotations

import gc

import pytest

from gui import heap


def test_settle_freezes_what_start_up_built_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(heap, "_settled", False)
    before = gc.get_freeze_count()
    try:
        heap.settle()
        frozen = gc.get_freeze_count()
        assert frozen > before
        gc.unfreeze()
        heap.settle()  # once a process: a second connect freezes nothing
        assert gc.get_freeze_count() == 0
    finally:
        gc.unfreeze()
