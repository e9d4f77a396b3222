"""ccxt and ccxt.pro, unmodified, against the DemoExchange, spot and USD-M futures.

The exchange object is pointed at the demo by its own settings: every URL in
``urls['api']`` that a spot or USD-M call uses is rewritten from Binance's
host to the demo's, and ``options`` limit market loading to what the demo
lists (spot and linear; no COIN-M, no sapi currencies). A failure here is a
bug in the demo.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import ccxt.pro
import pytest

from connector.demo import DEMO_API_KEY, DEMO_API_SECRET, DemoExchange

TIMEOUT = 10


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def demo() -> AsyncIterator[DemoExchange]:
    async with DemoExchange(seed=9, walk_interval=0.05) as ex:
        yield ex


def point_at(exchange: Any, demo: DemoExchange) -> None:
    """Rewrite ccxt's Binance URLs to the demo's (its documented way to change hosts)."""
    api = exchange.urls["api"]
    for key, url in list(api.items()):
        if isinstance(url, str):
            for host in ("https://api.binance.com", "https://fapi.binance.com"):
                if url.startswith(host):
                    api[key] = demo.rest_url + url[len(host):]
    ws = api["ws"]
    # ccxt.pro tells spot from futures sockets by the host in the URL ("/stream",
    # "demo-stream"): the demo serves spot under /demo-stream too
    ws["spot"] = ws["margin"] = demo.ws_url + "/demo-stream/ws"
    ws["linear"] = demo.futures_ws_url + "/ws"  # futures streams: the demo's /fut layout
    ws["ws-api"]["spot"] = demo.ws_api_url


async def make(demo: DemoExchange, market: str) -> Any:
    exchange = ccxt.pro.binance({
        "apiKey": DEMO_API_KEY, "secret": DEMO_API_SECRET, "enableRateLimit": False,
        "options": {"defaultType": market, "fetchMarkets": {"types": ["spot", "linear"]},
                    "fetchCurrencies": False, "fetchMargins": False,
                    "warnOnFetchOpenOrdersWithoutSymbol": False},
    })
    point_at(exchange, demo)
    await exchange.load_markets()
    return exchange


@pytest.fixture(params=["spot", "future"], ids=["spot", "futures"])
async def exchange(request: pytest.FixtureRequest, demo: DemoExchange) -> AsyncIterator[Any]:
    ex = await make(demo, request.param)
    try:
        yield ex
    finally:
        await ex.close()


def symbol_of(exchange: Any) -> str:
    return "BTC/USDT:USDT" if exchange.options["defaultType"] == "future" else "BTC/USDT"


async def test_rest(exchange: Any, demo: DemoExchange) -> None:
    symbol = symbol_of(exchange)
    futures = ":" in symbol
    ticker = await exchange.fetch_ticker(symbol)
    assert ticker["last"] > 0 and ticker["symbol"] == symbol
    book = await exchange.fetch_order_book(symbol, limit=50)
    assert len(book["bids"]) == 50 and book["bids"][0][0] < book["asks"][0][0]
    assert book["nonce"] > 0
    candles = await exchange.fetch_ohlcv(symbol, "1m", limit=20)
    assert len(candles) == 20 and candles[-1][4] > 0
    balance = await exchange.fetch_balance()
    assert balance["USDT"]["total"] == 10_000
    price = exchange.price_to_precision(symbol, book["bids"][0][0] * 0.95)
    resting = await exchange.create_order(symbol, "limit", "buy", 0.002, float(price))
    assert resting["id"] and resting["status"] == "open"
    opened = await exchange.fetch_open_orders(symbol)
    assert [o["id"] for o in opened] == [resting["id"]]
    cancelled = await exchange.cancel_order(resting["id"], symbol)
    assert cancelled["status"] == "canceled"
    filled = await exchange.create_order(symbol, "market", "buy", 0.002)
    assert filled["id"]
    trades = await exchange.fetch_my_trades(symbol)
    assert trades and trades[-1]["order"] == filled["id"]
    assert trades[-1]["side"] == "buy" and trades[-1]["amount"] == 0.002
    assert trades[-1]["fee"]["currency"] in ("USDT", "BTC")
    if futures:
        tiers = await exchange.fetch_leverage_tiers([symbol])
        assert tiers[symbol][0]["maxLeverage"] == 125
        prices = await exchange.fetch_tickers([symbol], params={"type": "future"})
        assert prices[symbol]["last"] > 0


async def test_watch(exchange: Any, demo: DemoExchange) -> None:
    symbol = symbol_of(exchange)
    ticker = await asyncio.wait_for(exchange.watch_ticker(symbol), TIMEOUT)
    assert ticker["symbol"] == symbol and ticker["last"] > 0
    book = await asyncio.wait_for(exchange.watch_order_book(symbol), TIMEOUT)
    for _ in range(3):  # a synced book keeps updating
        book = await asyncio.wait_for(exchange.watch_order_book(symbol), TIMEOUT)
    assert book["bids"][0][0] < book["asks"][0][0] and len(book["bids"]) > 100
    market = "futures" if ":" in symbol else "spot"
    own = demo.hub.depth_state(market, "BTCUSDT").book  # type: ignore[arg-type]
    assert abs(book["bids"][0][0] - float(max(own.bids))) / book["bids"][0][0] < 0.001
    trades = await asyncio.wait_for(exchange.watch_trades(symbol), TIMEOUT)
    assert trades and trades[-1]["price"] > 0
    watcher = asyncio.ensure_future(exchange.watch_orders(symbol))
    await asyncio.sleep(0.5)  # the user stream is open before the order
    order = await exchange.create_order(symbol, "market", "buy", 0.002)
    orders = await asyncio.wait_for(watcher, TIMEOUT)
    assert any(o["id"] == order["id"] for o in orders)
