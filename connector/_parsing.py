"""Binance REST JSON -> the connector's value objects."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Any

import msgspec

from ._models import ZERO, Balance, Candle, Contract, OrderStatus


def decimals_of(step: Decimal) -> int:
    exponent = step.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


@lru_cache(maxsize=4096)
def _dec(text: str) -> Decimal:
    """Filter values repeat across thousands of symbols: parse each distinct one once."""
    return Decimal(text)


@lru_cache(maxsize=1024)
def _step(text: str) -> tuple[Decimal, int]:
    """A tick or lot step, normalised (0.01000000 -> 0.01), and its number of decimals."""
    step = Decimal(text).normalize()
    return step, decimals_of(step)


class _Filter(msgspec.Struct, gc=False):
    filterType: str
    tickSize: str = "0"
    minPrice: str = "0"
    maxPrice: str = "0"
    stepSize: str = "0"
    minQty: str = "0"
    maxQty: str = "0"
    minNotional: str | None = None
    maxNotional: str = "0"
    notional: str | None = None
    applyMinToMarket: bool = True
    applyToMarket: bool = True


class _Symbol(msgspec.Struct, gc=False):
    symbol: str
    status: str
    baseAsset: str
    quoteAsset: str
    filters: tuple[_Filter, ...] = ()
    orderTypes: tuple[str, ...] = ()
    contractType: str = "PERPETUAL"


class _ExchangeInfo(msgspec.Struct):
    symbols: list[_Symbol] = []


# exchangeInfo is the largest payload (megabytes for thousands of symbols): decoding it
# into typed structs skips every field we do not use instead of building dicts for them.
_exchange_info = msgspec.json.Decoder(_ExchangeInfo)
_NO_FILTER = _Filter("")
_DEFAULT_TYPES = ("LIMIT", "MARKET")


def contract_from(s: _Symbol, *, futures: bool) -> Contract:
    """One exchangeInfo symbol. Precision comes from the filters, never from pricePrecision."""
    price_f = lot = market_lot = _NO_FILTER
    notional_f: _Filter | None = None
    for f in s.filters:
        kind = f.filterType
        if kind == "PRICE_FILTER":
            price_f = f
        elif kind == "LOT_SIZE":
            lot = f
        elif kind == "MARKET_LOT_SIZE":
            market_lot = f
        elif kind == "NOTIONAL" or (kind == "MIN_NOTIONAL" and notional_f is None):
            notional_f = f  # futures' MIN_NOTIONAL says "notional", old spot "minNotional"
    tick, price_decimals = _step(price_f.tickSize)
    step, quantity_decimals = _step(lot.stepSize)
    min_notional = max_notional = ZERO
    apply_to_market = True
    if notional_f is not None:
        min_notional = _dec(notional_f.minNotional or notional_f.notional or "0")
        max_notional = _dec(notional_f.maxNotional)
        apply_to_market = (notional_f.applyMinToMarket if notional_f.filterType == "NOTIONAL"
                           else notional_f.applyToMarket)
    return Contract(  # positionally: keywords cost four times as much, times thousands
        s.symbol, s.baseAsset, s.quoteAsset, price_decimals, quantity_decimals, tick, step,
        "binance_futures" if futures else "binance_spot",
        _dec(price_f.minPrice), _dec(price_f.maxPrice),  # min_price, max_price
        _dec(lot.minQty), _dec(lot.maxQty),  # min_qty, max_qty
        _step(market_lot.stepSize)[0], _dec(market_lot.minQty),  # market_lot_size, _min_qty
        _dec(market_lot.maxQty), min_notional, max_notional,  # market_max_qty, notional
        apply_to_market, s.orderTypes or _DEFAULT_TYPES)


def decode_contracts(body: bytes, *, futures: bool) -> dict[str, Contract]:
    """The TRADING symbols of an exchangeInfo response, sorted by symbol."""
    info = _exchange_info.decode(body)
    trading = [contract_from(s, futures=futures) for s in info.symbols
               if s.status == "TRADING" and (not futures or s.contractType == "PERPETUAL")]
    return {c.symbol: c for c in sorted(trading, key=lambda c: c.symbol)}


def candle_from(row: list[Any]) -> Candle:
    return Candle(int(row[0]), Decimal(row[1]), Decimal(row[2]), Decimal(row[3]),
                  Decimal(row[4]), Decimal(row[5]))


def spot_balances_from(account: dict[str, Any]) -> dict[str, Balance]:
    out: dict[str, Balance] = {}
    for b in account.get("balances", []):
        free, locked = Decimal(b["free"]), Decimal(b["locked"])
        if free or locked:
            out[b["asset"]] = Balance(b["asset"], free=free, locked=locked)
    return out


def futures_balances_from(account: dict[str, Any]) -> dict[str, Balance]:
    out: dict[str, Balance] = {}
    for a in account.get("assets", []):
        wallet = Decimal(a.get("walletBalance", "0"))
        margin = Decimal(a.get("marginBalance", "0"))
        pnl = Decimal(a.get("unrealizedProfit", "0"))
        if not (wallet or margin or pnl):
            continue
        out[a["asset"]] = Balance(
            a["asset"],
            free=Decimal(a.get("availableBalance", "0")),
            initial_margin=Decimal(a.get("initialMargin", "0")),
            maintenance_margin=Decimal(a.get("maintMargin", "0")),
            margin_balance=margin,
            wallet_balance=wallet,
            unrealized_pnl=pnl,
        )
    return out


def order_from(data: dict[str, Any], *, futures: bool) -> OrderStatus:
    """An order from any of Binance's order responses (POST, GET, DELETE, openOrders)."""
    executed = Decimal(data.get("executedQty", "0"))
    if futures:
        avg = Decimal(data.get("avgPrice", "0") or "0")
        if not avg and executed:
            quote = Decimal(data.get("cumQuote", "0") or "0")
            avg = quote / executed if quote else ZERO
    else:
        quote = Decimal(data.get("cummulativeQuoteQty", "0") or "0")
        avg = quote / executed if executed and quote else ZERO
    return OrderStatus(
        order_id=int(data["orderId"]),
        status=str(data.get("status", "NEW")).lower(),
        avg_price=avg,
        executed_qty=executed,
        symbol=data.get("symbol", ""),
        client_order_id=data.get("clientOrderId", data.get("origClientOrderId", "")),
        side=data.get("side", ""),
        order_type=data.get("type", ""),
        price=Decimal(data.get("price", "0") or "0"),
        orig_qty=Decimal(data.get("origQty", "0") or "0"),
        time_in_force=data.get("timeInForce", ""),
        update_time=int(data.get("updateTime", data.get("transactTime", 0)) or 0),
        stop_price=Decimal(data.get("stopPrice", "0") or "0"),
        reduce_only=bool(data.get("reduceOnly", False)),
        order_list_id=int(data.get("orderListId", -1)),
    )


def algo_status(algo_status: str, executed: Decimal) -> str:
    """The algo service's status as an ``OrderStatus.status`` (see ``connector._algo``)."""
    s = algo_status.upper()
    if s in ("TRIGGERING", "TRIGGERED"):
        return "triggered"
    if s == "FINISHED":
        return "filled" if executed else "canceled"
    return s.lower()
