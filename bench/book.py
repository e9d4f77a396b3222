"""Diff-depth events applied per second: Starlight's local book vs its baselines, in one run.

    .venv/bin/python bench/book.py [--events 20000] [--rounds 7]

One event sequence (a snapshot and ``--events`` diff-depth events, made by the
demo exchange's own book as its price walks: hundreds of levels, a few levels
changed per event, the exchange's strings) is fed, already parsed, to:

* starlight: ``client._live._on_market`` -> ``BookSync`` -> ``client.books``
  (sequence checks, crossed-book check, the book kept current);
* starlight + listener: the same with a listener receiving every ``BookUpdate``;
* python-binance: ``DepthCacheManager._process_depth_message`` (its sequence
  check and float levels), fed the same events;
* sortedcontainers: a minimal book of two ``SortedDict``s of Decimals with the
  same ``U == previous u + 1`` check.

Each applies exactly ``--events`` events; the final book of each is checked
against the exchange's. Rounds are interleaved; min / median / max printed.

``--stream`` also runs the end-to-end version: a server process on loopback
serves the snapshot (``/api/v3/depth``) and streams the same events as
WebSocket frames; Starlight (``subscribe_channel(..., "depth")``) and
python-binance (``DepthCacheManager`` on its own socket manager) each sync
from it, timed from subscribing until the last event is in the book.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from decimal import Decimal
from typing import Any

import _common  # noqa: F401  (import path)
from sortedcontainers import SortedDict

from connector import BinanceClient
from connector._book import BookSync
from connector.demo._depth import DepthBook
from connector.demo._engine import fmt
from connector.events import BookUpdate

SYMBOL = "BTCUSDT"
TICK, STEP = Decimal("0.01"), Decimal("0.00001")


def make_sequence(n: int, seed: int = 1) -> tuple[dict[str, Any], list[dict[str, Any]],
                                                 DepthBook]:
    """A snapshot and ``n`` spot diff events from the demo's book, and the book itself."""
    import random

    rng = random.Random(seed)
    book = DepthBook(TICK, STEP, seed=seed)
    bid = Decimal(95_000)
    book.sync(bid, Decimal("0.3"), bid + TICK, Decimal("0.2"), {}, {})
    last, bids, asks = book.snapshot(5000)
    snapshot = {"lastUpdateId": last, "bids": [[fmt(p), fmt(q)] for p, q in bids],
                "asks": [[fmt(p), fmt(q)] for p, q in asks]}
    events = []
    while len(events) < n:
        if rng.random() < 0.3:
            bid += TICK * rng.choice((-2, -1, 1, 2))
        qty = Decimal(rng.randrange(1, 60_000)) * STEP
        diff = book.sync(bid, qty, bid + TICK, qty, {}, {})
        if diff is None:
            continue
        events.append({"e": "depthUpdate", "E": 0, "s": SYMBOL, "U": diff.first,
                       "u": diff.last, "b": [[fmt(p), fmt(q)] for p, q in diff.bids],
                       "a": [[fmt(p), fmt(q)] for p, q in diff.asks]})
    return snapshot, events, book


# -- the contenders: each returns (seconds, final bids best first as (str-able) pairs) ------


def run_starlight(snapshot: dict[str, Any], events: list[dict[str, Any]],
                  listener: bool) -> tuple[float, list[tuple[Decimal, Decimal]]]:
    client = BinanceClient("", "", False, False, rest_url="http://127.0.0.1:9",
                           ws_url="ws://127.0.0.1:9")
    received = [0]
    if listener:
        def on_event(event: object) -> None:
            if type(event) is BookUpdate:
                received[0] += 1
        client.add_listener(on_event)
    feeds = client._live.depth
    sync = BookSync(SYMBOL, False, client.books, lambda s, d: None,
                    on_change=feeds._changed)
    feeds.syncs[SYMBOL] = sync
    sync.start()
    sync.on_snapshot(snapshot)
    on_market = client._live._on_market
    start = time.perf_counter()
    for event in events:
        on_market(event, "btcusdt@depth@100ms")
    elapsed = time.perf_counter() - start
    assert sync.applied == len(events) and sync.rebuilds == 0
    assert not listener or received[0] == len(events) + 1  # and the snapshot
    return elapsed, list(client.books[SYMBOL].bids)


def run_python_binance(snapshot: dict[str, Any], events: list[dict[str, Any]]
                       ) -> tuple[float, list[tuple[Decimal, Decimal]]]:
    from binance.ws.depthcache import DepthCache, DepthCacheManager

    dcm = DepthCacheManager.__new__(DepthCacheManager)  # no socket, no REST: events only
    dcm._depth_cache = DepthCache(SYMBOL, conv_type=float)
    dcm._refresh_interval = None
    dcm._conv_type = float
    for bid in snapshot["bids"]:
        dcm._depth_cache.add_bid(bid)
    for ask in snapshot["asks"]:
        dcm._depth_cache.add_ask(ask)
    dcm._last_update_id = snapshot["lastUpdateId"]

    async def feed() -> float:
        process = dcm._process_depth_message
        start = time.perf_counter()
        for event in events:
            await process(event)
        return time.perf_counter() - start

    elapsed = asyncio.run(feed())
    assert dcm._last_update_id == events[-1]["u"]
    bids = [(Decimal(repr(p)), Decimal(repr(q))) for p, q in dcm._depth_cache.get_bids()]
    return elapsed, bids


def run_sorted_dict(snapshot: dict[str, Any], events: list[dict[str, Any]]
                    ) -> tuple[float, list[tuple[Decimal, Decimal]]]:
    bids: SortedDict = SortedDict({Decimal(p): Decimal(q) for p, q in snapshot["bids"]})
    asks: SortedDict = SortedDict({Decimal(p): Decimal(q) for p, q in snapshot["asks"]})
    last = snapshot["lastUpdateId"]
    start = time.perf_counter()
    for event in events:
        if event["u"] <= last:
            continue
        if event["U"] != last + 1:
            raise AssertionError("gap")
        for side, levels in ((bids, event["b"]), (asks, event["a"])):
            for p, q in levels:
                qty = Decimal(q)
                if qty:
                    side[Decimal(p)] = qty
                else:
                    side.pop(Decimal(p), None)
        last = event["u"]
    elapsed = time.perf_counter() - start
    return elapsed, [(p, bids[p]) for p in reversed(bids)]


# -- end to end: the same events over a loopback WebSocket ------------------------------------


def _serve(port: int, snapshot: dict[str, Any], events: list[dict[str, Any]]) -> None:
    import orjson
    from aiohttp import WSMsgType, web

    raw = [orjson.dumps(e).decode() for e in events]
    combined = [orjson.dumps({"stream": "btcusdt@depth@100ms", "data": e}).decode()
                for e in events]

    served = asyncio.Event()  # stream once the snapshot is out: no client buffers 20k events

    async def depth(request: web.Request) -> web.Response:
        served.set()
        return web.json_response(snapshot)

    async def exchange_info(request: web.Request) -> web.Response:
        return web.json_response({"symbols": []})

    async def flood(ws: web.WebSocketResponse, frames: list[str]) -> None:
        await served.wait()
        for frame in frames:
            await ws.send_str(frame)

    async def socket(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        frames = combined if request.path.endswith("/stream") else raw
        task = None
        if "@" in request.path or request.query.get("streams"):
            task = asyncio.create_task(flood(ws, frames))
        async for msg in ws:
            if msg.type is WSMsgType.TEXT:
                req = orjson.loads(msg.data)
                await ws.send_str(orjson.dumps({"result": None, "id": req.get("id")}).decode())
                if task is None:
                    task = asyncio.create_task(flood(ws, frames))
        if task is not None:
            task.cancel()
        return ws

    app = web.Application()
    app.router.add_get("/api/v3/depth", depth)
    app.router.add_get("/api/v3/exchangeInfo", exchange_info)
    app.router.add_get("/stream", socket)
    app.router.add_get("/ws", socket)
    app.router.add_get("/ws/{tail:.+}", socket)
    web.run_app(app, host="127.0.0.1", port=port, print=None, handle_signals=True)


class DepthServer:
    def __init__(self, snapshot: dict[str, Any], events: list[dict[str, Any]]) -> None:
        import multiprocessing as mp

        from _flood import free_port

        self.port = free_port()
        self._proc = mp.get_context("spawn").Process(
            target=_serve, args=(self.port, snapshot, events), daemon=True)

    def __enter__(self) -> int:
        import socket
        from contextlib import closing

        self._proc.start()
        for _ in range(400):
            try:
                with closing(socket.create_connection(("127.0.0.1", self.port), 0.1)):
                    break
            except OSError:
                time.sleep(0.05)
        return self.port

    def __exit__(self, *exc: object) -> None:
        self._proc.terminate()
        self._proc.join(5)


async def stream_starlight(port: int, events: list[dict[str, Any]]) -> float:
    client = BinanceClient("", "", False, False, rest_url=f"http://127.0.0.1:{port}",
                           ws_url=f"ws://127.0.0.1:{port}")
    await client._rest.open()
    last = events[-1]["u"]
    done = asyncio.Event()

    def on_event(event: object) -> None:
        if type(event) is BookUpdate and event.book.last_update_id == last:
            done.set()

    client.add_listener(on_event)
    start = time.perf_counter()
    await client._live.subscribe([SYMBOL], "depth")
    await done.wait()
    elapsed = time.perf_counter() - start
    sync = client._live.depth.syncs[SYMBOL]
    assert sync.rebuilds == 0 and sync.applied == len(events), (sync.rebuilds, sync.applied)
    await client.close()
    return elapsed


async def stream_python_binance(port: int, events: list[dict[str, Any]]) -> float:
    from binance import AsyncClient, BinanceSocketManager, DepthCacheManager

    client = AsyncClient()
    client.API_URL = f"http://127.0.0.1:{port}/api"
    manager = BinanceSocketManager(client, max_queue_size=10_000_000)
    manager.STREAM_URL = f"ws://127.0.0.1:{port}/"
    last = events[-1]["u"]
    dcm = DepthCacheManager(client, SYMBOL, bm=manager, limit=5000, ws_interval=100)
    start = time.perf_counter()
    async with dcm as cache:
        while dcm._last_update_id != last:
            await cache.recv()
    elapsed = time.perf_counter() - start
    await client.close_connection()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--stream", action="store_true", help="also end to end over loopback")
    args = parser.parse_args()
    print(f"making {args.events:,} events from the demo's book ...", flush=True)
    snapshot, events, book = make_sequence(args.events)
    expected = sorted(book.bids.items(), reverse=True)
    levels = sum(len(e["b"]) + len(e["a"]) for e in events) / len(events)
    print(f"  book: {len(book.bids)} bids, {len(book.asks)} asks; {levels:.1f} levels per "
          f"event")
    contenders = {
        "starlight": lambda: run_starlight(snapshot, events, listener=False),
        "starlight + listener": lambda: run_starlight(snapshot, events, listener=True),
        "python-binance DCM": lambda: run_python_binance(snapshot, events),
        "SortedDict (Decimal)": lambda: run_sorted_dict(snapshot, events),
    }
    rates: dict[str, list[float]] = {name: [] for name in contenders}
    for r in range(args.rounds):
        for name, run in contenders.items():
            elapsed, bids = run()
            if name.startswith("python-binance"):  # floats: compare as floats
                assert [(float(p), float(q)) for p, q in bids] == [
                    (float(p), float(q)) for p, q in expected], name
            else:
                assert bids == expected, name
            rates[name].append(len(events) / elapsed)
        print(f"  round {r + 1}: " + ", ".join(f"{n} {v[-1]:,.0f}/s" for n, v in rates.items()),
              flush=True)
    print(f"\ndiff-depth events applied per second ({args.events:,} events, {args.rounds} "
          f"interleaved rounds; final books checked):")
    print(f"  {'':<22}{'min':>12}{'median':>12}{'max':>12}")
    for name, values in rates.items():
        print(f"  {name:<22}{min(values):>12,.0f}{statistics.median(values):>12,.0f}"
              f"{max(values):>12,.0f}")
    med = {name: statistics.median(values) for name, values in rates.items()}
    print(f"  starlight / python-binance DCM   = "
          f"{med['starlight'] / med['python-binance DCM']:.2f}x (goal >= 5)")
    print(f"  starlight / SortedDict (Decimal) = "
          f"{med['starlight'] / med['SortedDict (Decimal)']:.2f}x (goal >= 1)")
    print(f"  with a BookUpdate listener: {med['starlight + listener'] / med['starlight']:.2f}"
          f" of the bare rate")
    if args.stream:
        stream_rounds(snapshot, events, args.rounds)


def stream_rounds(snapshot: dict[str, Any], events: list[dict[str, Any]], rounds: int) -> None:
    contenders = {"starlight": stream_starlight, "python-binance DCM": stream_python_binance}
    rates: dict[str, list[float]] = {name: [] for name in contenders}
    for r in range(rounds):
        for name, run in contenders.items():
            with DepthServer(snapshot, events) as port:
                rates[name].append(len(events) / asyncio.run(run(port, events)))
        print(f"  stream round {r + 1}: " + ", ".join(f"{n} {v[-1]:,.0f}/s"
                                                      for n, v in rates.items()), flush=True)
    print(f"\nend to end over a loopback WebSocket (snapshot + {len(events):,} events, "
          f"{rounds} rounds):")
    for name, values in rates.items():
        print(f"  {name:<22}{min(values):>12,.0f}{statistics.median(values):>12,.0f}"
              f"{max(values):>12,.0f}")
    med = {name: statistics.median(values) for name, values in rates.items()}
    print(f"  starlight / python-binance DCM   = "
          f"{med['starlight'] / med['python-binance DCM']:.2f}x (goal >= 5)")


if __name__ == "__main__":
    main()
