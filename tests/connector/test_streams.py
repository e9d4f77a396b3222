"""Market streams against DemoExchange: batching, limits, reconnects, silence, rotation."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
from collections import defaultdict

import orjson
import pytest

from connector import BinanceClient
from connector.demo import DemoExchange
from connector.errors import ExchangeError, InputError
from connector.events import AggTrade, BookTicker, ConnectionState, Kline, MiniTicker

from .conftest import FAST, make_client
from .helpers import until


async def test_300_symbols_respect_the_message_rate(demo_300: DemoExchange) -> None:
    async with make_client(demo_300, False) as c:
        symbols = sorted(c.contracts)
        assert len(symbols) >= 300
        await c.subscribe_channel(symbols, "bookTicker")
        await c.subscribe_channel(symbols[:50], "aggTrade")
        await until(lambda: len(c.prices) == len(symbols), what="a price for every symbol")
        market = [m for m in demo_300.ws_messages if m.path.endswith("/stream")]
        per_second: dict[int, int] = defaultdict(int)
        for m in market:  # one connection: every frame it sent, per second
            per_second[int(m.time)] += 1
        assert per_second and max(per_second.values()) <= 5
        subscribes = [orjson.loads(m.data) for m in market]
        assert {s["method"] for s in subscribes} == {"SUBSCRIBE"}
        assert sum(len(s["params"]) for s in subscribes) == len(symbols) + 50
        assert len(subscribes) <= 4  # batched, not one message per stream
        assert not any("lost" in e.message for e in c.logs)


@pytest.fixture
async def demo_300() -> DemoExchange:
    async with DemoExchange(extra_symbols=300, walk_interval=0.1) as ex:
        yield ex  # type: ignore[misc]


async def test_streams_over_1024_open_another_connection(demo_300: DemoExchange) -> None:
    options = dataclasses.replace(FAST, max_streams=100)
    async with make_client(demo_300, True, live_options=options) as c:
        await c.subscribe_channel(sorted(c.contracts)[:250], "bookTicker")
        conns = next(iter(c._live.market.connections.values()))
        assert [len(x.streams) for x in conns] == [100, 100, 50]
        await until(lambda: len(c.prices) == 250)


async def test_all_channels_deliver_typed_events(client: BinanceClient) -> None:
    seen: dict[type, list[object]] = defaultdict(list)
    client.add_listener(lambda e: seen[type(e)].append(e))
    for channel in ("bookTicker", "aggTrade", "kline_1m", "24hrMiniTicker"):
        await client.subscribe_channel(["BTCUSDT"], channel)
    await until(lambda: all(seen[t] for t in (BookTicker, AggTrade, Kline, MiniTicker)),
                what="one event of each kind")
    kline = seen[Kline][-1]
    assert isinstance(kline, Kline) and kline.interval == "1m"
    assert client.prices["BTCUSDT"]["bid"] <= client.prices["BTCUSDT"]["ask"]
    with pytest.raises(InputError, match="Unknown channel"):
        await client.subscribe_channel(["BTCUSDT"], "depth@weird")


async def test_error_reply_is_raised(spot_client: BinanceClient) -> None:
    url = spot_client.endpoints.stream_url("public")
    await spot_client.subscribe_channel(["BTCUSDT"], "bookTicker")
    with pytest.raises(ExchangeError, match="invalid stream"):
        await spot_client._live.market.subscribe(url, ["btcusdt@nonsense"])


async def test_unsubscribe_stops_updates(spot_client: BinanceClient, demo: DemoExchange) -> None:
    await spot_client.subscribe_channel(["BTCUSDT", "ETHUSDT"], "bookTicker")
    await until(lambda: len(spot_client.prices) == 2)
    await spot_client.unsubscribe_channel(["ETHUSDT"], "bookTicker")
    conn = next(iter(spot_client._live.market.connections.values()))[0]
    assert await conn.request("LIST_SUBSCRIPTIONS", []) == ["btcusdt@bookTicker"]


async def test_dropped_sockets_resubscribe_and_flow_again(client: BinanceClient,
                                                         demo: DemoExchange) -> None:
    states: list[ConnectionState] = []
    client.add_listener(lambda e: states.append(e) if isinstance(e, ConnectionState) else None)
    await client.subscribe_channel(["BTCUSDT", "ETHUSDT"], "bookTicker")
    await until(lambda: len(client.prices) == 2)
    await demo.drop_streams()
    await until(lambda: any(s.state == "reconnecting" for s in states), what="reconnecting")
    client.prices.clear()
    await until(lambda: len(client.prices) == 2, timeout=2, what="prices within 2 s")
    assert any("resubscribed" in e.message for e in client.logs)
    assert [s.state for s in states if s.stream == "market"][-1] == "connected"


async def test_silent_socket_is_detected(spot_client: BinanceClient, demo: DemoExchange) -> None:
    await spot_client.subscribe_channel(["BTCUSDT"], "bookTicker")
    await until(lambda: "BTCUSDT" in spot_client.prices)
    demo.faults.silent = True
    await until(lambda: any("silent" in e.message for e in spot_client.logs), what="silence")
    demo.faults.silent = False
    spot_client.prices.clear()
    await until(lambda: "BTCUSDT" in spot_client.prices, what="prices after silence")


async def test_rotation_before_the_lifetime_leaves_no_gap(demo: DemoExchange) -> None:
    options = dataclasses.replace(FAST, lifetime=0.6)
    ids: list[int] = []
    async with make_client(demo, False, live_options=options) as c:
        c.add_listener(lambda e: ids.append(e.update_id)
                       if isinstance(e, BookTicker) and e.symbol == "BTCUSDT" else None)
        await c.subscribe_channel(["BTCUSDT"], "bookTicker")
        await until(lambda: sum("rotating" in e.message for e in c.logs) >= 3, what="rotations")
        await until(lambda: len(ids) > 20)
    assert all(b - a == 1 for a, b in itertools.pairwise(ids)), ids
    assert not any("lost" in e.message for e in c.logs)


async def test_malformed_frames_are_skipped(spot_client: BinanceClient,
                                            demo: DemoExchange) -> None:
    await spot_client.subscribe_channel(["BTCUSDT", "ETHUSDT"], "bookTicker")
    await until(lambda: len(spot_client.prices) == 2)
    demo.faults.malformed_next(5)
    await until(lambda: demo.faults.malformed_pending == 0)
    spot_client.prices.clear()
    await until(lambda: len(spot_client.prices) == 2, what="prices after garbage")
    warnings = [e for e in spot_client.logs if "malformed" in e.message]
    assert len(warnings) == 1  # logged once per kind


async def test_close_leaves_no_task_or_socket(demo: DemoExchange) -> None:
    before = asyncio.all_tasks()
    c = make_client(demo, True)
    await c.start()
    await c.subscribe_channel(["BTCUSDT"], "bookTicker")
    await c.subscribe_channel(["BTCUSDT"], "aggTrade")
    await c.close()
    await asyncio.sleep(0)  # close() itself must have ended them: no grace period
    assert asyncio.all_tasks() - before == set()
    await until(lambda: not demo.hub.conns, what="server sees every socket closed")
