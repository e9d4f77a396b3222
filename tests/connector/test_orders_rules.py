"""connector.conditional's pure rules, and amend's refusals and lost answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from connector import BinanceClient, Contract, FilterError, InputError, OrderRejectedError
from connector.conditional import (
    check_callback_rate,
    check_conditional,
    check_oco,
    market_types,
    stop_reached,
)
from connector.demo import DemoExchange

from .conftest import make_client

D = Decimal
SPOT = Contract("BTCUSDT", "BTC", "USDT", 2, 5, D("0.01"), D("0.00001"), "binance_spot",
                min_price=D("0.01"), max_price=D(1_000_000),
                order_types=("LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS", "STOP_LOSS_LIMIT",
                             "TAKE_PROFIT", "TAKE_PROFIT_LIMIT"))
FUT = Contract("BTCUSDT", "BTC", "USDT", 1, 3, D("0.1"), D("0.001"), "binance_futures",
               order_types=("LIMIT", "MARKET", "STOP", "STOP_MARKET", "TAKE_PROFIT",
                            "TAKE_PROFIT_MARKET", "TRAILING_STOP_MARKET"))


def test_types_per_market() -> None:
    assert "LIMIT_MAKER" in market_types(SPOT) and "STOP_MARKET" not in market_types(SPOT)
    assert "TRAILING_STOP_MARKET" in market_types(FUT) and "STOP_LOSS" not in market_types(FUT)
    listed_only = Contract("X", "X", "Y", 2, 2, D("0.01"), D("0.01"), "binance_spot",
                           order_types=("LIMIT", "MARKET", "LIMIT_MAKER"))
    assert market_types(listed_only) == ("LIMIT", "MARKET", "LIMIT_MAKER")


@pytest.mark.parametrize(("kind", "side", "price", "reached"), [
    ("STOP_MARKET", "BUY", D(101), True), ("STOP_MARKET", "BUY", D(99), False),
    ("STOP_LOSS", "SELL", D(99), True), ("TAKE_PROFIT", "SELL", D(101), True),
    ("TAKE_PROFIT_MARKET", "BUY", D(101), False),
])
def test_stop_reached(kind: str, side: str, price: Decimal, reached: bool) -> None:
    assert stop_reached(kind, side, price, D(100)) is reached


def test_post_only_becomes_limit_maker_on_spot_and_gtx_on_futures() -> None:
    spot = check_conditional(SPOT, "LIMIT", "BUY", D("90000"), post_only=True)
    assert spot.order_type == "LIMIT_MAKER" and spot.time_in_force is None
    fut = check_conditional(FUT, "LIMIT", "BUY", D("90000"), post_only=True)
    assert fut.order_type == "LIMIT" and fut.time_in_force == "GTX" and not fut.is_algo
    with pytest.raises(InputError, match="rests on the book"):
        check_conditional(FUT, "LIMIT", "BUY", D("90000"), tif="IOC", post_only=True)


def test_prices_round_to_the_tick_with_notes() -> None:
    order = check_conditional(FUT, "STOP", "SELL", D("89000.04"), D("89500.06"),
                              reference_price=D(95000))
    assert order.price == D("89000.0") and order.stop_price == D("89500.1") and order.is_algo
    assert len(order.notes) == 2 and "rounded" in order.notes[0]


@pytest.mark.parametrize(("args", "kwargs", "match"), [
    ((SPOT, "LIMIT", "BUY"), {}, "needs a limit price"),
    ((SPOT, "MARKET", "BUY", D(1)), {}, "takes no limit price"),
    ((SPOT, "LIMIT", "BUY", D(1), D(1)), {}, "takes no stop price"),
    ((SPOT, "LIMIT", "BUY", D(1)), {"tif": "DAY"}, "Time in force"),
    ((SPOT, "LIMIT", "HOLD", D(1)), {}, "Side"),
    ((SPOT, "LIMIT", "BUY", D("0.001")), {}, "rounds to 0"),
    ((SPOT, "LIMIT", "BUY", D(2_000_000)), {}, "above the maximum"),
    ((FUT, "MARKET", "BUY"), {"callback_rate": D(1)}, "only for a trailing stop"),
    ((FUT, "TRAILING_STOP_MARKET", "SELL"), {}, "needs a callback rate"),
    ((SPOT, "STOP_LOSS_LIMIT", "SELL", D(90)), {}, "needs a stop"),
])
def test_refusals(args: tuple[object, ...], kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(InputError, match=match):
        check_conditional(*args, **kwargs)  # type: ignore[arg-type]


def test_trailing_activation_price_and_callback_range() -> None:
    order = check_conditional(FUT, "TRAILING_STOP_MARKET", "SELL", None, D("96000.04"),
                              callback_rate=D("2.5"))
    assert order.stop_price == D("96000.0") and order.callback_rate == D("2.5")
    with pytest.raises(InputError, match="futures setting"):
        check_callback_rate(SPOT, D(1))
    with pytest.raises(FilterError, match="range"):
        check_callback_rate(FUT, D("0.05"))


def test_oco_rules() -> None:
    prices = check_oco(SPOT, "BUY", D(90000), D(99000), D(99100), reference_price=D(95000))
    assert (prices.price, prices.stop_price, prices.stop_limit_price) == (
        D(90000), D(99000), D(99100))
    with pytest.raises(FilterError, match="below its stop"):
        check_oco(SPOT, "BUY", D(99000), D(90000))
    with pytest.raises(InputError, match="spot only"):
        check_oco(FUT, "SELL", D(99000), D(90000))
    with pytest.raises(InputError, match="Side"):
        check_oco(SPOT, "HOLD", D(99000), D(90000))


@pytest.fixture
async def still() -> AsyncIterator[DemoExchange]:
    async with DemoExchange(seed=7, walk=False) as ex:
        yield ex


async def test_amend_refusals_send_nothing(still: DemoExchange) -> None:
    async with make_client(still, False) as c:
        bid = still.spot.book("BTCUSDT")[0]
        order = await c.place_order("BTCUSDT", "LIMIT", "0.001", "BUY", bid - 100)
        posts = len([r for r in still.requests if r.method != "GET"])
        with pytest.raises(InputError, match="new price or a new quantity"):
            await c.amend_order("BTCUSDT", order.order_id)
        with pytest.raises(InputError, match="above what already filled"):
            await c.amend_order("BTCUSDT", order.order_id, quantity="0.000001")
        await c.cancel_order("BTCUSDT", order.order_id)
        posts += 1
        with pytest.raises(InputError, match="only an open order"):
            await c.amend_order("BTCUSDT", order.order_id, price=bid - 50)
        assert len([r for r in still.requests if r.method != "GET"]) == posts


async def test_spot_amend_lost_before_accept_leaves_the_order_as_it_was(
        still: DemoExchange) -> None:
    async with make_client(still, False) as c:
        bid = still.spot.book("BTCUSDT")[0]
        order = await c.place_order("BTCUSDT", "LIMIT", "0.001", "BUY", bid - 100)
        still.faults.fail_next("/api/v3/order/cancelReplace", status=502)
        status = await c.amend_order("BTCUSDT", order.order_id, price=bid - 50, quantity="0.002")
        assert status.order_id == order.order_id and status.price == bid - 100
        assert len(still.spot.open_orders()) == 1


async def test_spot_amend_whose_replacement_is_refused_says_nothing_is_live(
        still: DemoExchange) -> None:
    async with make_client(still, False) as c:
        bid = still.spot.book("BTCUSDT")[0]
        order = await c.place_order("BTCUSDT", "LIMIT", "0.001", "BUY", bid - 100)
        with pytest.raises(OrderRejectedError):  # more USDT than the demo account holds
            await c.amend_order("BTCUSDT", order.order_id, quantity="0.2")
        assert still.spot.open_orders() == [] and order.order_id not in c.open_orders
        assert any("nothing is live" in e.message for e in c.logs)


async def test_futures_amend_quantity_keeps_the_id(still: DemoExchange) -> None:
    async with make_client(still, True) as c:
        bid = still.futures.book("BTCUSDT")[0]
        order = await c.place_order("BTCUSDT", "LIMIT", "0.01", "BUY", bid - 100)
        amended = await c.amend_order("BTCUSDT", order.order_id, quantity="0.02")
        assert amended.order_id == order.order_id and amended.orig_qty == D("0.02")
        assert c.open_orders[order.order_id].orig_qty == D("0.02")


async def test_amend_an_unknown_order_asks_the_exchange(still: DemoExchange) -> None:
    async with make_client(still, True) as c:
        with pytest.raises(OrderRejectedError):
            await c.amend_order("BTCUSDT", 12345, price="90000")


async def test_spot_only_and_futures_only_settings_are_bad_input(still: DemoExchange) -> None:
    client: BinanceClient
    async with make_client(still, False) as client:
        with pytest.raises(InputError, match="futures setting"):
            await client.place_order("BTCUSDT", "MARKET", "0.001", "SELL", reduce_only=True)
    async with make_client(still, True) as client:
        with pytest.raises(InputError, match="spot only"):
            await client.place_oco("BTCUSDT", "SELL", "0.001", "1", "2")
    assert [r for r in still.requests if r.method == "POST" and "order" in r.path.lower()] == []
