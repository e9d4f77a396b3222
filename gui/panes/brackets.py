"""A bracket: the protective orders an entry gets once it fills.

The ticket hands ``Brackets.watch`` each entry sent with a take-profit and/or a
stop-loss. When the exchange says the entry filled (``bridge.orderChanged``)
it places, once, a protective OCO (spot) or an algo take-profit and stop-loss,
both reduce-only (futures), and names them one group for the open-orders pane
(``bridge.group_orders``). An entry that ends unfilled drops its bracket.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from connector import OrderStatus
from connector.errors import BinanceError
from connector.filters import fmt, round_quantity

if TYPE_CHECKING:
    from ..bridge import Bridge

SPOT_FEE_KEPT = Decimal("0.999")  # what a spot BUY keeps of its fill at the standard fee
Spawn = Callable[[Coroutine[Any, Any, Any]], object]
Log = Callable[[str, str], None]

__all__ = ["Bracket", "Brackets"]


@dataclass(slots=True)
class Bracket:
    entry: OrderStatus
    futures: bool
    take_profit: Decimal | None
    stop_loss: Decimal | None
    placed: bool = False

    @property
    def group(self) -> str:
        return f"Bracket #{self.entry.order_id}"


class Brackets:
    """Entries waiting to fill, and the protective orders placed for them."""

    def __init__(self, bridge: Bridge, spawn: Spawn, log: Log) -> None:
        self.bridge = bridge
        self.spawn = spawn
        self.log = log
        self.waiting: dict[int, Bracket] = {}
        bridge.orderChanged.connect(self.on_order)

    def watch(self, entry: OrderStatus, futures: bool, take_profit: Decimal | None,
              stop_loss: Decimal | None) -> None:
        if take_profit is None and stop_loss is None:
            return
        bracket = Bracket(entry, futures, take_profit, stop_loss)
        self.waiting[entry.order_id] = bracket
        self.bridge.group_orders((entry.order_id,), bracket.group)
        self.log(f"Bracket on order {entry.order_id}: take-profit "
                 f"{fmt(take_profit) if take_profit else '—'}, stop-loss "
                 f"{fmt(stop_loss) if stop_loss else '—'} once it fills", "INFO")
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

    def clear(self) -> None:
        """The client went away: brackets of the old environment no longer apply."""
        self.waiting.clear()

    async def protect(self, bracket: Bracket, quantity: Decimal) -> list[OrderStatus]:
        entry = bracket.entry
        exit_side = "SELL" if entry.side == "BUY" else "BUY"
        placed: list[OrderStatus] = []
        contract = self.bridge.contract(entry.symbol)
        if not bracket.futures and entry.side == "BUY" and contract is not None:
            # The fee came off what was bought (0.1 % on Binance's standard rate): protect
            # what the account holds, not more, or the OCO is refused for lack of balance.
            held = round_quantity(contract, quantity * SPOT_FEE_KEPT)
            self.log(f"{bracket.group}: protecting {fmt(held)} of {fmt(quantity)} "
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
                        placed.append(await self.bridge.place_order(
                            entry.symbol, kind, quantity, exit_side, stop_price=stop,
                            reduce_only=True))
        except BinanceError as exc:
            self.log(f"{bracket.group}: protective orders not placed: {exc}", "ERROR")
        finally:
            self.bridge.group_orders(tuple(o.order_id for o in placed), bracket.group)
        return placed
