"""The demo's conditional orders held to Binance's wire: engine semantics without I/O, and
cancelReplace / orderList / algo answers over real HTTP."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from connector import ExchangeError
from connector.demo import DEMO_API_KEY, DemoExchange, RejectError
from connector.demo._engine import MarketEngine
from connector.demo._oco import Leg, place_oco
from connector.demo._symbols import default_symbols

from ..conftest import make_client

D = Decimal


class Recorder:
    """An EventSink that keeps the user-stream calls."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def __getattr__(self, name: str) -> Any:
        def record(*args: Any, **kwargs: Any) -> None:
            if name in ("order_update", "algo_update", "list_status"):
                self.calls.append((name, args))
        return record


def engine(market: str) -> tuple[MarketEngine, Recorder]:
    sink = Recorder()
    e = MarketEngine(market, default_symbols(futures=market == "futures"),  # type: ignore[arg-type]
                     seed=3, sink=sink)  # type: ignore[arg-type]
    return e, sink


def test_limit_maker_that_would_take_is_2010() -> None:
    e, _ = engine("spot")
    ask = e.books["BTCUSDT"].ask
    with pytest.raises(RejectError) as info:
        e.place(DEMO_API_KEY, symbol="BTCUSDT", side="BUY", type_="LIMIT_MAKER",
                quantity=D("0.001"), price=ask, time_in_force=None, client_order_id=None)
    assert info.value.code == -2010
    assert e.orders_by_id == {}


def test_spot_stop_that_would_trigger_at_once_is_refused() -> None:
    e, _ = engine("spot")
    last = e.books["BTCUSDT"].last
    with pytest.raises(RejectError, match="trigger immediately"):
        e.place(DEMO_API_KEY, symbol="BTCUSDT", side="SELL", type_="STOP_LOSS",
                quantity=D("0.001"), price=None, time_in_force=None, client_order_id=None,
                stop_price=last + 100)


def test_oco_locks_once_and_releases_on_fill() -> None:
    e, sink = engine("spot")
    acct = e.account(DEMO_API_KEY)
    btc = acct.free["BTC"]
    last = e.books["BTCUSDT"].last
    order_list = place_oco(e, DEMO_API_KEY, symbol="BTCUSDT", side="SELL", quantity=D("0.5"),
                           above=Leg("LIMIT_MAKER", last + 500, None, None, None),
                           below=Leg("STOP_LOSS", None, last - 500, None, None),
                           list_client_id="mylist")
    assert acct.locked["BTC"] == D("0.5") and acct.free["BTC"] == btc - D("0.5")
    e.set_price("BTCUSDT", last - 600)  # the stop leg fires, the limit leg expires
    legs = [e.orders_by_id[oid] for oid in order_list.order_ids]
    assert {o.type: o.status for o in legs} == {"LIMIT_MAKER": "EXPIRED", "STOP_LOSS": "FILLED"}
    assert acct.locked["BTC"] == 0 and acct.free["BTC"] == btc - D("0.5")
    statuses = [args[2]["listStatusType"] for name, args in sink.calls if name == "list_status"]
    assert statuses == ["EXEC_STARTED", "ALL_DONE"]
    assert order_list.status == "ALL_DONE"


def test_reduce_only_algo_expires_when_the_position_closes() -> None:
    e, _ = engine("futures")
    e.place(DEMO_API_KEY, symbol="BTCUSDT", side="BUY", type_="MARKET", quantity=D("0.01"),
            price=None, time_in_force=None, client_order_id=None)
    last = e.books["BTCUSDT"].last
    common: dict[str, Any] = dict(symbol="BTCUSDT", side="SELL", quantity=D("0.01"), price=None,
                                  time_in_force=None, working_type=None, reduce_only=True,
                                  callback_rate=None, activate_price=None, client_algo_id=None)
    tp = e.algo.place(DEMO_API_KEY, order_type="TAKE_PROFIT_MARKET",
                      trigger_price=(last * D("1.05")).quantize(D("0.1")), **common)
    sl = e.algo.place(DEMO_API_KEY, order_type="STOP_MARKET",
                      trigger_price=(last * D("0.95")).quantize(D("0.1")), **common)
    e.set_price("BTCUSDT", last * D("1.06"))
    assert tp.status == "FINISHED" and tp.executed_qty == D("0.01")
    assert sl.status == "EXPIRED"
    assert e.account(DEMO_API_KEY).positions["BTCUSDT"].amount == 0


def test_mark_price_working_type_triggers_on_the_mark() -> None:
    e, _ = engine("futures")
    last = e.books["BTCUSDT"].last
    algo = e.algo.place(DEMO_API_KEY, symbol="BTCUSDT", side="BUY", order_type="STOP_MARKET",
                        quantity=D("0.01"), price=None,
                        trigger_price=(last * D("1.01")).quantize(D("0.1")),
                        time_in_force=None, working_type="MARK_PRICE", reduce_only=False,
                        callback_rate=None, activate_price=None, client_algo_id="m1")
    e.set_price("BTCUSDT", last * D("1.02"))
    assert algo.status == "FINISHED"


async def test_cancel_replace_modes_and_failure_shape() -> None:
    async with DemoExchange(seed=7, walk=False) as ex, make_client(ex, False) as c:
        bid = ex.spot.book("BTCUSDT")[0]
        order = await c.place_order("BTCUSDT", "LIMIT", "0.001", "BUY", bid - 100)
        params: dict[str, Any] = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT",
                                  "timeInForce": "GTC", "quantity": "0.001",
                                  "price": format(bid - 90, "f")}
        ok = await c._rest.request("POST", "/api/v3/order/cancelReplace", {
            **params, "cancelReplaceMode": "STOP_ON_FAILURE", "cancelOrderId": order.order_id},
            security="SIGNED")
        assert ok["cancelResult"] == "SUCCESS" and ok["newOrderResult"] == "SUCCESS"
        assert ok["cancelResponse"]["status"] == "CANCELED"
        assert ok["newOrderResponse"]["status"] == "NEW"
        with pytest.raises(ExchangeError) as info:  # the old order is gone now
            await c._rest.request("POST", "/api/v3/order/cancelReplace", {
                **params, "cancelReplaceMode": "STOP_ON_FAILURE",
                "cancelOrderId": order.order_id}, security="SIGNED")
        assert info.value.code == -2022
        with pytest.raises(ExchangeError) as info:  # ALLOW_FAILURE: placed anyway, 409
            await c._rest.request("POST", "/api/v3/order/cancelReplace", {
                **params, "cancelReplaceMode": "ALLOW_FAILURE",
                "cancelOrderId": order.order_id}, security="SIGNED")
        assert info.value.code == -2021 and info.value.status == 409
        assert len(ex.spot.open_orders()) == 2


async def test_order_list_and_algo_queries_over_http() -> None:
    async with DemoExchange(seed=7, walk=False) as ex, make_client(ex, False) as c:
        last = ex.spot.books["BTCUSDT"].last
        legs = await c.place_oco("BTCUSDT", "SELL", "0.001", last + 500, last - 500)
        got = await c._rest.request("GET", "/api/v3/orderList",
                                    {"orderListId": legs[0].order_list_id}, security="SIGNED")
        assert got["listOrderStatus"] == "EXECUTING" and len(got["orders"]) == 2
        opened = await c._rest.request("GET", "/api/v3/openOrderList", security="SIGNED")
        assert [o["orderListId"] for o in opened] == [legs[0].order_list_id]
        gone = await c._rest.request("DELETE", "/api/v3/orderList", {
            "symbol": "BTCUSDT", "orderListId": legs[0].order_list_id}, security="SIGNED")
        assert {r["status"] for r in gone["orderReports"]} == {"CANCELED"}
    async with DemoExchange(seed=7, walk=False) as ex, make_client(ex, True) as f:
        last = ex.futures.books["BTCUSDT"].last
        algo = await f.place_order("BTCUSDT", "STOP_MARKET", "0.01", "SELL",
                                   stop_price=(last * D("0.9")).quantize(D("0.1")))
        rows = await f._rest.request("GET", "/fapi/v1/openAlgoOrders", security="SIGNED")
        assert [r["algoId"] for r in rows] == [algo.order_id]
        assert rows[0]["algoType"] == "CONDITIONAL" and rows[0]["orderType"] == "STOP_MARKET"
        await f._rest.request("DELETE", "/fapi/v1/algoOpenOrders", {"symbol": "BTCUSDT"},
                              security="SIGNED")
        assert ex.futures.algo.open_orders(DEMO_API_KEY) == []
