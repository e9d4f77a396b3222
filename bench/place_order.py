"""``place_order`` round trip vs a raw signed aiohttp POST, same exchange process.

    .venv/bin/python bench/place_order.py [--orders 400] [--repeat 5]

Each round starts a fresh DemoExchange in its own process; each side then runs in its
own fresh process, in an order rotated each round, and sends the same LIMIT order
(resting, so the exchange does the same work). "cold" is the first order of the
process (after the connection is open: the raw side's clock-sync GET, Starlight's
``start()``); "warm" is the p50 of ``--orders`` orders after 20 warm-up ones. The raw
side signs and posts with nothing else; "place_order" has the same connections (REST
only, clock synced, contracts loaded), so the exchange does the same work for both;
"place_order + user stream" runs as the app does (``start()``: the exchange also pushes,
and the client applies, every order's executionReport while the next order waits).
Every order must come back accepted (status NEW).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import percentile
from _stats import Rounds, emit, fresh


async def raw_side(urls: dict[str, str], n: int) -> dict[str, float]:
    import aiohttp
    from yarl import URL

    from connector.demo import DEMO_API_KEY, DEMO_API_SECRET

    base = urls["rest"]
    secret = DEMO_API_SECRET.encode()
    headers = {"X-MBX-APIKEY": DEMO_API_KEY}

    async def post(session: aiohttp.ClientSession) -> float:
        start = time.perf_counter()
        query = urlencode({"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT",
                           "timeInForce": "GTC", "quantity": "0.0005", "price": "10000",
                           "newClientOrderId": f"raw-{uuid.uuid4().hex[:20]}",
                           "newOrderRespType": "FULL", "recvWindow": 5000,
                           "timestamp": int(time.time() * 1000)})
        query += "&signature=" + hmac.new(secret, query.encode(), hashlib.sha256).hexdigest()
        async with session.post(URL(f"{base}/api/v3/order?{query}", encoded=True),
                                headers=headers) as resp:
            body = await resp.json()
            assert resp.status == 200 and body["status"] == "NEW", body
        return time.perf_counter() - start

    async with aiohttp.ClientSession() as session:
        async with session.get(f"{base}/api/v3/time") as resp:  # connect, as a clock sync
            await resp.read()
        cold = await post(session)
        for _ in range(20):
            await post(session)
        cpu = time.process_time()
        warm = [await post(session) for _ in range(n)]
        cpu = time.process_time() - cpu
    return {"cold": cold * 1000, "warm": percentile(warm, 50) * 1000,
            "p90": percentile(warm, 90) * 1000, "cpu": cpu / n * 1000}


async def starlight_side(urls: dict[str, str], n: int, user_stream: bool = False,
                         ) -> dict[str, float]:
    """Without ``user_stream``: the REST session only (clock synced, contracts loaded), so
    the exchange does exactly the raw side's work; with it, ``start()`` as the app runs."""
    from connector import BinanceClient
    from connector.demo import DEMO_API_KEY, DEMO_API_SECRET

    async def post(client: BinanceClient) -> float:
        start = time.perf_counter()
        status = await client.place_order("BTCUSDT", "LIMIT", "0.0005", "BUY", "10000")
        elapsed = time.perf_counter() - start
        assert status.status == "new", status
        return elapsed

    client = BinanceClient(DEMO_API_KEY, DEMO_API_SECRET, False, False, rest_url=urls["rest"],
                           ws_url=urls["ws"], ws_api_url=urls["ws_api"])
    if user_stream:
        await client.start()
    else:
        await client._rest.open()
        await client._rest.sync_time()
        client.contracts = await client.get_contracts()
    try:
        cold = await post(client)
        for _ in range(20):
            await post(client)
        cpu = time.process_time()
        warm = [await post(client) for _ in range(n)]
        cpu = time.process_time() - cpu
    finally:
        await client.close()
    return {"cold": cold * 1000, "warm": percentile(warm, 50) * 1000,
            "p90": percentile(warm, 90) * 1000, "cpu": cpu / n * 1000}


async def starlight_streaming(urls: dict[str, str], n: int) -> dict[str, float]:
    return await starlight_side(urls, n, user_stream=True)


SIDES = {"raw signed POST": raw_side, "place_order": starlight_side,
         "place_order + user stream": starlight_streaming}


def serve() -> None:
    from connector.demo import DEMO_API_KEY, DemoExchange

    async def main() -> None:
        async with DemoExchange(walk=False) as demo:
            demo.spot.account(DEMO_API_KEY).free["USDT"] *= 1000  # room for every order
            print(f"{demo.rest_url} {demo.ws_url} {demo.ws_api_url}", flush=True)
            await asyncio.Event().wait()

    asyncio.run(main())


def main() -> None:
    import subprocess

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--urls", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve()
        return
    if args.one:
        urls = dict(zip(("rest", "ws", "ws_api"), args.urls, strict=True))
        emit(asyncio.run(SIDES[args.one](urls, args.orders)))
        return
    names = list(SIDES)
    rounds = Rounds([f"{n} {p}" for n in names for p in ("cold", "warm p50", "warm p90")])
    cpu = Rounds(names)
    print(f"place_order round trip, {args.orders} orders per side per round, {args.repeat} "
          f"interleaved rounds; exchange and each side in fresh processes:")
    for i in range(args.repeat):
        server = subprocess.Popen([sys.executable, __file__, "--serve"], stdout=subprocess.PIPE,
                                  text=True)
        assert server.stdout is not None
        urls = server.stdout.readline().split()
        line = []
        try:
            for name in names[i % len(names):] + names[:i % len(names)]:
                r = fresh([sys.executable, __file__, "--one", name, "--orders",
                           str(args.orders), "--urls", *urls])
                rounds.add(f"{name} cold", r["cold"])
                rounds.add(f"{name} warm p50", r["warm"])
                rounds.add(f"{name} warm p90", r["p90"])
                cpu.add(name, r["cpu"])
                line.append(f"{name} {r['cold']:.2f}/{r['warm']:.3f}")
        finally:
            server.terminate()
            server.wait(5)
        print(f"  round {i + 1}: " + "   ".join(line) + " ms (cold/warm p50)", flush=True)
    print()
    rounds.summary("ms", "round trip, lower is better:")
    rounds.ratio("place_order warm p50", "raw signed POST warm p50", goal=1.15,
                 lower_is_better=True, label="place_order / raw, warm p50")
    rounds.ratio("place_order cold", "raw signed POST cold", lower_is_better=True,
                 label="place_order / raw, cold (first order)")
    rounds.ratio("place_order + user stream warm p50", "raw signed POST warm p50",
                 lower_is_better=True, label="place_order + user stream / raw, warm p50")
    print()
    cpu.summary("ms", "client process CPU per order (its own work; robust to a loaded machine):")
    cpu.ratio("place_order", "raw signed POST", lower_is_better=True)
    cpu.ratio("place_order + user stream", "raw signed POST", lower_is_better=True)


if __name__ == "__main__":
    main()
