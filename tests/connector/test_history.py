"""Order and fill history (allOrders, myTrades/userTrades) against the demo, over HTTP."""

from __future__ import annotations

from decimal import Decimal

import pytest

from connector import BinanceClient, InputError, OrderStatus, Trade
from connector._history import trade_from
from connector.demo import DEMO_API_KEY, DemoExchange, RejectError

from .conftest import make_client

HOUR = 3600 * 1000
DAY = 24 * HOUR
TRADES = ("/api/v3/myTrades", "/fapi/v1/userTrades")
ORDERS = ("/api/v3/allOrders", "/fapi/v1/allOrders")


def fill_engine(ex: DemoExchange, futures: bool, n: int, *, symbol: str = "DOGEUSDT",
                spread_ms: int = 0, now: int = 0) -> None:
    """``n`` market orders through the demo's own engine (fast: no HTTP), alternately buying
    and selling; with ``spread_ms`` their orders and fills are dated evenly over that span
    ending at ``now``, as a long history would be."""
    engine = ex.futures if futures else ex.spot
    first_trade = len(engine.trades)
    for i in range(n):
        engine.place(DEMO_API_KEY, symbol=symbol, side="BUY" if i % 2 == 0 else "SELL",
                     type_="MARKET", quantity=Decimal(21 if i % 2 == 0 else 20), price=None,
                     time_in_force=None, client_order_id=None)
    if spread_ms:
        fills = engine.trades[first_trade:]
        step = spread_ms // max(1, len(fills))
        orders = {o.order_id: o for o in engine.orders_by_id.values()}
        for i, t in enumerate(fills):
            t["time"] = now - spread_ms + i * step
            orders[t["orderId"]].time = t["time"]
            orders[t["orderId"]].update_time = t["time"]


async def test_trades_and_orders_parse_into_value_types(client: BinanceClient) -> None:
    placed = [await client.place_order("DOGEUSDT", "MARKET", qty, side)
              for qty, side in ((21, "BUY"), (20, "SELL"))]
    trades = await client.get_trades("DOGEUSDT")
    assert [t.order_id for t in trades] == [o.order_id for o in placed]
    buy, sell = trades
    assert isinstance(buy, Trade) and (buy.side, sell.side) == ("BUY", "SELL")
    assert buy.quantity == Decimal(21) and isinstance(buy.price, Decimal)
    assert buy.quote_quantity == buy.price * buy.quantity
    assert buy.commission > 0 and buy.commission_asset == ("USDT" if client.futures else "DOGE")
    assert buy.time > 0 and buy.trade_id < sell.trade_id
    orders = await client.get_order_history("DOGEUSDT")
    assert [o.order_id for o in orders] == [o.order_id for o in placed]
    assert all(isinstance(o, OrderStatus) and o.status == "filled" for o in orders)
    assert orders[0].executed_qty == Decimal(21) and orders[0].update_time > 0


def test_parser_reads_both_markets_field_names() -> None:
    spot = trade_from({"symbol": "BNBBTC", "id": 28457, "orderId": 100234, "orderListId": -1,
                       "price": "4.00000100", "qty": "12.00000000", "quoteQty": "48.000012",
                       "commission": "10.10000000", "commissionAsset": "BNB",
                       "time": 1499865549590, "isBuyer": True, "isMaker": False,
                       "isBestMatch": True})
    assert (spot.side, spot.is_maker, spot.realized_pnl) == ("BUY", False, 0)
    assert spot.quote_quantity == Decimal("48.000012")
    fut = trade_from({"buyer": False, "commission": "-0.07819010", "commissionAsset": "USDT",
                      "id": 698759, "maker": True, "orderId": 25851813, "price": "7819.01",
                      "qty": "0.002", "quoteQty": "15.63802", "realizedPnl": "-0.91539999",
                      "side": "SELL", "positionSide": "SHORT", "symbol": "BTCUSDT",
                      "time": 1569514978020})
    assert (fut.side, fut.is_maker) == ("SELL", True)
    assert fut.realized_pnl == Decimal("-0.91539999") and fut.commission == Decimal("-0.07819010")


@pytest.mark.parametrize("futures", [False, True], ids=["spot", "futures"])
async def test_a_long_span_pages_by_windows_then_ids(demo: DemoExchange, futures: bool) -> None:
    """2,500 fills over 20 days: more than two pages and more than one time window; every
    request within Binance's rules (the demo rejects a wider span or fromId with a time)."""
    async with make_client(demo, futures) as c:
        now = c._rest.now_ms()
        fill_engine(demo, futures, 2500, spread_ms=20 * DAY, now=now)
        start = now - 21 * DAY  # one empty day first: the windows must walk past it
        trades = await c.get_trades("DOGEUSDT", start=start, limit=None)
        assert len(trades) == 2500
        ids = [t.trade_id for t in trades]
        assert ids == sorted(set(ids))
        orders = await c.get_order_history("DOGEUSDT", start=start, limit=None)
        assert len(orders) == 2500 and len({o.order_id for o in orders}) == 2500
        requests = demo.requests_to(TRADES[futures])
        assert all(r.status == 200 for r in requests)
        cursors = [r for r in requests if "fromId" in r.params]
        assert len(cursors) >= 2 and all("startTime" not in r.params for r in cursors)
        assert any("startTime" in r.params for r in requests)

        # a bounded span in the middle, and a limit inside it
        mid = now - 10 * DAY
        window = await c.get_trades("DOGEUSDT", start=mid, end=mid + 2 * DAY)
        assert window and all(mid <= t.time <= mid + 2 * DAY for t in window)
        assert len(window) == len([t for t in trades if mid <= t.time <= mid + 2 * DAY])
        first = await c.get_trades("DOGEUSDT", start=start, limit=1200)
        assert [t.trade_id for t in first] == ids[:1200]
        # the most recent, in one request
        recent = await c.get_trades("DOGEUSDT", limit=10)
        assert [t.trade_id for t in recent] == ids[-10:]


async def test_resume_from_an_id(spot_client: BinanceClient, demo: DemoExchange) -> None:
    fill_engine(demo, False, 30)
    trades = await spot_client.get_trades("DOGEUSDT")
    later = await spot_client.get_trades("DOGEUSDT", from_id=trades[10].trade_id, limit=None)
    assert [t.trade_id for t in later] == [t.trade_id for t in trades[10:]]
    orders = await spot_client.get_order_history("DOGEUSDT", from_id=trades[25].order_id)
    assert [o.order_id for o in orders] == [t.order_id for t in trades[25:]]


async def test_a_fill_of_a_moment_ago_is_read_though_our_clock_runs_behind(
        spot_client: BinanceClient, demo: DemoExchange) -> None:
    """"Until now" is our estimate of the exchange's clock, which can lag it by the
    estimate's error: a fill just made must still fall inside the last window."""
    spot_client._rest.clock_offset_ms -= 400  # our estimate 0.4 s behind the exchange
    await spot_client.place_order("DOGEUSDT", "MARKET", 21, "BUY")
    fill = (await spot_client.get_trades("DOGEUSDT", limit=1))[-1]
    found = await spot_client.get_trades("DOGEUSDT", start=fill.time - 3_600_000, limit=None)
    assert fill.trade_id in {t.trade_id for t in found}


async def test_bad_arguments_are_refused_before_sending(spot_client: BinanceClient,
                                                        demo: DemoExchange) -> None:
    sent = len(demo.requests)
    with pytest.raises(InputError, match="start time"):
        await spot_client.get_trades("DOGEUSDT", limit=5000)
    with pytest.raises(InputError, match="positive"):
        await spot_client.get_order_history("DOGEUSDT", limit=0)
    with pytest.raises(InputError, match="before start"):
        await spot_client.get_trades("DOGEUSDT", start=10, end=5)
    with pytest.raises(InputError, match="Unknown symbol"):
        await spot_client.get_trades("NOPEUSDT")
    assert len(demo.requests) == sent


async def test_demo_enforces_binance_history_rules(spot_client: BinanceClient,
                                                   futures_client: BinanceClient) -> None:
    with pytest.raises(Exception, match="24 hours"):
        await spot_client._rest.request("GET", "/api/v3/myTrades", {
            "symbol": "BTCUSDT", "startTime": 0, "endTime": DAY + 1}, security="SIGNED")
    with pytest.raises(Exception, match="fromId cannot be sent"):
        await futures_client._rest.request("GET", "/fapi/v1/userTrades", {
            "symbol": "BTCUSDT", "fromId": 1, "startTime": 0}, security="SIGNED")
    with pytest.raises(Exception, match="limit"):
        await spot_client._rest.request("GET", "/api/v3/allOrders", {
            "symbol": "BTCUSDT", "limit": 1001}, security="SIGNED")
    assert issubclass(RejectError, Exception)
