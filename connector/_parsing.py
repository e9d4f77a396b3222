"""Binance REST JSON -> the connector's value objects."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Any

from ._models import Balance, Candle, Contract, OrderStatus

ZERO = Decimal(0)


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


def contract_from(symbol: dict[str, Any], *, futures: bool) -> Contract:
    """One exchangeInfo symbol. Precision comes from the filters, never from pricePrecision."""
    price_f: dict[str, Any] = {}
    lot: dict[str, Any] = {}
    market_lot: dict[str, Any] = {}
    notional_f: dict[str, Any] | None = None
    old_notional_f: dict[str, Any] | None = None
    for f in symbol.get("filters", ()):
        kind = f.get("filterType")
        if kind == "PRICE_FILTER":
            price_f = f
        elif kind == "LOT_SIZE":
            lot = f
        elif kind == "MARKET_LOT_SIZE":
            market_lot = f
        elif kind == "NOTIONAL":
            notional_f = f
        elif kind == "MIN_NOTIONAL":
            old_notional_f = f
    tick, price_decimals = _step(price_f.get("tickSize", "0"))
    step, quantity_decimals = _step(lot.get("stepSize", "0"))
    min_notional = ZERO
    max_notional = ZERO
    apply_to_market = True
    if notional_f is not None:
        min_notional = _dec(notional_f.get("minNotional", "0"))
        max_notional = _dec(notional_f.get("maxNotional", "0"))
        apply_to_market = bool(notional_f.get("applyMinToMarket", True))
    elif old_notional_f is not None:
        # futures key is "notional"; old spot key is "minNotional"
        min_notional = _dec(old_notional_f.get("notional", old_notional_f.get("minNotional", "0")))
        apply_to_market = bool(old_notional_f.get("applyToMarket", True))
    return Contract(
        symbol=symbol["symbol"],
        base_asset=symbol["baseAsset"],
        quote_asset=symbol["quoteAsset"],
        price_decimals=price_decimals,
        quantity_decimals=quantity_decimals,
        tick_size=tick,
        lot_size=step,
        exchange="binance_futures" if futures else "binance_spot",
        min_price=_dec(price_f.get("minPrice", "0")),
        max_price=_dec(price_f.get("maxPrice", "0")),
        min_qty=_dec(lot.get("minQty", "0")),
        max_qty=_dec(lot.get("maxQty", "0")),
        market_lot_size=_step(market_lot.get("stepSize", "0"))[0],
        market_min_qty=_dec(market_lot.get("minQty", "0")),
        market_max_qty=_dec(market_lot.get("maxQty", "0")),
        min_notional=min_notional,
        max_notional=max_notional,
        apply_min_notional_to_market=apply_to_market,
        order_types=tuple(symbol.get("orderTypes", ("LIMIT", "MARKET"))),
    )


def contracts_from(info: dict[str, Any], *, futures: bool) -> dict[str, Contract]:
    trading = [
        contract_from(s, futures=futures)
        for s in info.get("symbols", [])
        if s.get("status") == "TRADING"
        and (not futures or s.get("contractType", "PERPETUAL") == "PERPETUAL")
    ]
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
    )
