"""One market stream of the focused symbol, as the chart, the book and the tape each hold.

Switching symbol (or interval) unsubscribes the old stream before subscribing the new,
one switch at a time, so a quick run of focus changes never leaves a stream behind.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..bridge import Bridge


class FollowedStream:
    def __init__(self, bridge: Bridge) -> None:
        self._bridge = bridge
        self._held: tuple[str, str] | None = None  # (symbol, channel) now subscribed
        self._lock = asyncio.Lock()

    def forget(self) -> None:
        """The client went away or is new: it holds none of our streams."""
        self._held = None

    async def follow(self, symbol: str, channel: str) -> None:
        async with self._lock:
            wanted = (symbol, channel)
            if self._held == wanted:
                return
            old, self._held = self._held, None
            if old is not None:
                await self._bridge.unsubscribe([old[0]], old[1])
            await self._bridge.subscribe([symbol], channel)
            self._held = wanted
