"""The market streams' socket on the app's own event loop (qasync): TLS works, and a burst
is parsed in slices that let Qt and the other tasks run."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from connector._websocket import connect
from tests.connector.test_websocket import answer_close, frame, server, tls_pair

from .conftest import Runner

BURST = 3000


def test_a_wss_burst_flows_on_the_apps_loop_in_slices(run: Runner, tmp_path: Path) -> None:
    server_tls, client_tls = tls_pair(tmp_path)
    # miniTicker-sized: the socket looks at its clock by bytes parsed (every 2 KB)
    burst = [b'{"stream":"btcusdt@miniTicker","data":{"e":"24hrMiniTicker","E":%d,'
             b'"s":"BTCUSDT","c":"1.5","o":"1.0","h":"2.0","l":"0.5","v":"10","q":"15"}}' % i
             for i in range(BURST)]

    async def script(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"".join(frame(m) for m in burst))
        await answer_close(reader, writer)

    got: list[bytes] = []
    ticks: list[int] = []  # how far the burst had got each time another task ran

    def handler(payload: bytes) -> None:
        got.append(payload)
        time.sleep(0.0002)  # a listener with work to do: the burst takes ~0.6 s

    async def go() -> None:
        async with server(script, tls=server_tls) as url:
            ws = await connect(url, handler, timeout=5, slice_seconds=0.001,
                               ssl_context=client_tls)

            async def other_task() -> None:
                while len(got) < BURST:
                    ticks.append(len(got))
                    await asyncio.sleep(0)

            await asyncio.wait_for(other_task(), 10)
            await ws.close()

    run(go())
    assert got == burst  # every message, once, in order
    inside = {n for n in ticks if 0 < n < BURST}
    assert len(inside) >= 50, f"other tasks ran at only {len(inside)} points of the burst"
