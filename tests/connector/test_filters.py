from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connector import Contract
from connector.errors import FilterError, InputError
from connector.filters import check_order, fmt, parse_decimal, round_price, round_quantity

BTC = Contract("BTCUSDT", "BTC", "USDT", 2, 5, Decimal("0.01"), Decimal("0.00001"),
               "binance_spot", min_price=Decimal("0.01"), max_price=Decimal("1000000"),
               min_qty=Decimal("0.00001"), max_qty=Decimal("9000"),
               market_lot_size=Decimal("0.001"), min_notional=Decimal("5"))

decimals = st.decimals(min_value=Decimal("0.000000001"), max_value=Decimal("100000"),
                       allow_nan=False, allow_infinity=False, places=9)


@given(decimals)
def test_quantity_rounds_down_to_the_step(q: Decimal) -> None:
    r = round_quantity(BTC, q)
    assert r <= q
    assert r % BTC.lot_size == 0
    assert q - r < BTC.lot_size


@given(decimals)
def test_market_quantity_uses_market_lot_size(q: Decimal) -> None:
    r = round_quantity(BTC, q, market=True)
    assert r % Decimal("0.001") == 0 and r <= q


@given(decimals)
def test_price_rounds_to_the_nearest_tick(p: Decimal) -> None:
    r = round_price(BTC, p)
    assert r % BTC.tick_size == 0
    assert abs(r - p) <= BTC.tick_size / 2


@given(st.decimals(min_value=Decimal("1E-12"), max_value=Decimal("1E+12"), allow_nan=False,
                   allow_infinity=False))
def test_fmt_never_uses_scientific_notation(d: Decimal) -> None:
    text = fmt(d)
    assert "E" not in text and "e" not in text
    assert Decimal(text) == d


@given(decimals, decimals)
def test_check_order_accepts_only_what_the_filters_allow(q: Decimal, p: Decimal) -> None:
    qty, price = round_quantity(BTC, q), round_price(BTC, p)
    try:
        check_order(BTC, qty, price, market=False)
    except FilterError:
        assert (qty < BTC.min_qty or qty > BTC.max_qty or price < BTC.min_price
                or qty * price < BTC.min_notional)
    else:
        assert BTC.min_qty <= qty <= BTC.max_qty
        assert qty * price >= BTC.min_notional


def test_messages_say_what_would_be_valid() -> None:
    with pytest.raises(FilterError, match=r"below the minimum 0\.00001"):
        check_order(BTC, Decimal("0.000001"), Decimal("95000"), market=False)
    with pytest.raises(FilterError, match=r"at least 0\.00006 BTC"):
        check_order(BTC, Decimal("0.00001"), Decimal("95000"), market=False)


@pytest.mark.parametrize("bad", ["abc", "", "nan", "NaN", "inf", "-1", "0", 0, -3, float("nan"),
                                 None, True, [1]])
def test_parse_decimal_rejects_nonsense(bad: object) -> None:
    with pytest.raises(InputError):
        parse_decimal(bad, "Quantity")


def test_parse_decimal_keeps_precision() -> None:
    assert parse_decimal(0.1, "x") == Decimal("0.1")
    assert parse_decimal("0.00001", "x") == Decimal("0.00001")
    assert parse_decimal(3, "x") == Decimal(3)


def test_absurd_magnitudes_are_input_errors_not_crashes() -> None:
    with pytest.raises(InputError, match="far too large"):
        parse_decimal("1E30", "Quantity")
