"""``get_contracts`` on a 3,000-symbol exchangeInfo vs ccxt ``load_markets``, same payload.

    .venv/bin/python bench/contracts.py [--symbols 3000] [--repeat 5]

Both fetch the same exchangeInfo from a loopback DemoExchange and parse every symbol.
ccxt is limited to spot markets and makes no request beyond loopback.
"""

from __future__ import annotations

import argparse
import asyncio
import time

import _common  # noqa: F401  (import path)
import aiohttp
from _common import median
from aiohttp import web

from connector import BinanceClient
from connector.demo import DemoExchange


async def ours(url: str) -> tuple[float, int]:
    client = BinanceClient("", "", False, False, rest_url=url)
    await client._rest.open()
    start = time.perf_counter()
    contracts = await client.get_contracts()
    elapsed = time.perf_counter() - start
    await client.close()
    return elapsed, len(contracts)


async def theirs(url: str) -> tuple[float, int] | None:
    try:
        import ccxt.async_support as ccxt
    except ImportError:
        return None
    exchange = ccxt.binance({"options": {"fetchMarkets": ["spot"], "fetchCurrencies": False}})
    for key in list(exchange.urls["api"]):
        exchange.urls["api"][key] = url + "/api/v3" if key in ("public", "private") else (
            url + "/blocked")
    start = time.perf_counter()
    markets = await exchange.load_markets(reload=True)
    elapsed = time.perf_counter() - start
    await exchange.close()
    return elapsed, len(markets)


async def static_server(payload: bytes) -> tuple[web.AppRunner, str, list[str]]:
    """Serve one pre-built exchangeInfo, so both sides time their own work, not the server's."""
    asked: list[str] = []

    async def info(request: web.Request) -> web.Response:
        return web.Response(body=payload, content_type="application/json")

    async def other(request: web.Request) -> web.Response:
        asked.append(request.path)
        return web.Response(status=404, body=b'{"code":-5,"msg":"not here"}',
                            content_type="application/json")

    app = web.Application()
    app.router.add_get("/api/v3/exchangeInfo", info)
    app.router.add_route("*", "/{tail:.*}", other)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}", asked


async def run(symbols: int, repeat: int) -> None:
    ours_t: list[float] = []
    theirs_t: list[float] = []
    async with DemoExchange(extra_symbols=symbols, walk=False) as source, \
            aiohttp.ClientSession() as session, session.get(source.rest_url + "/api/v3/exchangeInfo") as resp:
        payload = await resp.read()
    runner, url, asked = await static_server(payload)
    print(f"exchangeInfo payload: {len(payload) / 1e6:.1f} MB")
    try:
        for _ in range(repeat):
            t, n = await ours(url)
            ours_t.append(t)
            result = await theirs(url)
            if result is not None:
                theirs_t.append(result[0])
                print(f"  run: get_contracts {t * 1000:.1f} ms ({n} symbols)   ccxt load_markets "
                      f"{result[0] * 1000:.1f} ms ({result[1]} markets)")
            else:
                print(f"  run: get_contracts {t * 1000:.1f} ms ({n} symbols); ccxt not installed")
    finally:
        await runner.cleanup()
    o = median(ours_t) * 1000
    print(f"\nexchangeInfo with {symbols + 16} symbols, median of {repeat}:")
    print(f"  BinanceClient.get_contracts {o:.1f} ms")
    if theirs_t:
        t = median(theirs_t) * 1000
        print(f"  ccxt binance.load_markets   {t:.1f} ms")
        print(f"  speed-up                    {t / o:.1f}x (target >= 10)")
    if asked:
        print(f"  note: also asked for (and refused): {sorted(set(asked))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--symbols", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(run(args.symbols, args.repeat))


if __name__ == "__main__":
    main()
