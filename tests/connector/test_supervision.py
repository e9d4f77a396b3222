"""Supervised streams: a crash restarts the stream, silence shows within 10 s, per-socket state."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import pytest

from connector import BinanceClient
from connector.demo import DemoExchange
from connector.events import ConnectionState

from .conftest import FAST, make_client
from .helpers import until


def states_of(client: BinanceClient) -> list[ConnectionState]:
    states: list[ConnectionState] = []
    client.add_listener(lambda e: states.append(e) if isinstance(e, ConnectionState) else None)
    return states


def logs(client: BinanceClient) -> str:
    return "\n".join(e.message for e in client.logs)


@pytest.mark.parametrize("channel", ["bookTicker", "aggTrade"])
async def test_a_crash_in_the_frame_handler_restarts_the_socket(demo: DemoExchange,
                                                                channel: str) -> None:
    """bookTicker frames take the fast path (``handle_raw``), the rest ``handle_frame``:
    a bug in either is supervised the same way."""
    async with make_client(demo, False, key="", secret="") as c:
        states = states_of(c)
        market = c._live.market
        real_frame, real_raw = market.handle_frame, market.handle_raw
        assert real_raw is not None
        crashed: list[bool] = []

        def crash_once() -> None:
            if not crashed:
                crashed.append(True)
                raise RuntimeError("boom in a handler")  # a bug, not a bad frame

        def frame(data: dict[str, Any], stream: str) -> None:
            crash_once()
            real_frame(data, stream)

        def raw(msg: str | bytes) -> bool:
            taken = real_raw(msg)
            if taken:
                crash_once()
            return taken

        if channel == "bookTicker":
            market.handle_raw = raw  # the hot loop reads it when a socket opens
        else:
            market.handle_frame = frame
        await c.subscribe_channel(["BTCUSDT"], channel)
        conn = next(iter(market.connections.values()))[0]
        await until(lambda: conn.supervisor.restarts == 1, what="the supervisor to restart")
        assert "(RuntimeError: boom in a handler); retrying in" in logs(c)
        down = [s for s in states if s.state == "reconnecting"]
        assert down and down[0].connection == "market stream 1"
        assert down[0].symbols == ("BTCUSDT",) and "boom" in down[0].reason
        if channel == "bookTicker":
            await until(lambda: "BTCUSDT" in c.prices, what="prices after the restart")
        await until(lambda: states[-1].state == "connected")
        assert conn.supervisor.running and conn.supervisor.restarts == 1


async def test_user_stream_survives_a_reconciliation_crash_without_leaking(
        spot_client: BinanceClient, demo: DemoExchange) -> None:
    user = spot_client._live.user
    assert user is not None
    real = user.reconcile
    calls: list[int] = []

    async def crash_once() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("reconcile bug")
        await real()

    user.reconcile = crash_once  # type: ignore[method-assign]
    connects = user.connects
    await demo.drop_streams()
    await until(lambda: user.supervisor.restarts == 1, what="the crash to be supervised")
    await until(lambda: user.connects >= connects + 2 and user.connected.is_set(),
                what="user stream back after the crash")
    assert "User data stream: connect failed (RuntimeError: reconcile bug)" in logs(spot_client)
    readers = [t for t in asyncio.all_tasks() if t.get_name() == "user data reader"]
    assert len(readers) == 1  # the crashed life's reader ended with it
    status = await spot_client.place_order("BTCUSDT", "MARKET", "0.001", "BUY")
    await until(lambda: any(str(status.order_id) in e.message and "filled" in e.message
                            for e in spot_client.logs if "order" in e.message),
                what="fills still arrive")


async def test_a_dead_market_stream_is_reported_within_10_s(demo: DemoExchange) -> None:
    # Default timings (not FAST): the promise is about what the trader gets.
    options = dataclasses.replace(FAST, silence_timeout=type(FAST)().silence_timeout)
    async with make_client(demo, False, key="", secret="", live_options=options) as c:
        states = states_of(c)
        await c.subscribe_channel(["BTCUSDT", "ETHUSDT"], "bookTicker")
        await until(lambda: len(c.prices) == 2)
        loop = asyncio.get_running_loop()
        demo.faults.silent = True  # no data, no pongs: a dead peer
        began = loop.time()
        await until(lambda: any(s.state == "reconnecting" and "silent" in s.reason
                                for s in states), timeout=10.0, what="stale within 10 s")
        assert loop.time() - began < 10.0
        down = next(s for s in states if s.state == "reconnecting")
        assert down.symbols == ("BTCUSDT", "ETHUSDT") and down.connection == "market stream 1"
        assert any(m.path.endswith("/stream") for m in demo.ws_messages)
        demo.faults.silent = False
        c.prices.clear()
        await until(lambda: len(c.prices) == 2, what="prices after the replacement")


async def test_futures_sockets_report_state_each_on_its_own(demo: DemoExchange) -> None:
    async with make_client(demo, True, key="", secret="") as c:
        states = states_of(c)
        await c.subscribe_channel(["BTCUSDT"], "bookTicker")  # /public
        await c.subscribe_channel(["ETHUSDT"], "aggTrade")  # /market
        names = {s.connection: s.symbols for s in states if s.state == "connected"}
        assert names == {"market stream 1": ("BTCUSDT",), "market stream 2": ("ETHUSDT",)}
        states.clear()
        await demo.drop_streams()

        def last() -> dict[str, str]:
            return {s.connection: s.state for s in states if s.stream == "market"}

        await until(lambda: last() == {"market stream 1": "connected",
                                       "market stream 2": "connected"}, what="both back")
        for name, symbol in (("market stream 1", "BTCUSDT"), ("market stream 2", "ETHUSDT")):
            mine = [s for s in states if s.connection == name]
            assert [s.state for s in mine][:1] == ["reconnecting"]
            assert all(s.symbols == (symbol,) for s in mine)


async def test_clock_skew_on_the_ws_api_resyncs_and_the_stream_recovers(
        spot_client: BinanceClient, demo: DemoExchange) -> None:
    user = spot_client._live.user
    assert user is not None
    connects = user.connects
    demo.faults.clock_skew_ms = 10_000  # our stamps are now 10 s behind the exchange's
    await demo.drop_streams()
    await until(lambda: user.connects > connects and user.connected.is_set(),
                what="user stream back despite the skew")
    assert "resynchronising" in logs(spot_client)
    assert abs(spot_client.clock_offset_ms - 10_000) < 1_000
    assert user.supervisor.restarts == 0  # resynced and retried, not crashed
    price = (await spot_client.get_bid_ask("BTCUSDT"))["bid"] - 400
    order = await spot_client.place_order("BTCUSDT", "LIMIT", "0.001", "BUY", price)
    await until(lambda: order.order_id in spot_client.open_orders)
    demo.spot.set_price("BTCUSDT", price - 100)
    await until(lambda: order.order_id not in spot_client.open_orders,
                what="the fill learned over the resynced stream")


async def test_a_crashed_keepalive_is_reported_and_restarted(demo: DemoExchange) -> None:
    options = dataclasses.replace(FAST, listen_key_keepalive=0.1)
    async with make_client(demo, True, live_options=options) as c:
        states = states_of(c)
        rest = c._rest
        real = rest.request
        crashed: list[bool] = []

        async def crash_once(method: str, path: str, *args: Any, **kwargs: Any) -> Any:
            if method == "PUT" and not crashed:
                crashed.append(True)
                raise RuntimeError("keep-alive bug")
            return await real(method, path, *args, **kwargs)

        rest.request = crash_once  # type: ignore[method-assign]
        await until(lambda: any(s.connection == "listenKey keep-alive" for s in states),
                    what="the crash reported")
        assert "listenKey keep-alive: failed (RuntimeError: keep-alive bug)" in logs(c)
        await until(lambda: any(r.method == "PUT" and r.path == "/fapi/v1/listenKey"
                                for r in demo.requests), what="keep-alive restarted")
        user = c._live.user
        assert user is not None and user.connected.is_set()
