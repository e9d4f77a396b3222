"""``get_contracts`` vs ccxt ``load_markets`` on the same 3,000-symbol exchangeInfo.

    .venv/bin/python bench/contracts.py [--symbols 3000] [--repeat 5]

The payload is built once (a DemoExchange's exchangeInfo with ``--symbols`` extra
symbols) and served as fixed bytes by a server in its own process, so neither side
times the server's work. Every round runs each side in a fresh process, in an order
rotated each round: "cold" is its first call in that process, "warm" the second
(caches filled, as on a reconnect). ccxt is configured at its best: rate limiter off
(``enableRateLimit=False``), spot markets only, no currencies request. Each side must
return every TRADING symbol of the payload. The server's capacity (a plain aiohttp GET
that only reads the body) is printed beside them.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _stats import Rounds, emit, fresh


async def ours(url: str) -> tuple[float, int]:
    from connector import BinanceClient

    client = BinanceClient("", "", False, False, rest_url=url)
    await client._rest.open()  # the session, as start() opens it before loading contracts
    start = time.perf_counter()
    contracts = await client.get_contracts()
    elapsed = time.perf_counter() - start
    await client.close()
    return elapsed, len(contracts)


async def ccxt_markets(url: str) -> tuple[float, int]:
    import ccxt.async_support as ccxt

    exchange = ccxt.binance({"enableRateLimit": False,
                             "options": {"fetchMarkets": ["spot"], "fetchCurrencies": False}})
    for key in list(exchange.urls["api"]):
        exchange.urls["api"][key] = url + "/api/v3" if key in ("public", "private") else (
            url + "/blocked")
    start = time.perf_counter()
    markets = await exchange.load_markets(reload=True)
    elapsed = time.perf_counter() - start
    await exchange.close()
    return elapsed, len([m for m in markets.values() if m.get("active")])


async def sink(url: str) -> tuple[float, int]:
    import aiohttp

    async with aiohttp.ClientSession() as session:
        start = time.perf_counter()
        async with session.get(url + "/api/v3/exchangeInfo") as resp:
            body = await resp.read()
        return time.perf_counter() - start, len(body)


SIDES = {"get_contracts": ours, "ccxt load_markets": ccxt_markets, "server (read body)": sink}


def one(name: str, url: str) -> None:
    out: dict[str, float] = {}
    for phase in ("cold", "warm"):
        elapsed, n = asyncio.run(SIDES[name](url))
        out[phase], out["n"] = elapsed * 1000, n
    emit(out)


def serve(path: str) -> None:
    from aiohttp import web

    payload = Path(path).read_bytes()

    async def info(request: web.Request) -> web.Response:
        return web.Response(body=payload, content_type="application/json")

    async def other(request: web.Request) -> web.Response:
        print(f"asked for {request.path}", file=sys.stderr)
        return web.Response(status=404, body=b'{"code":-5,"msg":"not here"}',
                            content_type="application/json")

    async def main() -> None:
        app = web.Application()
        app.router.add_get("/api/v3/exchangeInfo", info)
        app.router.add_route("*", "/{tail:.*}", other)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        print(runner.addresses[0][1], flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())


async def build_payload(symbols: int) -> tuple[bytes, int]:
    import aiohttp
    import orjson

    from connector.demo import DemoExchange

    async with DemoExchange(extra_symbols=symbols, walk=False) as source, \
            aiohttp.ClientSession() as session, \
            session.get(source.rest_url + "/api/v3/exchangeInfo") as resp:
        payload = await resp.read()
    trading = sum(1 for s in orjson.loads(payload)["symbols"] if s["status"] == "TRADING")
    return payload, trading


def main() -> None:
    import subprocess

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--symbols", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        one(args.one, args.url)
        return
    if args.serve:
        serve(args.serve)
        return
    payload, trading = asyncio.run(build_payload(args.symbols))
    with tempfile.NamedTemporaryFile(suffix=".json") as f:
        f.write(payload)
        f.flush()
        server = subprocess.Popen([sys.executable, __file__, "--serve", f.name],
                                  stdout=subprocess.PIPE, text=True)
        assert server.stdout is not None
        url = f"http://127.0.0.1:{int(server.stdout.readline())}"
        print(f"exchangeInfo: {len(payload) / 1e6:.1f} MB, {trading} TRADING symbols; "
              f"{args.repeat} interleaved rounds, each side in a fresh process:")
        names = list(SIDES)
        rounds = Rounds([f"{n} {p}" for n in names for p in ("cold", "warm")])
        try:
            for i in range(args.repeat):
                line = []
                for side in names[i % len(names):] + names[:i % len(names)]:
                    r = fresh([sys.executable, __file__, "--one", side, "--url", url])
                    if side != "server (read body)" and r["n"] != trading:
                        raise SystemExit(f"{side} returned {r['n']} symbols, not {trading}")
                    rounds.add(f"{side} cold", r["cold"])
                    rounds.add(f"{side} warm", r["warm"])
                    line.append(f"{side} {r['cold']:.1f}/{r['warm']:.1f}")
                print(f"  round {i + 1}: " + "   ".join(line) + "  (ms cold/warm)", flush=True)
        finally:
            server.terminate()
            server.wait(5)
    print()
    rounds.summary("ms", "time to the parsed result, lower is better:")
    for phase in ("cold", "warm"):
        rounds.ratio(f"ccxt load_markets {phase}", f"get_contracts {phase}", goal=10,
                     label=f"get_contracts speed-up over ccxt, {phase}")


if __name__ == "__main__":
    main()
