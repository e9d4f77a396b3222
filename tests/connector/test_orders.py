"""``prepare_order``: the one rule for what an order may be (the ticket uses it too)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import msgspec
import pytest

from connector import BinanceClient, Contract, FilterError, InputError
from connector.demo import DemoExchange
from connector.orders import PreparedOrder, needs_reference_price, prepare_order

BTC = Contract("BTCUSDT", "BTC", "USDT", 2, 5, Decimal("0.01"), Decimal("0.00001"),
               "binance_spot", min_qty=Decimal("0.00001"), min_notional=Decimal(5),
               max_price=Decimal(1_000_000))


def test_a_limit_order_is_parsed_rounded_and_priced() -> None:
    order = prepare_order(BTC, "limit", "0.0012345", "buy", "95000.004")
    assert order == PreparedOrder("BTCUSDT", "BUY", "LIMIT", Decimal("0.00123"),
                                  Decimal("95000.00"), "GTC", Decimal("116.8500000"),
                                  order.notes)
    assert order.notes == (
        "Quantity 0.0012345 rounded down to 0.00123 BTC (BTCUSDT lot step)",
        "Price 95000.004 rounded to 95000 USDT (BTCUSDT tick 0.01)")
    assert order.params() == {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT",
                              "quantity": "0.00123", "price": "95000.00", "timeInForce": "GTC"}
    assert order.describe() == "BUY LIMIT 0.00123 BTCUSDT @ 95000"
    with pytest.raises(dataclasses.FrozenInstanceError):
        order.quantity = Decimal(1)  # type: ignore[misc]


def test_market_notional_is_checked_at_the_reference_price_where_it_applies() -> None:
    assert needs_reference_price(BTC, "MARKET") and not needs_reference_price(BTC, "LIMIT")
    with pytest.raises(FilterError, match="below BTCUSDT's minimum of 5 USDT"):
        prepare_order(BTC, "MARKET", "0.00002", "BUY", reference_price=Decimal(95_000))
    order = prepare_order(BTC, "MARKET", "0.0001", "SELL", reference_price=Decimal(95_000))
    assert (order.price, order.tif, order.notional) == (None, None, Decimal("9.5000"))
    assert order.params() == {"symbol": "BTCUSDT", "side": "SELL", "type": "MARKET",
                              "quantity": "0.00010"}
    exempt = msgspec.structs.replace(BTC, apply_min_notional_to_market=False)
    assert not needs_reference_price(exempt, "MARKET")
    small = prepare_order(exempt, "MARKET", "0.00002", "BUY", reference_price=Decimal(95_000))
    assert small.quantity == Decimal("0.00002")


@pytest.mark.parametrize(("args", "message"), [
    (("STOP", "1", "BUY", "1"), "Order type 'STOP' does not exist on Binance spot; use one of"),
    (("LIMIT", "1", "HOLD", "1"), "Side 'HOLD' is not valid"),
    (("LIMIT", "1", "BUY", "1", "GTX"), "Time in force 'GTX' is not valid"),
    (("LIMIT", "1", "BUY", " "), "A LIMIT order needs a price; give one in USDT"),
    (("LIMIT", "abc", "BUY", "1"), "Quantity 'abc' is not a number"),
])
def test_bad_input_says_what_is_valid(args: tuple[str, ...], message: str) -> None:
    with pytest.raises(InputError, match=message):
        prepare_order(BTC, *args)


async def test_place_order_checks_market_notional_at_the_touch(spot_client: BinanceClient,
                                                               demo: DemoExchange) -> None:
    c = spot_client.contracts["BTCUSDT"]
    assert c.min_notional > 0 and c.apply_min_notional_to_market
    assert "BTCUSDT" not in spot_client.prices  # not streaming: the client asks for the touch
    with pytest.raises(FilterError, match="minimum"):
        await spot_client.place_order("BTCUSDT", "MARKET", c.min_qty, "BUY")
    assert not [r for r in demo.requests if r.path == "/api/v3/order" and r.method == "POST"]
    assert any(r.path == "/api/v3/ticker/bookTicker" for r in demo.requests)
