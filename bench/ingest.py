"""bookTicker ingest: messages/s to the N-th message, Starlight vs its baselines.

    .venv/bin/python bench/ingest.py [--messages 200000] [--symbols 200] [--repeat 5]

Each round starts a fresh server process (pre-framed bytes, ``_wire.py``), measures its
capacity with a byte sink, then runs every consumer in its own fresh process, in an
order rotated each round. A consumer connects twice: "cold" (first connection of the
process) and "warm" (the second). Each must receive exactly N messages and end with the
last bid/ask the server sent for every symbol; the clock runs from the first message to
the N-th, never through shutdown.

* raw: aiohttp WebSocket + orjson + a dict of (bid, ask) strings — the floor any client pays
* starlight: BinanceClient — Decimal prices, ``client.prices`` current, update ids
  deduplicated, one ``BookTicker`` event delivered to a listener per message
* python-binance: ``BinanceSocketManager.multiplex_socket`` + ``recv()`` (its documented use)
* Decimal floor: the raw loop, but each frame decoded by msgspec (in C) into a
  ``BookTicker`` with its four Decimals, and nothing else (no dedupe, no listener):
  the most any client that delivers Decimals over aiohttp's ``receive`` can reach
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _stats import Rounds, emit, fresh
from _wire import WireServer, expected_last, symbols

CONSUMERS = ("raw aiohttp+orjson", "starlight", "python-binance", "Decimal floor")


Result = tuple[float, float, dict[str, tuple[str, str]]]  # msg/s wall, msg/s of CPU, prices


async def raw(url: str, names: list[str], count: int) -> Result:
    import aiohttp
    import orjson

    loads = orjson.loads
    prices: dict[str, tuple[str, str]] = {}
    streams = "/".join(f"{s.lower()}@bookTicker" for s in names)
    async with aiohttp.ClientSession() as session, session.ws_connect(
            f"{url}/stream?streams={streams}", max_msg_size=0, autoping=False) as ws:
        receive = ws.receive
        data = loads((await receive()).data)["data"]
        start, cpu = time.perf_counter(), time.process_time()
        prices[data["s"]] = (data["b"], data["a"])
        for _ in range(count - 1):
            data = loads((await receive()).data)["data"]
            prices[data["s"]] = (data["b"], data["a"])
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    return (count - 1) / elapsed, (count - 1) / cpu, prices


async def decimal_floor(url: str, names: list[str], count: int) -> Result:
    import aiohttp

    from connector._stream_parsing import decode_book_frame

    streams = "/".join(f"{s.lower()}@bookTicker" for s in names)
    async with aiohttp.ClientSession() as session, session.ws_connect(
            f"{url}/stream?streams={streams}", max_msg_size=0, autoping=False) as ws:
        receive = ws.receive
        event = decode_book_frame((await receive()).data).data
        start, cpu = time.perf_counter(), time.process_time()
        quotes = {event.symbol: event}
        for _ in range(count - 1):
            event = decode_book_frame((await receive()).data).data
            quotes[event.symbol] = event
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    prices = {s: (format(q.bid, "f"), format(q.ask, "f")) for s, q in quotes.items()}
    return (count - 1) / elapsed, (count - 1) / cpu, prices


async def starlight(url: str, names: list[str], count: int) -> Result:
    from connector import BinanceClient
    from connector.events import BookTicker

    client = BinanceClient("", "", False, False, rest_url="http://127.0.0.1:9", ws_url=url)
    done = asyncio.get_running_loop().create_future()
    n = 0
    start = cpu = 0.0

    def listener(event: object) -> None:
        nonlocal n, start, cpu
        if type(event) is BookTicker:
            n += 1
            if n == 1:
                start, cpu = time.perf_counter(), time.process_time()
            elif n == count:
                done.set_result((time.perf_counter() - start, time.process_time() - cpu))

    client.add_listener(listener)
    await client._live.subscribe(names, "bookTicker")  # no exchangeInfo on this server
    elapsed, cpu_s = await done
    prices = {s: (format(q["bid"], "f"), format(q["ask"], "f"))
              for s, q in client.prices.items()}
    assert all(isinstance(q["bid"], Decimal) for q in client.prices.values())
    await client.close()
    return (count - 1) / elapsed, (count - 1) / cpu_s, prices


async def python_binance(url: str, names: list[str], count: int) -> Result:
    from binance import AsyncClient, BinanceSocketManager

    client = AsyncClient()
    manager = BinanceSocketManager(client, max_queue_size=10_000_000)
    manager.STREAM_URL = url + "/"
    prices: dict[str, tuple[str, str]] = {}
    socket = manager.multiplex_socket([f"{s.lower()}@bookTicker" for s in names])
    async with socket as stream:
        data = (await stream.recv())["data"]
        start, cpu = time.perf_counter(), time.process_time()
        prices[data["s"]] = (data["b"], data["a"])
        for _ in range(count - 1):
            data = (await stream.recv())["data"]
            prices[data["s"]] = (data["b"], data["a"])
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    return (count - 1) / elapsed, (count - 1) / cpu, prices


def one(name: str, url: str, count: int, n_symbols: int) -> None:
    """Child process: a cold then a warm connection, each checked."""
    fn = {"raw aiohttp+orjson": raw, "starlight": starlight, "python-binance": python_binance,
          "Decimal floor": decimal_floor}
    names = symbols(n_symbols)
    out: dict[str, float] = {}
    for phase in ("cold", "warm"):
        rate, cpu_rate, prices = asyncio.run(fn[name](url, names, count))
        want = expected_last(count, names)
        wrong = [s for s in names if s not in prices or
                 Decimal(prices[s][0]) != Decimal(want[s][0]) or
                 Decimal(prices[s][1]) != Decimal(want[s][1])]
        if wrong:
            raise SystemExit(f"{name}: wrong last price for {len(wrong)} symbols, e.g. "
                             f"{wrong[0]}: {prices.get(wrong[0])} != {want[wrong[0]]}")
        out[phase], out[f"{phase} cpu"] = rate, cpu_rate
    emit(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--symbols", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", nargs="*", default=list(CONSUMERS))
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one(args.one, args.url, args.messages, args.symbols)
        return
    names = [c for c in CONSUMERS if c in args.only]
    rounds = Rounds(["server capacity (byte sink)"] + [f"{n} {p}" for n in names
                                                       for p in ("cold", "warm")])
    cpu = Rounds([f"{n} {p}" for n in names for p in ("cold", "warm")])
    print(f"bookTicker ingest, {args.messages:,} messages over {args.symbols} symbols, "
          f"{args.repeat} interleaved rounds, each side in a fresh process:")
    for i in range(args.repeat):
        with WireServer(args.messages, args.symbols) as url:
            common = ["--url", url, "--messages", str(args.messages), "--symbols",
                      str(args.symbols)]
            sink = fresh([sys.executable, str(Path(__file__).parent / "_wire.py"), "sink",
                          "--url", url, "--count", str(args.messages), "--symbols",
                          str(args.symbols)])["rate"]
            rounds.add("server capacity (byte sink)", sink)
            line = [f"sink {sink:,.0f}"]
            for name in names[i % len(names):] + names[:i % len(names)]:
                r = fresh([sys.executable, __file__, "--one", name, *common])
                for phase in ("cold", "warm"):
                    rounds.add(f"{name} {phase}", r[phase])
                    cpu.add(f"{name} {phase}", r[f"{phase} cpu"])
                line.append(f"{name} {r['cold']:,.0f}/{r['warm']:,.0f}")
        print(f"  round {i + 1}: " + "   ".join(line) + f"  (msg/s cold/warm; load "
              f"{os.getloadavg()[0]:.1f})", flush=True)
    print()
    rounds.summary("msg/s", "messages/s to the N-th message (every last price checked):")
    fastest_consumer = max(rounds.median(f"{n} warm") for n in names)
    capacity = rounds.median("server capacity (byte sink)")
    verdict = ("the server is not the bottleneck" if capacity > 2 * fastest_consumer
               else "WARNING: the server may limit the consumers")
    print(f"  server capacity / fastest consumer = {capacity / fastest_consumer:.1f}x ({verdict})")
    for table in (rounds, cpu):
        if table is cpu:
            print()
            cpu.summary("msg/s", "messages per second of the consumer's own CPU time "
                        "(first to N-th message; robust to a loaded machine):")
        for phase in ("cold", "warm"):
            if "starlight" in names and "raw aiohttp+orjson" in names:
                table.ratio(f"starlight {phase}", f"raw aiohttp+orjson {phase}", goal=0.8)
            if "starlight" in names and "python-binance" in names:
                table.ratio(f"starlight {phase}", f"python-binance {phase}", goal=3)
            if "Decimal floor" in names and "raw aiohttp+orjson" in names:
                table.ratio(f"Decimal floor {phase}", f"raw aiohttp+orjson {phase}")


if __name__ == "__main__":
    main()
