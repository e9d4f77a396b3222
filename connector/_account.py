"""The account as the client knows it: balances and open orders, and how they change.

``AccountState`` is the one place that mutates them. Streams hand it typed
events, REST calls hand it the orders they learned about, reconciliation hands
it a fresh snapshot; it decides what is new, keeps the dicts current, logs
what a trader should read and emits the events listeners get. It does no I/O.

Futures positions live here too: ``book`` (a ``_positions.PositionBook``)
holds them with the settings that shape them; ``positions`` is its dict.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import Any

from ._models import Balance, OrderStatus, Position
from ._positions import PositionBook, forced_close_message
from .events import BalanceUpdate, Event, MarkPrice, OrderUpdate, PositionUpdate
from .filters import fmt

EmitFn = Callable[[Event], None]
LogFn = Callable[[str, str], None]

_SEEN_LIMIT = 20_000
_FINISHED_LIMIT = 50_000


class AccountState:
    def __init__(self, emit: EmitFn, log: LogFn) -> None:
        self._emit = emit
        self._log = log
        self.balances: dict[str, Balance] = {}
        self.open_orders: dict[int, OrderStatus] = {}
        self.book = PositionBook()
        self.positions: dict[str, Position] = self.book.positions
        self.hedge_mode = False  # a Hedge Mode account: refused, no positions shown
        self.position_version = 0  # bumped by every stream change to a position
        self.positions_moved: Callable[[], None] | None = None  # the futures desk's hook
        # Futures algo-order ids we placed or saw: cancels and queries of these go to the
        # algo-order service (``_algo``), not to ``/order``.
        self.algo_ids: set[int] = set()
        self._seen: OrderedDict[tuple[object, ...], None] = OrderedDict()
        self._finished: OrderedDict[int, None] = OrderedDict()  # known to be done
        self._reported: OrderedDict[int, None] = OrderedDict()  # done, and listeners told
        self.balance_version = 0  # bumped by every balance change, to spot stale REST reads

    # -- orders -----------------------------------------------------------------------------

    def _finish(self, order_id: int, *, reported: bool = False) -> None:
        self.open_orders.pop(order_id, None)
        for done in (self._finished, self._reported) if reported else (self._finished,):
            done[order_id] = None
            if len(done) > _FINISHED_LIMIT:
                done.popitem(last=False)

    def _store(self, order: OrderStatus, *, report: bool = False) -> bool:
        """Keep ``order`` unless we already know a later state of it; True if kept.

        With ``report`` (the caller tells listeners), a final state is kept once.
        """
        if order.is_algo:
            self.algo_ids.add(order.order_id)
        if order.is_open:
            if order.order_id in self._finished:
                return False  # a late echo of an order we already know is done
            known = self.open_orders.get(order.order_id)
            if known is not None and known.executed_qty > order.executed_qty:
                return False  # older than what the stream already told us
            self.open_orders[order.order_id] = order
        elif report and order.order_id in self._reported and not order.is_algo:
            return False  # listeners heard of its end already (e.g. from reconciliation);
            # an algo order reports each step of its end (triggered, then finished)
        else:
            self._finish(order.order_id, reported=report)
        return True

    def order_learned(self, order: OrderStatus) -> None:
        """An order as a REST reply (place, cancel, query) states it; the stream may have
        told us a later state already, which then wins."""
        self._store(order)

    def apply_order(self, update: OrderUpdate) -> None:
        """An order event from the user-data stream: applied once, logged, emitted."""
        order = update.order
        key = (order.order_id, update.execution_type, order.status, order.executed_qty)
        if key in self._seen:
            return
        self._seen[key] = None
        if len(self._seen) > _SEEN_LIMIT:
            self._seen.popitem(last=False)
        if not self._store(order, report=True):
            return
        self._log_order(update)
        forced = forced_close_message(order, update.execution_type)
        if forced:
            self._log(forced, "ERROR")  # the exchange closed a position for the trader
        self._emit(update)

    def _log_order(self, u: OrderUpdate) -> None:
        o = u.order
        if o.is_algo:
            self._log_algo(o)
            return
        what = f"{o.side} {o.order_type} {o.symbol} order {o.order_id}"
        if u.fill is not None:
            self._log(f"{what} {o.status.replace('_', ' ')}: {fmt(u.fill.quantity)} @ "
                      f"{fmt(u.fill.price)} (total {fmt(o.executed_qty)}/{fmt(o.orig_qty)}, "
                      f"avg {fmt(o.avg_price)})", "INFO")
        elif u.execution_type in ("CANCELED", "EXPIRED", "REJECTED"):
            self._log(f"{what} {o.status}",
                      "WARNING" if u.execution_type == "REJECTED" else "INFO")

    def _log_algo(self, o: OrderStatus) -> None:
        what = f"{o.side} {o.order_type} {o.symbol} algo order {o.order_id}"
        text = {"triggered": f"{what} triggered at {fmt(o.stop_price)}",
                "filled": f"{what} done: filled {fmt(o.executed_qty)} @ avg "
                          f"{fmt(o.avg_price)}",
                "new": f"{what} waiting for {fmt(o.stop_price)}"}.get(
            o.status, f"{what} {o.status}")
        self._log(text, "WARNING" if o.status == "rejected" else "INFO")

    def apply_list_status(self, list_id: int, order_ids: Iterable[int], all_done: bool,
                          symbol: str) -> None:
        """A spot ``listStatus``: tag the legs we hold with their list id; log the list's end
        (each leg's own end arrives as its execution report)."""
        for oid in order_ids:
            leg = self.open_orders.get(oid)
            if leg is not None and leg.order_list_id != list_id:
                self.open_orders[oid] = replace(leg, order_list_id=list_id)
        if all_done:
            self._log(f"OCO #{list_id} {symbol} done: both legs ended", "INFO")

    # -- balances -----------------------------------------------------------------------------

    def apply_balances(self, update: BalanceUpdate) -> None:
        for b in update.balances:
            self.balances[b.asset] = b
        self.balance_version += 1
        self._emit(update)

    # -- futures positions ----------------------------------------------------------------------

    def _emit_positions(self, updates: Iterable[PositionUpdate]) -> None:
        for update in updates:
            self._emit(update)

    def apply_account_positions(self, event: Mapping[str, Any]) -> None:
        """``ACCOUNT_UPDATE``'s ``P`` rows (and cross wallet) move positions."""
        if self.hedge_mode:
            return
        updates = self.book.apply_account(event)
        moved = bool(event["a"].get("P"))
        if moved:
            self.position_version += 1
        self._emit_positions(updates)
        if moved and self.positions_moved is not None:
            self.positions_moved()

    def apply_config_event(self, event: Mapping[str, Any]) -> None:
        """``ACCOUNT_CONFIG_UPDATE``: a leverage changed (here or in another app)."""
        self._emit_positions(self.book.apply_config_event(event))

    def apply_mark(self, mark: MarkPrice) -> None:
        """A mark price from the stream: the position's unrealized PnL follows it."""
        self._emit_positions(self.book.apply_mark(mark))

    def set_leverage(self, symbol: str, leverage: int) -> None:
        self._emit_positions(self.book.set_leverage(symbol, leverage))

    def load_positions(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """``positionRisk`` rows replace every position; listeners hear what changed."""
        self._emit_positions(self.book.load(rows))

    # -- snapshots ------------------------------------------------------------------------------

    def load(self, balances: dict[str, Balance], orders: Iterable[OrderStatus]) -> None:
        """The first snapshot, at start: replaces everything, emits nothing."""
        self.balances.clear()
        self.balances.update(balances)
        self.open_orders.clear()
        self.open_orders.update({o.order_id: o for o in orders if o.is_open})
        self.balance_version += 1

    def vanished(self, orders: dict[int, OrderStatus]) -> list[OrderStatus]:
        """Orders we hold as open that a fresh ``openOrders`` snapshot no longer has."""
        return [o for oid, o in self.open_orders.items() if oid not in orders]

    def reconciled(self, balances: dict[str, Balance], orders: dict[int, OrderStatus],
                   finals: Iterable[OrderStatus], time: int) -> None:
        """Replace state with the exchange's snapshot and tell listeners what changed.

        ``finals`` are the final states of the orders that vanished (``vanished``);
        one that could not be queried is passed as it was, and leaves as canceled.
        """
        # A finished order never reopens: a snapshot read before its end arrived is stale.
        orders = {oid: o for oid, o in orders.items() if oid not in self._finished}
        changed = [o for oid, o in orders.items() if self.open_orders.get(oid) != o]
        ended = [o if not o.is_open else replace(o, status="canceled") for o in finals
                 if o.order_id not in self._reported]
        self.open_orders.clear()
        self.open_orders.update(orders)
        for order in ended:
            self._finish(order.order_id, reported=True)
        for order in (*ended, *changed):
            update = OrderUpdate(order, "RECONCILED", time=order.update_time)
            self._seen[(order.order_id, update.execution_type, order.status,
                        order.executed_qty)] = None
            self._emit(update)
        gone = [Balance(a) for a in self.balances if a not in balances]
        self.balances.clear()
        self.balances.update(balances)
        self.balance_version += 1
        self._emit(BalanceUpdate((*balances.values(), *gone), time))
