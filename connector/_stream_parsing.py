"""WebSocket JSON -> events. Pure functions; the hot ones do as little as possible."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec

from ._models import ZERO, Balance, Candle, OrderStatus, Trade
from ._parsing import algo_status
from .events import (
    AggTrade,
    BalanceUpdate,
    BookTicker,
    Kline,
    MarketTrade,
    MarkPrice,
    MiniTicker,
    OrderUpdate,
    Ticker,
)


class _BookFrame(msgspec.Struct, gc=False):
    """A combined-stream bookTicker frame, ``{"stream": ..., "data": {...}}``."""

    data: BookTicker


# The fast path's decoder (``LiveFeeds._on_raw``): a combined-stream bookTicker frame
# decoded in C straight into its event, Decimals included, no dict and no per-field
# ``Decimal()`` call. Any other frame fails it: another event at its ``"e"`` (the
# event's tag), a reply or an error for want of ``"data"``.
decode_book_frame = msgspec.json.Decoder(_BookFrame).decode
DecodeError = msgspec.DecodeError  # ValidationError included


def book_frame(data: dict[str, Any]) -> bytes:
    """A bookTicker payload as the combined-stream frame the fast path reads."""
    return msgspec.json.encode({"data": data})


def book_fault(data: dict[str, Any]) -> str:
    """Why the fast path declined this bookTicker payload, for the log."""
    try:
        event = msgspec.convert(data, BookTicker)
    except msgspec.ValidationError as exc:
        return str(exc)
    return "no update id" if not event.update_id else "not decodable as a book ticker"


def agg_trade(d: dict[str, Any]) -> AggTrade:
    return AggTrade(d["s"], d["a"], Decimal(d["p"]), Decimal(d["q"]), d["m"], d["T"])


def kline(d: dict[str, Any]) -> Kline:
    k = d["k"]
    candle = Candle(k["t"], Decimal(k["o"]), Decimal(k["h"]), Decimal(k["l"]), Decimal(k["c"]),
                    Decimal(k["v"]))
    return Kline(d["s"], k["i"], candle, bool(k["x"]))


def mini_ticker(d: dict[str, Any]) -> MiniTicker:
    return MiniTicker(d["s"], Decimal(d["c"]), Decimal(d["o"]), Decimal(d["h"]), Decimal(d["l"]),
                      Decimal(d["v"]), Decimal(d["q"]), d["E"])


def _fill(o: dict[str, Any], order: OrderStatus, when: int, *, futures: bool) -> Trade | None:
    """The fill an execution event reports (execution type TRADE), as the account's Trade."""
    if o.get("x") != "TRADE":
        return None
    price, qty = Decimal(o.get("L", "0")), Decimal(o.get("l", "0"))
    quote = Decimal(o["Y"]) if "Y" in o else price * qty  # spot sends it; futures does not
    return Trade(
        trade_id=int(o.get("t", 0)),
        order_id=order.order_id,
        symbol=order.symbol,
        side=order.side,
        price=price,
        quantity=qty,
        quote_quantity=quote,
        commission=Decimal(o.get("n", "0") or "0"),
        commission_asset=o.get("N") or "",
        realized_pnl=Decimal(o.get("rp", "0") or "0") if futures else ZERO,
        is_maker=bool(o.get("m", False)),
        time=when,
    )


def execution_report(e: dict[str, Any]) -> OrderUpdate:
    """Spot ``executionReport``. A cancel carries the original client id in ``C``."""
    executed = Decimal(e["z"])
    quote = Decimal(e.get("Z", "0"))
    when = int(e.get("T") or e.get("E") or 0)
    order = OrderStatus(
        order_id=int(e["i"]),
        status=str(e["X"]).lower(),
        avg_price=quote / executed if executed and quote else ZERO,
        executed_qty=executed,
        symbol=e["s"],
        client_order_id=e.get("C") or e["c"],
        side=e["S"],
        order_type=e["o"],
        price=Decimal(e["p"]),
        orig_qty=Decimal(e["q"]),
        time_in_force=e.get("f", ""),
        update_time=when,
        stop_price=Decimal(e.get("P", "0") or "0"),
        order_list_id=int(e.get("g", -1)),
    )
    return OrderUpdate(order, e.get("x", ""), _fill(e, order, when, futures=False), when)


def order_trade_update(e: dict[str, Any]) -> OrderUpdate:
    """Futures ``ORDER_TRADE_UPDATE``; its ``ap`` is the average price."""
    o = e["o"]
    when = int(o.get("T") or e.get("E") or 0)
    order = OrderStatus(
        order_id=int(o["i"]),
        status=str(o["X"]).lower(),
        avg_price=Decimal(o.get("ap", "0")),
        executed_qty=Decimal(o["z"]),
        symbol=o["s"],
        client_order_id=o["c"],
        side=o["S"],
        order_type=o["o"],
        price=Decimal(o["p"]),
        orig_qty=Decimal(o["q"]),
        time_in_force=o.get("f", ""),
        update_time=when,
        stop_price=Decimal(o.get("sp", "0") or "0"),
        reduce_only=bool(o.get("R", False)),
    )
    return OrderUpdate(order, o.get("x", ""), _fill(o, order, when, futures=True), when)


def algo_update(e: dict[str, Any]) -> OrderUpdate:
    """Futures ``ALGO_UPDATE``: an algo order (``is_algo``; ``order_id`` is the ``algoId``).
    The execution type is ``ALGO_`` + the algo status (ALGO_NEW, ALGO_TRIGGERED, ...)."""
    o = e["o"]
    executed = Decimal(str(o.get("aq") or "0"))
    when = int(e.get("E") or e.get("T") or 0)
    order = OrderStatus(
        order_id=int(o["aid"]), status=algo_status(str(o["X"]), executed),
        avg_price=Decimal(str(o.get("ap") or "0")), executed_qty=executed, symbol=o["s"],
        client_order_id=o.get("caid", ""), side=o["S"], order_type=o["o"],
        price=Decimal(str(o.get("p") or "0")), orig_qty=Decimal(str(o.get("q") or "0")),
        time_in_force=o.get("f", ""), update_time=when,
        stop_price=Decimal(str(o.get("tp") or "0")), reduce_only=bool(o.get("R")),
        is_algo=True)
    return OrderUpdate(order, "ALGO_" + str(o["X"]).upper(), None, when)


def list_status(e: dict[str, Any]) -> tuple[int, tuple[int, ...], bool, str]:
    """Spot ``listStatus``: (order list id, the legs' order ids, all done?, symbol)."""
    return (int(e["g"]), tuple(int(ref["i"]) for ref in e.get("O", ())),
            e.get("L") == "ALL_DONE", str(e.get("s", "")))


def spot_balances(e: dict[str, Any], current: dict[str, Balance]) -> BalanceUpdate:
    """``outboundAccountPosition``: full free/locked values of the assets that changed."""
    out = tuple(Balance(b["a"], free=Decimal(b["f"]), locked=Decimal(b["l"])) for b in e["B"])
    return BalanceUpdate(out, int(e.get("E", 0)))


def spot_balance_delta(e: dict[str, Any], current: dict[str, Balance]) -> BalanceUpdate:
    """``balanceUpdate``: a deposit/withdrawal delta on one asset's free balance."""
    asset = e["a"]
    old = current.get(asset, Balance(asset))
    new = Balance(asset, free=old.free + Decimal(e["d"]), locked=old.locked)
    return BalanceUpdate((new,), int(e.get("E", 0)))


def futures_account(e: dict[str, Any], current: dict[str, Balance]) -> BalanceUpdate:
    """``ACCOUNT_UPDATE``: wallet balances; fields the event lacks keep their last value."""
    out = []
    for b in e["a"].get("B", []):
        old = current.get(b["a"], Balance(b["a"]))
        wallet = Decimal(b["wb"])
        out.append(Balance(
            b["a"],
            free=old.free + (wallet - old.wallet_balance),
            locked=old.locked,
            initial_margin=old.initial_margin,
            maintenance_margin=old.maintenance_margin,
            margin_balance=wallet + old.unrealized_pnl,
            wallet_balance=wallet,
            unrealized_pnl=old.unrealized_pnl,
        ))
    return BalanceUpdate(tuple(out), int(e.get("E", 0)))


# -- market data: 24 h ticker, trades, mark price (channels "ticker", "trade", "markPrice") --


def ticker(d: dict[str, Any]) -> Ticker:
    """``24hrTicker`` (spot and futures share these fields)."""
    return Ticker(d["s"], Decimal(d["c"]), Decimal(d["o"]), Decimal(d["h"]), Decimal(d["l"]),
                  Decimal(d["v"]), Decimal(d["q"]), Decimal(d["P"]), int(d["E"]))


def market_trade(d: dict[str, Any]) -> MarketTrade:
    """``trade``: one trade of the market (``m``: the buyer was the maker)."""
    return MarketTrade(d["s"], int(d["t"]), Decimal(d["p"]), Decimal(d["q"]), bool(d["m"]),
                       int(d.get("T") or d.get("E") or 0))


def mark_price(d: dict[str, Any]) -> MarkPrice:
    """Futures ``markPriceUpdate``."""
    return MarkPrice(d["s"], Decimal(d["p"]), Decimal(d.get("i") or "0"),
                     Decimal(d.get("r") or "0"), int(d.get("T") or 0), int(d.get("E") or 0))
