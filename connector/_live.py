"""Market and user-data streams for one client (placeholder: the streams work replaces this)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .client import BinanceClient


class LiveFeeds:
    """Owns every WebSocket of one client and keeps its live state current."""

    def __init__(self, client: BinanceClient) -> None:
        self._client = client

    async def start(self) -> None:
        """Open the user-data stream when the client has keys; market streams open on subscribe."""

    async def subscribe(self, symbols: list[str], channel: str, *, force: bool = False) -> None:
        raise NotImplementedError("market streams are not built yet")

    async def unsubscribe(self, symbols: list[str], channel: str) -> None:
        raise NotImplementedError("market streams are not built yet")

    async def close(self) -> None:
        """Close every socket and task this object started."""
