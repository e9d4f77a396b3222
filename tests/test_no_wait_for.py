"""No ``asyncio.wait_for`` in ``connector/`` or ``gui/``: use ``asyncio.timeout``.

On Python 3.11, ``wait_for`` swallows a cancel that arrives as the awaited thing ends
(it returns the result instead of raising ``CancelledError``). A stream task cancelled
while it closed its socket went on to a new connection, and the window's close waited
for it forever: the test of switching environments hung once in a full run. The check
reads the source (``ast``), so it also covers paths no test reaches.
"""

from __future__ import annotations

import ast
import asyncio
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def wait_fors(root: Path = ROOT) -> list[str]:
    found = []
    for package in ("connector", "gui"):
        for path in sorted((root / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text("utf-8"))):
                named = (isinstance(node, ast.Attribute) and node.attr == "wait_for"
                         and isinstance(node.value, ast.Name) and node.value.id == "asyncio")
                imported = (isinstance(node, ast.ImportFrom) and node.module == "asyncio"
                            and any(a.name == "wait_for" for a in node.names))
                if named or imported:
                    found.append(f"{path.relative_to(root).as_posix()}:{node.lineno}")
    return found


def test_no_wait_for_in_the_app() -> None:
    assert wait_fors() == []


def test_the_check_finds_one(tmp_path: Path) -> None:
    (tmp_path / "connector").mkdir()
    (tmp_path / "gui").mkdir()
    (tmp_path / "connector" / "a.py").write_text(
        "import asyncio\nasync def f(x):\n    await asyncio.wait_for(x, 1)\n")
    (tmp_path / "gui" / "b.py").write_text("from asyncio import sleep, wait_for\n")
    assert wait_fors(tmp_path) == ["connector/a.py:3", "gui/b.py:1"]


def test_asyncio_timeout_passes_that_cancel_on() -> None:
    """The reason, shown: a cancel as the future completes reaches the task."""
    async def main() -> str:
        loop = asyncio.get_running_loop()
        done: asyncio.Future[int] = loop.create_future()

        async def waiter() -> str:
            async with asyncio.timeout(5):
                await asyncio.shield(done)
            await asyncio.sleep(0)
            return "went on"

        task = asyncio.create_task(waiter())
        await asyncio.sleep(0)
        done.set_result(1)
        task.cancel()  # the same moment: wait_for would return 1 here and go on
        with pytest.raises(asyncio.CancelledError):
            await task
        return "cancelled"

    assert asyncio.run(main()) == "cancelled"
