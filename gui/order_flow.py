"""Sending what the ticket describes, and the bracket: protective orders once an entry fills.

``send_request`` turns an ``OrderRequest`` into the bridge call it needs (an
OCO, a conditional order, or a plain one). ``Brackets`` watches entries with a
take-profit/stop-loss attached: when the entry fills it places a protective
OCO (spot) or an algo take-profit and stop-loss, both reduce-only (futures),
and labels them one group in the open-orders pane.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from connector import OrderStatus
from connector.errors import BinanceError
from connector.filters import fmt, round_quantity

from .bridge import Bridge
from .orders_model import OrdersModel
from .ticket import OrderRequest

SPOT_FEE_KEPT = Decimal("0.999")
Spawn = Callable[[Coroutine[Any, Any, Any]], object]
Log = Callable[[str, str], None]


async def send_request(bridge: Bridge, r: OrderRequest) -> list[OrderStatus]:
    """One request, sent once; the orders it made (two legs for an OCO)."""
    if r.order_type == "OCO":
        legs = await bridge.place_oco(r.symbol, r.side, r.quantity, r.price, r.stop_price,
                                      r.stop_limit_price)
        return list(legs)
    extra: dict[str, Any] = {}
    if r.stop_price is not None:
        extra["stop_price"] = r.stop_price
    if r.callback_rate is not None:
        extra["callback_rate"] = r.callback_rate
    if r.post_only:
        extra["post_only"] = True
    if r.reduce_only:
        extra["reduce_only"] = True
    if not extra and r.order_type in ("LIMIT", "MARKET"):
        return [await bridge.place_order(r.symbol, r.order_type, r.quantity, r.side, r.price,
                                         r.tif)]
    return [await bridge.place_conditional(r.symbol, r.order_type, r.quantity, r.side,
                                           r.price, r.tif, **extra)]


@dataclass(slots=True)
class Bracket:
    entry: OrderStatus
    futures: bool
    take_profit: Decimal | None
    stop_loss: Decimal | None
    placed: bool = False


class Brackets:
    """Entries waiting to fill, and the protective orders placed for them."""

    def __init__(self, bridge: Bridge, model: OrdersModel, spawn: Spawn, log: Log) -> None:
        self.bridge = bridge
        self.model = model
        self.spawn = spawn
        self.log = log
        self.waiting: dict[int, Bracket] = {}

    def watch(self, entry: OrderStatus, r: OrderRequest, futures: bool) -> None:
        if not r.has_bracket:
            return
        bracket = Bracket(entry, futures, r.take_profit, r.stop_loss)
        self.waiting[entry.order_id] = bracket
        self.model.groups[entry.order_id] = f"Bracket #{entry.order_id}"
        self.log(f"Bracket on order {entry.order_id}: take-profit "
                 f"{fmt(r.take_profit) if r.take_profit else '—'}, stop-loss "
                 f"{fmt(r.stop_loss) if r.stop_loss else '—'} once it fills", "INFO")
        self.on_order(entry)

    def on_order(self, order: OrderStatus) -> None:
        """An order changed: a filled entry gets its protective orders (once)."""
        bracket = self.waiting.get(order.order_id)
        if bracket is None:
            return
        if order.status == "filled" and not bracket.placed:
            bracket.placed = True
            del self.waiting[order.order_id]
            self.spawn(self.protect(bracket, order.executed_qty or order.orig_qty))
        elif not order.is_open and order.status != "filled":
            del self.waiting[order.order_id]
            self.log(f"Bracket on order {order.order_id} dropped: the entry is "
                     f"{order.status}", "INFO")

    async def protect(self, bracket: Bracket, quantity: Decimal) -> list[OrderStatus]:
        entry = bracket.entry
        exit_side = "SELL" if entry.side == "BUY" else "BUY"
        group = f"Bracket #{entry.order_id}"
        placed: list[OrderStatus] = []
        contract = self.bridge.contract(entry.symbol)
        if not bracket.futures and entry.side == "BUY" and contract is not None:
            # The fee came off what was bought (0.1 % on Binance's standard rate): protect
            # what the account holds, not more, or the OCO is refused for lack of balance.
            held = round_quantity(contract, quantity * SPOT_FEE_KEPT)
            self.log(f"{group}: protecting {fmt(held)} of {fmt(quantity)} "
                     f"{contract.base_asset} (the fee came off the fill)", "INFO")
            quantity = held
        try:
            if not bracket.futures:
                placed += await self.bridge.place_oco(entry.symbol, exit_side, quantity,
                                                      bracket.take_profit, bracket.stop_loss)
            else:
                for kind, stop in (("TAKE_PROFIT_MARKET", bracket.take_profit),
                                   ("STOP_MARKET", bracket.stop_loss)):
                    if stop is not None:
                        placed.append(await self.bridge.place_conditional(
                            entry.symbol, kind, quantity, exit_side, stop_price=stop,
                            reduce_only=True))
        except BinanceError as exc:
            self.log(f"{group}: protective orders not placed: {exc}", "ERROR")
            return placed
        finally:
            for order in placed:
                self.model.groups[order.order_id] = group
                self.model.upsert(order)
        return placed
