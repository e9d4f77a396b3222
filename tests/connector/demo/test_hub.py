"""The demo exchange's WebSockets, spoken to raw: replies, limits, pings, WS API, listenKeys."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import time
from collections.abc import AsyncIterator

import aiohttp
import orjson
import pytest

from connector.demo import DEMO_API_KEY, DEMO_API_SECRET, DemoExchange


@pytest.fixture
async def ex() -> AsyncIterator[DemoExchange]:
    async with DemoExchange(walk_interval=0.02, ping_interval=0.2, pong_timeout=0.6) as demo:
        yield demo


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


async def next_json(ws: aiohttp.ClientWebSocketResponse, want: str = "") -> dict:  # type: ignore[type-arg]
    while True:
        msg = await asyncio.wait_for(ws.receive(), 5)
        if msg.type is aiohttp.WSMsgType.TEXT:
            data = orjson.loads(msg.data)
            if not want or want in msg.data:
                return data  # type: ignore[no-any-return]
        elif msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED,
                          aiohttp.WSMsgType.CLOSING):
            raise ConnectionError("closed")


async def test_raw_and_combined_payloads(ex: DemoExchange,
                                         session: aiohttp.ClientSession) -> None:
    async with session.ws_connect(ex.ws_url + "/ws/btcusdt@bookTicker") as raw:
        data = await next_json(raw, '"s":"BTCUSDT"')
        assert set(data) == {"u", "s", "b", "B", "a", "A"}  # spot bookTicker has no "e"
    async with session.ws_connect(ex.ws_url + "/public/stream?streams=btcusdt@bookTicker") as fut:
        data = await next_json(fut, "bookTicker")
        assert data["stream"] == "btcusdt@bookTicker" and data["data"]["e"] == "bookTicker"
    async with session.ws_connect(ex.futures_ws_url + "/ws") as legacy:
        await legacy.send_str('{"method":"SUBSCRIBE","params":["BTCUSDT@aggTrade"],"id":7}')
        assert await next_json(legacy, '"id":7') == {"result": None, "id": 7}
        assert (await next_json(legacy, "aggTrade"))["e"] == "aggTrade"


async def test_klines_come_at_binances_pace_spot_every_2_s_futures_every_250_ms(
        ex: DemoExchange, session: aiohttp.ClientSession) -> None:
    async def kline_times(url: str, stream: str, n: int) -> list[float]:
        async with session.ws_connect(f"{url}/ws/{stream}") as ws:
            times = []
            while len(times) < n:
                await next_json(ws, '"e":"kline"')
                times.append(time.monotonic())
            return times

    spot, futures = await asyncio.gather(kline_times(ex.ws_url, "btcusdt@kline_1m", 2),
                                         kline_times(ex.futures_ws_url, "btcusdt@kline_1m", 5))
    assert spot[1] - spot[0] >= 1.9  # the walk trades every 20 ms: the pace is the limit
    assert all(0.2 <= b - a < 1.0 for a, b in itertools.pairwise(futures))


async def test_control_messages(ex: DemoExchange, session: aiohttp.ClientSession) -> None:
    async with session.ws_connect(ex.ws_url + "/stream") as ws:
        await ws.send_str('{"method":"SUBSCRIBE","params":["ethusdt@kline_1m",'
                          '"ethusdt@miniTicker","!miniTicker@arr"],"id":1}')
        assert await next_json(ws, '"id":1') == {"result": None, "id": 1}
        assert (await next_json(ws, "kline_1m"))["data"]["k"]["i"] == "1m"
        assert (await next_json(ws, "24hrMiniTicker"))["data"]["s"]
        await ws.send_str('{"method":"LIST_SUBSCRIPTIONS","id":2}')
        listed = await next_json(ws, '"id":2')
        assert "ethusdt@kline_1m" in listed["result"]
        await ws.send_str('{"method":"UNSUBSCRIBE","params":["ethusdt@kline_1m"],"id":3}')
        await next_json(ws, '"id":3')
        await ws.send_str('{"method":"GET_PROPERTY","params":["combined"],"id":4}')
        assert (await next_json(ws, '"id":4'))["result"] is True
        loop = asyncio.get_running_loop()
        quiet_until = loop.time() + 1.0  # stay under 5 messages a second, answering pings
        while loop.time() < quiet_until:
            await next_json(ws)
        await ws.send_str('{"method":"SUBSCRIBE","params":["btcusdt@bogus"],"id":5}')
        assert (await next_json(ws, '"id":5'))["error"]["code"] == 2
        await ws.send_str("not json")
        assert (await next_json(ws, "Invalid JSON"))["error"]["code"] == 3
        await ws.send_str('{"method":"DANCE","id":6}')
        assert "unknown method" in (await next_json(ws, '"id":6'))["error"]["msg"]


async def test_limits_rate_and_stream_count(ex: DemoExchange,
                                            session: aiohttp.ClientSession) -> None:
    async with session.ws_connect(ex.ws_url + "/stream") as ws:
        names = [f"sym{i:04d}usdt@bookTicker" for i in range(1025)]
        await ws.send_str(orjson.dumps({"method": "SUBSCRIBE", "params": names, "id": 1}).decode())
        assert "too many streams" in (await next_json(ws, '"id":1'))["error"]["msg"]
        for i in range(7):
            await ws.send_str(orjson.dumps({"method": "LIST_SUBSCRIPTIONS", "id": 10 + i}).decode())
        with pytest.raises(ConnectionError):
            for _ in range(20):
                await next_json(ws)


async def test_pings_and_dropping_silent_clients(ex: DemoExchange,
                                                 session: aiohttp.ClientSession) -> None:
    async with session.ws_connect(ex.ws_url + "/ws", autoping=False) as ws:
        got_ping = False
        with pytest.raises(ConnectionError):
            for _ in range(200):
                msg = await asyncio.wait_for(ws.receive(), 3)
                if msg.type is aiohttp.WSMsgType.PING:
                    got_ping = True  # and we never answer it
                elif msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                    raise ConnectionError
        assert got_ping


def signed_subscribe(key: str, secret: str, skew: int = 0) -> str:
    params: dict[str, object] = {"apiKey": key, "timestamp": int(time.time() * 1000) + skew}
    payload = "&".join(f"{k}={params[k]}" for k in sorted(params))
    params["signature"] = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
    return orjson.dumps({"id": "s1", "method": "userDataStream.subscribe.signature",
                         "params": params}).decode()


async def test_ws_api_subscribe_and_events(ex: DemoExchange,
                                           session: aiohttp.ClientSession) -> None:
    async with session.ws_connect(ex.ws_api_url) as ws:
        await ws.send_str(signed_subscribe(DEMO_API_KEY, "wrong"))
        assert (await next_json(ws, "s1"))["error"]["code"] == -1022
        await ws.send_str(signed_subscribe("nobody", DEMO_API_SECRET))
        assert (await next_json(ws, "s1"))["error"]["code"] == -2015
        await ws.send_str(signed_subscribe(DEMO_API_KEY, DEMO_API_SECRET, skew=-90_000))
        assert (await next_json(ws, "s1"))["error"]["code"] == -1021
        await ws.send_str('{"id":"p","method":"ping"}')
        assert (await next_json(ws, '"p"'))["status"] == 200
        await ws.send_str('{"id":"t","method":"time"}')
        assert "serverTime" in (await next_json(ws, '"t"'))["result"]
        await ws.send_str("{{{")
        assert (await next_json(ws, "-1102"))["status"] == 400
        await ws.send_str(signed_subscribe(DEMO_API_KEY, DEMO_API_SECRET))
        reply = await next_json(ws, "s1")
        assert reply["status"] == 200
        sub_id = reply["result"]["subscriptionId"]
        await ws.send_str('{"id":"st","method":"session.status"}')
        assert (await next_json(ws, '"st"'))["result"]["userDataStream"] is True
        ex.spot.place(DEMO_API_KEY, symbol="BTCUSDT", side="BUY", type_="MARKET",
                      quantity=__import__("decimal").Decimal("0.001"), price=None,
                      time_in_force=None, client_order_id="ws-1")
        report = await next_json(ws, "executionReport")
        assert report["subscriptionId"] == sub_id and report["event"]["c"] == "ws-1"
        balances = await next_json(ws, "outboundAccountPosition")
        assert {b["a"] for b in balances["event"]["B"]} == {"BTC", "USDT"}
        await ws.send_str('{"id":"u","method":"userDataStream.unsubscribe"}')
        assert (await next_json(ws, '"u"'))["status"] == 200
        await ws.send_str('{"id":"x","method":"order.place"}')
        assert (await next_json(ws, '"x"'))["error"]["code"] == -1100


async def test_ws_api_resting_order_sends_its_lock(ex: DemoExchange,
                                                  session: aiohttp.ClientSession) -> None:
    """An order that rests moves free to locked, and Binance pushes the balance for that."""
    from decimal import Decimal

    async with session.ws_connect(ex.ws_api_url) as ws:
        await ws.send_str(signed_subscribe(DEMO_API_KEY, DEMO_API_SECRET))
        assert (await next_json(ws, "s1"))["status"] == 200
        price = ex.spot.books["BTCUSDT"].bid - 5000
        ex.spot.place(DEMO_API_KEY, symbol="BTCUSDT", side="BUY", type_="LIMIT",
                      quantity=Decimal("0.002"), price=price, time_in_force="GTC",
                      client_order_id="rest-1")
        report = await next_json(ws, "executionReport")
        assert (report["event"]["c"], report["event"]["X"]) == ("rest-1", "NEW")
        balances = (await next_json(ws, "outboundAccountPosition"))["event"]["B"]
        assert [b["a"] for b in balances] == ["USDT"]
        assert Decimal(balances[0]["l"]) == Decimal("0.002") * price
        assert balances[0] == {"a": "USDT", **{k: ex.spot.balances()["USDT"][n]
                                              for k, n in (("f", "free"), ("l", "locked"))}}


async def test_listen_key_lifecycle(ex: DemoExchange, session: aiohttp.ClientSession) -> None:
    headers = {"X-MBX-APIKEY": DEMO_API_KEY}
    async with session.put(ex.rest_url + "/fapi/v1/listenKey", headers=headers) as r:
        assert (await r.json())["code"] == -1125
    async with session.post(ex.rest_url + "/fapi/v1/listenKey", headers=headers) as r:
        key = (await r.json())["listenKey"]
    async with session.post(ex.rest_url + "/fapi/v1/listenKey", headers=headers) as r:
        assert (await r.json())["listenKey"] == key  # same key while it lives
    async with session.put(ex.rest_url + "/fapi/v1/listenKey", headers=headers) as r:
        assert r.status == 200
    async with session.ws_connect(ex.ws_url + f"/private/ws/{key}") as ws:
        ex.futures.place(DEMO_API_KEY, symbol="BTCUSDT", side="BUY", type_="MARKET",
                         quantity=__import__("decimal").Decimal("0.002"), price=None,
                         time_in_force=None, client_order_id="f-1")
        update = await next_json(ws, "ORDER_TRADE_UPDATE")
        assert update["o"]["c"] == "f-1"
        account = await next_json(ws, "ACCOUNT_UPDATE")
        assert account["a"]["P"][0]["s"] == "BTCUSDT"
        ex.expire_listen_keys()
        assert (await next_json(ws, "listenKeyExpired"))["listenKey"] == key
    with pytest.raises(aiohttp.WSServerHandshakeError):  # an unknown listenKey is refused
        await session.ws_connect(ex.ws_url + "/private/ws/" + "k" * 64)
    with pytest.raises(aiohttp.WSServerHandshakeError):
        await session.ws_connect(ex.ws_url + "/private/ws?listenKey=not-a-key")
    async with session.delete(ex.rest_url + "/fapi/v1/listenKey", headers=headers) as r:
        assert r.status == 200


async def test_stream_faults(ex: DemoExchange, session: aiohttp.ClientSession) -> None:
    async with session.ws_connect(ex.ws_url + "/stream?streams=btcusdt@bookTicker") as ws:
        ex.faults.malformed_next(1)
        garbage = None
        for _ in range(50):
            msg = await asyncio.wait_for(ws.receive(), 3)
            try:
                orjson.loads(msg.data)
            except orjson.JSONDecodeError:
                garbage = msg.data
                break
        assert garbage is not None
        ex.faults.max_connection_lifetime = 0.3
        with pytest.raises(ConnectionError):
            for _ in range(500):
                await next_json(ws)
