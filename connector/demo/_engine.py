"""The demo exchange's matching engine: pure, synchronous, Decimal.

One ``MarketEngine`` per market (spot, USD-M futures). It holds the listing,
a price walk, every account's balances (and futures positions), and every
order. It does no I/O: the HTTP and WebSocket layers call it and it reports
what happened to an ``EventSink`` (the stream hub).
"""

from __future__ import annotations

import itertools
import math
import random
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Any, Literal, Protocol

from ._keys import DEMO_API_KEY
from ._symbols import SymbolSpec

Market = Literal["spot", "futures"]
ZERO = Decimal(0)
SPOT_FEE = Decimal("0.001")
FUTURES_TAKER_FEE = Decimal("0.0004")
FUTURES_MAKER_FEE = Decimal("0.0002")
DEFAULT_LEVERAGE = 20

INTERVAL_MS = {
    "1s": 1_000, "1m": 60_000, "3m": 180_000, "5m": 300_000, "15m": 900_000, "30m": 1_800_000,
    "1h": 3_600_000, "2h": 7_200_000, "4h": 14_400_000, "6h": 21_600_000, "8h": 28_800_000,
    "12h": 43_200_000, "1d": 86_400_000, "3d": 259_200_000, "1w": 604_800_000,
    "1M": 2_592_000_000,
}


class EventSink(Protocol):
    def book_ticker(self, market: Market, symbol: str, update_id: int, bid: Decimal,
                    bid_qty: Decimal, ask: Decimal, ask_qty: Decimal, time_ms: int) -> None: ...

    def trade(self, market: Market, symbol: str, agg_id: int, price: Decimal, qty: Decimal,
              first_trade_id: int, last_trade_id: int, time_ms: int,
              buyer_is_maker: bool) -> None: ...

    def order_update(self, market: Market, api_key: str, order: dict[str, Any],
                     execution_type: str, last_qty: Decimal, last_price: Decimal,
                     commission: Decimal, commission_asset: str | None, trade_id: int,
                     is_maker: bool, time_ms: int, realized_pnl: Decimal = ZERO) -> None: ...

    def account_update(self, market: Market, api_key: str, balances: dict[str, dict[str, Any]],
                       reason: str, time_ms: int,
                       positions: list[dict[str, Any]] | None = None) -> None: ...


class NullSink:
    def book_ticker(self, *args: Any, **kwargs: Any) -> None:
        pass

    def trade(self, *args: Any, **kwargs: Any) -> None:
        pass

    def order_update(self, *args: Any, **kwargs: Any) -> None:
        pass

    def account_update(self, *args: Any, **kwargs: Any) -> None:
        pass


class RejectError(Exception):
    """An order or query the exchange refuses: Binance's code, message and HTTP status."""

    def __init__(self, code: int, msg: str, status: int = 400) -> None:
        super().__init__(msg)
        self.code = code
        self.msg = msg
        self.status = status


def fmt(d: Decimal, places: int = 8) -> str:
    q = Decimal(1).scaleb(-places)
    return format(d.quantize(q, rounding=ROUND_HALF_UP), "f")


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass(slots=True)
class Order:
    order_id: int
    client_order_id: str
    api_key: str
    symbol: str
    side: str
    type: str
    time_in_force: str
    price: Decimal
    orig_qty: Decimal
    time: int
    executed_qty: Decimal = ZERO
    cum_quote: Decimal = ZERO
    status: str = "NEW"
    update_time: int = 0
    locked: Decimal = ZERO  # spot: asset locked for the rest of the order; futures: margin
    reduce_only: bool = False

    @property
    def is_open(self) -> bool:
        return self.status in ("NEW", "PARTIALLY_FILLED")

    @property
    def avg_price(self) -> Decimal:
        return self.cum_quote / self.executed_qty if self.executed_qty else ZERO


@dataclass(slots=True)
class Position:
    amount: Decimal = ZERO  # signed: > 0 long
    entry_price: Decimal = ZERO


@dataclass(slots=True)
class Account:
    free: dict[str, Decimal] = field(default_factory=dict)  # spot free / futures wallet
    locked: dict[str, Decimal] = field(default_factory=dict)  # spot locked / futures order margin
    positions: dict[str, Position] = field(default_factory=dict)
    realized: Decimal = ZERO


@dataclass(slots=True)
class Book:
    mid: Decimal
    bid: Decimal
    ask: Decimal
    bid_qty: Decimal
    ask_qty: Decimal
    update_id: int = 1
    open_24h: Decimal = ZERO
    high_24h: Decimal = ZERO
    low_24h: Decimal = ZERO
    volume_24h: Decimal = ZERO
    quote_volume_24h: Decimal = ZERO
    last: Decimal = ZERO
    last_qty: Decimal = ZERO
    trades: int = 0


class MarketEngine:
    def __init__(self, market: Market, specs: Iterable[SymbolSpec], *, seed: int | None = None,
                 sink: EventSink | None = None) -> None:
        self.market: Market = market
        self.specs: dict[str, SymbolSpec] = {s.symbol: s for s in specs}
        self.sink: EventSink = sink or NullSink()
        self._rng = random.Random(seed)
        self._order_ids = itertools.count(1_000_001 if market == "spot" else 8_000_000_001)
        self._trade_ids = itertools.count(100_001)
        self._agg_ids = itertools.count(5_000_001)
        self.orders_by_id: dict[int, Order] = {}
        self.accounts: dict[str, Account] = {}
        self.trades: list[dict[str, Any]] = []
        self.books: dict[str, Book] = {}
        for spec in self.specs.values():
            self.books[spec.symbol] = self._new_book(spec)

    # -- listing and prices -------------------------------------------------------

    @property
    def futures(self) -> bool:
        return self.market == "futures"

    def symbols(self) -> list[str]:
        return [s for s, spec in self.specs.items() if spec.status == "TRADING"]

    def spec(self, symbol: str) -> SymbolSpec:
        try:
            return self.specs[symbol.upper()]
        except KeyError:
            raise RejectError(-1121, "Invalid symbol.") from None

    def _new_book(self, spec: SymbolSpec) -> Book:
        mid = _round_to(spec.price, spec.tick)
        book = Book(mid, mid, mid, ZERO, ZERO)
        self._quote(spec, book, mid)
        drift = Decimal(self._rng.randrange(-600, 600)) / 10_000  # -6 % .. +6 % over 24 h
        book.open_24h = _round_to(mid / (1 + drift), spec.tick)
        book.high_24h = mid * Decimal("1.021")
        book.low_24h = mid * Decimal("0.975")
        book.volume_24h = _round_to(Decimal(1_000_000) / mid, spec.step) if mid else ZERO
        book.quote_volume_24h = book.volume_24h * mid
        book.last = mid
        return book

    def _quote(self, spec: SymbolSpec, book: Book, mid: Decimal) -> None:
        mid = max(_round_to(mid, spec.tick), spec.tick * 2)
        spread_ticks = 1 + self._rng.randrange(2)
        book.mid = mid
        book.bid = mid - spec.tick * max(spread_ticks // 2, 1)
        book.ask = book.bid + spec.tick * spread_ticks
        notional = Decimal(5_000 + self._rng.randrange(50_000))
        book.bid_qty = max(spec.step, _round_to(notional / mid, spec.step))
        book.ask_qty = max(spec.step, _round_to(notional * Decimal("0.9") / mid, spec.step))
        book.update_id += 1

    def book(self, symbol: str) -> tuple[Decimal, Decimal, Decimal, Decimal]:
        b = self.books[self.spec(symbol).symbol]
        return b.bid, b.bid_qty, b.ask, b.ask_qty

    def price(self, symbol: str) -> Decimal:
        return self.books[self.spec(symbol).symbol].mid

    def set_price(self, symbol: str, price: Decimal | str) -> None:
        spec = self.spec(symbol)
        self._move(spec, Decimal(str(price)))

    def walk(self, symbols: Iterable[str] | None = None, volatility: float = 0.0004) -> None:
        """Move every symbol one step of a random walk, trading and matching as it goes."""
        for symbol in symbols if symbols is not None else self.symbols():
            if symbols is None and self._rng.random() > 0.35:
                continue  # not every market moves every tick
            spec = self.specs[symbol]
            book = self.books[symbol]
            change = Decimal(repr(round(self._rng.gauss(0.00001, volatility), 8)))
            self._move(spec, book.mid * (1 + change))

    def _move(self, spec: SymbolSpec, mid: Decimal) -> None:
        book = self.books[spec.symbol]
        old_mid = book.mid
        self._quote(spec, book, mid)
        t = now_ms()
        self.sink.book_ticker(self.market, spec.symbol, book.update_id, book.bid, book.bid_qty,
                              book.ask, book.ask_qty, t)
        # Someone else traded at the touch: keeps aggTrade, klines and tickers alive.
        buyer_is_maker = book.mid < old_mid
        price = book.bid if buyer_is_maker else book.ask
        qty = max(spec.step, _round_to(Decimal(self._rng.randrange(1, 400)) * 10 / price,
                                       spec.step))
        self._market_trade(spec, price, qty, buyer_is_maker, t)
        self._match(spec.symbol)

    def _market_trade(self, spec: SymbolSpec, price: Decimal, qty: Decimal,
                      buyer_is_maker: bool, t: int) -> None:
        book = self.books[spec.symbol]
        book.last, book.last_qty = price, qty
        book.high_24h = max(book.high_24h, price)
        book.low_24h = min(book.low_24h, price)
        book.volume_24h += qty
        book.quote_volume_24h += qty * price
        book.trades += 1
        first = next(self._trade_ids)
        self.sink.trade(self.market, spec.symbol, next(self._agg_ids), price, qty, first, first,
                        t, buyer_is_maker)

    # -- market data shapes ---------------------------------------------------------

    def ticker_24hr(self, symbol: str) -> dict[str, Any]:
        spec = self.spec(symbol)
        b = self.books[spec.symbol]
        t = now_ms()
        change = b.last - b.open_24h
        out: dict[str, Any] = {
            "symbol": spec.symbol,
            "priceChange": fmt(change),
            "priceChangePercent": fmt(change / b.open_24h * 100 if b.open_24h else ZERO, 3),
            "weightedAvgPrice": fmt(b.quote_volume_24h / b.volume_24h if b.volume_24h else b.last),
            "lastPrice": fmt(b.last),
            "lastQty": fmt(b.last_qty),
            "openPrice": fmt(b.open_24h),
            "highPrice": fmt(b.high_24h),
            "lowPrice": fmt(b.low_24h),
            "volume": fmt(b.volume_24h),
            "quoteVolume": fmt(b.quote_volume_24h),
            "openTime": t - 86_400_000,
            "closeTime": t,
            "firstId": 100_001,
            "lastId": 100_001 + b.trades,
            "count": b.trades + 1,
        }
        if not self.futures:
            out.update({
                "prevClosePrice": fmt(b.open_24h), "bidPrice": fmt(b.bid), "bidQty": fmt(b.bid_qty),
                "askPrice": fmt(b.ask), "askQty": fmt(b.ask_qty),
            })
        return out

    def klines(self, symbol: str, interval: str, limit: int = 500, start: int | None = None,
               end: int | None = None) -> list[list[Any]]:
        """Synthetic but consistent history: a smooth function of time ending at the live price."""
        spec = self.spec(symbol)
        if interval not in INTERVAL_MS:
            raise RejectError(-1120, "Invalid interval.")
        step = INTERVAL_MS[interval]
        now = now_ms()
        current_open = now - now % step
        if start is not None:
            first = start - start % step + (step if start % step else 0)
            opens = [first + i * step for i in range(limit)]
            opens = [o for o in opens if o <= current_open and (end is None or o <= end)]
        else:
            last = current_open if end is None else min(current_open, end - end % step)
            opens = [last - (limit - 1 - i) * step for i in range(limit)]
        book = self.books[spec.symbol]
        rows = []
        for o in opens:
            if o == current_open:
                close = book.last
                open_ = self._curve(spec, o)
            else:
                open_, close = self._curve(spec, o), self._curve(spec, o + step)
            high = max(open_, close) * Decimal("1.0007")
            low = min(open_, close) * Decimal("0.9993")
            volume = _round_to(Decimal(200_000 + (o // step) % 97 * 3_000) / close, spec.step)
            rows.append([
                o, fmt(_round_to(open_, spec.tick)), fmt(_round_to(high, spec.tick)),
                fmt(_round_to(low, spec.tick)), fmt(_round_to(close, spec.tick)), fmt(volume),
                o + step - 1, fmt(volume * close), 100 + (o // step) % 50,
                fmt(volume / 2), fmt(volume * close / 2), "0",
            ])
        return rows

    def _curve(self, spec: SymbolSpec, t: int) -> Decimal:
        """Historical price at ``t``: the live price, bent by slow waves, equal to it now."""
        book = self.books[spec.symbol]
        seed = sum(map(ord, spec.symbol))
        hours = (t - now_ms()) / 3_600_000

        def wave(h: float) -> float:
            return (0.03 * math.sin(h / 37 + seed) + 0.012 * math.sin(h / 5.3 + seed * 2)
                    + 0.004 * math.sin(h * 1.9 + seed * 3))

        factor = Decimal(repr(round(1 + wave(hours) - wave(0), 8)))
        return book.last * factor

    # -- accounts ---------------------------------------------------------------------------

    def account(self, api_key: str) -> Account:
        acct = self.accounts.get(api_key)
        if acct is None:
            acct = Account()
            if self.futures:
                acct.free = {"USDT": Decimal(10_000), "BTC": Decimal("0.5"), "ETH": Decimal(5)}
            else:
                acct.free = {"USDT": Decimal(10_000), "BTC": Decimal(1), "ETH": Decimal(10),
                             "BNB": Decimal(5)}
            self.accounts[api_key] = acct
        return acct

    def spot_balance(self, api_key: str, asset: str) -> dict[str, Any]:
        acct = self.account(api_key)
        return {"asset": asset, "free": fmt(acct.free.get(asset, ZERO)),
                "locked": fmt(acct.locked.get(asset, ZERO))}

    def balances(self, api_key: str = DEMO_API_KEY) -> dict[str, dict[str, Any]]:
        acct = self.account(api_key)
        if not self.futures:
            assets = sorted(set(acct.free) | set(acct.locked))
            return {a: self.spot_balance(api_key, a) for a in assets}
        return {a: self.futures_balance(api_key, a) for a in sorted(acct.free)}

    def unrealized(self, api_key: str) -> Decimal:
        acct = self.account(api_key)
        return sum((self._pnl(sym, p) for sym, p in acct.positions.items()), ZERO)

    def _pnl(self, symbol: str, p: Position) -> Decimal:
        return (self.books[symbol].mid - p.entry_price) * p.amount if p.amount else ZERO

    def position_margin(self, api_key: str) -> Decimal:
        acct = self.account(api_key)
        return sum((abs(p.amount) * self.books[s].mid / DEFAULT_LEVERAGE
                    for s, p in acct.positions.items()), ZERO)

    def futures_balance(self, api_key: str, asset: str) -> dict[str, Any]:
        acct = self.account(api_key)
        wallet = acct.free.get(asset, ZERO)
        upnl = self.unrealized(api_key) if asset == "USDT" else ZERO
        pos_margin = self.position_margin(api_key) if asset == "USDT" else ZERO
        order_margin = acct.locked.get(asset, ZERO)
        available = wallet + upnl - pos_margin - order_margin if asset == "USDT" else wallet
        return {
            "accountAlias": "SgsR", "asset": asset, "balance": fmt(wallet),
            "crossWalletBalance": fmt(wallet), "crossUnPnl": fmt(upnl),
            "availableBalance": fmt(available), "maxWithdrawAmount": fmt(max(available, ZERO)),
            "marginAvailable": True, "updateTime": now_ms(),
            # fields of /fapi/v2/account "assets"
            "walletBalance": fmt(wallet), "unrealizedProfit": fmt(upnl),
            "marginBalance": fmt(wallet + upnl), "maintMargin": fmt(pos_margin * Decimal("0.2")),
            "initialMargin": fmt(pos_margin + order_margin), "positionInitialMargin": fmt(pos_margin),
            "openOrderInitialMargin": fmt(order_margin),
        }

    def positions(self, api_key: str, symbol: str | None = None) -> list[dict[str, Any]]:
        acct = self.account(api_key)
        out = []
        for sym in ([self.spec(symbol).symbol] if symbol else self.symbols()):
            p = acct.positions.get(sym, Position())
            mark = self.books[sym].mid
            out.append({
                "symbol": sym, "positionAmt": fmt(p.amount), "entryPrice": fmt(p.entry_price),
                "breakEvenPrice": fmt(p.entry_price), "markPrice": fmt(mark),
                "unRealizedProfit": fmt(self._pnl(sym, p)),
                "liquidationPrice": "0", "leverage": str(DEFAULT_LEVERAGE),
                "maxNotionalValue": "5000000", "marginType": "cross", "isolatedMargin": "0",
                "isAutoAddMargin": "false", "positionSide": "BOTH",
                "notional": fmt(p.amount * mark), "isolatedWallet": "0",
                "initialMargin": fmt(abs(p.amount) * mark / DEFAULT_LEVERAGE),
                "updateTime": now_ms(),
            })
        return out

    # -- orders -------------------------------------------------------------------------------

    def orders(self, api_key: str = DEMO_API_KEY) -> list[dict[str, Any]]:
        return [self.order_dict(o) for o in self.orders_by_id.values() if o.api_key == api_key]

    def open_orders(self, api_key: str = DEMO_API_KEY,
                    symbol: str | None = None) -> list[dict[str, Any]]:
        return [self.order_dict(o) for o in self.orders_by_id.values()
                if o.api_key == api_key and o.is_open and (symbol is None or o.symbol == symbol)]

    def find(self, api_key: str, symbol: str, order_id: int | None,
             client_id: str | None) -> Order:
        for o in self.orders_by_id.values():
            if o.api_key != api_key or o.symbol != symbol:
                continue
            if (order_id is not None and o.order_id == order_id) or (
                    order_id is None and client_id is not None and o.client_order_id == client_id):
                return o
        raise RejectError(-2013, "Order does not exist.")

    def order_dict(self, o: Order) -> dict[str, Any]:
        d: dict[str, Any] = {
            "symbol": o.symbol, "orderId": o.order_id, "clientOrderId": o.client_order_id,
            "price": fmt(o.price), "origQty": fmt(o.orig_qty),
            "executedQty": fmt(o.executed_qty), "status": o.status,
            "timeInForce": o.time_in_force, "type": o.type, "side": o.side,
            "time": o.time, "updateTime": o.update_time,
        }
        if self.futures:
            d.update({
                "avgPrice": fmt(o.avg_price, 5),
                "cumQuote": fmt(o.cum_quote), "reduceOnly": o.reduce_only,
                "closePosition": False, "positionSide": "BOTH", "stopPrice": "0",
                "workingType": "CONTRACT_PRICE", "priceProtect": False, "origType": o.type,
                "priceMatch": "NONE", "selfTradePreventionMode": "NONE", "goodTillDate": 0,
            })
        else:
            d.update({
                "orderListId": -1, "cummulativeQuoteQty": fmt(o.cum_quote), "stopPrice": "0",
                "icebergQty": "0", "isWorking": o.is_open, "workingTime": o.time,
                "origQuoteOrderQty": "0", "selfTradePreventionMode": "EXPIRE_MAKER",
            })
        return d

    def place(self, api_key: str, *, symbol: str, side: str, type_: str, quantity: Decimal | None,
              price: Decimal | None, time_in_force: str | None, client_order_id: str | None,
              quote_qty: Decimal | None = None, reduce_only: bool = False
              ) -> tuple[Order, list[dict[str, Any]]]:
        """Validate, accept and match one order. Returns the order and its fills."""
        spec = self.spec(symbol)
        if spec.status != "TRADING":
            raise RejectError(-1013, "Market is closed.")
        side = side.upper()
        if side not in ("BUY", "SELL"):
            raise RejectError(-1100, "Illegal characters found in parameter 'side'; legal range is "
                              "'BUY, SELL'.")
        type_ = type_.upper()
        if type_ not in ("LIMIT", "MARKET"):
            raise RejectError(-1116, "Invalid orderType.")
        book = self.books[spec.symbol]
        if type_ == "MARKET" and quantity is None and quote_qty is not None and not self.futures:
            touch = book.ask if side == "BUY" else book.bid
            quantity = (quote_qty / touch).quantize(spec.step, rounding=ROUND_DOWN)
        if quantity is None:
            raise RejectError(-1102, "Mandatory parameter 'quantity' was not sent, was empty/null,"
                              " or malformed.")
        if quantity <= 0:
            if self.futures:
                raise RejectError(-4003, "Quantity less than or equal to zero.")
            raise RejectError(-1013, "Invalid quantity.")
        if type_ == "LIMIT":
            if price is None:
                raise RejectError(-1102, "Mandatory parameter 'price' was not sent, was "
                                  "empty/null, or malformed.")
            if not time_in_force:
                raise RejectError(-1102, "Mandatory parameter 'timeInForce' was not sent, was "
                                  "empty/null, or malformed.")
            if time_in_force not in ("GTC", "IOC", "FOK", "GTX"):
                raise RejectError(-1115, "Invalid timeInForce.")
            if price <= 0:
                if self.futures:
                    raise RejectError(-4001, "Price less than 0.")
                raise RejectError(-1013, "Invalid price.")
            if price % spec.tick != 0:
                if self.futures:
                    raise RejectError(-4014, "Price not increased by tick size.")
                raise RejectError(-1013, "Filter failure: PRICE_FILTER")
        elif price is not None and not self.futures:
            raise RejectError(-1106, "Parameter 'price' sent when not required.")
        if quantity % spec.step != 0 or quantity < spec.min_qty or quantity > spec.max_qty:
            if self.futures and quantity % spec.step != 0:
                raise RejectError(-1111, "Precision is over the maximum defined for this asset.")
            raise RejectError(-1013, "Filter failure: LOT_SIZE")
        ref_price = price if type_ == "LIMIT" and price is not None else (
            book.ask if side == "BUY" else book.bid)
        notional = quantity * ref_price
        if notional < spec.min_notional and not reduce_only:
            if self.futures:
                raise RejectError(-4164, f"Order's notional must be no smaller than "
                                  f"{format(spec.min_notional, 'f')} (unless you choose reduce "
                                  f"only).")
            raise RejectError(-1013, "Filter failure: NOTIONAL")
        acct = self.account(api_key)
        if client_order_id:
            for o in self.orders_by_id.values():
                if o.api_key == api_key and o.client_order_id == client_order_id and o.is_open:
                    raise RejectError(-2010 if not self.futures else -4116,
                                      "Duplicate order sent." if not self.futures
                                      else "ClientOrderId is duplicated.")
        t = now_ms()
        order = Order(next(self._order_ids), client_order_id or _random_client_id(self._rng),
                      api_key, spec.symbol, side, type_,
                      (time_in_force or "GTC") if type_ == "LIMIT" else "GTC",
                      price if type_ == "LIMIT" and price is not None else ZERO, quantity, t,
                      update_time=t, reduce_only=reduce_only)
        self._reserve(acct, spec, order, ref_price)
        self.orders_by_id[order.order_id] = order
        self.sink.order_update(self.market, api_key, self.order_dict(order), "NEW", ZERO, ZERO,
                               ZERO, None, -1, False, t)
        fills: list[dict[str, Any]] = []
        marketable = type_ == "MARKET" or (
            book.ask <= order.price if side == "BUY" else book.bid >= order.price)
        if marketable and order.time_in_force == "GTX":
            self._close(order, "EXPIRED")  # post-only would have taken liquidity
        elif marketable:
            touch = book.ask if side == "BUY" else book.bid
            fills.append(self._fill(order, quantity, touch, maker=False))
        elif type_ == "LIMIT" and order.time_in_force in ("IOC", "FOK"):
            self._close(order, "EXPIRED")
        return order, fills

    def _reserve(self, acct: Account, spec: SymbolSpec, order: Order, ref_price: Decimal) -> None:
        if self.futures:
            margin = order.orig_qty * ref_price / DEFAULT_LEVERAGE
            if not order.reduce_only and margin > self._available(order.api_key):
                raise RejectError(-2019, "Margin is insufficient.")
            if order.type == "LIMIT":
                order.locked = margin
                acct.locked["USDT"] = acct.locked.get("USDT", ZERO) + margin
            return
        if order.side == "BUY":
            asset, need = spec.quote, order.orig_qty * ref_price
        else:
            asset, need = spec.base, order.orig_qty
        if acct.free.get(asset, ZERO) < need:
            raise RejectError(-2010, "Account has insufficient balance for requested action.")
        if order.type == "LIMIT":
            acct.free[asset] -= need
            acct.locked[asset] = acct.locked.get(asset, ZERO) + need
            order.locked = need

    def _available(self, api_key: str) -> Decimal:
        acct = self.account(api_key)
        return (acct.free.get("USDT", ZERO) + self.unrealized(api_key)
                - self.position_margin(api_key) - acct.locked.get("USDT", ZERO))

    def _release(self, acct: Account, spec: SymbolSpec, order: Order, amount: Decimal) -> None:
        """Give back ``amount`` of what ``order`` locked."""
        amount = min(amount, order.locked)
        if amount <= 0:
            return
        order.locked -= amount
        if self.futures:
            acct.locked["USDT"] = acct.locked.get("USDT", ZERO) - amount
            return
        asset = spec.quote if order.side == "BUY" else spec.base
        acct.locked[asset] -= amount
        acct.free[asset] = acct.free.get(asset, ZERO) + amount

    def _fill(self, order: Order, qty: Decimal, price: Decimal, *, maker: bool) -> dict[str, Any]:
        spec = self.specs[order.symbol]
        acct = self.account(order.api_key)
        t = now_ms()
        quote = qty * price
        order.executed_qty += qty
        order.cum_quote += quote
        order.status = "FILLED" if order.executed_qty >= order.orig_qty else "PARTIALLY_FILLED"
        order.update_time = t
        trade_id = next(self._trade_ids)
        realized = ZERO
        changed: set[str]
        if self.futures:
            if order.locked:
                self._release(acct, spec, order, order.locked * qty / (order.orig_qty
                              - order.executed_qty + qty))
            fee = quote * (FUTURES_MAKER_FEE if maker else FUTURES_TAKER_FEE)
            fee_asset = "USDT"
            realized = self._apply_position(acct, order.symbol,
                                            qty if order.side == "BUY" else -qty, price)
            acct.free["USDT"] = acct.free.get("USDT", ZERO) + realized - fee
            changed = {"USDT"}
        else:
            if order.side == "BUY":
                spend, spend_asset, gain, gain_asset = quote, spec.quote, qty, spec.base
            else:
                spend, spend_asset, gain, gain_asset = qty, spec.base, quote, spec.quote
            fee = gain * SPOT_FEE
            fee_asset = gain_asset
            if order.type == "LIMIT":
                # the lock was taken at the limit price; a buy filled cheaper gets the rest back
                reserved = qty * order.price if order.side == "BUY" else qty
                used = min(reserved, order.locked)
                order.locked -= used
                acct.locked[spend_asset] -= used
                acct.free[spend_asset] += used - spend
            else:
                acct.free[spend_asset] = acct.free.get(spend_asset, ZERO) - spend
            acct.free[gain_asset] = acct.free.get(gain_asset, ZERO) + gain - fee
            if not order.is_open and order.locked:
                self._release(acct, spec, order, order.locked)
            changed = {spend_asset, gain_asset}
        fill = {"price": fmt(price), "qty": fmt(qty), "commission": fmt(fee),
                "commissionAsset": fee_asset, "tradeId": trade_id}
        self.trades.append({
            "symbol": order.symbol, "id": trade_id, "orderId": order.order_id,
            "api_key": order.api_key, "price": fmt(price), "qty": fmt(qty),
            "quoteQty": fmt(quote), "commission": fmt(fee), "commissionAsset": fee_asset,
            "time": t, "isBuyer": order.side == "BUY", "isMaker": maker, "side": order.side,
            "realizedPnl": fmt(realized),
        })
        self._market_trade(spec, price, qty, order.side == "SELL" if not maker
                           else order.side == "BUY", t)
        self.sink.order_update(self.market, order.api_key, self.order_dict(order), "TRADE", qty,
                               price, fee, fee_asset, trade_id, maker, t, realized)
        self._account_changed(order.api_key, changed, "ORDER", t, order.symbol)
        return fill

    def _apply_position(self, acct: Account, symbol: str, delta: Decimal,
                        price: Decimal) -> Decimal:
        pos = acct.positions.setdefault(symbol, Position())
        realized = ZERO
        if pos.amount == 0 or (pos.amount > 0) == (delta > 0):
            total = pos.amount + delta
            pos.entry_price = (pos.entry_price * abs(pos.amount) + price * abs(delta)) / abs(total)
            pos.amount = total
        else:
            closing = min(abs(delta), abs(pos.amount))
            direction = 1 if pos.amount > 0 else -1
            realized = (price - pos.entry_price) * closing * direction
            remaining = pos.amount + delta
            if remaining == 0:
                pos.amount, pos.entry_price = ZERO, ZERO
            elif (remaining > 0) == (pos.amount > 0):
                pos.amount = remaining
            else:
                pos.amount, pos.entry_price = remaining, price
        acct.realized += realized
        return realized

    def _account_changed(self, api_key: str, assets: set[str], reason: str, t: int,
                         symbol: str | None = None) -> None:
        if self.futures:
            balances = {a: self.futures_balance(api_key, a) for a in sorted(assets)}
            positions = self.positions(api_key, symbol) if symbol else None
            self.sink.account_update(self.market, api_key, balances, reason, t, positions)
        else:
            balances = {a: self.spot_balance(api_key, a) for a in sorted(assets)}
            self.sink.account_update(self.market, api_key, balances, reason, t)

    def _close(self, order: Order, status: str) -> None:
        spec = self.specs[order.symbol]
        acct = self.account(order.api_key)
        self._release(acct, spec, order, order.locked)
        order.status = status
        order.update_time = now_ms()
        self.sink.order_update(self.market, order.api_key, self.order_dict(order), status, ZERO,
                               ZERO, ZERO, None, -1, False, order.update_time)
        asset = "USDT" if self.futures else (spec.quote if order.side == "BUY" else spec.base)
        self._account_changed(order.api_key, {asset}, "ORDER", order.update_time)

    def cancel(self, api_key: str, symbol: str, order_id: int | None,
               client_id: str | None) -> Order:
        spec = self.spec(symbol)
        try:
            order = self.find(api_key, spec.symbol, order_id, client_id)
        except RejectError:
            raise RejectError(-2011, "Unknown order sent.") from None
        if not order.is_open:
            raise RejectError(-2011, "Unknown order sent.")
        self._close(order, "CANCELED")
        return order

    def cancel_all(self, api_key: str, symbol: str) -> list[Order]:
        spec = self.spec(symbol)
        out = []
        for o in list(self.orders_by_id.values()):
            if o.api_key == api_key and o.symbol == spec.symbol and o.is_open:
                self._close(o, "CANCELED")
                out.append(o)
        return out

    def _match(self, symbol: str) -> None:
        book = self.books[symbol]
        for order in [o for o in self.orders_by_id.values() if o.symbol == symbol and o.is_open
                      and o.type == "LIMIT"]:
            crosses = book.ask <= order.price if order.side == "BUY" else book.bid >= order.price
            if crosses:
                self._fill(order, order.orig_qty - order.executed_qty, order.price, maker=True)

    def my_trades(self, api_key: str, symbol: str) -> list[dict[str, Any]]:
        out = []
        for t in self.trades:
            if t["api_key"] == api_key and t["symbol"] == symbol:
                row = {k: v for k, v in t.items() if k != "api_key"}
                out.append(row)
        return out


def _round_to(value: Decimal, step: Decimal) -> Decimal:
    return (value / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step


def _random_client_id(rng: random.Random) -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return "".join(rng.choice(alphabet) for _ in range(22))
