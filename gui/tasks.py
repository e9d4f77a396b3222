"""Background work of the window: every task is tracked, its errors are reported, and
``aclose`` cancels and awaits what is still running, so nothing outlives the window."""

from __future__ import annotations

import asyncio
import sys
import traceback
from collections.abc import Callable, Coroutine
from types import TracebackType
from typing import Any

Report = Callable[[BaseException], None]


class Tasks:
    def __init__(self, report: Report) -> None:
        self._report = report
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run a coroutine on the shared loop; its errors reach the log, never kill the app."""
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        exc = None if task.cancelled() else task.exception()
        if exc is not None:
            self._report(exc)

    def __len__(self) -> int:
        return len(self._tasks)

    async def aclose(self) -> None:
        current = asyncio.current_task()
        running = [t for t in self._tasks if t is not current]
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)


def install_error_reporting(report: Report, loop: asyncio.AbstractEventLoop) -> None:
    """An exception in a Qt slot or a stray callback is logged and shown; it never kills
    the app."""

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        try:
            report(exc.with_traceback(tb))
        except Exception:
            traceback.print_exception(kind, exc, tb)

    def on_loop_error(_: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        if not isinstance(exc, BaseException):
            exc = RuntimeError(str(context.get("message")))
        hook(type(exc), exc, exc.__traceback__)

    sys.excepthook = hook
    loop.set_exception_handler(on_loop_error)
