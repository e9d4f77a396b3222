"""The demo exchange's matching engine: pure, synchronous, Decimal.

One ``MarketEngine`` per market (spot, USD-M futures). It holds the listing,
a price walk, every account's balances (and futures positions), and every
order. It does no I/O: the HTTP and WebSocket layers call it and it reports
what happened to an ``EventSink`` (the stream hub).

It is built in layers, one concern per module: ``_market.MarketData`` (listing,
quotes, walk, tickers, klines) under ``_accounts.Accounts`` (balances, locks,
positions, margin) under ``MarketEngine`` here (orders: placement, matching,
fills, cancels, trades).
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterable
from decimal import ROUND_DOWN, Decimal
from typing import Any

from ._accounts import Account, Accounts
from ._algo import AlgoService
from ._keys import DEMO_API_KEY
from ._market import INTERVAL_MS
from ._oco import OrderList, end_siblings, list_done
from ._order import Order
from ._order_shape import order_dict
from ._sink import EventSink
from ._symbols import SymbolSpec
from ._triggers import (
    ALGO_TYPES,
    LIMIT_PRICED,
    SPOT_STOP_TYPES,
    SPOT_TYPES,
    check_reduce_only,
    spot_stop_checks,
    stop_reached,
    trigger,
)
from ._wire import ZERO, Market, RejectError, fmt, now_ms

__all__ = ["INTERVAL_MS", "Market", "MarketEngine", "Order", "RejectError", "fmt", "now_ms"]

SPOT_FEE = Decimal("0.001")
FUTURES_TAKER_FEE = Decimal("0.0004")
FUTURES_MAKER_FEE = Decimal("0.0002")


class MarketEngine(Accounts):
    def __init__(self, market: Market, specs: Iterable[SymbolSpec], *, seed: int | None = None,
                 sink: EventSink | None = None) -> None:
        super().__init__(market, specs, seed=seed, sink=sink)
        self._order_ids = itertools.count(1_000_001 if market == "spot" else 8_000_000_001)
        self.orders_by_id: dict[int, Order] = {}
        self.trades: list[dict[str, Any]] = []
        self.algo = AlgoService(self)  # futures conditional orders (the algo-order service)
        self.order_lists: dict[int, OrderList] = {}  # spot OCOs by orderListId

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
        return order_dict(o, futures=self.futures)

    def place(self, api_key: str, *, symbol: str, side: str, type_: str, quantity: Decimal | None,
              price: Decimal | None, time_in_force: str | None, client_order_id: str | None,
              quote_qty: Decimal | None = None, reduce_only: bool = False,
              stop_price: Decimal | None = None, order_list_id: int = -1,
              share_lock: bool = False, algo_id: int = 0, orig_type: str = ""
              ) -> tuple[Order, list[dict[str, Any]]]:
        """Validate, accept and match one order. Returns the order and its fills.

        ``share_lock``: an OCO's second leg, which shares its sibling's lock.
        """
        spec = self.spec(symbol)
        if spec.status != "TRADING":
            raise RejectError(-1013, "Market is closed.")
        side = side.upper()
        if side not in ("BUY", "SELL"):
            raise RejectError(-1100, "Illegal characters found in parameter 'side'; legal range is "
                              "'BUY, SELL'.")
        type_ = type_.upper()
        if self.futures and type_ in ALGO_TYPES:
            raise RejectError(-4120, "Order type not supported for this endpoint. Please use the "
                              "Algo Order API endpoints instead.")
        if type_ not in (("LIMIT", "MARKET") if self.futures else SPOT_TYPES):
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
        if type_ == "LIMIT_MAKER":
            if time_in_force:
                raise RejectError(-1106, "Parameter 'timeInForce' sent when not required.")
            time_in_force = "GTC"
        if type_ in LIMIT_PRICED:
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
        is_stop = type_ in SPOT_STOP_TYPES
        if not self.futures:
            spot_stop_checks(self, spec, type_, side, stop_price, api_key)
        if quantity % spec.step != 0 or quantity < spec.min_qty or quantity > spec.max_qty:
            if self.futures and quantity % spec.step != 0:
                raise RejectError(-1111, "Precision is over the maximum defined for this asset.")
            raise RejectError(-1013, "Filter failure: LOT_SIZE")
        if type_ in LIMIT_PRICED and price is not None:
            ref_price = price
        elif is_stop and stop_price is not None:
            ref_price = stop_price
        else:
            ref_price = book.ask if side == "BUY" else book.bid
        notional = quantity * ref_price
        if notional < spec.min_notional and not reduce_only:
            if self.futures:
                raise RejectError(-4164, f"Order's notional must be no smaller than "
                                  f"{format(spec.min_notional, 'f')} (unless you choose reduce "
                                  f"only).")
            raise RejectError(-1013, "Filter failure: NOTIONAL")
        if reduce_only:
            check_reduce_only(self, api_key, spec.symbol, side, quantity)
        acct = self.account(api_key)
        if client_order_id:
            for o in self.orders_by_id.values():
                if o.api_key == api_key and o.client_order_id == client_order_id and o.is_open:
                    raise RejectError(-2010 if not self.futures else -4116,
                                      "Duplicate order sent." if not self.futures
                                      else "ClientOrderId is duplicated.")
        limit = price if type_ in LIMIT_PRICED and price is not None else ZERO
        crosses = type_ == "MARKET" or (type_ in LIMIT_PRICED and not is_stop and (
            book.ask <= limit if side == "BUY" else book.bid >= limit))
        if crosses and type_ == "LIMIT_MAKER":
            raise RejectError(-2010, "Order would immediately match and take.")
        t = now_ms()
        order = Order(next(self._order_ids), client_order_id or _random_client_id(self._rng),
                      api_key, spec.symbol, side, type_,
                      (time_in_force or "GTC") if type_ in LIMIT_PRICED else "GTC",
                      limit, quantity, t, update_time=t, reduce_only=reduce_only,
                      stop_price=stop_price if stop_price is not None else ZERO,
                      working=not is_stop, order_list_id=order_list_id, algo_id=algo_id,
                      orig_type=orig_type)
        if not share_lock:
            self._reserve(acct, spec, order, ref_price)
        self.orders_by_id[order.order_id] = order
        self.sink.order_update(self.market, api_key, self.order_dict(order), "NEW", ZERO, ZERO,
                               ZERO, None, -1, False, t)
        fills: list[dict[str, Any]] = []
        if crosses and order.time_in_force == "GTX":
            self._close(order, "EXPIRED")  # post-only would have taken liquidity
        elif crosses:
            touch = book.ask if side == "BUY" else book.bid
            fills.append(self._fill(order, quantity, touch, maker=False))
        elif type_ in LIMIT_PRICED and not is_stop and order.time_in_force in ("IOC", "FOK"):
            self._close(order, "EXPIRED")
        elif order.locked and not self.futures:
            # It rests: free moved to locked. Spot says so ("sent any time an account balance
            # has changed"); futures pushes nothing for an order that neither fills nor ends.
            self._account_changed(api_key, {self._locked_asset(spec, order)}, "ORDER", t)
        return order, fills

    def _locked_asset(self, spec: SymbolSpec, order: Order) -> str:
        """What ``order`` locks: futures margin in USDT; spot the quote to buy, the base to sell."""
        if self.futures:
            return "USDT"
        return spec.quote if order.side == "BUY" else spec.base

    def _reserve(self, acct: Account, spec: SymbolSpec, order: Order, ref_price: Decimal) -> None:
        if self.futures:
            margin = order.orig_qty * ref_price / acct.leverage_of(order.symbol)
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
        if order.type != "MARKET":
            acct.free[asset] -= need
            acct.locked[asset] = acct.locked.get(asset, ZERO) + need
            order.locked = need

    def _release(self, acct: Account, spec: SymbolSpec, order: Order, amount: Decimal) -> None:
        """Give back ``amount`` of what ``order`` locked."""
        amount = min(amount, order.locked)
        if amount <= 0:
            return
        order.locked -= amount
        asset = self._locked_asset(spec, order)
        acct.locked[asset] = acct.locked.get(asset, ZERO) - amount
        if not self.futures:
            acct.free[asset] = acct.free.get(asset, ZERO) + amount

    def _fill(self, order: Order, qty: Decimal, price: Decimal, *, maker: bool) -> dict[str, Any]:
        if order.order_list_id != -1:
            end_siblings(self, order)  # Binance ends the other OCO leg before this one fills
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
            if order.locked:
                # the lock was taken at the limit (or stop) price; a buy filled cheaper gets the
                # rest back
                left_before = order.orig_qty - order.executed_qty + qty
                used = min(order.locked * qty / left_before, order.locked)
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
        self._order_ended(order)
        if self.futures and not acct.positions[order.symbol].amount:
            self.algo.position_closed(order.api_key, order.symbol)
        return fill

    def _order_ended(self, order: Order) -> None:
        """Tell an OCO or an algo order that one of its orders is done."""
        if order.is_open:
            return
        if order.order_list_id != -1:
            list_done(self, order)
        if order.algo_id:
            self.algo.order_done(order)

    def _close(self, order: Order, status: str) -> None:
        spec = self.specs[order.symbol]
        acct = self.account(order.api_key)
        self._release(acct, spec, order, order.locked)
        order.status = status
        order.update_time = now_ms()
        self.sink.order_update(self.market, order.api_key, self.order_dict(order), status, ZERO,
                               ZERO, ZERO, None, -1, False, order.update_time)
        self._account_changed(order.api_key, {self._locked_asset(spec, order)}, "ORDER",
                              order.update_time)
        self._order_ended(order)

    def cancel(self, api_key: str, symbol: str, order_id: int | None,
               client_id: str | None) -> Order:
        spec = self.spec(symbol)
        try:
            order = self.find(api_key, spec.symbol, order_id, client_id)
        except RejectError:
            raise RejectError(-2011, "Unknown order sent.") from None
        if not order.is_open:
            raise RejectError(-2011, "Unknown order sent.")
        self._close(order, "CANCELED")  # an OCO leg cancels its list (via _order_ended)
        return order

    def cancel_all(self, api_key: str, symbol: str) -> list[Order]:
        spec = self.spec(symbol)
        out = []
        for o in list(self.orders_by_id.values()):
            if o.api_key == api_key and o.symbol == spec.symbol and o.is_open:
                self._close(o, "CANCELED")
                out.append(o)
        return out

    def my_trades(self, api_key: str, symbol: str) -> list[dict[str, Any]]:
        out = []
        for t in self.trades:
            if t["api_key"] == api_key and t["symbol"] == symbol:
                row = {k: v for k, v in t.items() if k != "api_key"}
                out.append(row)
        return out

    def _match(self, symbol: str) -> None:
        book = self.books[symbol]
        if self.futures:
            self.algo.check(symbol)
        else:
            for order in [o for o in self.orders_by_id.values() if o.symbol == symbol
                          and o.is_open and not o.working]:
                if order.is_open and stop_reached(order.type, order.side, book.last,
                                                  order.stop_price):
                    trigger(self, order)
        for order in [o for o in self.orders_by_id.values() if o.symbol == symbol and o.is_open
                      and o.working and o.type in LIMIT_PRICED]:
            if not order.is_open:
                continue  # ended by its OCO sibling meanwhile
            crosses = book.ask <= order.price if order.side == "BUY" else book.bid >= order.price
            if crosses:
                self._fill(order, order.orig_qty - order.executed_qty, order.price, maker=True)

def _random_client_id(rng: random.Random) -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return "".join(rng.choice(alphabet) for _ in range(22))
