import dataclasses
from decimal import Decimal

import pytest

from connector import Balance, Contract, OrderStatus
from connector.events import MiniTicker


def test_value_objects_are_frozen() -> None:
    b = Balance("USDT", free=Decimal("1"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        b.free = Decimal("2")  # type: ignore[misc]


def test_balance_total_and_zero() -> None:
    assert Balance("BTC", free=Decimal("0.5"), locked=Decimal("0.25")).total == Decimal("0.75")
    assert Balance("USDT", wallet_balance=Decimal("10")).total == Decimal("10")
    assert Balance("ETH").is_zero
    assert not Balance("ETH", unrealized_pnl=Decimal("-1")).is_zero


def test_order_status_open_states() -> None:
    assert OrderStatus(1, "new", Decimal(0), Decimal(0)).is_open
    assert OrderStatus(1, "partially_filled", Decimal(0), Decimal(0)).is_open
    assert not OrderStatus(1, "filled", Decimal(0), Decimal(0)).is_open


def test_contract_market_kind() -> None:
    c = Contract("BTCUSDT", "BTC", "USDT", 2, 3, Decimal("0.1"), Decimal("0.001"), "binance_futures")
    assert c.futures


def test_mini_ticker_change_pct() -> None:
    t = MiniTicker("BTCUSDT", Decimal("110"), Decimal("100"), Decimal(0), Decimal(0), Decimal(0),
                   Decimal(0), 0)
    assert t.change_pct == Decimal("10")
    assert dataclasses.replace(t, open=Decimal(0)).change_pct == 0
