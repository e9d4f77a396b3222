"""What every part of the stream hub shares: the sockets, who wants which stream, publishing.

The hub is split by concern (``_hub`` sockets and control frames,
``_hub_market`` market data, ``_hub_user`` user data, ``_hub_wsapi`` the spot
WebSocket API); each part extends ``HubBase``, which holds the state they
share and the one way a payload reaches its subscribers.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import orjson
from aiohttp import web

from ._engine import Market

if TYPE_CHECKING:
    from . import DemoExchange

QUEUE_LIMIT = 50_000  # a client this far behind is dropped, as Binance does


@dataclass(eq=False)
class Conn:
    """One client socket and what it wants."""

    ws: web.WebSocketResponse
    path: str
    market: Market
    kind: Literal["market", "wsapi", "user"]
    combined: bool = False
    streams: set[str] = field(default_factory=set)
    queue: deque[str] = field(default_factory=deque)
    wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    opened: float = field(default_factory=time.monotonic)
    last_pong: float = field(default_factory=time.monotonic)
    incoming: deque[float] = field(default_factory=deque)
    api_key: str = ""
    subscription_id: int | None = None
    listen_key: str = ""
    closed: bool = False

    def send(self, text: str) -> None:
        if self.closed:
            return
        if len(self.queue) >= QUEUE_LIMIT:
            self.closed = True
            self.wakeup.set()
            return
        self.queue.append(text)
        self.wakeup.set()

    def close_soon(self) -> None:
        self.closed = True
        self.wakeup.set()


class HubBase:
    def __init__(self, exchange: DemoExchange) -> None:
        self.ex = exchange
        self.conns: set[Conn] = set()
        self._subs: dict[tuple[Market, str], set[Conn]] = {}

    def wanted(self, market: Market, name: str) -> bool:
        return (market, name) in self._subs and bool(self._subs[(market, name)])

    def _publish(self, market: Market, name: str, data: Any, also: str | None = None) -> None:
        """Serialize ``data`` once per shape (raw, combined) and queue it to every subscriber."""
        subs = self._subs.get((market, name))
        extra = self._subs.get((market, also)) if also else None
        if not subs and not extra:
            return
        raw: str | None = None
        combined: str | None = None
        for group, stream in ((subs, name), (extra, also)):
            if not group:
                continue
            for conn in tuple(group):
                if conn.combined:
                    if combined is None or stream != name:
                        combined = orjson.dumps({"stream": stream, "data": data}).decode()
                    conn.send(combined)
                else:
                    if raw is None:
                        raw = orjson.dumps(data).decode()
                    conn.send(raw)
