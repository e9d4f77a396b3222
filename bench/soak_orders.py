"""Soak for orders beyond LIMIT/MARKET: random conditionals, OCOs and amends under faults.

    .venv/bin/python bench/soak_orders.py --minutes 3

Spot and futures clients place stop/take-profit orders (futures on the algo
service), trailing stops, post-only and reduce-only orders, OCOs, amends and
cancels while the demo fails requests after accepting them (5xx, -1006, -1007,
timeouts), before accepting them, drops streams and expires listen keys; a
mover makes the large price swings that trigger stops. At the end the
exchange's records are compared with what the clients know: duplicates (one
client id twice) must be 0, lost (an order, algo order or list the client
never heard of) must be 0, open-order mismatches must be 0.
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
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import rss_mb

from connector import BinanceClient, BinanceError, OrderStateUnknownError
from connector._live import LiveOptions
from connector.demo import DEMO_API_KEY, DEMO_API_SECRET, DemoExchange
from connector.events import OrderUpdate

SYMBOLS = ("BTCUSDT", "ETHUSDT")
OPTIONS = LiveOptions(backoff_initial=0.05, backoff_max=1.0, silence_timeout=2.0,
                      user_silence_timeout=2.0)
PATHS = (("/api/v3/order", "POST"), ("/fapi/v1/order", "POST"), ("/fapi/v1/order", "PUT"),
         ("/fapi/v1/algoOrder", "POST"), ("/api/v3/orderList/oco", "POST"),
         ("/api/v3/order/cancelReplace", "POST"))


@dataclasses.dataclass
class Tally:
    actions: collections.Counter[str] = dataclasses.field(default_factory=collections.Counter)
    rejected: int = 0
    unknown: int = 0
    faults: collections.Counter[str] = dataclasses.field(default_factory=collections.Counter)
    known_ids: set[str] = dataclasses.field(default_factory=set)


def _q(value: Decimal, step: str) -> Decimal:
    return value.quantize(Decimal(step))


async def act(client: BinanceClient, tally: Tally, rng: random.Random) -> None:
    symbol = rng.choice(SYMBOLS)
    quote = client.prices.get(symbol) or await client.get_bid_ask(symbol)
    mid = (quote["bid"] + quote["ask"]) / 2
    tick = "0.1" if client.futures else "0.01"
    qty = Decimal(rng.randrange(120, 300)) / mid
    side = rng.choice(("BUY", "SELL"))
    away = Decimal(rng.randrange(5, 40)) / 1000  # 0.5 % .. 4 %
    up, down = _q(mid * (1 + away), tick), _q(mid * (1 - away), tick)
    roll = rng.random()
    open_orders = list(client.open_orders.values())
    if open_orders and roll < 0.2:
        order = rng.choice(open_orders)
        tally.actions["cancel"] += 1
        await client.cancel_order(order.symbol, order.order_id)
        return
    limits = [o for o in open_orders if o.order_type in ("LIMIT", "LIMIT_MAKER")
              and not o.is_algo]
    if limits and roll < 0.35:
        order = rng.choice(limits)
        tally.actions["amend"] += 1
        status = await client.amend_order(order.symbol, order.order_id,
                                          price=_q(order.price * (1 + (away - Decimal("0.02"))
                                                                  / 10), tick))
        tally.known_ids.add(status.client_order_id)
        return
    if roll < 0.5:
        price = down if side == "BUY" else up
        tally.actions["post-only limit"] += 1
        status = await client.place_order(symbol, "LIMIT", qty, side, price, post_only=True)
    elif not client.futures and roll < 0.65:
        tally.actions["oco"] += 1
        legs = await client.place_oco(symbol, side, qty, down if side == "BUY" else up,
                                      up if side == "BUY" else down)
        tally.known_ids.update(leg.client_order_id for leg in legs)
        return
    elif client.futures and roll < 0.6:
        tally.actions["trailing stop"] += 1
        status = await client.place_order(symbol, "TRAILING_STOP_MARKET", qty, side,
                                          callback_rate=Decimal(rng.randrange(2, 20)) / 10)
    elif client.futures and roll < 0.7:
        tally.actions["market (position)"] += 1
        status = await client.place_order(symbol, "MARKET", qty, side,
                                          reduce_only=rng.random() < 0.3)
    else:
        kinds = (("STOP_MARKET", "TAKE_PROFIT_MARKET", "STOP", "TAKE_PROFIT") if client.futures
                 else ("STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT"))
        kind = rng.choice(kinds)
        stop_loss = kind.startswith("STOP")
        stop = (up if side == "BUY" else down) if stop_loss else (down if side == "BUY" else up)
        limited = kind in ("STOP", "TAKE_PROFIT") if client.futures else kind.endswith("LIMIT")
        price = _q(stop * (Decimal("1.002") if side == "BUY" else Decimal("0.998")), tick) \
            if limited else None
        tally.actions[kind] += 1
        status = await client.place_order(symbol, kind, qty, side, price, stop_price=stop)
    tally.known_ids.add(status.client_order_id)


async def worker(client: BinanceClient, tally: Tally, rng: random.Random, stop: float) -> None:
    while time.monotonic() < stop:
        try:
            await act(client, tally, rng)
        except OrderStateUnknownError as exc:
            tally.unknown += 1
            tally.known_ids.add(exc.client_order_id)
        except BinanceError:
            tally.rejected += 1
        await asyncio.sleep(rng.uniform(0.02, 0.15))


async def mover(demo: DemoExchange, rng: random.Random, stop: float) -> None:
    """Swings of a few % so that stops, take-profits and trailing stops trigger."""
    while time.monotonic() < stop:
        await asyncio.sleep(rng.uniform(0.3, 1.0))
        for engine in (demo.spot, demo.futures):
            symbol = rng.choice(SYMBOLS)
            engine.set_price(symbol, engine.price(symbol)
                             * (1 + Decimal(rng.randrange(-30, 31)) / 1000))


async def faults(demo: DemoExchange, tally: Tally, rng: random.Random, stop: float) -> None:
    kinds = ["5xx-after-accept", "-1006", "-1007", "timeout", "5xx-before", "drop",
             "expire-listen-key"]
    while time.monotonic() < stop:
        await asyncio.sleep(rng.uniform(0.3, 1.2))
        kind = rng.choice(kinds)
        path, method = rng.choice(PATHS)
        tally.faults[kind] += 1
        if kind == "5xx-after-accept":
            demo.faults.fail_next(path, method=method, status=503, after_accept=True)
        elif kind in ("-1006", "-1007"):
            demo.faults.fail_next(path, method=method, status=500, code=int(kind),
                                  after_accept=True)
        elif kind == "5xx-before":
            demo.faults.fail_next(path, method=method, status=502)
        elif kind == "timeout":
            demo.faults.delay_next(path, 1.5, method=method)
        elif kind == "drop":
            await demo.drop_streams()
        elif kind == "expire-listen-key":
            demo.expire_listen_keys()


def compare(client: BinanceClient, demo: DemoExchange, known: set[str]) -> tuple[int, int,
                                                                                list[str]]:
    engine = demo.futures if client.futures else demo.spot
    ours = [o for o in engine.orders_by_id.values() if o.api_key == DEMO_API_KEY
            and not o.algo_id]  # an algo's triggered order has the exchange's own id
    ids: list[str] = [o.client_order_id for o in ours]
    ids += [a.client_algo_id for a in engine.algo.orders.values()]
    ids += [o.client_id for o in engine.order_lists.values()]
    duplicates = len(ids) - len(set(ids))
    # a list is known when one of its legs is (the legs carry our client ids)
    known = known | {ol.client_id for ol in engine.order_lists.values()
                     if any(engine.orders_by_id[oid].client_order_id in known
                            for oid in ol.order_ids)}
    lost = [i for i in ids if i not in known]
    if lost:
        kinds = {o.client_order_id: f"{o.type} {o.status}" for o in ours}
        kinds.update({a.client_algo_id: f"algo {a.order_type} {a.status}"
                      for a in engine.algo.orders.values()})
        print(f"  lost on {client!r}: {[(i, kinds.get(i, 'list')) for i in lost[:8]]}")
    truth = {o.order_id for o in ours if o.is_open} | {
        o.order_id for o in engine.orders_by_id.values() if o.algo_id and o.is_open} | {
        a.algo_id for a in engine.algo.orders.values() if a.is_open}
    differ = [f"open order {i}" for i in truth ^ set(client.open_orders)]
    return duplicates, len(lost), differ


async def settle(client: BinanceClient, demo: DemoExchange, known: set[str]
                 ) -> tuple[int, int, int]:
    result = compare(client, demo, known)
    for _ in range(100):
        if not result[2]:
            break
        await asyncio.sleep(0.2)
        result = compare(client, demo, known)
    if result[2]:
        print(f"  {client!r} still differs: {result[2][:10]}")
    return result[0], result[1], len(result[2])


async def soak(minutes: float, workers: int, seed: int) -> int:
    rng = random.Random(seed)
    start_rss = rss_mb()
    async with DemoExchange(walk_interval=0.05, seed=seed) as demo:
        clients = [BinanceClient(DEMO_API_KEY, DEMO_API_SECRET, False, futures,
                                 rest_url=demo.rest_url, ws_url=demo.ws_url,
                                 ws_api_url=demo.ws_api_url, timeout=1.0,
                                 live_options=OPTIONS) for futures in (False, True)]
        seen: set[str] = set()

        def listen(event: Any) -> None:
            if isinstance(event, OrderUpdate):
                seen.add(event.order.client_order_id)

        for c in clients:
            await c.start()
            await c.subscribe_channel(list(SYMBOLS), "bookTicker")
            c.add_listener(listen)
        tally = Tally()
        stop = time.monotonic() + minutes * 60
        jobs = [worker(c, tally, random.Random(rng.random()), stop)
                for c in clients for _ in range(workers)]
        await asyncio.gather(faults(demo, tally, random.Random(rng.random()), stop),
                             mover(demo, random.Random(rng.random()), stop), *jobs)
        demo.faults.clear()
        await asyncio.sleep(3)  # reconnects and reconciliation finish
        known = tally.known_ids | seen
        results = [await settle(c, demo, known) for c in clients]
        engines = (demo.spot, demo.futures)
        triggered = sum(1 for e in engines for o in e.orders_by_id.values()
                        if o.algo_id or (o.stop_price and o.status == "FILLED"))
        for c in clients:
            await c.close()
    duplicates, lost, mismatches = (sum(r[i] for r in results) for i in range(3))
    print(f"soak_orders: {minutes:g} min, {workers} workers per market, seed {seed}")
    print(f"  actions            {sum(tally.actions.values())}  {dict(tally.actions)}")
    print(f"  triggered          {triggered}  (stops/take-profits/trailing that fired)")
    print(f"  rejected           {tally.rejected}  (by the exchange or locally, expected)")
    print(f"  outcome unknown    {tally.unknown}  (OrderStateUnknownError with the client id)")
    print(f"  faults injected    {sum(tally.faults.values())}  {dict(tally.faults)}")
    print(f"  duplicates         {duplicates}  (must be 0)")
    print(f"  lost               {lost}  (must be 0)")
    print(f"  mismatches         {mismatches}  (must be 0)")
    print(f"  RSS                {start_rss:.1f} MB -> {rss_mb():.1f} MB")
    return 0 if duplicates == lost == mismatches == 0 else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    sys.exit(asyncio.run(soak(args.minutes, args.workers, args.seed)))


if __name__ == "__main__":
    main()
