"""Supervision of long-lived tasks: nothing the connector runs in the background dies silently.

A ``Supervised`` task runs one *life* of a connection (connect, work until
it ends) again and again. Any exception is logged with its cause, reported
(the owner turns that into ``ConnectionState(..., "reconnecting")``) and the
life restarts after a jittered, growing backoff. A life that ends normally
restarts at once (a dropped socket), or stops for good if it says so.
Cancelling (``close``) stops it cleanly.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable

logger = logging.getLogger("connector")

LogFn = Callable[[str, str], None]
ReportFn = Callable[[str], None]
Life = Callable[[], Awaitable[bool]]  # True: run again; False: done for good


def describe(exc: BaseException) -> str:
    """A short cause for a log line: the message, or the type when there is none."""
    text = str(exc)
    ours = type(exc).__module__ == "builtins" and not isinstance(exc, OSError)
    if not text or ours:
        text = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return text if len(text) < 200 else text[:200] + "…"


class Supervised:
    def __init__(self, name: str, life: Life, *, log: LogFn, report: ReportFn,
                 backoff_initial: float, backoff_max: float) -> None:
        self.name = name
        self._life = life
        self._log = log
        self._report = report
        self._initial = backoff_initial
        self._max = backoff_max
        self._backoff = backoff_initial
        self._up = False
        self.restarts = 0  # lives that ended in an exception
        self.task: asyncio.Task[None] | None = None

    @property
    def running(self) -> bool:
        return self.task is not None and not self.task.done()

    def start(self) -> None:
        if not self.running:
            self.task = asyncio.create_task(self._loop(), name=self.name)

    def healthy(self) -> None:
        """The life reached its working state (connected): the next failure backs off
        from the start again."""
        self._backoff = self._initial
        self._up = True

    async def close(self) -> None:
        task, self.task = self.task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _loop(self) -> None:
        while True:
            self._up = False
            try:
                again = await self._life()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.restarts += 1
                reason = describe(exc)
                delay = self._backoff * (0.5 + random.random())
                what = "failed" if self._up else "connect failed"
                self._log(f"{self.name}: {what} ({reason}); retrying in {delay:.1f} s",
                          "WARNING")
                logger.debug("%s failed", self.name, exc_info=exc)  # the traceback, for us
                self._report(reason)
                await asyncio.sleep(delay)
                self._backoff = min(self._backoff * 2, self._max)
                continue
            if not again:
                return
            await asyncio.sleep(self._initial * random.random())
