"""A burst of frames does not hold the event loop: the socket lets the loop run after
each 1 ms of parsing, and loses nothing by it (the burst starts right after the reply to
the SUBSCRIBE)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import orjson
import pytest

from connector._socket import StreamOptions
from connector._streams import MarketStreams

from .helpers import scripted_stream

BURST = 3000


@pytest.mark.asyncio
async def test_a_burst_is_read_in_slices_that_let_other_tasks_run() -> None:
    frames = [orjson.dumps({"stream": "btcusdt@miniTicker", "data": {
        "e": "24hrMiniTicker", "E": i, "s": "BTCUSDT", "c": "1.5", "o": "1.0", "h": "2.0",
        "l": "0.5", "v": "10", "q": "15"}}).decode() for i in range(BURST)]
    order: list[int] = []  # the frames handled, by their "E"
    done = asyncio.Event()

    def handle(data: dict[str, Any], stream: str) -> None:
        order.append(data["E"])
        time.sleep(0.0002)  # a listener with work to do (a GUI): the burst takes ~0.6 s
        if len(order) == BURST:
            done.set()

    streams = MarketStreams(StreamOptions(), handle_frame=handle, emit_state=lambda e: None,
                            log=lambda m, lvl: None)
    ticks: list[int] = []  # how far the burst had got each time another task ran

    async def other_task() -> None:
        while not done.is_set():
            ticks.append(len(order))
            await asyncio.sleep(0)

    async with scripted_stream(frames) as root:
        try:
            await streams.subscribe(f"{root}/stream", ["btcusdt@miniTicker"])
            watcher = asyncio.create_task(other_task())
            try:
                await asyncio.wait_for(done.wait(), 10)
            except TimeoutError:
                raise AssertionError(f"handled {len(order)} of {BURST}") from None
            await watcher
        finally:
            await streams.close()
    assert order == list(range(BURST))  # every frame, once, in order
    inside = {n for n in ticks if 0 < n < BURST}  # ran while the burst was being read
    assert len(inside) >= 50, f"other tasks ran at only {len(inside)} points of the burst"

