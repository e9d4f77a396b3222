"""A market-stream server that cannot be the bottleneck: pre-framed bytes over raw TCP.

The server runs in its own process (``WireServer``). It builds every WebSocket frame
once, before it listens, then answers the HTTP upgrade itself and writes the frames
as one pre-joined buffer: no per-message ``send_str``, no JSON encoding while timing.
``sink_rate`` measures what it can deliver (a client that only reads and counts
bytes), so each benchmark can print the server's capacity beside its consumers.

Frames are combined-stream bookTicker payloads in Binance's spot shape; prices and
quantities vary from frame to frame (no cache can flatter a consumer) and the last
bid/ask of every symbol is known (``expected_last``), so every consumer is checked.

With ``upstream`` (a Binance-compatible stream host, e.g. a DemoExchange's), every
subscription that is neither bookTicker nor miniTicker (the chart's klines, the book's
depth, the tape's trades) is relayed from there, so those panes are live too.

Modes: ``rate=0`` writes all ``count`` frames at once (as fast as the socket takes
them); ``rate>0`` paces them every 2 ms (as Binance does under load), and if the client
subscribes to miniTicker streams, one miniTicker frame per subscribed symbol is sent
in a burst every second, as Binance pushes them.

    .venv/bin/python bench/_wire.py serve --count 200000 --symbols 200 [--rate 5000]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import hashlib
import itertools
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from urllib.parse import parse_qs, urlsplit

import orjson

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def symbols(n: int) -> list[str]:
    majors = ["BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT", "XRPUSDT"]
    return (majors + [f"SYM{i:04d}USDT" for i in range(1, n + 1)])[:n]


def frame(payload: bytes, opcode: int = 0x1) -> bytes:
    """One unmasked (server-to-client) WebSocket frame."""
    n = len(payload)
    if n < 126:
        head = bytes((0x80 | opcode, n))
    elif n < 1 << 16:
        head = bytes((0x80 | opcode, 126)) + n.to_bytes(2, "big")
    else:
        head = bytes((0x80 | opcode, 127)) + n.to_bytes(8, "big")
    return head + payload


def _quotes(count: int, names: list[str]) -> Iterator[tuple[int, str, str, str, str, str]]:
    """(update id, symbol, bid, bid qty, ask, ask qty) for frame i; deterministic, varied."""
    n = len(names)
    for i in range(count):
        k = i % n
        base = 10 + 37 * k
        bid = base * 100_000 + (i * 7919) % 100_000  # in 1e-5 units
        spread = 1 + (i * 31) % 7
        bq = 1 + (i * 104_729) % 9_999_999
        aq = 1 + (i * 130_363) % 9_999_999
        yield (400_000_000 + i, names[k], f"{bid / 1e5:.8f}", f"{bq / 1e4:.8f}",
               f"{(bid + spread) / 1e5:.8f}", f"{aq / 1e4:.8f}")


def book_payloads(count: int, names: list[str]) -> list[bytes]:
    out = []
    for u, s, b, bq, a, aq in _quotes(count, names):
        out.append(f'{{"stream":"{s.lower()}@bookTicker","data":{{"u":{u},"s":"{s}",'
                   f'"b":"{b}","B":"{bq}","a":"{a}","A":"{aq}"}}}}'.encode())
    return out


def expected_last(count: int, names: list[str]) -> dict[str, tuple[str, str]]:
    """The last (bid, ask) the server sends for each symbol, as the wire's strings."""
    last: dict[str, tuple[str, str]] = {}
    for _, s, b, _, a, _ in _quotes(count, names):
        last[s] = (b, a)
    return last


def frames_size(count: int, names: list[str]) -> int:
    return sum(len(frame(p)) for p in book_payloads(count, names))


def _mini(symbol: str, second: int) -> bytes:
    c = 100 + (second % 97) / 10
    return frame(orjson.dumps({"stream": f"{symbol.lower()}@miniTicker", "data": {
        "e": "24hrMiniTicker", "E": int(time.time() * 1000), "s": symbol, "c": f"{c:.8f}",
        "o": "100.00000000", "h": "110.00000000", "l": "90.00000000",
        "v": "12345.67000000", "q": "1234567.89000000"}}))


def _send_all(writer: asyncio.StreamWriter, data: memoryview) -> None:
    """Write ``data`` with one blocking ``sendall`` on a duplicate of the socket.

    asyncio's transport sends what one ``send`` takes per loop turn and copies the rest
    into its buffer; a blocking ``sendall`` leaves the copying to the kernel, so the
    server stays far faster than any consumer. While it runs, the loop writes nothing
    (``_Server.reply`` holds replies back), so no frame is ever split. The duplicate
    shares the socket's file status, so the socket is non-blocking again afterwards.
    """
    with writer.get_extra_info("socket").dup() as dup:
        dup.setblocking(True)
        dup.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
        try:
            dup.sendall(data)
        finally:
            dup.setblocking(False)


def _unmask(data: bytes, mask: bytes) -> bytes:
    n = len(data)
    key = int.from_bytes((mask * (n // 4 + 1))[:n], "big")
    return (int.from_bytes(data, "big") ^ key).to_bytes(n, "big")


class _Relay:
    """The streams the flood does not make, relayed from ``upstream`` to one client.

    ``upstream`` is the exchange's combined-stream URL for the client's path (spot
    ``/stream``, futures ``/public/stream`` or ``/market/stream``). ``pipe`` relays a whole
    socket instead: a futures user stream (``/private/ws/<listenKey>``) receives only."""

    def __init__(self, upstream: str, send: Callable[[bytes], None]) -> None:
        self.upstream, self.send = upstream, send
        self.wanted: asyncio.Queue[str] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None

    def pipe(self) -> None:
        self.task = asyncio.create_task(self._pipe())

    async def _pipe(self) -> None:
        import aiohttp

        async with aiohttp.ClientSession() as session, session.ws_connect(self.upstream) as ws:
            async for msg in ws:
                if msg.type is aiohttp.WSMsgType.TEXT:
                    self.send(frame(msg.data.encode()))

    def subscribe(self, name: str) -> None:
        self.wanted.put_nowait(name)
        if self.task is None:
            self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        import aiohttp

        async with aiohttp.ClientSession() as session, \
                session.ws_connect(self.upstream, max_msg_size=0) as ws:
            async def pump() -> None:
                ids = itertools.count(10_000)
                while True:
                    names = [await self.wanted.get()]
                    while not self.wanted.empty():
                        names.append(self.wanted.get_nowait())
                    await ws.send_str(orjson.dumps({"method": "SUBSCRIBE", "params": names,
                                                    "id": next(ids)}).decode())

            pumping = asyncio.create_task(pump())
            try:
                async for msg in ws:
                    if msg.type is aiohttp.WSMsgType.TEXT and '"stream"' in msg.data:
                        self.send(frame(msg.data.encode()))
            finally:
                pumping.cancel()

    async def close(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task


class _Server:
    def __init__(self, count: int, n_symbols: int, rate: float, upstream: str = "") -> None:
        self.count, self.rate, self.upstream = count, rate, upstream
        self.names = symbols(n_symbols)
        wire = [frame(p) for p in book_payloads(count, self.names)]
        self.offsets = [0]
        for f in wire:
            self.offsets.append(self.offsets[-1] + len(f))
        self.buffer = memoryview(b"".join(wire))

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        tasks: list[asyncio.Task[None]] = []
        held: list[bytes] = []  # replies while a thread floods the socket
        flooding = asyncio.Event()

        def reply(data: bytes) -> None:
            if flooding.is_set():
                held.append(data)
            else:
                writer.write(data)

        relay: _Relay | None = None
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            target = lines[0].split(" ")[1]
            path = urlsplit(target).path
            relay = _Relay(self.upstream + (target if path.startswith("/private") else path),
                           reply)
            headers = {k.strip().lower(): v.strip() for k, _, v in
                       (line.partition(":") for line in lines[1:] if line)}
            accept = base64.b64encode(hashlib.sha1(
                headers["sec-websocket-key"].encode() + _GUID).digest()).decode()
            writer.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                          f"Connection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
                          ).encode())
            if path.startswith("/private") and self.upstream:
                relay.pipe()
            books: set[str] = set()
            minis: set[str] = set()
            started = {"books": False, "minis": False}

            def add(streams: list[str]) -> None:
                for name in streams:
                    sym, _, kind = name.partition("@")
                    if kind == "bookTicker":
                        books.add(sym.upper())
                    elif kind == "miniTicker" or not self.upstream:
                        minis.add(sym.upper())
                    else:
                        relay.subscribe(name)
                if not started["books"] and len(books) >= len(self.names):
                    started["books"] = True
                    tasks.append(asyncio.create_task(self._flood(writer, flooding, held)))
                if minis and self.rate and self.count and not started["minis"]:
                    started["minis"] = True  # the set fills as SUBSCRIBEs arrive
                    tasks.append(asyncio.create_task(self._minis(writer, minis)))

            query = parse_qs(urlsplit(target).query)
            if query.get("streams"):
                add(query["streams"][0].split("/"))
            while True:
                h = await reader.readexactly(2)
                op, n = h[0] & 0x0F, h[1] & 0x7F
                if n == 126:
                    n = int.from_bytes(await reader.readexactly(2), "big")
                elif n == 127:
                    n = int.from_bytes(await reader.readexactly(8), "big")
                mask = await reader.readexactly(4) if h[1] & 0x80 else b""
                data = await reader.readexactly(n)
                if mask:
                    data = _unmask(data, mask)
                if op == 0x1:
                    req = orjson.loads(data)
                    reply(frame(orjson.dumps({"result": None, "id": req.get("id")})))
                    if req.get("method") == "SUBSCRIBE":
                        add(req.get("params") or [])
                elif op == 0x9:
                    reply(frame(data, 0xA))
                elif op == 0x8:
                    reply(frame(data[:2], 0x8))
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            for t in tasks:
                t.cancel()
            if relay is not None:
                await relay.close()
            writer.close()

    async def _flood(self, writer: asyncio.StreamWriter, flooding: asyncio.Event,
                     held: list[bytes]) -> None:
        # Let the client's other SUBSCRIBEs (the app's miniTicker ones) get their replies
        # before the flood: behind a million frames they would time out. Consumers'
        # clocks start at their first message, so this wait is never timed.
        await asyncio.sleep(0.3)
        if not self.rate:
            while writer.transport.get_write_buffer_size():  # replies first, in order
                await asyncio.sleep(0.001)
            flooding.set()
            try:
                await asyncio.to_thread(_send_all, writer, self.buffer)
            finally:
                flooding.clear()
                writer.write(b"".join(held))
                held.clear()
            return
        sent, start = 0, time.perf_counter()
        while sent < self.count:
            await asyncio.sleep(0.002)
            due = min(self.count, int((time.perf_counter() - start) * self.rate))
            if due > sent:
                writer.write(self.buffer[self.offsets[sent]:self.offsets[due]])
                sent = due
            await writer.drain()

    async def _minis(self, writer: asyncio.StreamWriter, minis: set[str]) -> None:
        second = 0
        while True:
            await asyncio.sleep(1.0)
            second += 1
            writer.write(b"".join(_mini(s, second) for s in sorted(minis)))


async def _serve(count: int, n_symbols: int, rate: float, upstream: str) -> None:
    srv = _Server(count, n_symbols, rate, upstream)
    server = await asyncio.start_server(srv.handle, "127.0.0.1", 0, limit=1 << 20)
    port = server.sockets[0].getsockname()[1]
    print(port, flush=True)
    async with server:
        await server.serve_forever()


class WireServer:
    """``with WireServer(count, symbols, rate) as url:`` — a server process on loopback."""

    def __init__(self, count: int, n_symbols: int, rate: float = 0.0,
                 upstream: str = "") -> None:
        self.args = [sys.executable, __file__, "serve", "--count", str(count), "--symbols",
                     str(n_symbols), "--rate", str(rate), "--upstream", upstream]
        self._proc: subprocess.Popen[str] | None = None
        self.port = 0

    def __enter__(self) -> str:
        self._proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, text=True)
        assert self._proc.stdout is not None
        self.port = int(self._proc.stdout.readline())
        return f"ws://127.0.0.1:{self.port}"

    def __exit__(self, *exc: object) -> None:
        if self._proc is not None:
            self._proc.terminate()
            self._proc.wait(5)


def sink_rate(url: str, count: int, n_symbols: int) -> float:
    """Messages/s the server delivers to a client that only reads and counts bytes."""
    names = symbols(n_symbols)
    total = frames_size(count, names)
    host, port = urlsplit(url).hostname, urlsplit(url).port
    streams = "/".join(f"{s.lower()}@bookTicker" for s in names)
    key = base64.b64encode(b"0123456789abcdef").decode()
    with closing(socket.create_connection((host, port))) as sock:
        sock.sendall((f"GET /stream?streams={streams} HTTP/1.1\r\nHost: {host}\r\n"
                      f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}"
                      "\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        buf = bytearray(1 << 20)
        view = memoryview(buf)
        head = b""
        while b"\r\n\r\n" not in head:
            head += sock.recv(4096)
        got = len(head.split(b"\r\n\r\n", 1)[1])
        if not got:  # the clock starts at the first frame, as the consumers' do
            got = sock.recv_into(view)
        start = time.perf_counter()
        while got < total:
            n = sock.recv_into(view)
            if not n:
                raise RuntimeError("server closed early")
            got += n
        elapsed = time.perf_counter() - start
    return count / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="what", required=True)
    p = sub.add_parser("serve")
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--symbols", type=int, required=True)
    p.add_argument("--rate", type=float, default=0.0)
    p.add_argument("--upstream", default="")
    p = sub.add_parser("sink")
    p.add_argument("--url", required=True)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--symbols", type=int, required=True)
    args = parser.parse_args()
    if args.what == "serve":
        asyncio.run(_serve(args.count, args.symbols, args.rate, args.upstream))
    else:
        print(orjson.dumps({"rate": sink_rate(args.url, args.count, args.symbols)}).decode())


if __name__ == "__main__":
    main()
