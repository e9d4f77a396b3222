"""One order as the demo exchange keeps it (mutable: the engine fills and ends it)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ._wire import ZERO


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
    stop_price: Decimal = ZERO  # spot stop/take-profit trigger; futures: the algo's trigger
    working: bool = True  # spot isWorking: a stop order rests unworking until triggered
    order_list_id: int = -1  # spot OCO legs share one
    orig_type: str = ""  # futures: the algo type an order was triggered from
    algo_id: int = 0  # futures: the algo order that placed this one

    @property
    def is_open(self) -> bool:
        return self.status in ("NEW", "PARTIALLY_FILLED")

    @property
    def avg_price(self) -> Decimal:
        return self.cum_quote / self.executed_qty if self.executed_qty else ZERO
