"""What the ticket sends: one checked order of any type (or an OCO), and how it is sent.

``build`` is the ticket's one validation path: the extra fields' own rules
(``ticket_fields``, i.e. ``connector.conditional``), then the connector's
``prepare_order`` exactly as ``place_order`` will run it, so the ticket says
what the connector would refuse before anything is sent. ``send`` makes the
one bridge call the order needs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from connector import Contract, OrderStatus
from connector.errors import InputError
from connector.filters import fmt
from connector.orders import PreparedOrder, prepare_order, reference_from

from ..models import money
from .ticket_fields import Extras

if TYPE_CHECKING:
    from ..bridge import Bridge

__all__ = ["TicketOrder", "build", "describe", "send"]


@dataclass(frozen=True, slots=True)
class TicketOrder:
    """The trader's choice: ``kind`` by Binance's name (or "OCO"), the order as
    ``prepare_order`` checked and rounded it (an OCO's limit leg for an OCO), and the
    checked extras (trigger, stop-limit, callback, flags, bracket)."""

    kind: str
    prepared: PreparedOrder
    extras: Extras
    tif: str | None = None  # as the trader chose it (``prepared.tif`` is the wire's)

    @property
    def symbol(self) -> str:
        return self.prepared.symbol

    @property
    def side(self) -> str:
        return self.prepared.side

    @property
    def quantity(self) -> Decimal:
        return self.prepared.quantity

    @property
    def price(self) -> Decimal | None:
        return self.prepared.price

    @property
    def notional(self) -> Decimal | None:
        return self.prepared.notional

    @property
    def has_bracket(self) -> bool:
        return self.extras.take_profit is not None or self.extras.stop_loss is not None


def build(contract: Contract, kind: str, quantity: Decimal, side: str, price: Decimal | None,
          tif: str | None, touch: tuple[Decimal, Decimal] | None,
          extras: Extras) -> TicketOrder | str:
    """The order, or the connector's sentence saying what is wrong with it."""
    try:
        if kind == "OCO":
            prepared = prepare_order(contract, "LIMIT", quantity, side, price, "GTC")
        else:
            reference = None if touch is None else reference_from(kind, side, *touch)
            prepared = prepare_order(contract, kind, quantity, side, price, tif,
                                     reference_price=reference,
                                     stop_price=extras.stop_price,
                                     post_only=extras.post_only,
                                     reduce_only=extras.reduce_only,
                                     callback_rate=extras.callback_rate)
            extras = replace(extras, stop_price=prepared.stop_price)
    except InputError as exc:
        return str(exc)
    return TicketOrder(kind, prepared, extras, tif if kind != "OCO" else None)


async def send(bridge: Bridge, order: TicketOrder) -> list[OrderStatus]:
    """One order, sent once; the orders it made (two legs for an OCO)."""
    p, x = order.prepared, order.extras
    if order.kind == "OCO":
        return list(await bridge.place_oco(p.symbol, p.side, p.quantity, p.price, x.stop_price,
                                           x.stop_limit_price))
    extra: dict[str, Any] = {}
    if x.stop_price is not None:
        extra["stop_price"] = x.stop_price
    if x.callback_rate is not None:
        extra["callback_rate"] = x.callback_rate
    if x.post_only:
        extra["post_only"] = True
    if x.reduce_only:
        extra["reduce_only"] = True
    # The trader's kind and time in force, not the prepared wire ones: ``place_order``
    # prepares them again (post-only spot would otherwise go as LIMIT_MAKER *and* post-only).
    return [await bridge.place_order(p.symbol, order.kind, p.quantity, p.side, p.price,
                                     order.tif, **extra)]


def describe(order: TicketOrder, contract: Contract) -> str:
    """BUY 0.001 BTCUSDT @ 50,000.00 ≈ 50.00 USDT: the sentence a confirmation shows."""
    p, x = order.prepared, order.extras
    kind = "" if order.kind in ("LIMIT", "MARKET") else f" {order.kind.replace('_', ' ')}"
    at = (f" @ {money(p.price, contract.price_decimals, grouped=True)}"
          if p.price is not None else " at market")
    stop = f" stop {fmt(x.stop_price)}" if x.stop_price is not None else ""
    trail = f" callback {fmt(x.callback_rate)} %" if x.callback_rate is not None else ""
    flags = " post-only" * x.post_only + " reduce-only" * x.reduce_only
    value = (f" ≈ {money(p.notional, 2, grouped=True)} {contract.quote_asset}"
             if p.notional is not None else "")
    return f"{p.side}{kind} {fmt(p.quantity)} {p.symbol}{at}{stop}{trail}{flags}{value}"
