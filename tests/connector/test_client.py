"""BinanceClient over REST against DemoExchange: every public method, spot and futures."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from decimal import Decimal

import pytest

from connector import (
    AuthError,
    Balance,
    BinanceClient,
    BinanceError,
    Candle,
    Contract,
    InputError,
    IPBannedError,
    MissingCredentialsError,
    OrderRejectedError,
    OrderStatus,
    RateLimitError,
)
from connector.demo import DemoExchange

from .conftest import make_client
from .helpers import until

ORDER = ("/api/v3/order", "/fapi/v1/order")


def order_path(client: BinanceClient) -> str:
    return ORDER[client.futures]


async def test_contracts_are_trading_sorted_and_carry_filters(client: BinanceClient) -> None:
    contracts = await client.get_contracts()
    assert list(contracts) == sorted(contracts)
    assert "LUNAUSDT" not in contracts  # status BREAK
    btc = contracts["BTCUSDT"]
    assert isinstance(btc, Contract)
    if client.futures:
        # tick 0.10 although the exchange's pricePrecision says 2
        assert btc.tick_size == Decimal("0.1") and btc.price_decimals == 1
        assert btc.min_notional == Decimal(100) and btc.lot_size == Decimal("0.001")
    else:
        assert btc.tick_size == Decimal("0.01") and btc.lot_size == Decimal("0.00001")
        assert btc.min_notional == Decimal(5)


async def test_candles_page_past_the_cap_oldest_first(client: BinanceClient,
                                                      demo: DemoExchange) -> None:
    cap = 1500 if client.futures else 1000
    candles = await client.get_historical_candles("BTCUSDT", "1m", limit=cap + 200)
    assert len(candles) == cap + 200
    assert all(isinstance(c, Candle) for c in candles)
    stamps = [c.timestamp for c in candles]
    assert stamps == sorted(set(stamps))
    assert all(b - a == 60_000 for a, b in itertools.pairwise(stamps))
    assert len([r for r in demo.requests if r.path.endswith("/klines")]) == 2
    start = stamps[0]
    window = await client.get_historical_candles("BTCUSDT", "1m", start=start,
                                                 end=start + 9 * 60_000)
    assert [c.timestamp for c in window] == stamps[:10]


async def test_bid_ask_and_balances(client: BinanceClient) -> None:
    quote = await client.get_bid_ask("ETHUSDT")
    assert quote["bid"] < quote["ask"]
    assert client.prices["ETHUSDT"] == quote
    balances = await client.get_balances()
    usdt = balances["USDT"]
    assert isinstance(usdt, Balance)
    if client.futures:
        assert usdt.wallet_balance == Decimal(10_000)
    else:
        assert usdt.free == Decimal(10_000) and balances["BTC"].free == Decimal(1)


async def test_limit_order_rests_then_cancels(client: BinanceClient, demo: DemoExchange) -> None:
    bid = (await client.get_bid_ask("BTCUSDT"))["bid"]
    price = (bid * Decimal("0.9")).quantize(Decimal(1))
    status = await client.place_order("BTCUSDT", "limit", "0.002", "buy", price=price)
    assert isinstance(status, OrderStatus)
    assert status.status == "new" and status.price == price
    assert status.client_order_id.startswith("sl-")
    assert status.order_id in client.open_orders
    assert (await client.get_order_status("BTCUSDT", status.order_id)).status == "new"
    assert [o.order_id for o in await client.get_open_orders("BTCUSDT")] == [status.order_id]
    canceled = await client.cancel_order("BTCUSDT", status.order_id)
    assert canceled.status == "canceled"
    engine = demo.futures if client.futures else demo.spot
    assert engine.open_orders() == []
    sent = [r for r in demo.requests if r.path == order_path(client) and r.method == "POST"]
    assert len(sent) == 1 and sent[0].params["newClientOrderId"] == status.client_order_id
    with pytest.raises(OrderRejectedError) as err:
        await client.cancel_order("BTCUSDT", status.order_id)
    assert err.value.code == -2011


async def test_market_order_fills_with_average_price(client: BinanceClient) -> None:
    quote = await client.get_bid_ask("BTCUSDT")
    status = await client.place_order("BTCUSDT", "MARKET", Decimal("0.003"), "BUY")
    assert status.status == "filled"
    assert status.executed_qty == Decimal("0.003")
    assert quote["bid"] * Decimal("0.98") < status.avg_price < quote["ask"] * Decimal("1.02")
    assert await client._get_execution_price("BTCUSDT", status.order_id) == status.avg_price


async def test_float_inputs_and_rounding_are_logged(spot_client: BinanceClient) -> None:
    status = await spot_client.place_order("ETHUSDT", "LIMIT", 0.012345, "SELL", price=9999.987)
    assert status.orig_qty == Decimal("0.0123")
    assert status.price == Decimal("9999.99")
    messages = [e.message for e in spot_client.logs]
    assert any("rounded down to 0.0123" in m for m in messages)
    assert any("rounded to 9999.99" in m for m in messages)
    await spot_client.cancel_order("ETHUSDT", status.order_id)


async def test_trade_size_is_a_share_of_the_quote_balance(client: BinanceClient) -> None:
    size = await client.get_trade_size("BTCUSDT", Decimal(50_000), 25)
    assert size is not None
    step = client.contracts["BTCUSDT"].lot_size
    free = (await client.get_balances())["USDT"].free
    # futures: the available balance margins leverage times its notional
    buying_power = free * client.leverage_of("BTCUSDT") if client.futures else free
    assert size % step == 0
    assert size <= buying_power / 4 / 50_000 < size + step
    assert await client.get_trade_size("BTCUSDT", Decimal(50_000), Decimal("0.0001")) is None


def test_signature_is_hmac_of_the_encoded_params() -> None:
    c = BinanceClient("k", "secret", False, False)
    assert c._generate_signature({"symbol": "BTCUSDT", "q": "a b"}) == (
        __import__("hmac").new(b"secret", b"symbol=BTCUSDT&q=a+b",
                               "sha256").hexdigest())


async def test_make_request_signs_what_needs_signing(client: BinanceClient,
                                                     demo: DemoExchange) -> None:
    import hmac

    from connector._rest import encode_params
    from connector.demo import DEMO_API_KEY, DEMO_API_SECRET

    prefix = client.endpoints.api_prefix
    before = len(demo.requests)
    assert "serverTime" in await client._make_request("GET", f"{prefix}/time", {})
    orders = await client._make_request("GET", f"{prefix}/openOrders", {"symbol": "BTCUSDT"})
    assert orders == []
    public, signed = demo.requests[before:]
    assert (public.path, public.api_key, public.params) == (f"{prefix}/time", None, {})
    assert signed.path == f"{prefix}/openOrders" and signed.api_key == DEMO_API_KEY
    params = dict(signed.params)
    signature = params.pop("signature")
    assert list(params)[:1] == ["symbol"] and {"recvWindow", "timestamp"} <= set(params)
    payload = encode_params(params).encode()  # the exact bytes sent before &signature=
    assert signature == hmac.new(DEMO_API_SECRET.encode(), payload, "sha256").hexdigest()


BAD_INPUTS = [
    (("NOPEUSDT", "LIMIT", "1", "BUY", "1"), "Unknown symbol"),
    (("BTCUSDT", "LIMIT", "0", "BUY", "90000"), "greater than zero"),
    (("BTCUSDT", "LIMIT", "-1", "BUY", "90000"), "greater than zero"),
    (("BTCUSDT", "LIMIT", "NaN", "BUY", "90000"), "finite"),
    (("BTCUSDT", "LIMIT", "abc", "BUY", "90000"), "not a number"),
    (("BTCUSDT", "MARKET", "1E30", "BUY", None), "far too large"),
    (("BTCUSDT", "LIMIT", "0.0000001", "BUY", "90000"), "minimum"),
    (("BTCUSDT", "LIMIT", "0.00001", "BUY", "90000"), "minimum"),  # notional
    (("BTCUSDT", "LIMIT", "0.01", "BUY", None), "needs a price"),
    (("BTCUSDT", "LIMIT", "0.01", "BUY", "0"), "greater than zero"),
    (("BTCUSDT", "LIMIT", "0.01", "BUY", "-5"), "greater than zero"),
    (("BTCUSDT", "STOP", "0.01", "BUY", "90000"), "Order type"),
    (("BTCUSDT", "LIMIT", "0.01", "HOLD", "90000"), "Side"),
]


@pytest.mark.parametrize(("args", "message"), BAD_INPUTS)
async def test_bad_input_is_refused_before_sending(spot_client: BinanceClient,
                                                   demo: DemoExchange, args: tuple[str, ...],
                                                   message: str) -> None:
    before = len(demo.requests)
    with pytest.raises(InputError, match=message):
        await spot_client.place_order(*args)
    assert len(demo.requests) == before


async def test_bad_tif_and_futures_notional_refused(futures_client: BinanceClient,
                                                    demo: DemoExchange) -> None:
    before = len(demo.requests)
    with pytest.raises(InputError, match="Time in force"):
        await futures_client.place_order("BTCUSDT", "LIMIT", "0.01", "BUY", "90000", tif="GTD")
    with pytest.raises(InputError, match="minimum of 100"):
        await futures_client.place_order("BTCUSDT", "LIMIT", "0.001", "BUY", "90000")
    assert len(demo.requests) == before


async def test_signed_calls_without_keys_send_nothing(demo: DemoExchange) -> None:
    async with make_client(demo, False, key="", secret="") as c:
        assert c.contracts  # public data works
        before = len(demo.requests)
        with pytest.raises(MissingCredentialsError, match="API key and secret are missing"):
            await c.get_balances()
        with pytest.raises(MissingCredentialsError):
            await c.place_order("BTCUSDT", "MARKET", "0.01", "BUY")
        assert len(demo.requests) == before


async def test_secret_needing_percent_encoding(demo: DemoExchange) -> None:
    key, secret = "key with spaces&=+", "s3cr3t/+=&?% üñí"
    demo._keys[key] = secret
    async with make_client(demo, False, key=key, secret=secret) as c:
        status = await c.place_order("BTCUSDT", "LIMIT", "0.001", "BUY", price="50000.5",
                                     tif="GTC")
        assert status.status == "new"
    sent = next(r for r in demo.requests if r.path == "/api/v3/order")
    assert sent.api_key == key and sent.status == 200


async def test_clock_skew_is_resynced_and_retried_once(client: BinanceClient,
                                                      demo: DemoExchange) -> None:
    demo.faults.clock_skew_ms = 10_000
    balances = await client.get_balances()
    assert "USDT" in balances
    codes = [r.status for r in demo.requests if r.path.endswith("account")]
    assert codes[-2:] == [400, 200]
    assert client.clock_offset_ms > 9_000
    assert any("resynchronising" in e.message for e in client.logs)
    demo.faults.clock_skew_ms = -10_000
    status = await client.place_order("BTCUSDT", "LIMIT", "0.002", "BUY", "60000")
    assert status.status == "new"
    posts = [r for r in demo.requests if r.path == order_path(client) and r.method == "POST"]
    assert [r.status for r in posts] == [400, 200]  # rejected (-1021) then placed once
    assert len((demo.futures if client.futures else demo.spot).orders()) == 1


async def test_429_retry_after_is_honoured(spot_client: BinanceClient,
                                           demo: DemoExchange) -> None:
    demo.faults.fail_next("/api/v3/ticker/bookTicker", status=429, code=-1003, retry_after=1)
    loop = asyncio.get_running_loop()
    started = loop.time()
    quote = await spot_client.get_bid_ask("BTCUSDT")
    assert quote["bid"] > 0
    assert loop.time() - started >= 0.9
    hits = [r for r in demo.requests if r.path == "/api/v3/ticker/bookTicker"]
    assert [r.status for r in hits] == [429, 200]
    demo.faults.fail_next("/api/v3/order", status=429, code=-1003, retry_after=1)
    with pytest.raises(RateLimitError) as err:
        await spot_client.place_order("BTCUSDT", "MARKET", "0.001", "BUY")
    assert err.value.retry_after == 1
    assert len([r for r in demo.requests if r.path == "/api/v3/order"]) == 1  # not resent


async def test_418_ban_stops_all_sending(spot_client: BinanceClient, demo: DemoExchange) -> None:
    demo.faults.ban(1.5)
    with pytest.raises(IPBannedError):
        await spot_client.get_bid_ask("BTCUSDT")
    demo.faults.banned_until = 0  # the exchange forgives, but our client must still wait
    before = len(demo.requests)
    with pytest.raises(IPBannedError, match="nothing sent"):
        await spot_client.get_balances()
    assert len(demo.requests) == before
    assert any("banned" in e.message for e in spot_client.logs)
    await until(lambda: time.time() > spot_client._rest.banned_until, what="the ban to end")
    assert "USDT" in await spot_client.get_balances()


async def test_5xx_after_accept_returns_the_real_order_once(client: BinanceClient,
                                                           demo: DemoExchange) -> None:
    path = order_path(client)
    demo.faults.fail_next(path, method="POST", status=503, after_accept=True)
    status = await client.place_order("BTCUSDT", "MARKET", "0.002", "BUY")
    assert status.status == "filled"
    engine = demo.futures if client.futures else demo.spot
    assert len(engine.orders()) == 1
    assert engine.orders()[0]["clientOrderId"] == status.client_order_id
    assert len([r for r in demo.requests if r.path == path and r.method == "POST"]) == 1


@pytest.mark.parametrize("code", [-1006, -1007])
async def test_unknown_status_codes_are_resolved_by_client_id(spot_client: BinanceClient,
                                                              demo: DemoExchange,
                                                              code: int) -> None:
    demo.faults.fail_next("/api/v3/order", method="POST", status=500, code=code,
                          after_accept=True)
    status = await spot_client.place_order("BTCUSDT", "LIMIT", "0.001", "BUY", "60000")
    assert status.status == "new"
    assert len(demo.spot.orders()) == 1


async def test_timeout_after_accept_resolves_without_resending(demo: DemoExchange) -> None:
    async with make_client(demo, False, timeout=0.5) as c:
        demo.faults.delay_next("/api/v3/order", 1.0, method="POST")
        status = await c.place_order("BTCUSDT", "MARKET", "0.001", "SELL")
        assert status.status == "filled"
    assert len(demo.spot.orders()) == 1
    assert len([r for r in demo.requests if r.path == "/api/v3/order" and r.method == "POST"
                ]) <= 1  # the late one may not be recorded before close


async def test_5xx_before_accept_reports_not_placed(spot_client: BinanceClient,
                                                   demo: DemoExchange) -> None:
    demo.faults.fail_next("/api/v3/order", method="POST", status=502)
    with pytest.raises(OrderRejectedError, match="not placed"):
        await spot_client.place_order("BTCUSDT", "MARKET", "0.001", "BUY")
    assert demo.spot.orders() == []


async def test_exchange_errors_carry_code_and_msg(spot_client: BinanceClient) -> None:
    with pytest.raises(OrderRejectedError) as err:
        await spot_client.place_order("BTCUSDT", "MARKET", "5", "BUY")  # 475k USDT
    assert err.value.code == -2010
    assert "insufficient balance" in err.value.msg
    with pytest.raises(OrderRejectedError) as err2:
        await spot_client.get_order_status("BTCUSDT", 424242)
    assert err2.value.code == -2013


async def test_bad_key_is_an_auth_error_without_echoing_it(demo: DemoExchange,
                                                          caplog: pytest.LogCaptureFixture
                                                          ) -> None:
    key, secret = "AKIAFAKEKEY1234567890", "SUPERSECRETVALUE987654321"
    c = make_client(demo, False, key=key, secret=secret)
    with caplog.at_level(logging.DEBUG), pytest.raises(AuthError) as err:
        await c.start()
    assert err.value.code == -2015
    assert c._rest._session is None  # start() cleaned up after itself
    text = str(err.value) + caplog.text + "".join(e.message for e in c.logs) + repr(c)
    assert key not in text and secret not in text


async def test_no_secret_or_signature_in_any_log(demo: DemoExchange,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    key, secret = "KEY-RECOGNISABLE-AAAA", "SECRET-RECOGNISABLE-BBBB"
    demo._keys[key] = secret
    with caplog.at_level(logging.DEBUG):
        async with make_client(demo, False, key=key, secret=secret) as c:
            await c.place_order("BTCUSDT", "MARKET", "0.001", "BUY")
            demo.faults.fail_next("/api/v3/order", method="POST", status=500, after_accept=True)
            await c.place_order("BTCUSDT", "MARKET", "0.001", "BUY")
            with pytest.raises(BinanceError) as err:
                await c.place_order("BTCUSDT", "MARKET", "50", "BUY")
    signatures = {r.params.get("signature") for r in demo.requests} - {None}
    assert signatures
    text = caplog.text + "\n".join(e.message for e in c.logs) + str(err.value)
    for needle in (key, secret, *signatures):
        assert needle not in text


async def test_close_leaves_no_task(demo: DemoExchange) -> None:
    before = asyncio.all_tasks()
    c = make_client(demo, False)
    await c.start()
    await c.subscribe_channel(["BTCUSDT"], "bookTicker")
    await c.close()
    await asyncio.sleep(0)
    assert asyncio.all_tasks() - before == set()
    assert c._rest._session is None


async def test_a_body_of_the_wrong_shape_is_an_error_not_garbage(spot_client: BinanceClient
                                                                 ) -> None:
    def boom(body: bytes) -> object:
        raise ValueError("not what we expected")

    with pytest.raises(BinanceError, match="Unexpected response"):
        await spot_client._rest.request("GET", "/api/v3/time", decode=boom)


def test_old_spot_min_notional_and_futures_notional_keys() -> None:
    import orjson

    from connector._parsing import decode_contracts

    def info(filters: list[dict[str, object]]) -> bytes:
        return orjson.dumps({"symbols": [{"symbol": "XUSDT", "status": "TRADING",
                                          "baseAsset": "X", "quoteAsset": "USDT",
                                          "filters": filters}]})

    old = decode_contracts(info([{"filterType": "MIN_NOTIONAL", "minNotional": "10.0",
                                  "applyToMarket": False}]), futures=False)["XUSDT"]
    assert old.min_notional == Decimal(10) and not old.apply_min_notional_to_market
    fut = decode_contracts(info([{"filterType": "MIN_NOTIONAL", "notional": "100"},
                                 {"filterType": "PRICE_FILTER", "tickSize": "0.10",
                                  "minPrice": "0.1", "maxPrice": "1000000"}]),
                           futures=True)["XUSDT"]
    assert fut.min_notional == Decimal(100) and fut.tick_size == Decimal("0.1")
    assert fut.price_decimals == 1
