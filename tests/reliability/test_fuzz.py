"""Fuzzing with hypothesis: filters against the real exchange, stream frames, ticket text."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connector import BinanceClient, InputError
from connector.demo import DemoExchange
from connector.errors import ExchangeError

from ..connector.conftest import make_client
from ..connector.helpers import scripted_stream, until

FILTER_CODES = {-1013, -4014, -4164, -1111, -4003, -1102, -1100, -4001}


class Rig:
    """An exchange and a client on a private loop, for hypothesis' synchronous examples."""

    def __init__(self, futures: bool) -> None:
        self.loop = asyncio.new_event_loop()
        self.demo = DemoExchange(walk=False, seed=5)
        self.run(self.demo.start())
        self.client: BinanceClient = make_client(self.demo, futures)
        self.run(self.client.start())

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    def close(self) -> None:
        self.run(self.client.close())
        self.run(self.demo.close())
        self.loop.close()


@pytest.fixture(params=[False, True], ids=["spot", "futures"], scope="module")
def rig(request: pytest.FixtureRequest) -> Iterator[Rig]:
    r = Rig(bool(request.param))
    yield r
    r.close()


quantities = st.one_of(
    st.decimals(min_value=Decimal("0.0000001"), max_value=Decimal("2"), places=7),
    st.decimals(min_value=Decimal("-1"), max_value=Decimal("0")),
    st.sampled_from(["NaN", "abc", "", "1e-9", "0.001", "0.0015", "1E+2"]),
)
prices = st.one_of(
    st.decimals(min_value=Decimal("1000"), max_value=Decimal("94000"), places=4),
    st.decimals(min_value=Decimal("-5"), max_value=Decimal("0.001"), places=4),
    st.sampled_from(["NaN", "x", None]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(qty=quantities, price=prices)
def test_filters_never_let_the_exchange_reject_for_filters(rig: Rig, qty: Any, price: Any) -> None:
    demo, client = rig.demo, rig.client
    path = f"{client.endpoints.api_prefix}/order"
    before = len([r for r in demo.requests if r.path == path and r.method == "POST"])
    try:
        status = rig.run(client.place_order("BTCUSDT", "LIMIT", qty, "BUY", price))
    except InputError:
        after = len([r for r in demo.requests if r.path == path and r.method == "POST"])
        assert after == before  # refused locally: nothing sent
        return
    except ExchangeError as exc:
        assert exc.code not in FILTER_CODES, f"exchange rejected for filters: {exc}"
        return
    rig.run(client.cancel_order("BTCUSDT", status.order_id))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats(allow_nan=False)
    | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(["e", "s", "u", "b", "a", "B", "A", "k", "stream", "data",
                                       "id", "result", "error", "p", "q", "T", "m"]),
                      children, max_size=6),
    max_leaves=20,
)
frames = st.one_of(
    st.binary(max_size=64),
    st.text(max_size=64),
    json_values.map(lambda v: orjson.dumps(v).decode()),
    json_values.map(lambda v: orjson.dumps({"stream": "btcusdt@bookTicker", "data": v}).decode()),
)


@settings(max_examples=300, deadline=None)
@given(frame=frames)
def test_every_frame_is_delivered_or_reported_never_raised(frame: str | bytes) -> None:
    """``_on_frame`` lets our own bugs through (the supervisor restarts the socket), so an
    exception here fails the test; and no frame may vanish unaccounted."""
    from connector._streams import MarketConnection

    client = BinanceClient("", "", False, False)
    market = client._live.market
    bad: list[str] = []
    market.bad_frame = lambda kind, raw: bad.append(kind)  # type: ignore[method-assign]
    events: list[object] = []
    client.add_listener(events.append)
    c = MarketConnection(market, "ws://127.0.0.1:9/stream", 1)
    # as the socket does: the frame's bytes to the fast path first, then to the rest
    data = frame.encode() if isinstance(frame, str) else frame
    fast = market.handle_raw
    if fast is None or not fast(data):
        c._on_frame(data, market.handle_frame)
    try:
        msg = orjson.loads(frame)
    except orjson.JSONDecodeError:
        msg = None
    is_reply = (isinstance(msg, dict) and "id" in msg and "stream" not in msg
                and "data" not in msg)
    assert len(events) + len(bad) + is_reply == 1, (frame, events, bad)


async def test_garbage_over_loopback_then_the_stream_still_flows() -> None:
    rng = random.Random(1234)
    garbage = [bytes(rng.randrange(256) for _ in range(rng.randrange(1, 40))).decode(
        "utf-8", "replace") for _ in range(150)]
    garbage += ['{"stream":"btcusdt@bookTicker","data":{"u":1,"s":"BTCUSDT","b":"x"}}',
                '{"stream":"btcusdt@bookTicker","data":null}', "{}", "[]", "null"]
    good = ('{"stream":"btcusdt@bookTicker","data":{"u":99,"s":"BTCUSDT","b":"1.5","B":"2",'
            '"a":"1.6","A":"3"}}')

    async with scripted_stream([*garbage, b"\x00\x01binary", good]) as url:
        client = BinanceClient("", "", False, False, rest_url="http://127.0.0.1:9", ws_url=url)
        try:
            await client._live.subscribe(["BTCUSDT"], "bookTicker")
            await until(lambda: "BTCUSDT" in client.prices,
                        what="the good frame after garbage")
            assert client.prices["BTCUSDT"] == {"bid": Decimal("1.5"), "ask": Decimal("1.6")}
            conn = next(iter(client._live.market.connections.values()))[0]
            assert conn.supervisor.running and conn.supervisor.restarts == 0
            assert any("malformed" in e.message for e in client.logs)
        finally:
            await client.close()

