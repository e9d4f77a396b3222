"""python-binance, unmodified, against the DemoExchange: REST, sockets, DepthCacheManager.

The library is pointed at the demo by its own URL settings (the client's and
the socket manager's ``*_URL`` attributes), nothing else. Every call is one
a real user of the library makes; a failure here is a bug in the demo.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest
from binance import AsyncClient, BinanceSocketManager, DepthCacheManager
from binance.exceptions import BinanceAPIException
from binance.ws.depthcache import FuturesDepthCacheManager
from binance.ws.reconnecting_websocket import ReconnectingWebsocket

from connector.demo import DEMO_API_KEY, DEMO_API_SECRET, DemoExchange

SYMBOL = "BTCUSDT"
TIMEOUT = 10


@pytest.fixture
async def demo() -> AsyncIterator[DemoExchange]:
    async with DemoExchange(seed=5, walk_interval=0.05) as ex:
        yield ex


@pytest.fixture
async def client(demo: DemoExchange, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[AsyncClient]:
    # the library's own URL settings, read when a client / socket manager is made
    monkeypatch.setattr(AsyncClient, "API_URL", demo.rest_url + "/api")
    monkeypatch.setattr(AsyncClient, "FUTURES_URL", demo.rest_url + "/fapi")
    monkeypatch.setattr(AsyncClient, "WS_API_URL", demo.ws_api_url)
    monkeypatch.setattr(BinanceSocketManager, "STREAM_URL", demo.ws_url + "/")
    monkeypatch.setattr(BinanceSocketManager, "FSTREAM_URL", demo.futures_ws_url + "/")
    # a closing socket waits for its read loop, which wakes at a message or every TIMEOUT s
    # (10): a shorter wait only makes closing faster
    monkeypatch.setattr(ReconnectingWebsocket, "TIMEOUT", 1)
    c = await AsyncClient.create(DEMO_API_KEY, DEMO_API_SECRET)
    try:
        yield c
    finally:
        await c.close_connection()


async def recv(socket: Any, want: Any = None) -> dict[str, Any]:
    """The next message the socket delivers that ``want`` accepts."""
    while True:
        msg = await asyncio.wait_for(socket.recv(), TIMEOUT)
        assert not (isinstance(msg, dict) and msg.get("e") == "error"), msg
        if want is None or want(msg):
            return msg  # type: ignore[no-any-return]


async def test_spot_rest(client: AsyncClient, demo: DemoExchange) -> None:
    assert (await client.get_server_time())["serverTime"] > 0
    info = await client.get_symbol_info(SYMBOL)
    assert info is not None and info["baseAsset"] == "BTC"
    book = await client.get_order_book(symbol=SYMBOL, limit=50)
    assert len(book["bids"]) == 50 and float(book["bids"][0][0]) < float(book["asks"][0][0])
    assert float((await client.get_symbol_ticker(symbol=SYMBOL))["price"]) > 0
    ticker = await client.get_ticker(symbol=SYMBOL)
    assert ticker["symbol"] == SYMBOL and "lastPrice" in ticker
    klines = await client.get_klines(symbol=SYMBOL, interval="1m", limit=10)
    assert len(klines) == 10 and len(klines[0]) == 12
    balances = {b["asset"]: b for b in (await client.get_account())["balances"]}
    assert Decimal(balances["USDT"]["free"]) == 10_000
    price = Decimal(book["bids"][0][0]) - 500
    order = await client.create_order(symbol=SYMBOL, side="BUY", type="LIMIT",
                                      timeInForce="GTC", quantity="0.001", price=str(price))
    assert order["status"] == "NEW"
    opened = await client.get_open_orders(symbol=SYMBOL)
    assert [o["orderId"] for o in opened] == [order["orderId"]]
    assert (await client.get_order(symbol=SYMBOL, orderId=order["orderId"]))["status"] == "NEW"
    cancelled = await client.cancel_order(symbol=SYMBOL, orderId=order["orderId"])
    assert cancelled["status"] == "CANCELED"
    bought = await client.order_market_buy(symbol=SYMBOL, quantity="0.001")
    assert bought["status"] == "FILLED" and bought["fills"]
    trades = await client.get_my_trades(symbol=SYMBOL)
    assert trades[-1]["orderId"] == bought["orderId"]
    assert {"orderListId", "isBestMatch", "quoteQty", "isBuyer", "isMaker"} <= set(trades[-1])
    with pytest.raises(BinanceAPIException) as err:
        await client.get_order(symbol=SYMBOL, orderId=1)
    assert err.value.code == -2013


async def test_futures_rest(client: AsyncClient, demo: DemoExchange) -> None:
    info = await client.futures_exchange_info()
    assert any(s["symbol"] == SYMBOL for s in info["symbols"])
    book = await client.futures_order_book(symbol=SYMBOL, limit=100)
    assert len(book["bids"]) == 100
    price = await client.futures_symbol_ticker(symbol=SYMBOL)  # /fapi/v2/ticker/price
    assert float(price["price"]) > 0 and price["time"] > 0
    assert float((await client.futures_ticker(symbol=SYMBOL))["lastPrice"]) > 0
    assert len(await client.futures_klines(symbol=SYMBOL, interval="5m", limit=7)) == 7
    mark = await client.futures_mark_price(symbol=SYMBOL)
    assert float(mark["markPrice"]) > 0
    brackets = await client.futures_leverage_bracket(symbol=SYMBOL)
    tiers = (brackets[0] if isinstance(brackets, list) else brackets)["brackets"]
    assert tiers[0]["initialLeverage"] == 125 and tiers[1]["notionalFloor"] == tiers[0][
        "notionalCap"]
    assert {"bracket", "initialLeverage", "notionalCap", "notionalFloor", "maintMarginRatio",
            "cum"} == set(tiers[0])
    account = await client.futures_account()
    assert Decimal(account["totalWalletBalance"]) == 10_000
    assert any(b["asset"] == "USDT" for b in await client.futures_account_balance())
    # v3 positionRisk lists only symbols with a position or open orders, as on Binance
    assert await client.futures_position_information(symbol=SYMBOL) == []
    order = await client.futures_create_order(symbol=SYMBOL, side="BUY", type="MARKET",
                                              quantity="0.002")
    assert order["orderId"] > 0
    [position] = await client.futures_position_information(symbol=SYMBOL)
    assert Decimal(position["positionAmt"]) == Decimal("0.002")
    resting = await client.futures_create_order(
        symbol=SYMBOL, side="BUY", type="LIMIT", timeInForce="GTC", quantity="0.002",
        price=str(round(Decimal(book["bids"][0][0]) * Decimal("0.95"), 1)))
    opened = await client.futures_get_open_orders(symbol=SYMBOL)
    assert [o["orderId"] for o in opened] == [resting["orderId"]]
    cancelled = await client.futures_cancel_order(symbol=SYMBOL, orderId=resting["orderId"])
    assert cancelled["status"] == "CANCELED"
    trades = await client.futures_account_trades(symbol=SYMBOL)
    assert trades[-1]["orderId"] == order["orderId"]
    assert {"buyer", "maker", "positionSide", "realizedPnl", "marginAsset", "quoteQty",
            "commission", "commissionAsset"} <= set(trades[-1])


async def test_spot_sockets(client: AsyncClient, demo: DemoExchange) -> None:
    bm = BinanceSocketManager(client)
    async with bm.trade_socket(SYMBOL) as ts:
        trade = await recv(ts)
        assert trade["e"] == "trade" and trade["s"] == SYMBOL
    async with bm.depth_socket(SYMBOL, interval=100) as ds:  # diff depth
        first = await recv(ds)
        second = await recv(ds)
        assert first["e"] == "depthUpdate" and second["U"] == first["u"] + 1
    async with bm.depth_socket(SYMBOL, depth=BinanceSocketManager.WEBSOCKET_DEPTH_5,
                               interval=100) as ps:
        partial = await recv(ps)
        assert len(partial["bids"]) == 5 and "lastUpdateId" in partial
    async with bm.symbol_ticker_socket(SYMBOL) as tk:
        ticker = await recv(tk)
        assert ticker["e"] == "24hrTicker" and ticker["s"] == SYMBOL
    async with bm.multiplex_socket(["btcusdt@aggTrade", "ethusdt@bookTicker"]) as mx:
        msg = await recv(mx)
        assert msg["stream"] in ("btcusdt@aggTrade", "ethusdt@bookTicker")
    async with bm.user_socket() as us:  # spot user data: WS API subscription
        await asyncio.sleep(0)
        order = await client.order_market_buy(symbol=SYMBOL, quantity="0.001")
        report = await recv(us, lambda m: m.get("e") == "executionReport"
                            and m.get("X") == "FILLED")
        assert report["i"] == order["orderId"]


async def test_futures_sockets(client: AsyncClient, demo: DemoExchange) -> None:
    bm = BinanceSocketManager(client)
    async with bm.futures_user_socket() as us:  # <FSTREAM>private/ws?listenKey=
        order = await client.futures_create_order(symbol=SYMBOL, side="BUY", type="MARKET",
                                                  quantity="0.002")
        update = await recv(us, lambda m: m.get("e") == "ORDER_TRADE_UPDATE")
        assert update["o"]["i"] == order["orderId"]
    async with bm.futures_depth_socket(SYMBOL) as ds:  # partial depth, /public
        msg = await recv(ds)
        assert msg["data"]["e"] == "depthUpdate" and len(msg["data"]["b"]) == 10
    async with bm.futures_ticker_socket() as tk:  # !ticker@arr: every symbol's 24hrTicker
        tickers = await recv(tk)
        assert {t["s"] for t in tickers["data"]} >= {SYMBOL, "ETHUSDT"}
    async with bm.individual_symbol_ticker_futures_socket(SYMBOL) as st:
        assert (await recv(st))["data"]["e"] == "24hrTicker"
    async with bm.symbol_ticker_futures_socket(SYMBOL) as bt:  # a bookTicker, despite the name
        assert (await recv(bt))["data"]["e"] == "bookTicker"
    async with bm.symbol_mark_price_socket(SYMBOL, fast=True) as mp:
        mark = await recv(mp)
        assert mark["data"]["e"] == "markPriceUpdate"
    async with bm.aggtrade_futures_socket(SYMBOL) as at:
        agg = await recv(at)
        assert agg["data"]["e"] == "aggTrade"


async def _depth_cache_matches(ex: DemoExchange, market: str, dcm: Any) -> None:
    async with dcm as cache_socket:
        for _ in range(5):
            cache = await asyncio.wait_for(cache_socket.recv(), TIMEOUT)
        bids, asks = cache.get_bids(), cache.get_asks()
        assert bids and asks and bids[0][0] < asks[0][0]
        book = ex.hub.depth_state(market, SYMBOL).book  # type: ignore[arg-type]
        best_bid = max(book.bids)
        assert abs(bids[0][0] - float(best_bid)) / float(best_bid) < 0.001


async def test_depth_cache_managers(client: AsyncClient, demo: DemoExchange) -> None:
    await _depth_cache_matches(demo, "spot", DepthCacheManager(client, SYMBOL, ws_interval=100))
    await _depth_cache_matches(demo, "futures", FuturesDepthCacheManager(client, SYMBOL))
