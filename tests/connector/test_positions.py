"""Futures positions and account settings, against the demo exchange over loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from connector import BinanceClient, InputError, Position
from connector import client as client_module
from connector._margin import liquidation_price
from connector.demo import DEMO_API_KEY, DemoExchange
from connector.errors import ExchangeError
from connector.events import MarkPrice, OrderUpdate, PositionUpdate

from .conftest import make_client
from .helpers import until

BTC = "BTCUSDT"


@pytest.fixture
async def ex() -> AsyncIterator[DemoExchange]:
    async with DemoExchange(seed=11, walk=False) as demo:
        for symbol in demo.futures.specs:
            demo.futures.set_premium(symbol, 0)  # mark = index: exact arithmetic below
        demo.futures.set_price(BTC, "95000")
        yield demo


@pytest.fixture
async def fc(ex: DemoExchange) -> AsyncIterator[BinanceClient]:
    async with make_client(ex, True) as c:
        yield c


def truth(ex: DemoExchange, symbol: str = BTC):  # type: ignore[no-untyped-def]
    return ex.futures.account(DEMO_API_KEY).positions.get(symbol)


async def test_open_average_reduce_and_close_a_long(fc: BinanceClient, ex: DemoExchange) -> None:
    updates: list[Position] = []
    fc.add_listener(lambda e: updates.append(e.position) if isinstance(e, PositionUpdate) else None)
    await fc.place_order(BTC, "MARKET", "0.010", "BUY")
    await until(lambda: BTC in fc.positions, what="long opens")
    first = ex.futures.book(BTC)[2]  # bought at the ask
    assert fc.positions[BTC].quantity == Decimal("0.010")
    assert fc.positions[BTC].entry_price == first

    ex.futures.set_price(BTC, "97000")
    second = ex.futures.book(BTC)[2]
    await fc.place_order(BTC, "MARKET", "0.010", "BUY")
    await until(lambda: fc.positions[BTC].quantity == Decimal("0.020"), what="average in")
    average = (first + second) / 2
    assert fc.positions[BTC].entry_price == average == truth(ex).entry_price

    ex.futures.set_price(BTC, "98000")
    bid = ex.futures.book(BTC)[0]
    wallet_before = ex.futures.account(DEMO_API_KEY).free["USDT"]
    await fc.place_order(BTC, "MARKET", "0.005", "SELL")
    await until(lambda: fc.positions[BTC].quantity == Decimal("0.015"), what="partial reduce")
    assert fc.positions[BTC].entry_price == average  # a reduce keeps the entry
    trade = ex.futures.my_trades(DEMO_API_KEY, BTC)[-1]
    realized = (bid - average) * Decimal("0.005")
    assert Decimal(trade["realizedPnl"]) == realized.quantize(Decimal("1e-8"))
    fee = Decimal(trade["commission"])
    assert ex.futures.account(DEMO_API_KEY).free["USDT"] == wallet_before + realized - fee

    status = await fc.close_position(BTC)
    assert status is not None and status.status == "filled"
    assert status.executed_qty == Decimal("0.015") and status.side == "SELL"
    close = ex.requests_to("/fapi/v1/order", "POST")[-1]
    assert close.params["reduceOnly"] == "true" and close.params["type"] == "MARKET"
    await until(lambda: BTC not in fc.positions, what="closed position leaves")
    assert updates[-1].symbol == BTC and updates[-1].quantity == 0
    assert not await fc.get_positions()


async def test_a_short_is_negative_and_flips_at_the_fill_price(fc: BinanceClient,
                                                               ex: DemoExchange) -> None:
    await fc.place_order("ETHUSDT", "MARKET", "0.100", "SELL")
    await until(lambda: "ETHUSDT" in fc.positions)
    short = fc.positions["ETHUSDT"]
    assert short.quantity == Decimal("-0.100") and short.notional < 0
    assert short.margin_type == "cross" and short.leverage == 20
    await fc.place_order("ETHUSDT", "MARKET", "0.300", "BUY")  # through zero: long 0.2
    ask = ex.futures.book("ETHUSDT")[2]
    await until(lambda: fc.positions["ETHUSDT"].quantity == Decimal("0.200"), what="flip")
    assert fc.positions["ETHUSDT"].entry_price == ask


async def test_leverage_change_shows_in_the_position(fc: BinanceClient, ex: DemoExchange) -> None:
    await fc.place_order(BTC, "MARKET", "0.010", "BUY")
    await until(lambda: BTC in fc.positions)
    seen: list[Position] = []
    fc.add_listener(lambda e: seen.append(e.position) if isinstance(e, PositionUpdate) else None)
    assert await fc.set_leverage(BTC, 10) == 10
    assert fc.positions[BTC].leverage == 10 and seen[-1].leverage == 10
    assert (await fc.get_positions())[BTC].leverage == 10  # the exchange agrees
    assert ex.futures.account(DEMO_API_KEY).leverage_of(BTC) == 10
    with pytest.raises(InputError):
        await fc.set_leverage(BTC, 126)
    with pytest.raises(InputError):
        await fc.set_leverage(BTC, 0)
    with pytest.raises(InputError, match="at most 75x"):
        await fc.set_leverage("DOGEUSDT", 100)  # beyond DOGE's first bracket, known locally
    fc._futures.book.brackets.pop("DOGEUSDT")
    with pytest.raises(ExchangeError) as refused:
        await fc.set_leverage("DOGEUSDT", 100)  # and the exchange says so too
    assert refused.value.code == -4028


async def test_margin_type_already_so_is_not_an_error(fc: BinanceClient, ex: DemoExchange) -> None:
    await fc.set_margin_type(BTC, "CROSSED")  # -4046: it is already cross
    assert any("already cross" in e.message for e in fc.logs)
    await fc.set_margin_type(BTC, "ISOLATED")
    assert fc.margin_type_of(BTC) == "isolated"
    await fc.set_margin_type(BTC, "isolated")
    assert [r.status for r in ex.requests_to("/fapi/v1/marginType")] == [400, 200, 400]
    with pytest.raises(InputError):
        await fc.set_margin_type(BTC, "BOTH")
    await fc.place_order(BTC, "MARKET", "0.010", "BUY")
    with pytest.raises(ExchangeError) as refused:
        await fc.set_margin_type(BTC, "CROSSED")
    assert refused.value.code == -4048  # not with a position open


async def test_isolated_liquidation_leaves_client_positions(fc: BinanceClient,
                                                            ex: DemoExchange) -> None:
    await fc.set_margin_type(BTC, "ISOLATED")
    await fc.set_leverage(BTC, 50)
    orders: list[OrderUpdate] = []
    fc.add_listener(lambda e: orders.append(e) if isinstance(e, OrderUpdate) else None)
    await fc.place_order(BTC, "MARKET", "0.100", "BUY")
    await until(lambda: BTC in fc.positions and fc.positions[BTC].isolated_margin > 0)
    await fc.get_positions()
    p = fc.positions[BTC]
    wallet = truth(ex).isolated_wallet
    assert p.margin_type == "isolated"
    # Binance's formula by hand: bracket 1 of BTCUSDT (0.4 %, cum 0) for a 9.5k notional
    expected = (wallet - Decimal("0.1") * p.entry_price) / (Decimal("0.1") * Decimal("0.004")
                                                             - Decimal("0.1"))
    assert abs(p.liquidation_price - expected) < Decimal("0.00001")
    assert fc._futures.book.computed_liquidation_price(BTC) == expected
    ex.futures.set_price(BTC, (expected + 20).quantize(Decimal("0.1")))
    assert truth(ex) is not None and truth(ex).amount  # still above: alive
    ex.futures.set_price(BTC, (expected - 20).quantize(Decimal("0.1")))
    await until(lambda: BTC not in fc.positions, what="liquidated position leaves")
    liquidation = [u for u in orders if u.order.client_order_id.startswith("autoclose-")]
    assert liquidation and liquidation[-1].order.order_type == "LIQUIDATION"
    assert liquidation[-1].execution_type == "CALCULATED"
    assert liquidation[-1].order.status == "filled"
    assert ex.futures.account(DEMO_API_KEY).force_orders[-1]["type"] == "LIQUIDATION"
    assert any("BTCUSDT position LIQUIDATED: SELL 0.1 @" in e.message and e.level == "ERROR"
               for e in fc.logs)
    assert not await fc.get_positions()


async def test_cross_liquidation_takes_every_cross_position(fc: BinanceClient,
                                                            ex: DemoExchange) -> None:
    ex.futures.account(DEMO_API_KEY).free["USDT"] = Decimal(600)
    await fc.set_leverage(BTC, 100)
    await fc.place_order(BTC, "MARKET", "0.200", "BUY")  # 19k notional on a 600 wallet
    await until(lambda: BTC in fc.positions)
    lp = fc.positions[BTC].liquidation_price
    assert lp > 0
    ex.futures.set_price(BTC, (lp - 10).quantize(Decimal("0.1")))
    await until(lambda: not fc.positions, what="cross liquidation")
    assert ex.futures.account(DEMO_API_KEY).free["USDT"] >= 0


async def test_mark_price_moves_unrealized_pnl(fc: BinanceClient, ex: DemoExchange) -> None:
    await fc.place_order(BTC, "MARKET", "0.010", "BUY")
    await until(lambda: BTC in fc.positions)
    entry = fc.positions[BTC].entry_price
    ex.futures.set_premium(BTC, "0.001")
    ex.futures.set_price(BTC, "96000")
    mark = ex.futures.mark_price(BTC)
    fc._account.apply_mark(MarkPrice(BTC, mark, ex.futures.index_price(BTC),
                                     ex.futures.funding_rate(BTC),
                                     ex.futures.next_funding_time()))  # as _live hands it on
    p = fc.positions[BTC]
    assert p.mark_price == mark == Decimal("96096.0")
    assert p.unrealized_pnl == (mark - entry) * Decimal("0.010")
    assert fc.funding(BTC) == (ex.futures.funding_rate(BTC), ex.futures.next_funding_time())


async def test_mark_price_stream_moves_unrealized_pnl(fc: BinanceClient,
                                                      ex: DemoExchange) -> None:
    await fc.place_order(BTC, "MARKET", "0.010", "BUY")
    await until(lambda: BTC in fc.positions)
    await until(lambda: fc._futures._mark_stream is True, what="the desk subscribes itself")
    ex.futures.set_price(BTC, "99000")
    await until(lambda: fc.positions[BTC].mark_price == ex.futures.mark_price(BTC),
                what="stream mark")
    assert fc.positions[BTC].unrealized_pnl > 0


async def test_hedge_mode_is_refused_with_nothing_sent(ex: DemoExchange) -> None:
    async with make_client(ex, True) as first:
        await first._make_request("POST", "/fapi/v1/positionSide/dual",
                                  {"dualSidePosition": "true"})
    before = len(ex.requests)
    async with make_client(ex, True) as c:
        assert c.hedge_mode
        assert any("Hedge Mode" in e.message and e.level == "ERROR" for e in c.logs)
        with pytest.raises(InputError, match="Hedge Mode"):
            await c.place_order(BTC, "MARKET", "0.010", "BUY")
        with pytest.raises(InputError, match="Hedge Mode"):
            await c.close_position(BTC)
        assert c.positions == {}
    sent = {r.path for r in ex.requests[before:]}
    assert "/fapi/v1/positionSide/dual" in sent
    assert "/fapi/v1/order" not in sent and "/fapi/v3/positionRisk" not in sent


async def test_close_without_a_position_sends_nothing(fc: BinanceClient, ex: DemoExchange) -> None:
    assert await fc.close_position("ETHUSDT") is None
    assert ex.requests_to("/fapi/v1/order", "POST") == []
    assert any("No open ETHUSDT position" in e.message for e in fc.logs)


async def test_close_rounds_to_the_market_lot_step(fc: BinanceClient, ex: DemoExchange) -> None:
    await fc.place_order("SOLUSDT", "MARKET", "3", "SELL")
    await until(lambda: "SOLUSDT" in fc.positions)
    status = await fc.close_position("SOLUSDT")
    assert status is not None and status.side == "BUY" and status.executed_qty == 3
    await until(lambda: "SOLUSDT" not in fc.positions)


async def test_computed_liquidation_price_follows_the_stream(fc: BinanceClient,
                                                             ex: DemoExchange) -> None:
    await fc.place_order(BTC, "MARKET", "0.050", "BUY")
    await until(lambda: BTC in fc.positions)
    book = fc._futures.book
    assert book.cross_wallet is not None
    computed = book.computed_liquidation_price(BTC)
    p = fc.positions[BTC]
    assert computed == liquidation_price(book.cross_wallet, Decimal(0), Decimal(0), p.quantity,
                                         p.entry_price, Decimal("0.004"), Decimal(0))
    await until(lambda: fc.positions[BTC].liquidation_price == Decimal(
        ex.futures.position_row(DEMO_API_KEY, BTC)["liquidationPrice"]), what="exchange LP")


async def test_spot_client_has_no_positions(ex: DemoExchange) -> None:
    async with make_client(ex, False) as spot:
        with pytest.raises(InputError):
            await spot.get_positions()
        assert spot.positions == {} and not spot.hedge_mode


async def test_close_with_unknown_outcome_asks_instead_of_resending(fc: BinanceClient,
                                                                    ex: DemoExchange) -> None:
    await fc.place_order(BTC, "MARKET", "0.010", "BUY")
    await until(lambda: BTC in fc.positions)
    ex.faults.fail_next("/fapi/v1/order", method="POST", status=502, after_accept=True)
    status = await fc.close_position(BTC)
    assert status is not None and status.status == "filled"
    assert len(ex.requests_to("/fapi/v1/order", "POST")) == 2  # the open and one close
    assert any("outcome unknown" in e.message for e in fc.logs)
    await until(lambda: BTC not in fc.positions)


async def test_close_refused_is_logged_and_raised(fc: BinanceClient, ex: DemoExchange) -> None:
    await fc.place_order(BTC, "MARKET", "0.010", "BUY")
    ex.faults.fail_next("/fapi/v1/order", method="POST", status=400, code=-2022,
                        msg="ReduceOnly Order is rejected.")
    with pytest.raises(ExchangeError):
        await fc.close_position(BTC)
    assert any("rejected" in e.message and e.level == "ERROR" for e in fc.logs)


async def test_close_leaves_dust_below_the_lot_step(fc: BinanceClient, ex: DemoExchange) -> None:
    account = ex.futures.account(DEMO_API_KEY)
    await fc.place_order(BTC, "MARKET", "0.010", "BUY")
    account.positions[BTC].amount = Decimal("0.0105")  # as if a lot step had changed
    status = await fc.close_position(BTC)
    assert status is not None and status.executed_qty == Decimal("0.010")
    assert any("0.0005 remains" in e.message for e in fc.logs)
    account.positions[BTC].amount = Decimal("0.0005")
    assert await fc.close_position(BTC) is None
    assert any("below the MARKET lot step" in e.message for e in fc.logs)


async def test_leverage_input_is_checked_before_sending(fc: BinanceClient,
                                                        ex: DemoExchange) -> None:
    for bad in (True, "ten", 2.5, 500):
        with pytest.raises(InputError):
            await fc.set_leverage(BTC, bad)  # type: ignore[arg-type]
    assert ex.requests_to("/fapi/v1/leverage") == []
    assert await fc.set_leverage(BTC, "7") == 7  # type: ignore[arg-type]
    ex.faults.fail_next("/fapi/v1/marginType", status=400, code=-4047,
                        msg="Margin type cannot be changed if there exists open orders.")
    with pytest.raises(ExchangeError):
        await fc.set_margin_type(BTC, "ISOLATED")
    assert fc.margin_type_of(BTC) == "cross"


async def test_config_update_and_fallbacks(ex: DemoExchange) -> None:
    ex.faults.fail_next("/fapi/v1/leverageBracket", status=400, code=-1100,
                        msg="Illegal characters found in parameter.")
    ex.faults.fail_next("/fapi/v1/symbolConfig", status=404, code=-5, msg="Not found")
    ex.futures.set_leverage(DEMO_API_KEY, BTC, 33)
    async with make_client(ex, True) as c:
        assert any("Leverage brackets unavailable" in e.message for e in c.logs)
        assert c.leverage_of(BTC) == 33  # from the v2 rows instead of symbolConfig
        await c.place_order(BTC, "MARKET", "0.010", "BUY")
        await until(lambda: BTC in c.positions)
        assert c.positions[BTC].leverage == 33
        # no brackets: the liquidation price stays the exchange's
        assert c._futures.book.computed_liquidation_price(BTC) is None
        assert c._live.user is not None
        c._live.user._apply({"e": "ACCOUNT_CONFIG_UPDATE", "E": 1, "T": 1,
                             "ac": {"s": BTC, "l": 12}})
        assert c.positions[BTC].leverage == 12


async def test_a_late_rest_answer_does_not_undo_a_stream_update(fc: BinanceClient,
                                                                ex: DemoExchange) -> None:
    desk = fc._futures
    ex.faults.delay_next("/fapi/v3/positionRisk", 0.3)
    reload = asyncio.ensure_future(desk.reload())
    await until(lambda: ex.faults.rest == [], what="the slow request is in")
    await fc.place_order(BTC, "MARKET", "0.010", "BUY")  # its ACCOUNT_UPDATE overtakes
    await until(lambda: BTC in fc.positions)
    await reload
    assert fc.positions[BTC].quantity == Decimal("0.010")
    await until(lambda: desk._refresh is not None and desk._refresh.done())


async def test_leverage_changed_elsewhere_arrives_by_stream(fc: BinanceClient,
                                                            ex: DemoExchange) -> None:
    await fc.place_order(BTC, "MARKET", "0.010", "BUY")
    await until(lambda: BTC in fc.positions)
    ex.futures.set_leverage(DEMO_API_KEY, BTC, 15)  # as another app would, over REST
    await until(lambda: fc.positions[BTC].leverage == 15, what="ACCOUNT_CONFIG_UPDATE")
    assert fc.leverage_of(BTC) == 15


async def test_without_a_mark_channel_pnl_comes_from_rest(fc: BinanceClient,
                                                         ex: DemoExchange) -> None:
    await fc.place_order(BTC, "MARKET", "0.010", "BUY")
    await until(lambda: fc._futures._mark_stream is not None, what="mark stream decided")
    assert fc._futures._mark_stream is ("markPrice" in client_module.CHANNELS)
    assert BTC in fc._futures._marked
