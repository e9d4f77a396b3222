"""The demo's futures accounts: Binance's shapes (spoken to by python-binance, unmodified),
position rules, isolated margin, funding and liquidation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest
from binance import AsyncClient
from binance.exceptions import BinanceAPIException

from connector.demo import DEMO_API_KEY, DEMO_API_SECRET, DemoExchange
from connector.demo._engine import MarketEngine
from connector.demo._symbols import default_symbols

from ..helpers import until

D = Decimal
BTC = "BTCUSDT"


@pytest.fixture
async def ex() -> AsyncIterator[DemoExchange]:
    async with DemoExchange(seed=5, walk=False) as demo:
        demo.futures.set_premium(BTC, 0)
        demo.futures.set_price(BTC, "95000")
        yield demo


@pytest.fixture
async def pb(ex: DemoExchange) -> AsyncIterator[AsyncClient]:
    client = AsyncClient(DEMO_API_KEY, DEMO_API_SECRET)
    client.FUTURES_URL = ex.rest_url + "/fapi"
    client.API_URL = ex.rest_url + "/api"
    try:
        yield client
    finally:
        await client.close_connection()


class Recorder:
    """An EventSink that keeps what the engine reports."""

    def __init__(self) -> None:
        self.orders: list[tuple[str, dict[str, Any]]] = []
        self.accounts: list[tuple[str, list[dict[str, Any]] | None]] = []

    def book_ticker(self, *args: Any, **kwargs: Any) -> None:
        pass

    def trade(self, *args: Any, **kwargs: Any) -> None:
        pass

    def order_update(self, market: str, api_key: str, order: dict[str, Any],
                     execution_type: str, *args: Any) -> None:
        self.orders.append((execution_type, order))

    def account_update(self, market: str, api_key: str, balances: dict[str, Any], reason: str,
                       time_ms: int, positions: list[dict[str, Any]] | None = None) -> None:
        self.accounts.append((reason, positions))


def engine() -> tuple[MarketEngine, Recorder]:
    sink = Recorder()
    e = MarketEngine("futures", default_symbols(futures=True), seed=1, sink=sink)
    e.set_premium(BTC, 0)
    e.set_price(BTC, "95000")
    return e, sink


def buy(e: MarketEngine, qty: str, side: str = "BUY", symbol: str = BTC) -> None:
    e.place(DEMO_API_KEY, symbol=symbol, side=side, type_="MARKET", quantity=D(qty), price=None,
            time_in_force=None, client_order_id=None)


async def test_position_risk_v2_and_v3_shapes(pb: AsyncClient, ex: DemoExchange) -> None:
    await pb.futures_create_order(symbol=BTC, side="BUY", type="MARKET", quantity="0.010")
    v3 = await pb.futures_position_information()
    assert [r["symbol"] for r in v3] == [BTC]  # v3: only symbols with a position or orders
    assert {"marginAsset", "maintMargin", "positionInitialMargin", "adl"} <= v3[0].keys()
    assert "leverage" not in v3[0] and "marginType" not in v3[0]
    v2 = await pb._request_futures_api("get", "positionRisk", True, version=2, data={})
    assert len(v2) == len(ex.futures.symbols())  # v2: every symbol
    row = next(r for r in v2 if r["symbol"] == BTC)
    assert row["leverage"] == "20" and row["marginType"] == "cross"
    assert {"maxNotionalValue", "isAutoAddMargin", "liquidationPrice"} <= row.keys()
    assert "maintMargin" not in row
    assert D(row["positionAmt"]) == D("0.01")
    account = await pb.futures_account()
    assert account["positions"][0]["symbol"] == BTC


async def test_settings_through_python_binance(pb: AsyncClient) -> None:
    assert await pb.futures_get_position_mode() == {"dualSidePosition": False}
    answer = await pb.futures_change_leverage(symbol=BTC, leverage=10)
    assert answer == {"leverage": 10, "maxNotionalValue": "230000000", "symbol": BTC}
    await pb.futures_change_margin_type(symbol=BTC, marginType="ISOLATED")
    with pytest.raises(BinanceAPIException) as again:
        await pb.futures_change_margin_type(symbol=BTC, marginType="ISOLATED")
    assert again.value.code == -4046
    config = await pb.futures_symbol_config(symbol=BTC)
    assert config == [{"symbol": BTC, "marginType": "ISOLATED", "isAutoAddMargin": "false",
                       "leverage": 10, "maxNotionalValue": "230000000"}]
    one = await pb.futures_leverage_bracket(symbol=BTC)
    assert one["brackets"][1] == {"bracket": 2, "initialLeverage": 100, "notionalCap": 600000,
                                  "notionalFloor": 50000, "maintMarginRatio": 0.005,
                                  "cum": 50.0}
    every = await pb.futures_leverage_bracket()
    assert isinstance(every, list) and {b["symbol"] for b in every} >= {BTC, "ETHUSDT"}
    with pytest.raises(BinanceAPIException) as bad:
        await pb.futures_change_leverage(symbol=BTC, leverage=200)
    assert bad.value.code == -4028
    await pb.futures_change_position_mode(dualSidePosition="true")
    assert await pb.futures_get_position_mode() == {"dualSidePosition": True}
    with pytest.raises(BinanceAPIException) as same:
        await pb.futures_change_position_mode(dualSidePosition="true")
    assert same.value.code == -4059


async def test_mode_changes_refused_with_a_position(pb: AsyncClient) -> None:
    await pb.futures_create_order(symbol=BTC, side="SELL", type="MARKET", quantity="0.010")
    with pytest.raises(BinanceAPIException) as margin:
        await pb.futures_change_margin_type(symbol=BTC, marginType="ISOLATED")
    assert margin.value.code == -4048
    with pytest.raises(BinanceAPIException) as mode:
        await pb.futures_change_position_mode(dualSidePosition="true")
    assert mode.value.code == -4068
    with pytest.raises(BinanceAPIException) as lever:  # 0.01 BTC is within 1x's cap: fine;
        await pb.futures_change_leverage(symbol=BTC, leverage=0)  # 0x is not
    assert lever.value.code == -4028


def test_average_in_reduce_and_flip_by_binance_rules() -> None:
    e, _ = engine()
    acct = e.account(DEMO_API_KEY)
    buy(e, "0.010")
    first = acct.positions[BTC].entry_price
    e.set_price(BTC, "96000")
    buy(e, "0.030")
    second = e.book(BTC)[2]
    p = acct.positions[BTC]
    assert p.amount == D("0.040") and p.entry_price == (first * 1 + second * 3) / 4
    e.set_price(BTC, "97000")
    bid = e.book(BTC)[0]
    buy(e, "0.010", "SELL")
    assert p.amount == D("0.030") and p.entry_price == (first + second * 3) / 4
    assert D(e.trades[-1]["realizedPnl"]) == ((bid - p.entry_price) * D("0.01")).quantize(
        D("1e-8"))
    buy(e, "0.050", "SELL")  # through zero: short 0.02 at the fill price
    assert p.amount == D("-0.020") and p.entry_price == e.book(BTC)[0]


def test_isolated_wallet_moves_with_the_position() -> None:
    e, sink = engine()
    e.set_margin_type(DEMO_API_KEY, BTC, "ISOLATED")
    e.set_leverage(DEMO_API_KEY, BTC, 10)
    acct = e.account(DEMO_API_KEY)
    buy(e, "0.100")
    p = acct.positions[BTC]
    assert p.isolated_wallet == D("0.1") * p.entry_price / 10
    usdt = e.futures_balance(DEMO_API_KEY, "USDT")
    assert D(usdt["crossWalletBalance"]) == acct.free["USDT"] - p.isolated_wallet
    half = p.isolated_wallet / 2
    buy(e, "0.050", "SELL")
    assert p.isolated_wallet == half  # the closed half's margin went back
    reason, rows = sink.accounts[-1]
    assert reason == "ORDER" and rows is not None and rows[0]["marginType"] == "isolated"
    assert D(rows[0]["isolatedWallet"]) == half


def test_funding_settles_amount_times_mark_times_rate() -> None:
    e, sink = engine()
    buy(e, "0.100")
    rate = e.funding_rate(BTC)
    assert rate == D("0.0001")  # no premium: the interest rate
    wallet = e.account(DEMO_API_KEY).free["USDT"]
    e.settle_funding()
    fee = D("0.1") * e.mark_price(BTC) * rate
    assert e.account(DEMO_API_KEY).free["USDT"] == wallet - fee  # longs pay a positive rate
    assert sink.accounts[-1] == ("FUNDING_FEE", None)  # cross: balance only
    income = e.account(DEMO_API_KEY).income[-1]
    assert income["incomeType"] == "FUNDING_FEE" and D(income["income"]) == -fee.quantize(
        D("1e-8"))
    e.set_premium(BTC, "0.002")  # a rich premium: funding clamps to premium - 0.05 %
    assert e.funding_rate(BTC) == D("0.0015")
    assert e.mark_price(BTC) == D("95190.0")
    index = e.premium_index(BTC)
    assert index["markPrice"] == "95190.00000000" and index["lastFundingRate"] == "0.00150000"


async def test_fast_funding_clock() -> None:
    async with DemoExchange(seed=2, walk_interval=0.02, funding_interval=0.3) as demo:
        demo.futures.place(DEMO_API_KEY, symbol=BTC, side="SELL", type_="MARKET",
                           quantity=D("0.010"), price=None, time_in_force=None,
                           client_order_id=None)
        income = demo.futures.account(DEMO_API_KEY).income
        await until(lambda: len(income) >= 2, timeout=10, what="two fundings")
        assert income[1]["time"] - income[0]["time"] >= 250
        step = int(0.3 * 1000)
        assert demo.futures.next_funding_time(1_000) == step * (1_000 // step + 1)


def test_liquidation_order_and_events() -> None:
    e, sink = engine()
    e.set_margin_type(DEMO_API_KEY, BTC, "ISOLATED")
    e.set_leverage(DEMO_API_KEY, BTC, 100)
    buy(e, "0.100")
    acct = e.account(DEMO_API_KEY)
    wallet_before = acct.free["USDT"]
    margin = acct.positions[BTC].isolated_wallet
    lp = D(e.position_row(DEMO_API_KEY, BTC)["liquidationPrice"])
    e.set_price(BTC, lp + 5)
    assert acct.positions[BTC].amount  # above: alive
    e.set_price(BTC, lp - 5)
    assert BTC not in acct.positions
    kinds = [(x, o["type"], o["status"]) for x, o in sink.orders if o["type"] == "LIQUIDATION"]
    assert kinds == [("NEW", "LIQUIDATION", "NEW"), ("LIQUIDATION", "LIQUIDATION", "FILLED")]
    order = sink.orders[-1][1]
    assert order["clientOrderId"].startswith("autoclose-") and order["side"] == "SELL"
    reason, rows = sink.accounts[-1]
    assert reason == "ORDER"
    assert rows is not None and rows[0]["positionAmt"] == "0.00000000"
    assert acct.free["USDT"] == wallet_before - margin  # the isolated margin is lost, no more
    assert acct.force_orders[-1]["orderId"] == order["orderId"]
    assert e.my_trades(DEMO_API_KEY, BTC)[-1]["orderId"] == order["orderId"]


async def test_force_orders_and_income_endpoints(pb: AsyncClient, ex: DemoExchange) -> None:
    ex.futures.set_leverage(DEMO_API_KEY, BTC, 125)
    ex.futures.account(DEMO_API_KEY).free["USDT"] = D(200)
    await pb.futures_create_order(symbol=BTC, side="BUY", type="MARKET", quantity="0.100")
    ex.futures.settle_funding()
    lp = D((await pb.futures_position_information(symbol=BTC))[0]["liquidationPrice"])
    ex.futures.set_price(BTC, lp - 50)
    forced = await pb._request_futures_api("get", "forceOrders", True, data={})
    assert [o["type"] for o in forced] == ["LIQUIDATION"]
    income = await pb.futures_income_history(incomeType="FUNDING_FEE")
    assert len(income) == 1 and D(income[0]["income"]) < 0
    assert await pb.futures_position_information() == []


async def test_position_side_must_match_the_mode(pb: AsyncClient) -> None:
    with pytest.raises(BinanceAPIException) as one_way:
        await pb.futures_create_order(symbol=BTC, side="BUY", type="MARKET", quantity="0.010",
                                      positionSide="LONG")
    assert one_way.value.code == -4061
    await pb.futures_change_position_mode(dualSidePosition="true")
    with pytest.raises(BinanceAPIException) as hedge:
        await pb.futures_create_order(symbol=BTC, side="BUY", type="MARKET", quantity="0.010")
    assert hedge.value.code == -4061


async def test_ccxt_positions_leverage_margin_and_tiers(ex: DemoExchange) -> None:
    import re

    import ccxt.async_support as ccxt

    x = ccxt.binanceusdm({"apiKey": DEMO_API_KEY, "secret": DEMO_API_SECRET})
    for name, url in list(x.urls["api"].items()):
        if isinstance(url, str):
            x.urls["api"][name] = re.sub(r"https://[a-z\-]+\.binance\.com", ex.rest_url, url)
    assert all(u.startswith(ex.rest_url) for u in x.urls["api"].values() if isinstance(u, str))
    x.options["fetchCurrencies"] = False
    x.options["fetchMarkets"] = {"types": ["linear"]}
    try:
        await x.load_markets()
        symbol = "BTC/USDT:USDT"
        assert (await x.set_leverage(10, symbol))["leverage"] == 10
        await x.set_margin_mode("isolated", symbol)
        assert (await x.fetch_position_mode(symbol))["hedged"] is False
        await x.create_order(symbol, "market", "sell", 0.01)
        (p,) = await x.fetch_positions([symbol])
        assert (p["side"], p["contracts"], p["marginMode"]) == ("short", 0.01, "isolated")
        assert p["liquidationPrice"] > 95000
        tiers = (await x.fetch_leverage_tiers([symbol]))[symbol]
        assert tiers[0]["maxLeverage"] == 125 and tiers[1]["maintenanceMarginRate"] == 0.005
    finally:
        await x.close()


async def test_reduce_only_must_face_a_position(pb: AsyncClient) -> None:
    with pytest.raises(BinanceAPIException) as nothing:
        await pb.futures_create_order(symbol=BTC, side="SELL", type="MARKET", quantity="0.010",
                                      reduceOnly="true")
    assert nothing.value.code == -2022
    await pb.futures_create_order(symbol=BTC, side="BUY", type="MARKET", quantity="0.010")
    with pytest.raises(BinanceAPIException) as grow:
        await pb.futures_create_order(symbol=BTC, side="BUY", type="MARKET", quantity="0.010",
                                      reduceOnly="true")
    assert grow.value.code == -2022
    await pb.futures_create_order(symbol=BTC, side="SELL", type="MARKET", quantity="0.010",
                                  reduceOnly="true")
    assert await pb.futures_position_information() == []


def test_a_gap_through_the_liquidation_price_costs_only_the_isolated_margin() -> None:
    e, _ = engine()
    e.set_margin_type(DEMO_API_KEY, BTC, "ISOLATED")
    e.set_leverage(DEMO_API_KEY, BTC, 50)
    buy(e, "0.100")
    acct = e.account(DEMO_API_KEY)
    wallet, margin = acct.free["USDT"], acct.positions[BTC].isolated_wallet
    e.set_price(BTC, "80000")  # far below: the loss at the fill exceeds the margin
    assert BTC not in acct.positions
    assert acct.free["USDT"] == wallet - margin


def test_cross_bankruptcy_leaves_a_zero_wallet_not_a_negative_one() -> None:
    e, _ = engine()
    acct = e.account(DEMO_API_KEY)
    acct.free["USDT"] = D(500)
    e.set_leverage(DEMO_API_KEY, BTC, 100)
    buy(e, "0.300")
    e.set_price(BTC, "60000")
    assert BTC not in acct.positions and acct.free["USDT"] == 0
