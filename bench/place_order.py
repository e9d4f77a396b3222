"""``place_order`` round trip vs a raw signed aiohttp POST, same loopback server, same run.

    .venv/bin/python bench/place_order.py [--orders 400] [--repeat 5]

Both send the same LIMIT order (resting, so the exchange does the same work) over a
reused session; the raw path signs and posts with nothing else. Prints p50s and ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import time
import uuid
from urllib.parse import urlencode

import _common  # noqa: F401  (import path)
import aiohttp
from _common import median, percentile
from yarl import URL

from connector import BinanceClient
from connector.demo import DEMO_API_KEY, DEMO_API_SECRET, DemoExchange


async def raw_posts(session: aiohttp.ClientSession, base: str, n: int) -> list[float]:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        query = urlencode({"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT",
                           "timeInForce": "GTC", "quantity": "0.0005", "price": "10000",
                           "newClientOrderId": f"raw-{uuid.uuid4().hex[:20]}",
                           "newOrderRespType": "FULL", "recvWindow": 5000,
                           "timestamp": int(time.time() * 1000)})
        query += "&signature=" + hmac.new(DEMO_API_SECRET.encode(), query.encode(),
                                          hashlib.sha256).hexdigest()
        async with session.post(URL(f"{base}/api/v3/order?{query}", encoded=True),
                                headers={"X-MBX-APIKEY": DEMO_API_KEY}) as resp:
            await resp.read()
            assert resp.status == 200
        times.append(time.perf_counter() - start)
    return times


async def client_posts(client: BinanceClient, n: int) -> list[float]:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        status = await client.place_order("BTCUSDT", "LIMIT", "0.0005", "BUY", "10000")
        times.append(time.perf_counter() - start)
        assert status.status == "new"
    return times


async def run(orders: int, repeat: int) -> None:
    raw_p50: list[float] = []
    ours_p50: list[float] = []
    for _ in range(repeat):
        async with DemoExchange(walk=False) as demo:
            demo.spot.account(DEMO_API_KEY).free["USDT"] *= 100  # room for every order
            async with aiohttp.ClientSession() as session, BinanceClient(
                    DEMO_API_KEY, DEMO_API_SECRET, False, False, rest_url=demo.rest_url,
                    ws_url=demo.ws_url, ws_api_url=demo.ws_api_url) as client:
                await raw_posts(session, demo.rest_url, 20)  # warm both paths
                await client_posts(client, 20)
                raw: list[float] = []
                ours: list[float] = []
                for _ in range(orders // 10):  # interleaved, so both see the same server
                    raw += await raw_posts(session, demo.rest_url, 10)
                    ours += await client_posts(client, 10)
        raw_p50.append(percentile(raw, 50) * 1000)
        ours_p50.append(percentile(ours, 50) * 1000)
        print(f"  run: raw p50 {raw_p50[-1]:.3f} ms   place_order p50 {ours_p50[-1]:.3f} ms")
    r, o = median(raw_p50), median(ours_p50)
    print(f"\nplace_order round trip, {orders} orders x {repeat} runs (median of p50s):")
    print(f"  raw signed aiohttp POST   {r:.3f} ms")
    print(f"  BinanceClient.place_order {o:.3f} ms")
    print(f"  ratio                     {o / r:.2f}x (target <= 1.15)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(run(args.orders, args.repeat))


if __name__ == "__main__":
    main()
