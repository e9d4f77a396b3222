"""The fault matrix: every cell asserts the exchange's own records, not just the client's view.

For each fault: no duplicate order, no lost update, balances and open orders equal to the
exchange's after recovery, and a message the user can read.
"""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal

import pytest

from connector import (
    AuthError,
    BinanceClient,
    IPBannedError,
    NetworkError,
    OrderRejectedError,
    RateLimitError,
)
from connector.demo import DemoExchange
from connector.events import OrderUpdate

from ..connector.conftest import make_client
from ..connector.helpers import until
from .conftest import assert_state_matches_exchange, engine, no_duplicate_orders


def order_path(client: BinanceClient) -> str:
    return f"{client.endpoints.api_prefix}/order"


def logs(client: BinanceClient) -> str:
    return "\n".join(e.message for e in client.logs)


async def place_market(client: BinanceClient) -> object:
    return await client.place_order("BTCUSDT", "MARKET", "0.002", "BUY")


@pytest.mark.parametrize("fault", ["latency", "5xx-after-accept", "-1006", "-1007"])
async def test_order_outcome_unknown_is_resolved_never_resent(
        client: BinanceClient, demo: DemoExchange, fault: str) -> None:
    path = order_path(client)
    if fault == "latency":
        demo.faults.delay_next(path, 1.5, method="POST")  # client timeout is 1 s
    elif fault == "5xx-after-accept":
        demo.faults.fail_next(path, method="POST", status=503, after_accept=True)
    else:
        demo.faults.fail_next(path, method="POST", status=500, code=int(fault),
                              after_accept=True)
    status = await place_market(client)
    assert status.status == "filled"
    orders = engine(demo, client).orders()
    assert len(orders) == 1 and orders[0]["clientOrderId"] == status.client_order_id
    no_duplicate_orders(demo, client)
    assert "outcome unknown" in logs(client)
    await assert_state_matches_exchange(client, demo)


async def test_429_is_honoured_with_requests_counted(client: BinanceClient,
                                                     demo: DemoExchange) -> None:
    path = f"{client.endpoints.api_prefix}/openOrders"
    demo.faults.fail_next(path, status=429, code=-1003, retry_after=1, count=2)
    started = time.monotonic()
    assert await client.get_open_orders() == []
    assert time.monotonic() - started >= 1.0
    assert [r.status for r in demo.requests if r.path == path][-3:] == [429, 429, 200]
    demo.faults.fail_next(order_path(client), method="POST", status=429, code=-1003,
                          retry_after=1)
    with pytest.raises(RateLimitError):
        await place_market(client)
    assert engine(demo, client).orders() == []
    assert "Rate limit hit" in logs(client)


async def test_418_ban_sends_nothing_until_it_ends(client: BinanceClient,
                                                   demo: DemoExchange) -> None:
    demo.faults.ban(1.0)
    with pytest.raises(IPBannedError):
        await place_market(client)
    sent = len(demo.requests)
    for _ in range(3):
        with pytest.raises(IPBannedError):
            await client.get_balances()
    assert len(demo.requests) == sent
    assert "banned this IP" in logs(client)
    await asyncio.sleep(client._rest.banned_until - time.time() + 0.05)
    await place_market(client)
    assert len(engine(demo, client).orders()) == 1


@pytest.mark.parametrize("skew", [10_000, -10_000])
async def test_clock_skew_recovered(client: BinanceClient, demo: DemoExchange, skew: int) -> None:
    demo.faults.clock_skew_ms = skew
    await place_market(client)
    assert len(engine(demo, client).orders()) == 1
    assert "resynchronising" in logs(client)
    await assert_state_matches_exchange(client, demo)


async def test_bad_key_clear_message_key_not_echoed(demo: DemoExchange, futures: bool) -> None:
    c = make_client(demo, futures, key="BADKEY-VISIBLE-123", secret="BADSECRET-VISIBLE-456")
    with pytest.raises(AuthError) as err:
        await c.start()
    assert "API key rejected" in str(err.value)
    assert "BADKEY-VISIBLE-123" not in str(err.value) + logs(c)


async def test_connection_refused_at_start_says_why(futures: bool) -> None:
    c = BinanceClient("k", "s", False, futures, rest_url="http://127.0.0.1:9",
                      ws_url="ws://127.0.0.1:9", timeout=1.0)
    with pytest.raises(NetworkError, match="failed"):
        await c.start()
    assert c._rest._session is None


async def test_dropped_sockets_mid_fill_lose_nothing(client: BinanceClient,
                                                     demo: DemoExchange) -> None:
    eng = engine(demo, client)
    mid = eng.price("BTCUSDT")
    orders = [await client.place_order("BTCUSDT", "LIMIT", "0.002", "BUY", mid - 200 - 40 * i)
              for i in range(5)]
    updates: list[OrderUpdate] = []
    client.add_listener(lambda e: updates.append(e) if isinstance(e, OrderUpdate) else None)
    await demo.drop_streams()
    eng.set_price("BTCUSDT", mid - 290)  # fills some while the user stream is down
    await assert_state_matches_exchange(client, demo)
    filled = {o["orderId"] for o in eng.orders() if o["status"] == "FILLED"}
    assert filled and filled <= {o.order_id for o in orders}
    told = [u.order.order_id for u in updates if u.order.status == "filled"]
    assert sorted(told) == sorted(filled)  # each fill reported exactly once
    no_duplicate_orders(demo, client)


async def test_exchange_restart_resyncs_from_rest(client: BinanceClient,
                                                  demo: DemoExchange) -> None:
    eng = engine(demo, client)
    await client.subscribe_channel(["BTCUSDT"], "bookTicker")
    mid = eng.price("BTCUSDT")
    resting = await client.place_order("BTCUSDT", "LIMIT", "0.002", "BUY", mid - 500)
    await demo.restart(downtime=0.3)
    eng.set_price("BTCUSDT", mid - 600)  # the order filled while we were cut off
    await assert_state_matches_exchange(client, demo)
    assert resting.order_id not in client.open_orders
    client.prices.clear()
    await until(lambda: "BTCUSDT" in client.prices, what="prices after the restart")
    assert "lost" in logs(client) and "reconciled" in logs(client)


async def test_connection_lifetime_end_reconnects(client: BinanceClient,
                                                  demo: DemoExchange) -> None:
    await client.subscribe_channel(["ETHUSDT"], "bookTicker")
    await until(lambda: "ETHUSDT" in client.prices)
    demo.faults.max_connection_lifetime = 0.5
    await until(lambda: "lost" in logs(client), what="server to end the connection")
    demo.faults.max_connection_lifetime = 86_400
    client.prices.clear()
    await until(lambda: "ETHUSDT" in client.prices, what="prices after reconnect")


async def test_unknown_frames_are_skipped(spot_client_raw: tuple[BinanceClient, DemoExchange]
                                          ) -> None:
    client, _ = spot_client_raw
    await client.subscribe_channel(["BTCUSDT"], "bookTicker")
    await until(lambda: "BTCUSDT" in client.prices)
    conn = next(iter(client._live.market.connections.values()))[0]
    for raw in ('{"stream":"x","data":{"e":"weird","s":"BTCUSDT"}}', '[1,2,3]', '"text"',
                '{"stream":"btcusdt@bookTicker","data":{"u":"x"}}', b"\xff\xfe"):
        conn._on_frame(raw, client._live.market.handle_frame)
    assert "unknown event 'weird'" in logs(client)
    client.prices.clear()
    await until(lambda: "BTCUSDT" in client.prices, what="stream still flowing")


@pytest.fixture
async def spot_client_raw(demo: DemoExchange):  # type: ignore[no-untyped-def]
    async with make_client(demo, False) as c:
        yield c, demo


async def test_order_rejection_is_explained(client: BinanceClient, demo: DemoExchange) -> None:
    with pytest.raises(OrderRejectedError) as err:
        await client.place_order("BTCUSDT", "MARKET", "50", "BUY")
    assert err.value.code in (-2010, -2019)
    assert "rejected" in logs(client)
    assert engine(demo, client).open_orders() == []
    assert client.balances["USDT"].free > Decimal(0)
