"""Market data end to end: the demo's book and streams, and the client's synced books.

Depth sync is checked against the exchange's own book at the same update id,
with every kind of injected fault; tickers, trades and mark prices arrive as
Decimals equal to what the exchange sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import aiohttp
import orjson
import pytest

from connector import BinanceClient, OrderBook
from connector.demo import DEMO_API_KEY, DemoExchange
from connector.errors import InputError
from connector.events import BookUpdate, Event, MarketTrade, MarkPrice, Ticker

from ..conftest import make_client
from ..helpers import until

SYMBOL = "BTCUSDT"


@pytest.fixture
async def ex() -> AsyncIterator[DemoExchange]:
    async with DemoExchange(seed=11, walk_interval=0.05) as demo:
        yield demo


@pytest.fixture(params=[False, True], ids=["spot", "futures"])
async def cl(request: pytest.FixtureRequest, ex: DemoExchange) -> AsyncIterator[BinanceClient]:
    async with make_client(ex, request.param) as c:
        yield c


def exchange_book(ex: DemoExchange, futures: bool) -> tuple[int, Any, Any]:
    """The exchange's own book (update id, bids best first, asks best first)."""
    state = ex.hub.depth_state("futures" if futures else "spot", SYMBOL)
    book = state.book
    return (book.update_id, tuple(sorted(book.bids.items(), reverse=True)),
            tuple(sorted(book.asks.items())))


async def converged(ex: DemoExchange, c: BinanceClient, timeout: float = 10.0) -> OrderBook:
    """Wait until the client's book is at the exchange's update id, then compare them."""
    box: list[OrderBook] = []

    def same() -> bool:
        book = c.books.get(SYMBOL)
        if book is None:
            return False
        uid, bids, asks = exchange_book(ex, c.futures)
        if book.last_update_id != uid:
            return False
        assert book.bids == bids and book.asks == asks, "same update id, different book"
        box.append(book)
        return True

    await until(same, timeout, what="the client's book at the exchange's update id")
    return box[0]


def not_crossed(events: list[Event]) -> None:
    for e in events:
        if isinstance(e, BookUpdate):
            assert e.book.bids[0][0] < e.book.asks[0][0], "a crossed book was shown"


async def test_depth_converges_to_the_exchange_book(ex: DemoExchange,
                                                   cl: BinanceClient) -> None:
    seen: list[Event] = []
    cl.add_listener(seen.append)
    await cl.subscribe_channel(SYMBOL, "depth")
    book = await converged(ex, cl)
    assert len(book.bids) > 100 and len(book.asks) > 100  # a deep book
    assert all(q > 0 for _, q in book.bids + book.asks)
    assert [p for p, _ in book.bids] == sorted((p for p, _ in book.bids), reverse=True)
    (ex.futures if cl.futures else ex.spot).set_price(SYMBOL, Decimal(96_000))
    await until(lambda: exchange_book(ex, cl.futures)[1][0][0] > 95_900, what="the move")
    moved = await converged(ex, cl)
    # the book followed the price (the walk keeps moving it a few ticks a step meanwhile)
    assert abs(moved.bids[0][0] - 96_000) < 100
    updates = [e for e in seen if isinstance(e, BookUpdate)]
    assert updates and all(e.symbol == SYMBOL for e in updates)
    not_crossed(seen)
    assert cl._live.depth.syncs[SYMBOL].rebuilds == 0
    await cl.unsubscribe_channel(SYMBOL, "depth")
    assert SYMBOL not in cl.books


@pytest.mark.parametrize("fault", ["drop", "duplicate", "reorder", "cross", "lag"])
async def test_depth_survives_stream_faults(ex: DemoExchange, cl: BinanceClient,
                                            fault: str) -> None:
    seen: list[Event] = []
    cl.add_listener(seen.append)
    logs_before = len(cl.logs)
    await cl.subscribe_channel(SYMBOL, "depth")
    await converged(ex, cl)
    sync = cl._live.depth.syncs[SYMBOL]
    faults = ex.faults
    if fault == "drop":
        faults.drop_depth(1)
    elif fault == "duplicate":
        faults.duplicate_depth(3)
    elif fault == "reorder":
        faults.reorder_depth(1)
    elif fault == "cross":
        faults.cross_depth(1)
    else:  # the next snapshots lag far behind the stream, then catch up
        faults.lag_depth_snapshot(events=50, count=2)
        faults.drop_depth(1)  # forces a rebuild, which meets the lagging snapshots
    if fault == "duplicate":
        await until(lambda: faults.depth_duplicate == 0, what="duplicates sent")
        await converged(ex, cl)
        assert sync.rebuilds == 0  # repeats are ignored, not a gap
    else:
        await until(lambda: sync.rebuilds >= 1, what="a rebuild")
        await converged(ex, cl)
        messages = [e.message for e in list(cl.logs)[logs_before:]]
        assert any("rebuilding" in m or "starting over" in m for m in messages), messages
    if fault == "lag":
        assert faults.depth_lag_count == 0  # both lagging snapshots were met and refused
    not_crossed(seen)


class WatchedBooks(dict[str, OrderBook]):
    """``client.books`` that remembers every change made to it."""

    def __init__(self) -> None:
        super().__init__()
        self.changes: list[str] = []

    def __setitem__(self, key: str, value: OrderBook) -> None:
        self.changes.append("shown")
        super().__setitem__(key, value)

    def pop(self, key: str, *default: Any) -> Any:
        if key in self:
            self.changes.append("removed")
        return super().pop(key, *default)


async def test_the_book_never_shows_a_known_wrong_state(ex: DemoExchange,
                                                        cl: BinanceClient) -> None:
    cl.books = watched = WatchedBooks()
    cl._live.depth._books = watched  # the feed writes into the dict it was given
    await cl.subscribe_channel(SYMBOL, "depth")
    await converged(ex, cl)
    sync = cl._live.depth.syncs[SYMBOL]
    assert watched.changes == ["shown"]  # one view, moved on in place
    ex.faults.drop_depth(1)
    await until(lambda: sync.rebuilds == 1, what="the gap")
    await converged(ex, cl)
    # the book left client.books when the gap was seen, and came back rebuilt
    assert watched.changes == ["shown", "removed", "shown"]


async def test_own_resting_orders_are_in_the_book(ex: DemoExchange, cl: BinanceClient) -> None:
    await cl.subscribe_channel(SYMBOL, "depth")
    await converged(ex, cl)
    mid = (ex.futures if cl.futures else ex.spot).price(SYMBOL)
    far = (mid * Decimal("0.9")).quantize(Decimal(1))  # below the others' liquidity
    order = await cl.place_order(SYMBOL, "LIMIT", "0.002", "BUY", far)
    await until(lambda: far in dict(exchange_book(ex, cl.futures)[1]), what="the order in")
    book = await converged(ex, cl)
    assert dict(book.bids)[far] == Decimal("0.002")
    snapshot = await cl.get_order_book(SYMBOL, limit=1000)
    assert dict(snapshot.bids)[far] == Decimal("0.002")
    await cl.cancel_order(SYMBOL, order.order_id)
    await until(lambda: far not in dict(cl.books[SYMBOL].bids) if SYMBOL in cl.books
                else False, what="the cancelled order leaving the book")


async def test_rest_snapshot(ex: DemoExchange, cl: BinanceClient) -> None:
    book = await cl.get_order_book(SYMBOL, limit=5 if cl.futures else 7)
    assert len(book.bids) == len(book.asks) == (5 if cl.futures else 7)
    assert book.bids[0][0] < book.asks[0][0] and book.last_update_id > 0
    deep = await cl.get_order_book(SYMBOL, limit=1000)
    assert len(deep.bids) > 100
    for bad in (0, 7 if cl.futures else 6000, "10"):
        with pytest.raises(InputError):
            await cl.get_order_book(SYMBOL, limit=bad)  # type: ignore[arg-type]


async def test_ticker_trade_and_mark_price_events(ex: DemoExchange, cl: BinanceClient) -> None:
    seen: list[Event] = []
    cl.add_listener(seen.append)
    await cl.subscribe_channel(SYMBOL, "ticker")
    await cl.subscribe_channel(SYMBOL, "trade")
    if cl.futures:
        await cl.subscribe_channel(SYMBOL, "markPrice")
    else:
        with pytest.raises(InputError):
            await cl.subscribe_channel(SYMBOL, "markPrice")
    kinds = (Ticker, MarketTrade, MarkPrice) if cl.futures else (Ticker, MarketTrade)
    await until(lambda: all(any(isinstance(e, k) for e in seen) for k in kinds), 6,
                what="ticker, trade (and mark price) events")
    engine = ex.futures if cl.futures else ex.spot
    ticker = next(e for e in seen if isinstance(e, Ticker))
    assert ticker.symbol == SYMBOL and isinstance(ticker.last, Decimal)
    assert ticker.low <= ticker.last <= ticker.high and ticker.volume > 0
    rest = engine.ticker_24hr(SYMBOL)
    assert ticker.open == Decimal(rest["openPrice"])
    trade = next(e for e in seen if isinstance(e, MarketTrade))
    assert isinstance(trade.price, Decimal) and trade.quantity > 0 and trade.trade_id > 0
    if cl.futures:
        mark = next(e for e in seen if isinstance(e, MarkPrice))
        assert mark.funding_rate == Decimal("0.0001") and mark.next_funding_time > mark.time
        assert abs(mark.mark_price - engine.price(SYMBOL)) / mark.mark_price < Decimal("0.01")
    for channel in ("ticker", "trade"):
        await cl.unsubscribe_channel(SYMBOL, channel)


# -- the demo's wire, spoken to raw ------------------------------------------------------------


async def _frames(ws: aiohttp.ClientWebSocketResponse, want: str, n: int = 1) -> list[Any]:
    out: list[Any] = []
    while len(out) < n:
        msg = await asyncio.wait_for(ws.receive(), 5)
        assert msg.type is aiohttp.WSMsgType.TEXT, msg
        if want in msg.data:
            out.append(orjson.loads(msg.data))
    return out


async def test_raw_streams_have_binance_fields(ex: DemoExchange) -> None:
    async with aiohttp.ClientSession() as s:
        async with s.ws_connect(ex.ws_url + "/ws/7") as ws:  # ccxt.pro's way in
            await ws.send_str('{"method":"SUBSCRIBE","params":["btcusdt@ticker",'
                              '"btcusdt@depth5@100ms","btcusdt@trade","btcusdt@depth"],"id":1}')
            assert (await _frames(ws, '"id":1'))[0] == {"result": None, "id": 1}
            ticker = (await _frames(ws, "24hrTicker"))[0]
            assert set(ticker) == {"e", "E", "s", "p", "P", "w", "x", "c", "Q", "b", "B", "a",
                                   "A", "o", "h", "l", "v", "q", "O", "C", "F", "L", "n"}
            partial = (await _frames(ws, "lastUpdateId"))[0]
            assert set(partial) == {"lastUpdateId", "bids", "asks"} and len(partial["bids"]) == 5
            trade = (await _frames(ws, '"e":"trade"'))[0]
            assert {"t", "p", "q", "T", "m", "M"} <= set(trade)
            first, second = await _frames(ws, "depthUpdate", 2)
            assert second["U"] == first["u"] + 1 and "pu" not in first
        async with s.ws_connect(ex.ws_url + "/public/stream?streams=btcusdt@depth@100ms/"
                                            "btcusdt@depth10") as ws:
            events = [f["data"] for f in await _frames(ws, "depthUpdate", 6)]
            diffs = [e for e in events if len(e["b"]) != 10 or len(e["a"]) != 10]
            assert all(e["e"] == "depthUpdate" and "pu" in e and "T" in e for e in events)
            assert any(len(e["b"]) == 10 for e in events) and diffs
        async with s.ws_connect(ex.ws_url + "/market/ws") as ws:
            await ws.send_str('{"method":"SUBSCRIBE","params":["btcusdt@markPrice@1s",'
                              '"btcusdt@ticker"],"id":2}')
            mark = (await _frames(ws, "markPriceUpdate"))[0]
            assert set(mark) == {"e", "E", "s", "p", "i", "P", "r", "T"}
            ticker = (await _frames(ws, "24hrTicker"))[0]
            assert "b" not in ticker and "x" not in ticker and "n" in ticker


async def test_futures_user_stream_by_query_parameter(ex: DemoExchange) -> None:
    headers = {"X-MBX-APIKEY": DEMO_API_KEY}
    async with aiohttp.ClientSession() as s:
        async with s.post(ex.rest_url + "/fapi/v1/listenKey", headers=headers) as r:
            key = (await r.json())["listenKey"]
        for path in (f"/private/ws?listenKey={key}", f"/fut/private/ws?listenKey={key}",
                     f"/fut/ws/{key}"):
            async with s.ws_connect(ex.ws_url + path) as ws:
                ex.futures.place(DEMO_API_KEY, symbol=SYMBOL, side="BUY", type_="MARKET",
                                 quantity=Decimal("0.002"), price=None, time_in_force=None,
                                 client_order_id=None)
                assert (await _frames(ws, "ORDER_TRADE_UPDATE"))[0]["o"]["s"] == SYMBOL


async def test_recording_is_bounded_or_off() -> None:
    async with DemoExchange(walk=False, record_limit=3) as ex, aiohttp.ClientSession() as s:
        for _ in range(5):
            async with s.get(ex.rest_url + "/api/v3/ping") as r:
                assert r.status == 200
        assert len(ex.requests) == 3 and ex.requests[-1].path == "/api/v3/ping"
        assert len(ex.requests_to("/api/v3/ping")) == 3 and "3 of 3" in repr(ex.requests)
    async with DemoExchange(walk=False, record=False) as ex, aiohttp.ClientSession() as s:
        async with s.get(ex.rest_url + "/api/v3/ping") as r:
            assert r.status == 200
        async with s.ws_connect(ex.ws_url + "/ws") as ws:
            await ws.send_str('{"method":"LIST_SUBSCRIPTIONS","id":1}')
            await _frames(ws, '"id":1')
        assert not ex.requests and not ex.ws_messages and len(ex.requests) == 0


async def test_idle_books_are_forgotten_and_ids_go_on(ex: DemoExchange,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from connector.demo import _hub_market

    first = ex.hub.depth_snapshot("spot", "ETHUSDT", 5)["lastUpdateId"]
    monkeypatch.setattr(_hub_market, "BOOK_IDLE", 0.0)
    await until(lambda: ("spot", "ETHUSDT") not in ex.hub._depth, what="the idle book gone")
    monkeypatch.setattr(_hub_market, "BOOK_IDLE", 60.0)
    assert ex.hub.depth_snapshot("spot", "ETHUSDT", 5)["lastUpdateId"] > first
