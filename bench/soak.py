"""Soak: random orders and cancels from several coroutines while faults fire at random.

    .venv/bin/python bench/soak.py --minutes 5

At the end every order and balance is compared with the exchange's own records.
Prints orders sent, faults injected, duplicates (must be 0), lost (must be 0),
mismatches (must be 0), and RSS at start and end.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import dataclasses
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import rss_mb

from connector import (
    Balance,
    BinanceClient,
    BinanceError,
    OrderStateUnknownError,
)
from connector._live import LiveOptions
from connector.demo import DEMO_API_KEY, DEMO_API_SECRET, DemoExchange
from connector.events import OrderUpdate

SYMBOLS = ("BTCUSDT", "ETHUSDT", "BNBUSDT")
OPTIONS = LiveOptions(backoff_initial=0.05, backoff_max=1.0, silence_timeout=2.0,
                      user_silence_timeout=2.0)


@dataclasses.dataclass
class Tally:
    sent: int = 0
    rejected: int = 0
    unknown: int = 0
    cancels: int = 0
    faults: collections.Counter[str] = dataclasses.field(default_factory=collections.Counter)
    known_ids: set[str] = dataclasses.field(default_factory=set)


async def worker(client: BinanceClient, tally: Tally, rng: random.Random, stop: float) -> None:
    while time.monotonic() < stop:
        symbol = rng.choice(SYMBOLS)
        c = client.contracts[symbol]
        try:
            if client.open_orders and rng.random() < 0.35:
                order = rng.choice(list(client.open_orders.values()))
                await client.cancel_order(order.symbol, order.order_id)
                tally.cancels += 1
                continue
            quote = client.prices.get(symbol) or await client.get_bid_ask(symbol)
            mid = (quote["bid"] + quote["ask"]) / 2
            side = rng.choice(("BUY", "SELL"))
            notional = Decimal(rng.randrange(110, 300))
            qty = notional / mid
            tally.sent += 1
            if rng.random() < 0.5:
                status = await client.place_order(symbol, "MARKET", qty, side)
            else:
                offset = Decimal(rng.randrange(-20, 60)) / 10_000
                price = mid * (1 - offset) if side == "BUY" else mid * (1 + offset)
                status = await client.place_order(symbol, "LIMIT", qty, side, price)
            tally.known_ids.add(status.client_order_id)
        except OrderStateUnknownError as exc:
            tally.unknown += 1
            tally.known_ids.add(exc.client_order_id)
        except BinanceError:
            tally.rejected += 1
        del c
        await asyncio.sleep(rng.uniform(0.01, 0.15))


async def faults(demo: DemoExchange, tally: Tally, rng: random.Random, stop: float) -> None:
    kinds = ["5xx-after-accept", "-1006", "-1007", "timeout", "429", "skew", "drop", "silent",
             "malformed", "restart", "expire-listen-key", "5xx-before"]
    while time.monotonic() < stop:
        await asyncio.sleep(rng.uniform(0.5, 2.0))
        kind = rng.choice(kinds)
        path = rng.choice(("/api/v3/order", "/fapi/v1/order"))
        tally.faults[kind] += 1
        if kind == "5xx-after-accept":
            demo.faults.fail_next(path, method="POST", status=503, after_accept=True)
        elif kind in ("-1006", "-1007"):
            demo.faults.fail_next(path, method="POST", status=500, code=int(kind),
                                  after_accept=True)
        elif kind == "5xx-before":
            demo.faults.fail_next(path, method="POST", status=502)
        elif kind == "timeout":
            demo.faults.delay_next(path, 1.5, method="POST")
        elif kind == "429":
            demo.faults.fail_next(path, method="POST", status=429, code=-1003, retry_after=1)
        elif kind == "skew":
            demo.faults.clock_skew_ms = rng.choice((-10_000, 10_000, 0))
        elif kind == "drop":
            await demo.drop_streams()
        elif kind == "silent":
            demo.faults.silent = True
            await asyncio.sleep(2.5)
            demo.faults.silent = False
        elif kind == "malformed":
            demo.faults.malformed_next(rng.randrange(1, 5))
        elif kind == "restart":
            await demo.restart(downtime=rng.uniform(0.1, 1.0))
        elif kind == "expire-listen-key":
            demo.expire_listen_keys()


def compare(client: BinanceClient, demo: DemoExchange, tally: Tally,
            updates: dict[str, set[str]]) -> tuple[int, int, int]:
    engine = demo.futures if client.futures else demo.spot
    orders = engine.orders()
    ids = [o["clientOrderId"] for o in orders]
    duplicates = len(ids) - len(set(ids))
    known = tally.known_ids | updates[client.endpoints.api_prefix]
    lost = sum(1 for i in ids if i not in known)
    truth_open = {o["orderId"] for o in engine.open_orders()}
    differ = [f"open order {i}" for i in truth_open ^ set(client.open_orders)]
    for asset, b in engine.balances().items():
        mine = client.balances.get(asset, Balance(asset))
        if client.futures:
            if mine.wallet_balance != Decimal(b["walletBalance"]):
                differ.append(f"{asset} wallet {mine.wallet_balance} vs {b['walletBalance']}")
        elif (mine.free, mine.locked) != (Decimal(b["free"]), Decimal(b["locked"])):
            differ.append(f"{asset} {mine.free}/{mine.locked} vs {b['free']}/{b['locked']}")
    compare.last_differences = differ  # type: ignore[attr-defined]
    return duplicates, lost, len(differ)


async def settle(client: BinanceClient, demo: DemoExchange, tally: Tally,
                 updates: dict[str, set[str]]) -> tuple[int, int, int]:
    """Faults off: give the client time to reconcile, then compare."""
    result = compare(client, demo, tally, updates)
    for _ in range(150):
        if result[2] == 0:
            break
        await asyncio.sleep(0.2)
        result = compare(client, demo, tally, updates)
    if result[2]:
        print(f"  {client!r} still differs: {compare.last_differences}")  # type: ignore[attr-defined]
    return result


async def soak(minutes: float, workers: int, seed: int) -> int:
    rng = random.Random(seed)
    start_rss = rss_mb()
    async with DemoExchange(walk_interval=0.05, seed=seed) as demo:
        clients = [BinanceClient(DEMO_API_KEY, DEMO_API_SECRET, False, futures,
                                 rest_url=demo.rest_url, ws_url=demo.ws_url,
                                 ws_api_url=demo.ws_api_url, timeout=1.0,
                                 live_options=OPTIONS) for futures in (False, True)]
        updates: dict[str, set[str]] = collections.defaultdict(set)
        for c in clients:
            await c.start()
            await c.subscribe_channel(list(SYMBOLS), "bookTicker")
            c.add_listener(lambda e, p=c.endpoints.api_prefix: updates[p].add(e.order.client_order_id)
                           if isinstance(e, OrderUpdate) else None)
        tally = Tally()
        stop = time.monotonic() + minutes * 60
        jobs = [worker(c, tally, random.Random(rng.random()), stop)
                for c in clients for _ in range(workers)]
        await asyncio.gather(faults(demo, tally, random.Random(rng.random()), stop), *jobs)
        demo.faults.clear()
        await asyncio.sleep(3)  # let reconnects and reconciliation finish
        results = [await settle(c, demo, tally, updates) for c in clients]
        for c in clients:
            await c.close()
    duplicates = sum(r[0] for r in results)
    lost = sum(r[1] for r in results)
    mismatches = sum(r[2] for r in results)
    print(f"soak: {minutes:g} min, {workers} workers per market, seed {seed}")
    print(f"  orders sent        {tally.sent}")
    print(f"  rejected (by exchange or locally, as expected under faults) {tally.rejected}")
    print(f"  outcome unknown   {tally.unknown}  (OrderStateUnknownError with the client id; checked below)")
    print(f"  cancels            {tally.cancels}")
    print(f"  faults injected    {sum(tally.faults.values())}  {dict(tally.faults)}")
    print(f"  duplicates         {duplicates}  (must be 0)")
    print(f"  lost               {lost}  (must be 0)")
    print(f"  mismatches         {mismatches}  (must be 0)")
    print(f"  RSS                {start_rss:.1f} MB -> {rss_mb():.1f} MB")
    return 0 if duplicates == lost == mismatches == 0 else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    sys.exit(asyncio.run(soak(args.minutes, args.workers, args.seed)))


if __name__ == "__main__":
    main()
