"""Every order type beyond LIMIT/MARKET, placed by BinanceClient on DemoExchange over loopback:
placed -> triggered -> filled (or expired), OCO legs ending each other, amends, validation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from connector import (
    BinanceClient,
    ExchangeError,
    FilterError,
    InputError,
    OrderRejectedError,
    OrderStatus,
)
from connector.demo import DemoExchange
from connector.events import Event, OrderUpdate

from .conftest import make_client
from .helpers import until

D = Decimal
ORDER_ENDPOINTS = ("/api/v3/order", "/fapi/v1/order", "/fapi/v1/algoOrder",
                   "/api/v3/orderList/oco", "/api/v3/order/cancelReplace")


@pytest.fixture
async def still() -> AsyncIterator[DemoExchange]:
    """A demo whose prices move only when a test moves them."""
    async with DemoExchange(seed=7, walk=False) as ex:
        yield ex


@pytest.fixture
async def spot(still: DemoExchange) -> AsyncIterator[BinanceClient]:
    async with make_client(still, False) as c:
        yield c


@pytest.fixture
async def fut(still: DemoExchange) -> AsyncIterator[BinanceClient]:
    async with make_client(still, True) as c:
        yield c


def sent(ex: DemoExchange) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in ex.requests if r.path in ORDER_ENDPOINTS
            and r.method in ("POST", "PUT")]


async def status_of(c: BinanceClient, order: OrderStatus, want: str) -> OrderStatus:
    found: list[OrderStatus] = []

    async def check() -> bool:
        found[:] = [await c.get_order_status(order.symbol, order.order_id)]
        return found[0].status == want

    for _ in range(200):
        if await check():
            return found[0]
        await until(lambda: True)
    raise AssertionError(f"order {order.order_id} is {found[0].status}, not {want}")


# -- spot -------------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "side", "move", "limit"), [
    ("STOP_LOSS_LIMIT", "SELL", D("0.97"), D("0.96")),
    ("STOP_LOSS", "SELL", D("0.97"), None),
    ("TAKE_PROFIT_LIMIT", "SELL", D("1.03"), D("1.01")),
    ("TAKE_PROFIT", "BUY", D("0.97"), None),
])
async def test_spot_stop_types_trigger_and_fill(spot: BinanceClient, still: DemoExchange,
                                                kind: str, side: str, move: Decimal,
                                                limit: Decimal | None) -> None:
    last = still.spot.books["BTCUSDT"].last
    stop = (last * (move + (D("0.01") if move < 1 else D("-0.01")))).quantize(D("0.01"))
    price = None if limit is None else (last * limit).quantize(D("0.01"))
    order = await spot.place_order("BTCUSDT", kind, "0.001", side, price, stop_price=stop)
    assert order.status == "new" and order.stop_price == stop and order.order_type == kind
    assert spot.open_orders[order.order_id].stop_price == stop
    still.spot.set_price("BTCUSDT", last * move)
    done = await status_of(spot, order, "filled")
    assert done.executed_qty == D("0.001")
    await until(lambda: order.order_id not in spot.open_orders, what="order leaves open_orders")


async def test_spot_post_only_is_limit_maker_and_refused_if_it_would_take(
        spot: BinanceClient, still: DemoExchange) -> None:
    bid, _, ask, _ = still.spot.book("BTCUSDT")
    resting = await spot.place_order("BTCUSDT", "LIMIT", "0.001", "BUY", bid - 10,
                                     post_only=True)
    assert resting.order_type == "LIMIT_MAKER" and resting.status == "new"
    with pytest.raises(OrderRejectedError, match="immediately match"):
        await spot.place_order("BTCUSDT", "LIMIT", "0.001", "BUY", ask + 10, post_only=True)
    assert len(still.spot.open_orders()) == 1


async def test_oco_limit_leg_fill_expires_the_stop_leg(spot: BinanceClient,
                                                       still: DemoExchange) -> None:
    events: list[Event] = []
    spot.add_listener(events.append)
    last = still.spot.books["BTCUSDT"].last
    legs = await spot.place_oco("BTCUSDT", "SELL", "0.001", (last * D("1.02")).quantize(D("1")),
                                (last * D("0.98")).quantize(D("1")),
                                (last * D("0.975")).quantize(D("1")))
    assert len(legs) == 2 and len({leg.order_list_id for leg in legs}) == 1
    assert legs[0].order_list_id != -1
    assert {leg.order_type for leg in legs} == {"LIMIT_MAKER", "STOP_LOSS_LIMIT"}
    assert all(leg.order_id in spot.open_orders for leg in legs)
    still.spot.set_price("BTCUSDT", last * D("1.03"))
    await until(lambda: not any(leg.order_id in spot.open_orders for leg in legs),
                what="both legs leave open_orders")
    states = {(await spot.get_order_status("BTCUSDT", leg.order_id)).order_type:
              (await spot.get_order_status("BTCUSDT", leg.order_id)).status for leg in legs}
    assert states == {"LIMIT_MAKER": "filled", "STOP_LOSS_LIMIT": "expired"}
    reported = {e.order.order_id: e.order.status for e in events if isinstance(e, OrderUpdate)}
    assert all(leg.order_id in reported for leg in legs)  # the client reports both


async def test_cancelling_one_oco_leg_cancels_the_list(spot: BinanceClient,
                                                       still: DemoExchange) -> None:
    last = still.spot.books["BTCUSDT"].last
    legs = await spot.place_oco("BTCUSDT", "BUY", "0.001", (last * D("0.98")).quantize(D("1")),
                                (last * D("1.02")).quantize(D("1")))
    await spot.cancel_order("BTCUSDT", legs[0].order_id)
    assert still.spot.open_orders() == []
    await until(lambda: not any(leg.order_id in spot.open_orders for leg in legs))


async def test_oco_lost_answer_is_resolved_by_list_client_id(spot: BinanceClient,
                                                             still: DemoExchange) -> None:
    still.faults.fail_next("/api/v3/orderList/oco", method="POST", status=500,
                           after_accept=True)
    last = still.spot.books["BTCUSDT"].last
    legs = await spot.place_oco("BTCUSDT", "SELL", "0.001", (last * D("1.02")).quantize(D("1")),
                                (last * D("0.98")).quantize(D("1")))
    assert len(legs) == 2 and len(still.spot.order_lists) == 1
    assert sent(still).count(("POST", "/api/v3/orderList/oco")) == 1


async def test_spot_amend_replaces_the_order(spot: BinanceClient, still: DemoExchange) -> None:
    bid = still.spot.book("BTCUSDT")[0]
    order = await spot.place_order("BTCUSDT", "LIMIT", "0.001", "BUY", bid - 100)
    amended = await spot.amend_order("BTCUSDT", order.order_id, price=bid - 50)
    assert amended.price == bid - 50 and amended.order_id != order.order_id
    assert [o["orderId"] for o in still.spot.open_orders()] == [amended.order_id]
    assert order.order_id not in spot.open_orders and amended.order_id in spot.open_orders


@pytest.mark.parametrize("futures", [False, True], ids=["spot", "futures"])
async def test_amend_with_5xx_after_accept_leaves_one_live_order(still: DemoExchange,
                                                                futures: bool) -> None:
    async with make_client(still, futures) as c:
        engine = still.futures if futures else still.spot
        bid = engine.book("BTCUSDT")[0]
        order = await c.place_order("BTCUSDT", "LIMIT", "0.01" if futures else "0.001", "BUY",
                                    bid - 100)
        path = "/fapi/v1/order" if futures else "/api/v3/order/cancelReplace"
        still.faults.fail_next(path, method="PUT" if futures else "POST", status=500,
                               after_accept=True)
        amended = await c.amend_order("BTCUSDT", order.order_id, price=bid - 60)
        live = engine.open_orders()
        assert len(live) == 1 and D(live[0]["price"]) == bid - 60
        assert amended.order_id == live[0]["orderId"] and amended.price == bid - 60


async def test_amend_refuses_other_types_and_sends_nothing(fut: BinanceClient,
                                                           still: DemoExchange) -> None:
    last = still.futures.books["BTCUSDT"].last
    algo = await fut.place_order("BTCUSDT", "STOP_MARKET", "0.01", "BUY",
                                 stop_price=(last * D("1.05")).quantize(D("0.1")))
    before = sent(still)
    with pytest.raises(InputError, match="Only LIMIT"):
        await fut.amend_order("BTCUSDT", algo.order_id, price=last)
    assert sent(still) == before


# -- futures ------------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "side", "move", "limit"), [
    ("STOP_MARKET", "BUY", D("1.03"), None),
    ("STOP", "SELL", D("0.97"), D("0.95")),
    ("TAKE_PROFIT_MARKET", "SELL", D("1.03"), None),
    ("TAKE_PROFIT", "BUY", D("0.97"), D("0.99")),
])
async def test_futures_conditionals_go_to_the_algo_service_and_fill(
        fut: BinanceClient, still: DemoExchange, kind: str, side: str, move: Decimal,
        limit: Decimal | None) -> None:
    events: list[Event] = []
    fut.add_listener(events.append)
    last = still.futures.books["BTCUSDT"].last
    stop = (last * (move + (D("0.01") if move < 1 else D("-0.01")))).quantize(D("0.1"))
    price = None if limit is None else (last * limit).quantize(D("0.1"))
    algo = await fut.place_order("BTCUSDT", kind, "0.01", side, price, stop_price=stop)
    assert algo.is_algo and algo.status == "new" and algo.stop_price == stop
    assert fut.open_orders[algo.order_id].is_algo
    still.futures.set_price("BTCUSDT", last * move)
    done = await status_of(fut, algo, "filled")
    assert done.executed_qty == D("0.01") and done.is_algo
    await until(lambda: algo.order_id not in fut.open_orders)
    assert any(isinstance(e, OrderUpdate) and e.order.order_id == algo.order_id for e in events)
    posted = [r for r in still.requests if r.path == "/fapi/v1/order" and r.method == "POST"]
    assert posted == []  # never a conditional type on /fapi/v1/order
    assert [r.params["type"] for r in still.requests if r.path == "/fapi/v1/algoOrder"
            and r.method == "POST"] == [kind]


async def test_trailing_stop_tracks_the_high_then_fires(fut: BinanceClient,
                                                        still: DemoExchange) -> None:
    last = still.futures.books["BTCUSDT"].last
    algo = await fut.place_order("BTCUSDT", "TRAILING_STOP_MARKET", "0.01", "SELL",
                                 callback_rate="1")
    assert algo.is_algo
    still.futures.set_price("BTCUSDT", last * D("1.04"))
    still.futures.set_price("BTCUSDT", last * D("1.035"))  # 0.5 % off the high: holds
    assert (await fut.get_order_status("BTCUSDT", algo.order_id)).status == "new"
    still.futures.set_price("BTCUSDT", last * D("1.025"))  # > 1 % off the high: fires
    await status_of(fut, algo, "filled")


async def test_cancel_and_query_algo_by_its_id(fut: BinanceClient, still: DemoExchange) -> None:
    last = still.futures.books["BTCUSDT"].last
    algo = await fut.place_order("BTCUSDT", "STOP_MARKET", "0.01", "SELL",
                                 stop_price=(last * D("0.9")).quantize(D("0.1")))
    assert (await fut.get_order_status("BTCUSDT", algo.order_id)).status == "new"
    cancelled = await fut.cancel_order("BTCUSDT", algo.order_id)
    assert cancelled.status == "canceled" and algo.order_id not in fut.open_orders


async def test_algo_lost_answer_is_resolved_by_client_algo_id(fut: BinanceClient,
                                                              still: DemoExchange) -> None:
    still.faults.fail_next("/fapi/v1/algoOrder", method="POST", status=503, after_accept=True)
    last = still.futures.books["BTCUSDT"].last
    algo = await fut.place_order("BTCUSDT", "STOP_MARKET", "0.01", "SELL",
                                 stop_price=(last * D("0.9")).quantize(D("0.1")))
    assert algo.status == "new" and len(still.futures.algo.orders) == 1
    assert sent(still).count(("POST", "/fapi/v1/algoOrder")) == 1


async def test_open_algo_orders_are_reconciled_on_start(still: DemoExchange,
                                                        fut: BinanceClient) -> None:
    last = still.futures.books["BTCUSDT"].last
    algo = await fut.place_order("BTCUSDT", "TAKE_PROFIT_MARKET", "0.01", "SELL",
                                 stop_price=(last * D("1.1")).quantize(D("0.1")))
    async with make_client(still, True) as other:
        assert other.open_orders[algo.order_id].is_algo
        await other.cancel_order("BTCUSDT", algo.order_id)
    await until(lambda: algo.order_id not in fut.open_orders, what="ALGO_UPDATE cancel")


async def test_algo_update_after_reconnect_reconciles(still: DemoExchange,
                                                      fut: BinanceClient) -> None:
    last = still.futures.books["BTCUSDT"].last
    algo = await fut.place_order("BTCUSDT", "STOP_MARKET", "0.01", "BUY",
                                 stop_price=(last * D("1.1")).quantize(D("0.1")))
    still.hub.expire_listen_keys()
    still.futures.algo.cancel(still.futures.algo.orders[algo.order_id].api_key, algo.order_id,
                              None)
    await until(lambda: algo.order_id not in fut.open_orders, what="reconciled after reconnect")


async def test_futures_post_only_expires_instead_of_taking(fut: BinanceClient,
                                                           still: DemoExchange) -> None:
    ask = still.futures.book("BTCUSDT")[2]
    status = await fut.place_order("BTCUSDT", "LIMIT", "0.01", "BUY", ask + 100, post_only=True)
    assert status.status == "expired"
    assert [r.params.get("timeInForce") for r in still.requests
            if r.path == "/fapi/v1/order" and r.method == "POST"] == ["GTX"]


async def test_reduce_only_that_would_open_is_rejected(fut: BinanceClient) -> None:
    with pytest.raises(OrderRejectedError, match="ReduceOnly"):
        await fut.place_order("BTCUSDT", "MARKET", "0.01", "SELL", reduce_only=True)


async def test_reduce_only_closes_a_position(fut: BinanceClient, still: DemoExchange) -> None:
    await fut.place_order("BTCUSDT", "MARKET", "0.02", "BUY")
    closed = await fut.place_order("BTCUSDT", "MARKET", "0.02", "SELL", reduce_only=True)
    assert closed.status == "filled" and closed.reduce_only
    assert still.futures.accounts[next(iter(still.futures.accounts))].positions[
        "BTCUSDT"].amount == 0


async def test_conditional_type_on_order_endpoint_is_4120(fut: BinanceClient,
                                                          still: DemoExchange) -> None:
    last = still.futures.books["BTCUSDT"].last
    with pytest.raises(ExchangeError) as info:
        await fut._rest.request("POST", "/fapi/v1/order", {
            "symbol": "BTCUSDT", "side": "BUY", "type": "STOP_MARKET", "quantity": "0.01",
            "stopPrice": format((last * D("1.1")).quantize(D("0.1")), "f")}, security="SIGNED")
    assert info.value.code == -4120


async def test_open_conditional_cap(fut: BinanceClient, still: DemoExchange) -> None:
    last = still.futures.books["BTCUSDT"].last
    for i in range(10):
        await fut.place_order("BTCUSDT", "STOP_MARKET", "0.01", "SELL",
                              stop_price=(last * D("0.9") - i).quantize(D("0.1")))
    with pytest.raises(ExchangeError) as info:
        await fut.place_order("BTCUSDT", "STOP_MARKET", "0.01", "SELL",
                              stop_price=(last * D("0.8")).quantize(D("0.1")))
    assert info.value.code == -4045


# -- validation sends nothing -----------------------------------------------------------------

@pytest.mark.parametrize(("futures", "call", "error", "match"), [
    (True, dict(order_type="STOP_MARKET", side="BUY", stop=D("0.9")), FilterError,
     "must be above the market"),
    (False, dict(order_type="STOP_LOSS", side="SELL", stop=D("1.1")), FilterError,
     "must be below the market"),
    (True, dict(order_type="TRAILING_STOP_MARKET", side="SELL", rate="11"), FilterError,
     "outside Binance's range"),
    (True, dict(order_type="TRAILING_STOP_MARKET", side="SELL", rate="0.15"), FilterError,
     "multiple of 0.1"),
    (False, dict(order_type="LIMIT", side="BUY", price=D("0.9"), reduce=True), InputError,
     "futures setting"),
    (False, dict(order_type="STOP_MARKET", side="BUY", stop=D("1.1")), InputError,
     "does not exist on Binance spot"),
    (True, dict(order_type="STOP_MARKET", side="BUY"), InputError, "needs a stop"),
    (True, dict(order_type="MARKET", side="BUY", post=True), InputError, "limit orders"),
])
async def test_validation_refuses_before_sending(still: DemoExchange, futures: bool,
                                                 call: dict[str, object], error: type,
                                                 match: str) -> None:
    async with make_client(still, futures) as c:
        last = (still.futures if futures else still.spot).books["BTCUSDT"].last
        stop = call.get("stop")
        price = call.get("price")
        before = sent(still)
        with pytest.raises(error, match=match):
            await c.place_order(
                "BTCUSDT", str(call["order_type"]), "0.01", str(call["side"]),
                None if price is None else (last * price).quantize(D("1")),  # type: ignore
                stop_price=None if stop is None else (last * stop).quantize(D("1")),  # type: ignore
                reduce_only=bool(call.get("reduce")), post_only=bool(call.get("post")),
                callback_rate=call.get("rate"))
        assert sent(still) == before


async def test_oco_prices_in_the_wrong_order_send_nothing(spot: BinanceClient,
                                                          still: DemoExchange) -> None:
    last = still.spot.books["BTCUSDT"].last
    with pytest.raises(FilterError, match="above its stop"):
        await spot.place_oco("BTCUSDT", "SELL", "0.001", last * D("0.98"), last * D("1.02"))
    with pytest.raises(FilterError, match="market between"):
        await spot.place_oco("BTCUSDT", "SELL", "0.001", last * D("1.05"), last * D("1.02"))
    assert sent(still) == []


async def test_stop_price_is_rounded_to_the_tick_and_logged(spot: BinanceClient,
                                                            still: DemoExchange) -> None:
    last = still.spot.books["BTCUSDT"].last
    order = await spot.place_order("BTCUSDT", "STOP_LOSS", "0.001", "SELL",
                                   stop_price=last * D("0.9") + D("0.004"))
    assert order.stop_price == (last * D("0.9")).quantize(D("0.01"))
    assert any("Stop price" in e.message and "rounded" in e.message for e in spot.logs)
