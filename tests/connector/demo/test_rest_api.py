"""The demo exchange itself, spoken to raw (our own signing), as a third-party client would."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from yarl import URL

from connector.demo import DEMO_API_KEY, DEMO_API_SECRET, DemoExchange


class Raw:
    def __init__(self, ex: DemoExchange, session: aiohttp.ClientSession) -> None:
        self.ex, self.session = ex, session

    async def call(self, method: str, path: str, params: dict[str, Any] | None = None, *,
                   signed: bool = False, key: str | None = DEMO_API_KEY,
                   secret: str = DEMO_API_SECRET, body: bool = False,
                   skew_ms: int = 0) -> tuple[int, Any]:
        params = dict(params or {})
        if signed:
            params["timestamp"] = int(time.time() * 1000) + skew_ms
        query = urlencode(params)
        if signed:
            query += "&signature=" + hmac.new(secret.encode(), query.encode(),
                                               hashlib.sha256).hexdigest()
        headers = {"X-MBX-APIKEY": key} if key else {}
        url = self.ex.rest_url + path
        if body:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            async with self.session.request(method, url, data=query, headers=headers) as r:
                return r.status, await r.json()
        async with self.session.request(method, URL(f"{url}?{query}", encoded=True),
                                        headers=headers) as r:
            return r.status, await r.json()


@pytest.fixture
async def raw() -> AsyncIterator[Raw]:
    async with DemoExchange(seed=3, walk=False) as ex, aiohttp.ClientSession() as session:
        yield Raw(ex, session)


@pytest.mark.parametrize("prefix", ["/api/v3", "/fapi/v1"])
async def test_public_market_data(raw: Raw, prefix: str) -> None:
    assert await raw.call("GET", f"{prefix}/ping") == (200, {})
    status, t = await raw.call("GET", f"{prefix}/time")
    assert abs(t["serverTime"] - time.time() * 1000) < 5000
    _, depth = await raw.call("GET", f"{prefix}/depth", {"symbol": "BTCUSDT", "limit": 5})
    assert len(depth["bids"]) == 5 and Decimal(depth["bids"][0][0]) < Decimal(depth["asks"][0][0])
    _, book = await raw.call("GET", f"{prefix}/ticker/bookTicker", {"symbol": "ETHUSDT"})
    assert Decimal(book["bidPrice"]) < Decimal(book["askPrice"])
    _, books = await raw.call("GET", f"{prefix}/ticker/bookTicker")
    assert {"BTCUSDT", "ETHUSDT"} <= {b["symbol"] for b in books}
    _, price = await raw.call("GET", f"{prefix}/ticker/price", {"symbol": "BTCUSDT"})
    assert Decimal(price["price"]) > 1000
    _, prices = await raw.call("GET", f"{prefix}/ticker/price")
    assert len(prices) >= 10
    _, day = await raw.call("GET", f"{prefix}/ticker/24hr", {"symbol": "BTCUSDT"})
    assert Decimal(day["highPrice"]) >= Decimal(day["lowPrice"])
    _, days = await raw.call("GET", f"{prefix}/ticker/24hr")
    assert len(days) == len(prices)
    status, err = await raw.call("GET", f"{prefix}/klines", {"symbol": "BTCUSDT",
                                                             "interval": "1m", "limit": 5000})
    assert status == 400 and err["code"] == -1130
    status, err = await raw.call("GET", f"{prefix}/klines", {"symbol": "BTCUSDT",
                                                             "interval": "7m"})
    assert err["code"] == -1120
    status, err = await raw.call("GET", f"{prefix}/depth", {"symbol": "NOPE"})
    assert (status, err["code"]) == (400, -1121)
    status, _ = await raw.call("GET", f"{prefix}/nothing")
    assert status == 404


async def test_futures_specific_endpoints(raw: Raw) -> None:
    _, mark = await raw.call("GET", "/fapi/v1/premiumIndex", {"symbol": "BTCUSDT"})
    assert Decimal(mark["markPrice"]) > 0
    _, marks = await raw.call("GET", "/fapi/v1/premiumIndex")
    assert len(marks) > 5
    _, info = await raw.call("GET", "/fapi/v1/exchangeInfo")
    btc = next(s for s in info["symbols"] if s["symbol"] == "BTCUSDT")
    tick = next(f for f in btc["filters"] if f["filterType"] == "PRICE_FILTER")["tickSize"]
    assert btc["pricePrecision"] == 2 and Decimal(tick) == Decimal("0.1")
    for path in ("/fapi/v2/balance", "/fapi/v3/balance", "/fapi/v2/positionRisk",
                 "/fapi/v3/account"):
        status, _ = await raw.call("GET", path, signed=True)
        assert status == 200, path


@pytest.mark.parametrize(("kwargs", "status", "code"), [
    ({"key": None}, 401, -2014),
    ({"key": "unknown-key"}, 401, -2015),
    ({"secret": "wrong-secret"}, 400, -1022),
    ({"skew_ms": -20_000}, 400, -1021),
    ({"skew_ms": 5_000}, 400, -1021),
])
async def test_auth_failures(raw: Raw, kwargs: dict[str, Any], status: int, code: int) -> None:
    got_status, body = await raw.call("GET", "/api/v3/account", signed=True, **kwargs)
    assert (got_status, body["code"]) == (status, code)


async def test_signature_over_body_and_percent_encoding(raw: Raw) -> None:
    params = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
              "quantity": "0.001", "price": "50000", "newClientOrderId": "a:b/c.d_e-f"}
    status, order = await raw.call("POST", "/api/v3/order", params, signed=True, body=True)
    assert status == 200 and order["clientOrderId"] == "a:b/c.d_e-f"
    status, err = await raw.call("GET", "/api/v3/account", signed=True)
    assert status == 200
    status, err = await raw.call("GET", "/api/v3/account", {"recvWindow": 70_000}, signed=True)
    assert err["code"] == -1131


ORDER_ERRORS = [
    ("/api/v3/order", {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT",
                       "quantity": "0.001", "price": "50000"}, -1102),  # no timeInForce
    ("/api/v3/order", {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT",
                       "timeInForce": "GTC", "quantity": "0.001", "price": "50000.001"}, -1013),
    ("/api/v3/order", {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT",
                       "timeInForce": "GTC", "quantity": "0.0000001", "price": "50000"}, -1013),
    ("/api/v3/order", {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT",
                       "timeInForce": "GTC", "quantity": "0.00001", "price": "50000"}, -1013),
    ("/api/v3/order", {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET",
                       "quantity": "10"}, -2010),
    ("/api/v3/order", {"symbol": "BTCUSDT", "side": "JUMP", "type": "MARKET",
                       "quantity": "1"}, -1100),
    ("/api/v3/order", {"symbol": "BTCUSDT", "side": "BUY", "type": "STOP",
                       "quantity": "1"}, -1116),
    ("/api/v3/order", {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET",
                       "quantity": "abc"}, -1100),
    ("/api/v3/order", {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT",
                       "timeInForce": "XYZ", "quantity": "1", "price": "1"}, -1115),
    ("/api/v3/order", {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET",
                       "quantity": "0.01", "price": "5"}, -1106),
    ("/api/v3/order", {"symbol": "LUNAUSDT", "side": "BUY", "type": "MARKET",
                       "quantity": "100"}, -1013),
    ("/api/v3/order", {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET",
                       "quantity": "0.01", "newClientOrderId": "bad id!"}, -1100),
    ("/fapi/v1/order", {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT",
                        "timeInForce": "GTC", "quantity": "0.01", "price": "50000.05"}, -4014),
    ("/fapi/v1/order", {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET",
                        "quantity": "0"}, -4003),
    ("/fapi/v1/order", {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT",
                        "timeInForce": "GTC", "quantity": "0.001", "price": "50000"}, -4164),
    ("/fapi/v1/order", {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET",
                        "quantity": "0.0015"}, -1111),
    ("/fapi/v1/order", {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET",
                        "quantity": "100"}, -2019),
    ("/fapi/v1/order", {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT",
                        "timeInForce": "GTC", "quantity": "0.01", "price": "-1"}, -4001),
]


@pytest.mark.parametrize(("path", "params", "code"), ORDER_ERRORS)
async def test_order_errors_use_binance_codes(raw: Raw, path: str, params: dict[str, Any],
                                              code: int) -> None:
    status, body = await raw.call("POST", path, params, signed=True)
    assert status == 400 and body["code"] == code, body
    engine = raw.ex.futures if path.startswith("/fapi") else raw.ex.spot
    assert engine.orders() == []


async def test_spot_order_lifecycle_and_balances(raw: Raw) -> None:
    ex = raw.ex
    mid = ex.spot.price("BTCUSDT")
    buy = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
           "quantity": "0.01", "price": format(mid - 1000, "f"), "newClientOrderId": "o1"}
    _, order = await raw.call("POST", "/api/v3/order", buy, signed=True)
    assert order["status"] == "NEW" and order["fills"] == []
    usdt = ex.spot.balances()["USDT"]
    assert Decimal(usdt["locked"]) == Decimal("0.01") * (mid - 1000)
    _, dup = await raw.call("POST", "/api/v3/order", buy, signed=True)
    assert dup["code"] == -2010 and "Duplicate" in dup["msg"]
    _, by_client = await raw.call("GET", "/api/v3/order", {"symbol": "BTCUSDT",
                                                           "origClientOrderId": "o1"}, signed=True)
    assert by_client["orderId"] == order["orderId"]
    _, err = await raw.call("GET", "/api/v3/order", {"symbol": "BTCUSDT"}, signed=True)
    assert err["code"] == -1102
    ex.spot.set_price("BTCUSDT", mid - 1500)
    _, filled = await raw.call("GET", "/api/v3/order", {"symbol": "BTCUSDT",
                                                        "orderId": order["orderId"]}, signed=True)
    assert filled["status"] == "FILLED"
    assert Decimal(ex.spot.balances()["USDT"]["locked"]) == 0
    assert Decimal(ex.spot.balances()["BTC"]["free"]) == Decimal(1) + Decimal("0.01") * Decimal(
        "0.999")
    _, trades = await raw.call("GET", "/api/v3/myTrades", {"symbol": "BTCUSDT"}, signed=True)
    assert len(trades) == 1 and trades[0]["isMaker"] is True
    _, all_orders = await raw.call("GET", "/api/v3/allOrders", {"symbol": "BTCUSDT"}, signed=True)
    assert [o["status"] for o in all_orders] == ["FILLED"]
    for tif, expect in (("IOC", "EXPIRED"), ("FOK", "EXPIRED")):
        _, o = await raw.call("POST", "/api/v3/order", {
            "symbol": "ETHUSDT", "side": "SELL", "type": "LIMIT", "timeInForce": tif,
            "quantity": "0.1", "price": "99999"}, signed=True)
        assert o["status"] == expect
    _, ack = await raw.call("POST", "/api/v3/order", {
        "symbol": "ETHUSDT", "side": "SELL", "type": "MARKET", "quantity": "0.1",
        "newOrderRespType": "ACK"}, signed=True)
    assert set(ack) == {"symbol", "orderId", "orderListId", "clientOrderId", "transactTime"}
    _, quote_order = await raw.call("POST", "/api/v3/order", {
        "symbol": "ETHUSDT", "side": "BUY", "type": "MARKET", "quoteOrderQty": "100"},
        signed=True)
    assert quote_order["status"] == "FILLED"
    for _ in range(2):
        await raw.call("POST", "/api/v3/order", {
            "symbol": "ETHUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
            "quantity": "0.1", "price": "1000"}, signed=True)
    _, canceled = await raw.call("DELETE", "/api/v3/openOrders", {"symbol": "ETHUSDT"},
                                 signed=True)
    assert [o["status"] for o in canceled] == ["CANCELED", "CANCELED"]
    _status, err = await raw.call("DELETE", "/api/v3/order", {"symbol": "ETHUSDT",
                                                             "orderId": 1}, signed=True)
    assert err["code"] == -2011


async def test_futures_positions_margin_and_pnl(raw: Raw) -> None:
    ex = raw.ex
    ex.futures.set_price("BTCUSDT", "95000")
    _, order = await raw.call("POST", "/fapi/v1/order", {
        "symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.010",
        "newOrderRespType": "RESULT"}, signed=True)
    assert order["status"] == "FILLED" and Decimal(order["avgPrice"]) > 0
    _, ack = await raw.call("POST", "/fapi/v1/order", {
        "symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.010"}, signed=True)
    assert ack["status"] == "NEW" and ack["avgPrice"] == "0.00000"  # like Binance's ACK
    _, positions = await raw.call("GET", "/fapi/v2/positionRisk", {"symbol": "BTCUSDT"},
                                  signed=True)
    assert Decimal(positions[0]["positionAmt"]) == Decimal("0.02")
    ex.futures.set_price("BTCUSDT", "96000")
    _, account = await raw.call("GET", "/fapi/v2/account", signed=True)
    assert Decimal(account["totalUnrealizedProfit"]) > 0
    assert account["positions"][0]["symbol"] == "BTCUSDT"
    wallet_before = Decimal(account["totalWalletBalance"])
    _, _close = await raw.call("POST", "/fapi/v1/order", {
        "symbol": "BTCUSDT", "side": "SELL", "type": "MARKET", "quantity": "0.020",
        "newOrderRespType": "RESULT"}, signed=True)
    _, account = await raw.call("GET", "/fapi/v2/account", signed=True)
    assert Decimal(account["totalWalletBalance"]) > wallet_before  # realized the profit
    assert account["positions"] == []
    _, trades = await raw.call("GET", "/fapi/v1/userTrades", {"symbol": "BTCUSDT"}, signed=True)
    assert Decimal(trades[-1]["realizedPnl"]) > 0
    _, gone = await raw.call("DELETE", "/fapi/v1/allOpenOrders", {"symbol": "BTCUSDT"},
                             signed=True)
    assert gone["code"] == 200


async def test_faults_latency_ban_and_weight(raw: Raw) -> None:
    ex = raw.ex
    ex.faults.latency = 0.05
    started = time.monotonic()
    await raw.call("GET", "/api/v3/ping")
    assert time.monotonic() - started >= 0.05
    ex.faults.clear()
    ex.faults.ban(5)
    status, body = await raw.call("GET", "/api/v3/ping")
    assert status == 418 and body["code"] == -1003
    ex.faults.clear()
    ex.faults.fail_next("/api/v3/ping", status=429, code=-1003, retry_after=3, count=2)
    assert (await raw.call("GET", "/api/v3/ping"))[0] == 429
    assert (await raw.call("GET", "/api/v3/ping"))[0] == 429
    assert (await raw.call("GET", "/api/v3/ping"))[0] == 200
    ex.faults.fail_next("/api/v3/account", status=401, code=-2015)
    status, body = await raw.call("GET", "/api/v3/account", signed=True)
    assert body["code"] == -2015 and "Invalid API-key" in body["msg"]
    async with raw.session.get(ex.rest_url + "/api/v3/exchangeInfo") as r:
        assert int(r.headers["X-MBX-USED-WEIGHT-1M"]) >= 20
    async with raw.session.get(ex.rest_url + "/") as r:
        assert (await r.json())["rest"] == ex.rest_url
    assert ex.requests_to("/api/v3/ping", "GET")[0].status == 200
