"""The demo's futures algo-order service: conditional orders outside the matching engine.

Since 2025-12-09 Binance takes futures STOP, STOP_MARKET, TAKE_PROFIT,
TAKE_PROFIT_MARKET and TRAILING_STOP_MARKET only on ``/fapi/v1/algoOrder``. An
algo order waits here (algoStatus NEW) until its trigger is reached on the last
price (or the mark price for ``workingType=MARK_PRICE``), then places an
ordinary LIMIT (STOP, TAKE_PROFIT) or MARKET order in the engine (TRIGGERED),
and is FINISHED when that order is done. Every change is an ``ALGO_UPDATE``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ._triggers import ALGO_TYPES, FUTURES_MAX_ALGO_ORDERS, stop_reached
from ._wire import ZERO, RejectError, fmt, now_ms

if TYPE_CHECKING:
    from ._engine import MarketEngine
    from ._order import Order

CALLBACK_MIN, CALLBACK_MAX, CALLBACK_STEP = Decimal("0.1"), Decimal(10), Decimal("0.1")


@dataclass(slots=True)
class AlgoOrder:
    algo_id: int
    client_algo_id: str
    api_key: str
    symbol: str
    side: str
    order_type: str
    time_in_force: str
    quantity: Decimal
    price: Decimal
    trigger_price: Decimal
    working_type: str
    reduce_only: bool
    callback_rate: Decimal
    activate_price: Decimal
    create_time: int
    update_time: int
    status: str = "NEW"  # NEW, CANCELED, TRIGGERED, FINISHED, REJECTED, EXPIRED
    trigger_time: int = 0
    actual_order_id: str = ""
    executed_qty: Decimal = ZERO
    avg_price: Decimal = ZERO
    extreme: Decimal = ZERO  # trailing stop: best price since activation
    activated: bool = False
    reason: str = ""

    @property
    def is_open(self) -> bool:
        return self.status == "NEW"  # waiting for its trigger (TRIGGERED: the order took over)


class AlgoService:
    def __init__(self, engine: MarketEngine) -> None:
        self.engine = engine
        self.orders: dict[int, AlgoOrder] = {}
        self._ids = itertools.count(3_000_001)

    # -- requests ---------------------------------------------------------------------

    def place(self, api_key: str, *, symbol: str, side: str, order_type: str,
              quantity: Decimal | None, price: Decimal | None, trigger_price: Decimal | None,
              time_in_force: str | None, working_type: str | None, reduce_only: bool,
              callback_rate: Decimal | None, activate_price: Decimal | None,
              client_algo_id: str | None) -> AlgoOrder:
        e = self.engine
        spec = e.spec(symbol)
        side = side.upper()
        if side not in ("BUY", "SELL"):
            raise RejectError(-1100, "Illegal characters found in parameter 'side'.")
        order_type = order_type.upper()
        if order_type not in ALGO_TYPES:
            raise RejectError(-1116, "Invalid orderType.")
        if quantity is None or quantity <= 0:
            raise RejectError(-4003, "Quantity less than or equal to zero.")
        if quantity % spec.step != 0:
            raise RejectError(-1111, "Precision is over the maximum defined for this asset.")
        working = (working_type or "CONTRACT_PRICE").upper()
        if working not in ("CONTRACT_PRICE", "MARK_PRICE"):
            raise RejectError(-1100, "Illegal characters found in parameter 'workingType'.")
        now_price = self.price(spec.symbol, working)
        trailing = order_type == "TRAILING_STOP_MARKET"
        if trailing:
            if callback_rate is None:
                raise RejectError(-1102, "Mandatory parameter 'callbackRate' was not sent.")
            if not CALLBACK_MIN <= callback_rate <= CALLBACK_MAX or \
                    callback_rate % CALLBACK_STEP != 0:
                raise RejectError(-4136, "Invalid callBack rate.")
        else:
            if trigger_price is None or trigger_price <= 0:
                raise RejectError(-1102, "Mandatory parameter 'triggerPrice' was not sent, was "
                                  "empty/null, or malformed.")
            if trigger_price % spec.tick != 0:
                raise RejectError(-4014, "Price not increased by tick size.")
            if stop_reached(order_type, side, now_price, trigger_price):
                raise RejectError(-2021, "Order would immediately trigger.")
        limit = order_type in ("STOP", "TAKE_PROFIT")
        if limit and (price is None or price <= 0 or price % spec.tick != 0):
            raise RejectError(-1102 if price is None else -4014,
                              "Mandatory parameter 'price' was not sent, was empty/null, or "
                              "malformed." if price is None else "Price not increased by "
                              "tick size.")
        if sum(1 for a in self.orders.values() if a.api_key == api_key and a.is_open
               and a.symbol == spec.symbol) >= FUTURES_MAX_ALGO_ORDERS:
            raise RejectError(-4045, "Reach max stop order limit.")
        if client_algo_id and any(a.client_algo_id == client_algo_id and a.api_key == api_key
                                  for a in self.orders.values()):
            raise RejectError(-4116, "ClientOrderId is duplicated.")
        t = now_ms()
        algo = AlgoOrder(next(self._ids), client_algo_id or f"algo{t}{len(self.orders)}",
                         api_key, spec.symbol, side, order_type, (time_in_force or "GTC").upper(),
                         quantity, price if limit and price is not None else ZERO,
                         trigger_price or ZERO, working, reduce_only, callback_rate or ZERO,
                         activate_price or ZERO, t, t)
        if trailing:
            algo.activated = not activate_price
            algo.extreme = now_price if algo.activated else ZERO
        self.orders[algo.algo_id] = algo
        self._emit(algo)
        return algo

    def find(self, api_key: str, algo_id: int | None, client_algo_id: str | None) -> AlgoOrder:
        for a in self.orders.values():
            if a.api_key == api_key and ((algo_id is not None and a.algo_id == algo_id) or (
                    algo_id is None and client_algo_id is not None
                    and a.client_algo_id == client_algo_id)):
                return a
        raise RejectError(-2013, "Order does not exist.")

    def cancel(self, api_key: str, algo_id: int | None, client_algo_id: str | None) -> AlgoOrder:
        algo = self.find(api_key, algo_id, client_algo_id)
        if not algo.is_open:
            raise RejectError(-2011, "Unknown order sent.")
        self._end(algo, "CANCELED")
        return algo

    def open_orders(self, api_key: str, symbol: str | None = None) -> list[AlgoOrder]:
        return [a for a in self.orders.values() if a.api_key == api_key and a.is_open
                and (symbol is None or a.symbol == symbol)]

    # -- the service at work ------------------------------------------------------------

    def price(self, symbol: str, working_type: str) -> Decimal:
        book = self.engine.books[symbol]
        if working_type == "MARK_PRICE":
            # TODO(futures helper): use the engine's mark price once it has one.
            return book.mid
        return book.last

    def check(self, symbol: str) -> None:
        """After a price move: trigger what the move reached."""
        for algo in [a for a in self.orders.values() if a.symbol == symbol and a.is_open]:
            price = self.price(symbol, algo.working_type)
            if algo.order_type == "TRAILING_STOP_MARKET":
                if not self._trail(algo, price):
                    continue
            elif not stop_reached(algo.order_type, algo.side, price, algo.trigger_price):
                continue
            self._fire(algo)

    def _trail(self, algo: AlgoOrder, price: Decimal) -> bool:
        """Track the extreme since activation; fire on a retrace of ``callback_rate`` %."""
        selling = algo.side == "SELL"
        if not algo.activated:
            if (price >= algo.activate_price) if selling else (price <= algo.activate_price):
                algo.activated, algo.extreme = True, price
            return False
        algo.extreme = max(algo.extreme, price) if selling else min(algo.extreme, price)
        rate = algo.callback_rate / 100
        algo.trigger_price = algo.extreme * (1 - rate) if selling else algo.extreme * (1 + rate)
        return price <= algo.trigger_price if selling else price >= algo.trigger_price

    def _fire(self, algo: AlgoOrder) -> None:
        e = self.engine
        algo.trigger_time = algo.update_time = now_ms()
        algo.status = "TRIGGERED"
        self._emit(algo)
        limit = algo.order_type in ("STOP", "TAKE_PROFIT")
        try:
            order, _ = e.place(algo.api_key, symbol=algo.symbol, side=algo.side,
                               type_="LIMIT" if limit else "MARKET", quantity=algo.quantity,
                               price=algo.price if limit else None,
                               time_in_force=algo.time_in_force if limit else None,
                               client_order_id=None, reduce_only=algo.reduce_only,
                               algo_id=algo.algo_id, orig_type=algo.order_type,
                               stop_price=algo.trigger_price)
        except RejectError as exc:
            algo.reason = exc.msg
            self._end(algo, "REJECTED")
            return
        algo.actual_order_id = str(order.order_id)

    def order_done(self, order: Order) -> None:
        """The order an algo placed is done: the algo is FINISHED with its fills."""
        algo = self.orders.get(order.algo_id)
        if algo is None or algo.status != "TRIGGERED":
            return
        algo.actual_order_id = str(order.order_id)
        algo.executed_qty, algo.avg_price = order.executed_qty, order.avg_price
        self._end(algo, "FINISHED")

    def position_closed(self, api_key: str, symbol: str) -> None:
        """The position is flat: its reduce-only conditionals expire, as on Binance."""
        for algo in self.open_orders(api_key, symbol):
            if algo.reduce_only:
                self._end(algo, "EXPIRED")

    def _end(self, algo: AlgoOrder, status: str) -> None:
        algo.status = status
        algo.update_time = now_ms()
        self._emit(algo)

    def _emit(self, algo: AlgoOrder) -> None:
        self.engine.sink.algo_update(self.engine.market, algo.api_key, algo_dict(algo),
                                     algo.update_time)


def algo_dict(a: AlgoOrder) -> dict[str, Any]:
    """Binance's algo-order shape (POST/GET/DELETE ``algoOrder``, ``openAlgoOrders``)."""
    return {
        "algoId": a.algo_id, "clientAlgoId": a.client_algo_id, "algoType": "CONDITIONAL",
        "orderType": a.order_type, "symbol": a.symbol, "side": a.side, "positionSide": "BOTH",
        "timeInForce": a.time_in_force, "quantity": fmt(a.quantity), "algoStatus": a.status,
        "triggerPrice": fmt(a.trigger_price), "price": fmt(a.price), "icebergQuantity": None,
        "selfTradePreventionMode": "EXPIRE_MAKER", "workingType": a.working_type,
        "priceMatch": "NONE", "closePosition": False, "priceProtect": False,
        "reduceOnly": a.reduce_only, "activatePrice": fmt(a.activate_price),
        "callbackRate": fmt(a.callback_rate), "createTime": a.create_time,
        "updateTime": a.update_time, "triggerTime": a.trigger_time, "goodTillDate": 0,
        "actualOrderId": a.actual_order_id, "executedQty": fmt(a.executed_qty),
        "avgPrice": fmt(a.avg_price), "rejectReason": a.reason,
    }
