"""A loopback WebSocket server that floods combined-stream bookTicker frames.

Runs in its own process (so it does not compete with the client for the event
loop): every connection gets ``count`` frames over ``symbols`` symbols, sent as
fast as the socket takes them (or at ``rate`` frames per second), starting
when the client connects with ``?streams=`` or sends its first SUBSCRIBE.
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import socket
from contextlib import closing

import orjson
from aiohttp import WSMsgType, web


def symbols(n: int) -> list[str]:
    majors = ["BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT", "XRPUSDT"]
    return (majors + [f"SYM{i:04d}USDT" for i in range(1, n + 1)])[:n]


async def _flood(ws: web.WebSocketResponse, names: list[str], count: int, rate: float) -> None:
    lower = [s.lower() for s in names]
    n = len(names)
    batch = max(1, int(rate / 100)) if rate else 256
    interval = batch / rate if rate else 0.0
    loop = asyncio.get_running_loop()
    next_at = loop.time()
    for i in range(count):
        k = i % n
        u = i + 1
        price = 100 + (i % 997) / 100
        await ws.send_str(
            f'{{"stream":"{lower[k]}@bookTicker","data":{{"u":{u},"s":"{names[k]}",'
            f'"b":"{price:.2f}","B":"1.50000000","a":"{price + 0.01:.2f}","A":"2.25000000"}}}}')
        if interval and (i + 1) % batch == 0:
            next_at += interval
            delay = next_at - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)


def _app(count: int, n_symbols: int, rate: float) -> web.Application:
    names = symbols(n_symbols)

    async def handler(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        task: asyncio.Task[None] | None = None
        if request.query.get("streams"):
            task = asyncio.create_task(_flood(ws, names, count, rate))
        async for msg in ws:
            if msg.type is WSMsgType.TEXT:
                req = orjson.loads(msg.data)
                await ws.send_str(orjson.dumps({"result": None, "id": req.get("id")}).decode())
                if task is None:
                    task = asyncio.create_task(_flood(ws, names, count, rate))
        if task is not None:
            task.cancel()
        return ws

    app = web.Application()
    for path in ("/stream", "/ws", "/public/stream", "/market/stream"):
        app.router.add_get(path, handler)
    return app


def _serve(port: int, count: int, n_symbols: int, rate: float) -> None:
    import os
    import sys

    sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - terminate() interrupts it mid-send
    web.run_app(_app(count, n_symbols, rate), host="127.0.0.1", port=port, print=None,
                handle_signals=True)


def free_port() -> int:
    with closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class FloodServer:
    """``with FloodServer(count, symbols) as url:`` — a flood server process on loopback."""

    def __init__(self, count: int, n_symbols: int, rate: float = 0.0) -> None:
        self.port = free_port()
        self._proc = mp.get_context("spawn").Process(
            target=_serve, args=(self.port, count, n_symbols, rate), daemon=True)

    def __enter__(self) -> str:
        self._proc.start()
        for _ in range(200):
            try:
                with closing(socket.create_connection(("127.0.0.1", self.port), 0.1)):
                    break
            except OSError:
                import time

                time.sleep(0.05)
        return f"ws://127.0.0.1:{self.port}"

    def __exit__(self, *exc: object) -> None:
        self._proc.terminate()
        self._proc.join(5)
