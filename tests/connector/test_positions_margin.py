"""Binance's liquidation formula, brackets and futures sizing, against numbers worked by hand."""

from __future__ import annotations

from decimal import Decimal

from connector import Contract
from connector._margin import (
    Bracket,
    bracket_for,
    brackets_from,
    futures_trade_quantity,
    liquidation_price,
    maintenance_margin,
)
from connector._positions import PositionBook, margin_type_name
from connector.events import MarkPrice

D = Decimal

BTC_BRACKETS = {"symbol": "BTCUSDT", "brackets": [
    {"bracket": 2, "initialLeverage": 100, "notionalCap": 600000, "notionalFloor": 50000,
     "maintMarginRatio": 0.005, "cum": 50.0},
    {"bracket": 1, "initialLeverage": 125, "notionalCap": 50000, "notionalFloor": 0,
     "maintMarginRatio": 0.004, "cum": 0.0},
]}


def test_isolated_long_by_hand() -> None:
    # 0.1 BTC long at 95,000 on 50x isolated: wallet 190, bracket 1 (0.4 %, cum 0).
    # LP = (190 - 0.1 * 95000) / (0.1 * 0.004 - 0.1) = -9310 / -0.0996 = 93473.895582...
    lp = liquidation_price(D(190), D(0), D(0), D("0.1"), D(95000), D("0.004"), D(0))
    assert lp.quantize(D("0.000001")) == D("93473.895582")
    # at that price the isolated margin equals the maintenance margin
    margin = D(190) + (lp - D(95000)) * D("0.1")
    assert abs(margin - lp * D("0.1") * D("0.004")) < D("1e-20")


def test_cross_short_with_other_positions_by_hand() -> None:
    # 1 ETH short at 3,000; cross wallet 1,000; the other positions hold 20 of maintenance
    # and lose 50; bracket 0.5 % with cum 50.
    # LP = (1000 - 20 + (-50) + 50 + 1 * 3000) / (1 * 0.005 + 1) = 3980 / 1.005
    lp = liquidation_price(D(1000), D(20), D(-50), D(-1), D(3000), D("0.005"), D(50))
    assert lp == D(3980) / D("1.005")
    assert lp.quantize(D("0.01")) == D("3960.20")


def test_no_liquidation_gives_zero() -> None:
    assert liquidation_price(D(10**6), D(0), D(0), D("0.01"), D(95000), D("0.004"), D(0)) == 0
    assert liquidation_price(D(100), D(0), D(0), D(0), D(95000), D("0.004"), D(0)) == 0
    assert liquidation_price(D(100), D(0), D(0), D(1), D(95000), D(1), D(0)) == 0


def test_brackets_parse_sort_and_pick() -> None:
    tiers = brackets_from(BTC_BRACKETS)["BTCUSDT"]  # one object: the symbol= answer
    assert [b.bracket for b in tiers] == [1, 2]
    assert bracket_for(tiers, D(-49999)) == tiers[0]
    assert bracket_for(tiers, D(50000)) == tiers[0]  # notionalCap is inclusive
    assert bracket_for(tiers, D("50000.01")) == tiers[1]
    assert bracket_for(tiers, D(10**9)) == tiers[1]  # beyond the table: the last tier
    assert bracket_for((), D(1)) is None
    # maintenance margin is continuous across tiers thanks to cum
    assert maintenance_margin(tiers, D(50000)) == D(200)
    assert maintenance_margin(tiers, D("49999.99")) == D("199.99996")
    assert maintenance_margin((), D(5)) == 0
    assert brackets_from([BTC_BRACKETS]).keys() == {"BTCUSDT"}


def test_demo_cum_is_binance_published_cum() -> None:
    from connector.demo._brackets import bracket_for as demo_bracket
    from connector.demo._brackets import brackets, max_notional

    cums = [b.cum for b in brackets("BTCUSDT")[:5]]
    assert cums == [0, 50, 950, 11450, 131450]  # Binance's BTCUSDT maintenance amounts
    assert demo_bracket("BTCUSDT", D(600000)).bracket == 2  # on the cap: the lower tier
    assert demo_bracket("BTCUSDT", D("600000.01")).bracket == 3
    assert max_notional("BTCUSDT", 125) == 50000 and max_notional("BTCUSDT", 20) == 100_000_000
    assert max_notional("BTCUSDT", 126) == 0


def contract(step: str = "0.001") -> Contract:
    return Contract("BTCUSDT", "BTC", "USDT", 2, 3, D("0.1"), D(step), "binance_futures")


def test_futures_sizing_uses_available_times_leverage() -> None:
    # 1,000 USDT available at 10x margins 10,000 of notional; half of it at 50,000 is 0.1 BTC
    assert futures_trade_quantity(contract(), D(1000), 10, D(50000), D(50)) == D("0.100")
    assert futures_trade_quantity(contract(), D(1000), 10, D(30000), D(100)) == D("0.333")
    assert futures_trade_quantity(contract(), D(1000), 10, D(30000), D(150)) == D("0.333")
    assert futures_trade_quantity(contract(), D(0), 10, D(30000), D(100)) == 0
    assert futures_trade_quantity(contract(), D(1000), 10, D(0), D(100)) == 0


def test_book_stream_state_without_rest() -> None:
    book = PositionBook()
    book.brackets["BTCUSDT"] = (Bracket(1, 125, D(0), D(50000), D("0.004"), D(0)),)
    event = {"e": "ACCOUNT_UPDATE", "a": {"m": "ORDER",
             "B": [{"a": "USDT", "wb": "1000", "cw": "810"}],
             "P": [{"s": "BTCUSDT", "pa": "0.1", "ep": "95000", "up": "-10", "mt": "isolated",
                    "iw": "190", "ps": "BOTH"},
                   {"s": "ETHUSDT", "pa": "1", "ep": "3000", "up": "0", "mt": "cross",
                    "iw": "0", "ps": "LONG"}]}}
    (update,) = book.apply_account(event)  # the hedge-mode row is never guessed at
    p = update.position
    assert p.mark_price == D(94900) and p.unrealized_pnl == D(-10)
    assert p.isolated_margin == D(180) and p.margin_type == "isolated"
    assert p.liquidation_price.quantize(D("0.000001")) == D("93473.895582")
    updates = book.apply_mark(MarkPrice("BTCUSDT", D(96000), D(95990), D("0.0001"), 123))
    assert updates[0].position.unrealized_pnl == D(100) and book.funding("BTCUSDT") == (
        D("0.0001"), 123)
    assert book.apply_mark(MarkPrice("BTCUSDT", D(96000), D(95990), D("0.0001"), 123)) == []
    assert book.apply_config_event({"e": "ACCOUNT_CONFIG_UPDATE",
                                    "ac": {"s": "BTCUSDT", "l": 25}})[0].position.leverage == 25
    assert book.apply_config_event({"e": "ACCOUNT_CONFIG_UPDATE", "ai": {"j": True}}) == []
    closed = book.apply_account({"a": {"B": [], "P": [
        {"s": "BTCUSDT", "pa": "0", "ep": "0", "up": "0", "mt": "isolated", "iw": "0"}]}})
    assert closed[0].position.quantity == 0 and book.positions == {}
    assert margin_type_name("CROSSED") == "cross" and margin_type_name("ISOLATED") == "isolated"
