"""A burst of frames does not hold the event loop: the read loop yields every 2 ms, and
loses nothing by it (the burst starts while the subscribe-time reader is being stopped)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp
import orjson
import pytest
from aiohttp import web

from connector._socket import StreamOptions
from connector._streams import MarketStreams

BURST = 3000


async def _burst_server() -> tuple[web.AppRunner, str]:
    async def handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        async for msg in ws:
            req = orjson.loads(msg.data)
            await ws.send_str(orjson.dumps({"result": None, "id": req["id"]}).decode())
            frames = [orjson.dumps({"stream": "btcusdt@miniTicker", "data": {
                "e": "24hrMiniTicker", "E": i, "s": "BTCUSDT", "c": "1.5", "o": "1.0",
                "h": "2.0", "l": "0.5", "v": "10", "q": "15"}}).decode() for i in range(BURST)]
            for f in frames:  # queued back to back: one burst on the client's socket
                await ws.send_str(f)
        return ws

    app = web.Application()
    app.router.add_get("/stream", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"ws://127.0.0.1:{port}/stream"


@pytest.mark.asyncio
async def test_a_burst_is_read_in_slices_that_let_other_tasks_run() -> None:
    runner, url = await _burst_server()
    handled = 0
    order: list[int] = []
    done = asyncio.Event()

    def handle(data: dict[str, Any], stream: str) -> None:
        nonlocal handled
        handled += 1
        order.append(data["E"])
        time.sleep(0.0002)  # a listener with work to do (a GUI): the burst takes ~0.6 s
        if handled == BURST:
            done.set()

    session = aiohttp.ClientSession()
    streams = MarketStreams(StreamOptions(), session=lambda: _same(session),
                            handle_frame=handle, emit_state=lambda e: None,
                            log=lambda m, lvl: None)
    ticks: list[int] = []  # how far the burst had got each time another task ran

    async def other_task() -> None:
        while not done.is_set():
            ticks.append(handled)
            await asyncio.sleep(0)

    try:
        await streams.subscribe(url, ["btcusdt@miniTicker"])
        watcher = asyncio.create_task(other_task())
        try:
            await asyncio.wait_for(done.wait(), 10)
        except TimeoutError:
            raise AssertionError(f"handled {handled}, ticks {len(ticks)}") from None
        await watcher
    finally:
        await streams.close()
        await session.close()
        await runner.cleanup()
    assert order == list(range(BURST))  # every frame, once, in order
    inside = {n for n in ticks if 0 < n < BURST}  # ran while the burst was being read
    assert len(inside) >= 50, f"other tasks ran at only {len(inside)} points of the burst"


async def _same(session: aiohttp.ClientSession) -> aiohttp.ClientSession:
    return session
