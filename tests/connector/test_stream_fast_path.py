"""The bookTicker fast path (frames decoded by msgspec straight into events), a book
ticker's one way in: the events against ones built by hand (orjson + ``Decimal()``), bare
payloads wrapped for it, and every frame it declines reported."""

from __future__ import annotations

from decimal import Decimal

import msgspec
import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from connector import BinanceClient
from connector._streams import MarketConnection
from connector.events import BookTicker

SPOT = ('{"stream":"btcusdt@bookTicker","data":{"u":400900217,"s":"BTCUSDT",'
        '"b":"25.35190000","B":"31.21000000","a":"25.36520000","A":"40.66000000"}}')
FUTURES = ('{"stream":"btcusdt@bookTicker","data":{"e":"bookTicker","u":400900217,'
           '"E":1568014460893,"T":1568014460891,"s":"BTCUSDT","b":"25.35190000",'
           '"B":"31.21000000","a":"25.36520000","A":"40.66000000"}}')


def feeds() -> tuple[BinanceClient, list[object], MarketConnection]:
    client = BinanceClient("", "", False, False, rest_url="http://127.0.0.1:9",
                           ws_url="ws://127.0.0.1:9")
    events: list[object] = []
    client.add_listener(events.append)
    conn = MarketConnection(client._live.market, "ws://127.0.0.1:9/stream", 1)
    return client, events, conn


def deliver(client: BinanceClient, conn: MarketConnection, raw: str) -> None:
    """What the socket does with one text frame: its bytes to the fast path, then, if
    declined, to the generic one."""
    live, data = client._live, raw.encode()
    if not live._on_raw(data):
        conn._on_frame(data, live._on_market)


def fast_path(raw: str) -> BookTicker | None:
    """The event the fast path (``LiveFeeds._on_raw``) delivers for ``raw``; None if it
    declines the frame (and then it must have delivered nothing)."""
    client, events, _ = feeds()
    taken = client._live._on_raw(raw.encode())
    assert len(events) == taken
    if not taken:
        return None
    (event,) = events
    assert isinstance(event, BookTicker)
    return event


def by_hand(raw: str) -> BookTicker:
    """The event ``raw`` stands for, built from orjson's dict with ``Decimal()``."""
    d = orjson.loads(raw)["data"]
    return BookTicker(d["s"], Decimal(d["b"]), Decimal(d["B"]), Decimal(d["a"]),
                      Decimal(d["A"]), d["u"], d.get("E", 0))


def bare(raw: str) -> BookTicker:
    """The event a bare (not combined) payload delivers, through the generic path."""
    client, events, _ = feeds()
    client._live._on_market(orjson.loads(raw)["data"], "")
    (event,) = events
    assert isinstance(event, BookTicker)
    return event


@pytest.mark.parametrize("raw", [SPOT, FUTURES])
def test_fast_path_equals_the_event_built_by_hand(raw: str) -> None:
    fast = fast_path(raw)
    assert fast is not None
    want = by_hand(raw)
    assert fast == want == bare(raw) and hash(fast) == hash(want)
    assert [str(getattr(fast, f)) for f in BookTicker.__struct_fields__] == \
        [str(getattr(want, f)) for f in BookTicker.__struct_fields__]  # same digits, exponent
    assert type(fast.bid) is Decimal and type(fast.ask_qty) is Decimal
    assert fast.time == (1568014460893 if raw is FUTURES else 0)


_DECIMALS = st.decimals(min_value=0, max_value=10**9, places=8, allow_nan=False)


@given(bid=_DECIMALS, ask=_DECIMALS, qty=_DECIMALS, u=st.integers(1, 2**62))
def test_any_price_decodes_the_same(bid: Decimal, ask: Decimal, qty: Decimal, u: int) -> None:
    raw = orjson.dumps({"stream": "ethusdt@bookTicker", "data": {
        "u": u, "s": "ETHUSDT", "b": str(bid), "B": str(qty), "a": str(ask),
        "A": format(qty, "f")}}).decode()
    fast = fast_path(raw)
    assert fast is not None and fast == by_hand(raw)
    assert str(fast.bid) == str(bid) and fast.update_id == u


def test_value_object_is_frozen_and_comparable() -> None:
    event = fast_path(SPOT)
    assert event is not None
    with pytest.raises(AttributeError):
        event.bid = Decimal(1)  # type: ignore[misc]
    assert event == BookTicker("BTCUSDT", Decimal("25.3519"), Decimal("31.21"),
                               Decimal("25.3652"), Decimal("40.66"), 400900217)
    assert len({event, by_hand(SPOT)}) == 1


def test_prices_current_and_update_ids_deduplicated() -> None:
    client, events, conn = feeds()
    deliver(client, conn, SPOT)
    deliver(client, conn, SPOT)  # the overlap of a rotation: same update id again
    newer = SPOT.replace("400900217", "400900218").replace("25.35190000", "25.36000000")
    deliver(client, conn, newer)
    restart = SPOT.replace("400900217", "7")  # the exchange restarted its ids
    deliver(client, conn, restart)
    books = [e for e in events if isinstance(e, BookTicker)]
    assert [b.update_id for b in books] == [400900217, 400900218, 7]
    assert client.prices["BTCUSDT"] == {"bid": Decimal("25.3519"), "ask": Decimal("25.3652")}
    assert client._live._last_update["BTCUSDT"] == 7


@pytest.mark.parametrize(("raw", "kind"), [
    (SPOT.replace('"25.35190000"', '"abc"'), "Invalid decimal string - at `$.b`"),
    (SPOT.replace('"u":400900217,', ""), "no update id"),
    (SPOT.replace('"u":400900217', '"u":0'), "no update id"),  # 0 would defeat the dedupe
    (SPOT.replace('"A":"40.66000000"', '"X":1'), "missing required field `A`"),
    (SPOT.replace('"u":400900217', '"u":"400900217"'), "Expected `int`, got `str`"),
    ('{"stream":"btcusdt@bookTicker","data":{"u": oops', "malformed JSON"),  # truncated
    ('{"stream":"btcusdt@bookTicker","data":[1,2]}', "malformed stream payload"),  # not an object
])
def test_malformed_frames_are_declined_and_reported(raw: str, kind: str) -> None:
    assert fast_path(raw) is None
    client, events, conn = feeds()
    deliver(client, conn, raw)
    warnings = [e for e in client.logs if "malformed" in e.message]
    assert len(warnings) == 1 and kind in warnings[0].message, warnings
    assert "BTCUSDT" not in client.prices and not [e for e in events
                                                   if isinstance(e, BookTicker)]
    deliver(client, conn, SPOT)  # the stream goes on
    assert client.prices["BTCUSDT"]["ask"] == Decimal("25.3652")


def test_a_bare_payload_is_deduplicated_like_a_combined_frame() -> None:
    client, events, conn = feeds()
    deliver(client, conn, FUTURES)
    bare_payload = orjson.dumps(orjson.loads(FUTURES)["data"])  # a /ws/<stream> frame
    conn._on_frame(bare_payload, client._live._on_market)  # the same update id again
    assert len([e for e in events if isinstance(e, BookTicker)]) == 1
    assert not [e for e in client.logs if "malformed" in e.message]


def test_other_frames_decline_the_fast_path() -> None:
    mini = ('{"stream":"btcusdt@miniTicker","data":{"e":"24hrMiniTicker","E":1,"s":"BTCUSDT",'
            '"c":"1","o":"1","h":"1","l":"1","v":"1","q":"1"}}')
    # a spot 24 h ticker carries the book's keys (and here an update id): only its "e"
    # tells it apart, wherever that key is
    ticker = SPOT.replace('"data":{', '"data":{"e":"24hrTicker","c":"25.36",')
    ticker_e_last = SPOT.replace('"A":"40.66000000"', '"A":"40.66000000","e":"24hrTicker"')
    depth = ('{"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","E":1,"s":"BTCUSDT",'
             '"U":1,"u":2,"b":[["1","2"]],"a":[]}}')
    for raw in (mini, ticker, ticker_e_last, depth, '{"result":null,"id":1}',
                '{"error":{"code":2,"msg":"Invalid request"},"id":3}'):
        assert fast_path(raw) is None, raw


def test_the_event_type_is_a_tag_not_a_field() -> None:
    event = fast_path(FUTURES)
    assert event is not None and "e" not in BookTicker.__struct_fields__
    assert msgspec.json.decode(msgspec.json.encode(event), type=BookTicker) == event
