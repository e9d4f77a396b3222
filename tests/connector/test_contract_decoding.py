"""exchangeInfo -> Contract: every field from the filter it belongs to (built positionally)."""

from __future__ import annotations

from decimal import Decimal

import orjson
import pytest

from connector import Contract
from connector._parsing import decode_contracts

SYMBOL = {
    "symbol": "ETHBTC", "status": "TRADING", "baseAsset": "ETH", "quoteAsset": "BTC",
    "orderTypes": ["LIMIT", "MARKET", "STOP_LOSS_LIMIT"],
    "filters": [
        {"filterType": "PRICE_FILTER", "minPrice": "0.00001000", "maxPrice": "922327.00000000",
         "tickSize": "0.00001000"},
        {"filterType": "LOT_SIZE", "minQty": "0.00010000", "maxQty": "100000.00000000",
         "stepSize": "0.00010000"},
        {"filterType": "MARKET_LOT_SIZE", "minQty": "0.00100000", "maxQty": "2500.50000000",
         "stepSize": "0.00100000"},
        {"filterType": "NOTIONAL", "minNotional": "0.00010000", "applyMinToMarket": False,
         "maxNotional": "9000000.00000000", "applyMaxToMarket": False, "avgPriceMins": 5},
        {"filterType": "MAX_NUM_ORDERS", "maxNumOrders": 200},
    ],
}


def test_every_field_comes_from_its_filter() -> None:
    body = orjson.dumps({"symbols": [SYMBOL, {**SYMBOL, "symbol": "OLD", "status": "BREAK"}]})
    (c,) = decode_contracts(body, futures=False).values()
    assert {f: getattr(c, f) for f in Contract.__struct_fields__} == {
        "symbol": "ETHBTC", "base_asset": "ETH", "quote_asset": "BTC",
        "price_decimals": 5, "quantity_decimals": 4,
        "tick_size": Decimal("0.00001"), "lot_size": Decimal("0.0001"),
        "exchange": "binance_spot",
        "min_price": Decimal("0.00001"), "max_price": Decimal("922327"),
        "min_qty": Decimal("0.0001"), "max_qty": Decimal("100000"),
        "market_lot_size": Decimal("0.001"), "market_min_qty": Decimal("0.001"),
        "market_max_qty": Decimal("2500.5"),
        "min_notional": Decimal("0.0001"), "max_notional": Decimal("9000000"),
        "apply_min_notional_to_market": False,
        "order_types": ("LIMIT", "MARKET", "STOP_LOSS_LIMIT"),
    }
    assert c == Contract("ETHBTC", "ETH", "BTC", 5, 4, Decimal("0.00001"), Decimal("0.0001"),
                         "binance_spot", min_price=Decimal("0.00001"),
                         max_price=Decimal("922327"), min_qty=Decimal("0.0001"),
                         max_qty=Decimal("100000"), market_lot_size=Decimal("0.001"),
                         market_min_qty=Decimal("0.001"), market_max_qty=Decimal("2500.5"),
                         min_notional=Decimal("0.0001"), max_notional=Decimal("9000000"),
                         apply_min_notional_to_market=False,
                         order_types=("LIMIT", "MARKET", "STOP_LOSS_LIMIT"))


def test_defaults_when_filters_are_missing() -> None:
    body = orjson.dumps({"symbols": [{**SYMBOL, "filters": [], "orderTypes": []}]})
    c = decode_contracts(body, futures=False)["ETHBTC"]
    assert c.order_types == ("LIMIT", "MARKET") and c.min_notional == 0 and c.max_qty == 0
    assert c.apply_min_notional_to_market is True


def test_contract_is_frozen_and_hashable() -> None:
    body = orjson.dumps({"symbols": [SYMBOL]})
    a = decode_contracts(body, futures=False)["ETHBTC"]
    b = decode_contracts(body, futures=False)["ETHBTC"]
    assert a == b and len({a, b}) == 1 and not a.futures
    with pytest.raises(AttributeError):
        a.tick_size = Decimal(1)  # type: ignore[misc]
