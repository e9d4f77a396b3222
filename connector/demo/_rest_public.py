"""Public (unsigned) REST endpoints of the demo exchange: listing and market data.

ping, exchangeInfo, klines, bookTicker, ticker/price, ticker/24hr and
futures premiumIndex, for spot (``/api/v3``) and USD-M futures (``/fapi/v1``).
(``/time`` stays with the dispatcher: it is the clock signatures are checked against.)
"""

from __future__ import annotations

from typing import Any

from ._engine import MarketEngine
from ._rest_call import PREFIXES, WEIGHT_LIMIT_1M, Call, Router
from ._wire import RejectError, fmt, now_ms


def register_public(api: Router) -> None:
    for prefix, futures in PREFIXES:
        api.add_route(futures, "GET", f"{prefix}/ping", _ping, "NONE", 1)
        api.add_route(futures, "GET", f"{prefix}/exchangeInfo", _exchange_info, "NONE", 20)
        api.add_route(futures, "GET", f"{prefix}/klines", _klines, "NONE", 2)
        api.add_route(futures, "GET", f"{prefix}/ticker/bookTicker", _book_ticker, "NONE", 2)
        api.add_route(futures, "GET", f"{prefix}/ticker/price", _ticker_price, "NONE", 2)
        api.add_route(futures, "GET", f"{prefix}/ticker/24hr", _ticker_24hr, "NONE", 2)
    api.add_route(True, "GET", "/fapi/v1/premiumIndex", _premium_index, "NONE", 1)


def _ping(call: Call) -> dict[str, Any]:
    return {}


def _exchange_info(call: Call) -> dict[str, Any]:
    e = call.engine
    symbols = []
    for spec in e.specs.values():
        filters: list[dict[str, Any]] = [
            {"filterType": "PRICE_FILTER", "minPrice": fmt(spec.tick),
             "maxPrice": fmt(spec.price * 1000), "tickSize": fmt(spec.tick)},
            {"filterType": "LOT_SIZE", "minQty": fmt(spec.min_qty), "maxQty": fmt(spec.max_qty),
             "stepSize": fmt(spec.step)},
            {"filterType": "MARKET_LOT_SIZE", "minQty": fmt(spec.min_qty),
             "maxQty": fmt(spec.max_qty / 10), "stepSize": fmt(spec.step)},
        ]
        if e.futures:
            filters.append({"filterType": "MIN_NOTIONAL", "notional": fmt(spec.min_notional, 0)
                            if spec.min_notional >= 1 else fmt(spec.min_notional)})
            filters.append({"filterType": "PERCENT_PRICE", "multiplierUp": "1.0500",
                            "multiplierDown": "0.9500", "multiplierDecimal": "4"})
            symbols.append({
                "symbol": spec.symbol, "pair": spec.symbol, "contractType": "PERPETUAL",
                "deliveryDate": 4133404800000, "onboardDate": 1569398400000,
                "status": spec.status, "maintMarginPercent": "2.5000",
                "requiredMarginPercent": "5.0000", "baseAsset": spec.base,
                "quoteAsset": spec.quote, "marginAsset": spec.quote,
                "pricePrecision": spec.price_precision,
                "quantityPrecision": spec.quantity_precision, "baseAssetPrecision": 8,
                "quotePrecision": 8, "underlyingType": "COIN", "triggerProtect": "0.0500",
                "filters": filters,
                "orderTypes": ["LIMIT", "MARKET", "STOP", "STOP_MARKET", "TAKE_PROFIT",
                               "TAKE_PROFIT_MARKET", "TRAILING_STOP_MARKET"],
                "timeInForce": ["GTC", "IOC", "FOK", "GTX"],
            })
        else:
            filters.append({"filterType": "NOTIONAL", "minNotional": fmt(spec.min_notional),
                            "applyMinToMarket": True, "maxNotional": "9000000.00000000",
                            "applyMaxToMarket": False, "avgPriceMins": 5})
            filters.append({"filterType": "MAX_NUM_ORDERS", "maxNumOrders": 200})
            symbols.append({
                "symbol": spec.symbol, "status": spec.status, "baseAsset": spec.base,
                "baseAssetPrecision": 8, "quoteAsset": spec.quote, "quotePrecision": 8,
                "quoteAssetPrecision": 8, "baseCommissionPrecision": 8,
                "quoteCommissionPrecision": 8,
                "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS", "STOP_LOSS_LIMIT",
                               "TAKE_PROFIT", "TAKE_PROFIT_LIMIT"],
                "icebergAllowed": True, "ocoAllowed": True, "otoAllowed": True,
                "quoteOrderQtyMarketAllowed": True, "allowTrailingStop": True,
                "cancelReplaceAllowed": True, "isSpotTradingAllowed": True,
                "isMarginTradingAllowed": False, "filters": filters,
                "permissions": [], "permissionSets": [["SPOT"]],
                "defaultSelfTradePreventionMode": "EXPIRE_MAKER",
                "allowedSelfTradePreventionModes": ["NONE", "EXPIRE_TAKER", "EXPIRE_MAKER",
                                                    "EXPIRE_BOTH"],
            })
    limits = [
        {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1,
         "limit": WEIGHT_LIMIT_1M},
        {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 100},
        {"rateLimitType": "ORDERS", "interval": "DAY", "intervalNum": 1, "limit": 200000},
    ]
    info: dict[str, Any] = {"timezone": "UTC", "serverTime": now_ms(), "rateLimits": limits,
                            "exchangeFilters": [], "symbols": symbols}
    if e.futures:
        info["assets"] = [{"asset": a, "marginAvailable": True, "autoAssetExchange": "0"}
                          for a in ("USDT", "BTC", "ETH")]
        info["futuresType"] = "U_MARGINED"
    return info


def _klines(call: Call) -> list[list[Any]]:
    cap = 1500 if call.engine.futures else 1000
    limit = call.int("limit") or 500
    if limit < 1 or limit > cap:
        raise RejectError(-1130, f"Invalid data sent for a parameter: limit must be between 1 "
                          f"and {cap}.")
    return call.engine.klines(call.symbol(), call.need("interval"), limit,
                              call.int("startTime"), call.int("endTime"))


def _book_one(e: MarketEngine, symbol: str) -> dict[str, Any]:
    bid, bid_qty, ask, ask_qty = e.book(symbol)
    out: dict[str, Any] = {"symbol": symbol, "bidPrice": fmt(bid), "bidQty": fmt(bid_qty),
                           "askPrice": fmt(ask), "askQty": fmt(ask_qty)}
    if e.futures:
        out["time"] = now_ms()
    return out


def _book_ticker(call: Call) -> Any:
    if call.get("symbol"):
        return _book_one(call.engine, call.symbol())
    return [_book_one(call.engine, s) for s in call.engine.symbols()]


def _ticker_price(call: Call) -> Any:
    e = call.engine

    def one(symbol: str) -> dict[str, Any]:
        out: dict[str, Any] = {"symbol": symbol, "price": fmt(e.books[symbol].last)}
        if e.futures:
            out["time"] = now_ms()
        return out

    if call.get("symbol"):
        return one(call.symbol())
    return [one(s) for s in e.symbols()]


def _ticker_24hr(call: Call) -> Any:
    if call.get("symbol"):
        return call.engine.ticker_24hr(call.symbol())
    return [call.engine.ticker_24hr(s) for s in call.engine.symbols()]


def _premium_index(call: Call) -> Any:
    """Mark, index and funding as the engine's clock has them (the markPrice stream's too)."""
    e = call.engine
    if call.get("symbol"):
        return e.premium_index(call.symbol())
    return [e.premium_index(s) for s in e.symbols()]
