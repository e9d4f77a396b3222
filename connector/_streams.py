"""Market-data WebSockets: batching, rate limits, reconnects, silence and 24 h rotation.

Streams are grouped per connection URL (spot has one root; futures splits
``/public`` and ``/market``). Each connection holds at most ``max_streams``
streams and sends at most ``messages_per_second`` control frames, which is
what Binance enforces by disconnecting. After any reconnect the connection
resubscribes everything it held; rotation opens the replacement first, so no
update falls in a gap, and duplicate updates from the overlap are dropped by
update id.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools

from ._socket import EmitFn, Handler, LogFn, MarketConnection, RawHandler, StreamOptions
from .errors import ExchangeError, NetworkError

__all__ = ["MarketConnection", "MarketStreams", "StreamOptions"]


class MarketStreams:
    """Every market connection of one client, grouped by URL."""

    def __init__(self, options: StreamOptions, *, handle_frame: Handler, emit_state: EmitFn,
                 log: LogFn, handle_raw: RawHandler | None = None) -> None:
        self.options = options
        self.handle_frame = handle_frame
        self.handle_raw = handle_raw  # tried first on every frame; may decline it
        self.emit_state = emit_state
        self.log = log
        self.connections: dict[str, list[MarketConnection]] = {}
        self._bad_kinds: set[str] = set()
        self._count = itertools.count(1)

    def bad_frame(self, kind: str, raw: str | bytes) -> None:
        """Log each kind of bad frame once; the stream keeps flowing."""
        if kind in self._bad_kinds:
            return
        self._bad_kinds.add(kind)
        sample = raw[:80] if isinstance(raw, str) else raw[:80].decode("utf-8", "replace")
        self.log(f"Skipped a malformed market message ({kind}): {sample!r}; further ones of "
                 f"this kind are skipped silently", "WARNING")

    async def subscribe(self, url: str, names: list[str], *, force: bool = False) -> None:
        conns = self.connections.setdefault(url, [])
        held = {s for c in conns for s in c.streams}
        todo = [n for n in dict.fromkeys(names) if force or n not in held]
        if not todo:
            return
        added: dict[MarketConnection, list[str]] = {}
        for name in todo:
            found = next((c for c in conns if name in c.streams), None) if name in held else None
            if found is None:
                found = next((c for c in conns if len(c.streams) < self.options.max_streams), None)
                if found is None:
                    found = MarketConnection(self, url, next(self._count))
                    conns.append(found)
                found.streams.add(name)
            added.setdefault(found, []).append(name)
        for conn, batch in added.items():
            if not conn.started:
                conn.start()  # subscribes everything it holds once connected
                async with asyncio.timeout(self.options.reply_timeout * 3):
                    await conn.ready.wait()
                continue
            async with asyncio.timeout(self.options.reply_timeout * 3):
                await conn.ready.wait()
            try:
                for i in range(0, len(batch), self.options.batch):
                    await conn.request("SUBSCRIBE", batch[i:i + self.options.batch])
            except ExchangeError:
                conn.streams.difference_update(batch)
                raise
            except NetworkError:
                pass  # dropped meanwhile: the next life subscribes everything it holds

    async def unsubscribe(self, url: str, names: list[str]) -> None:
        for conn in self.connections.get(url, []):
            mine = [n for n in names if n in conn.streams]
            if not mine:
                continue
            conn.streams.difference_update(mine)
            if conn.ready.is_set():
                for i in range(0, len(mine), self.options.batch):
                    with contextlib.suppress(NetworkError, asyncio.TimeoutError):
                        await conn.request("UNSUBSCRIBE", mine[i:i + self.options.batch])

    async def close(self) -> None:
        for conns in self.connections.values():
            for conn in conns:
                await conn.close()
        for conns in self.connections.values():
            for conn in conns:
                conn._state("closed")
        self.connections.clear()
