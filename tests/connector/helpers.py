from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Sequence

import orjson
from aiohttp import web


async def until(condition: Callable[[], object], timeout: float = 8.0, what: str = "") -> None:
    """Wait for a condition, failing with a message after ``timeout`` (not a timing check)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        await asyncio.sleep(0.02)


@contextlib.asynccontextmanager
async def scripted_stream(frames: Sequence[str | bytes]) -> AsyncIterator[str]:
    """A stream host on loopback (``yield``s its ws:// root) that answers each SUBSCRIBE,
    then sends ``frames`` back to back: text as text frames, bytes as binary ones."""
    async def handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        async for msg in ws:
            req = orjson.loads(msg.data)
            await ws.send_str(orjson.dumps({"result": None, "id": req["id"]}).decode())
            for frame in frames:
                if isinstance(frame, bytes):
                    await ws.send_bytes(frame)
                else:
                    await ws.send_str(frame)
        return ws

    app = web.Application()
    app.router.add_get("/stream", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"ws://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()
