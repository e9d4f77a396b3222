"""``starlight --screenshot`` and the benchmark's first-price hook, run in this process."""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from gui.__main__ import main
from gui.secrets import MemoryKeyring


@pytest.fixture
def app(qapp: QApplication, memory_keyring: MemoryKeyring, config_home: Any,
        monkeypatch: pytest.MonkeyPatch) -> QApplication:
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # main() installs its own
    yield qapp
    asyncio.set_event_loop(None)


def test_screenshot_saves_the_window_once_prices_are_live(
        app: QApplication, tmp_path: Path, caplog: pytest.LogCaptureFixture,
        capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "shot.png"
    with caplog.at_level(logging.INFO):
        assert main(["--screenshot", str(path), "--theme", "light"]) == 0
    image = QImage(str(path))
    assert image.width() >= 1200 and image.height() >= 750
    # a clean exit: the client closed before the loop stopped, so no stream woke without a
    # loop (qasync runs Qt events once more after stopping) and reported itself lost
    troubles = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert troubles == [] and capsys.readouterr().err == ""


def test_first_price_exit(app: QApplication, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--first-price-exit"]) == 0
    assert "first price painted" in capsys.readouterr().out
