"""bookTicker ingest: messages/s fully processed, Starlight vs its baselines, in one run.

    .venv/bin/python bench/ingest.py [--messages 100000] [--symbols 200] [--repeat 5]

* baseline: raw aiohttp WebSocket + orjson + dict update (the floor any client pays)
* starlight: LiveFeeds — parsed to Decimal, ``client.prices`` updated, a BookTicker
  event built and delivered to a listener
* python-binance: its BinanceSocketManager multiplex socket on the same server
  (skipped if python-binance is not installed: ``pip install -e '.[bench]'``)

The flood server runs in another process on loopback. Prints medians and ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

import aiohttp
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _flood import FloodServer, symbols

from connector import BinanceClient
from connector.events import BookTicker


async def raw_baseline(url: str, names: list[str], count: int) -> float:
    prices: dict[str, tuple[str, str]] = {}
    streams = "/".join(f"{s.lower()}@bookTicker" for s in names)
    async with aiohttp.ClientSession() as session, session.ws_connect(
            f"{url}/stream?streams={streams}", max_msg_size=0) as ws:
        received = 0
        start = 0.0
        async for msg in ws:
            data = orjson.loads(msg.data)["data"]
            prices[data["s"]] = (data["b"], data["a"])
            received += 1
            if received == 1:
                start = time.perf_counter()
            if received == count:
                break
    return (count - 1) / (time.perf_counter() - start)


async def starlight(url: str, names: list[str], count: int) -> float:
    client = BinanceClient("", "", False, False, rest_url="http://127.0.0.1:9", ws_url=url)
    done = asyncio.Event()
    state = {"n": 0, "start": 0.0}

    def listener(event: object) -> None:
        if type(event) is BookTicker:
            state["n"] += 1
            if state["n"] == 1:
                state["start"] = time.perf_counter()
            elif state["n"] == count:
                state["end"] = time.perf_counter()
                done.set()

    client.add_listener(listener)
    await client._live.subscribe(names, "bookTicker")
    await done.wait()
    await client.close()
    assert len(client.prices) == len(names)
    return (count - 1) / (state["end"] - state["start"])


async def python_binance(url: str, names: list[str], count: int) -> float | None:
    try:
        from binance import AsyncClient, BinanceSocketManager
    except ImportError:
        return None
    client = AsyncClient()
    manager = BinanceSocketManager(client, max_queue_size=10_000_000)
    manager.STREAM_URL = url + "/"
    prices: dict[str, tuple[str, str]] = {}
    socket = manager.multiplex_socket([f"{s.lower()}@bookTicker" for s in names])
    received = 0
    start = 0.0
    async with socket as stream:
        while received < count:
            msg = await stream.recv()
            data = msg["data"]
            prices[data["s"]] = (data["b"], data["a"])
            received += 1
            if received == 1:
                start = time.perf_counter()
    await client.close_connection()
    return (count - 1) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--symbols", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    names = symbols(args.symbols)
    runs: dict[str, list[float]] = {"raw aiohttp+orjson": [], "starlight": [],
                                    "python-binance": []}
    for i in range(args.repeat):
        for name, fn in (("raw aiohttp+orjson", raw_baseline), ("starlight", starlight),
                         ("python-binance", python_binance)):
            with FloodServer(args.messages, args.symbols) as url:
                rate = asyncio.run(fn(url, names, args.messages))  # type: ignore[operator]
            if rate is not None:
                runs[name].append(rate)
                print(f"  run {i + 1}: {name:<20} {rate:>10,.0f} msg/s", flush=True)
    medians = {k: statistics.median(v) for k, v in runs.items() if v}
    print(f"\nbookTicker ingest, {args.messages:,} messages over {args.symbols} symbols, "
          f"median of {args.repeat}:")
    for name, value in medians.items():
        print(f"  {name:<20} {value:>10,.0f} msg/s")
    base = medians["raw aiohttp+orjson"]
    print(f"  starlight / raw baseline     = {medians['starlight'] / base:.2f}x (target >= 0.8)")
    if "python-binance" in medians:
        print(f"  starlight / python-binance   = "
              f"{medians['starlight'] / medians['python-binance']:.2f}x (target >= 3)")


if __name__ == "__main__":
    main()
