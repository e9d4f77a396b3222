"""The main window's order actions: send the ticket's order, amend, cancel, size.

A mixin of ``MainWindow`` (which owns the widgets named below), kept apart so
the window module holds layout and life cycle, and this one what a trader's
order clicks do.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QLabel

from connector import BinanceClient, BinanceError, OrderStatus
from connector.filters import fmt

from .bridge import Bridge
from .models import money
from .order_flow import Brackets, send_request
from .orders_model import OrdersModel
from .settings import Settings
from .ticket import OrderTicket

__all__ = ["OrderActions"]


class OrderActions:
    # Provided by MainWindow.
    bridge: Bridge
    client: BinanceClient | None
    settings: Settings
    environment: str
    market: str
    ticket: OrderTicket
    orders_model: OrdersModel
    brackets: Brackets
    status_message: QLabel
    _submitting: bool

    if TYPE_CHECKING:
        def log(self, message: str, level: str = "INFO") -> None: ...

        def _spawn(self, coro: Any) -> asyncio.Task[Any]: ...

        def ask(self, title: str, text: str, yes: str) -> asyncio.Future[bool]: ...

    # -- orders -----------------------------------------------------------------------------------------

    async def submit_order(self, side: str) -> None:
        if self._submitting:
            return  # one order at a time: a double click never sends twice
        for symbol, quote in self._quotes().items():
            self.ticket.quote_of[symbol] = quote
        request = self.ticket.request(side)
        if isinstance(request, str):
            self.ticket.set_status(f"Not sent: {request}", error=True)
            self.log(f"Order not sent: {request}", "WARNING")
            return
        if self.client is None:
            self.ticket.set_status("Not sent: not connected", error=True)
            self.log("Order not sent: not connected", "WARNING")
            return
        contract = self.client.contracts[request.symbol]
        price_text = (f" @ {money(request.price, contract.price_decimals, grouped=True)}"
                      if request.price is not None else " at market")
        value = (f" ≈ {money(request.notional, 2, grouped=True)} {contract.quote_asset}"
                 if request.notional is not None else "")
        kind = "" if request.order_type in ("LIMIT", "MARKET") else f" {request.order_type}"
        stop = f" stop {fmt(request.stop_price)}" if request.stop_price is not None else ""
        summary = (f"{request.side}{kind} {fmt(request.quantity)} {request.symbol}{price_text}"
                   f"{stop}{value}")
        if self.settings.confirm_orders(self.environment):
            ok = await self.ask(f"Confirm {self.environment} order",
                                f"{summary}\n\nSend this order to {self.environment} "
                                f"{self.market}?", f"Send {request.side}")
            if not ok:
                self.log(f"Order not sent (not confirmed): {summary}")
                self.ticket.set_status("Not sent")
                return
        self._submitting = True
        self.ticket.buy.setEnabled(False)
        self.ticket.sell.setEnabled(False)
        self.ticket.set_status(f"Sending {summary}…")
        try:
            placed = await send_request(self.bridge, request)
        except BinanceError as exc:
            self.ticket.set_status(f"Rejected: {exc}", error=True)
            if isinstance(exc, (ValueError,)):
                self.log(f"Order not sent: {exc}", "WARNING")
            return
        finally:
            self._submitting = False
            self.ticket.buy.setEnabled(True)
            self.ticket.sell.setEnabled(True)
        for status in placed:
            self.orders_model.upsert(status)
        status = placed[0]
        self.brackets.watch(status, request, contract.futures)
        self.ticket.set_status(", ".join(f"Order {s.order_id}: {s.status.replace('_', ' ')}"
                                         for s in placed))

    async def amend_order(self, order: OrderStatus, price: Decimal) -> None:
        """A price edited in the open-orders pane: amend it; errors go to the log."""
        try:
            status = await self.bridge.amend_order(order.symbol, order.order_id, price)
        except (BinanceError, RuntimeError) as exc:
            self.log(f"Amend of order {order.order_id} failed: {exc}", "ERROR")
            return
        if status.order_id != order.order_id:
            self.orders_model.upsert(replace(order, status="canceled"))
        self.orders_model.upsert(status)

    def cancel_all_for_ticket(self) -> None:
        symbol = self.ticket.symbol.currentText().strip().upper()
        if symbol:
            self._spawn(self.cancel_all(symbol))

    def _quotes(self) -> dict[str, tuple[Decimal, Decimal]]:
        client = self.client
        if client is None:
            return {}
        return {s: (p["bid"], p["ask"]) for s, p in client.prices.items()}

    async def cancel_order(self, order: OrderStatus) -> None:
        try:
            status = await self.bridge.cancel_order(order.symbol, order.order_id)
        except BinanceError as exc:
            self.status_message.setText(f"Cancel failed: {exc}")
            return
        self.orders_model.upsert(status)

    async def cancel_all(self, symbol: str) -> None:
        for order in [o for o in self.orders_model.orders if o.symbol == symbol]:
            await self.cancel_order(order)

    async def size_from_balance(self, pct: int) -> None:
        request_symbol = self.ticket.symbol.currentText().strip().upper()
        price = self.ticket.price.value() if self.ticket.type.currentText() == "Limit" else None
        if price is None:
            quote = self._quotes().get(request_symbol)
            price = quote[1] if quote else None
        if price is None or self.client is None:
            self.ticket.set_status("Need a price first (enter one or wait for quotes)",
                                   error=True)
            return
        try:
            quantity = await self.bridge.trade_size(request_symbol, price, pct)
        except BinanceError as exc:
            self.ticket.set_status(str(exc), error=True)
            return
        if quantity is None:
            self.ticket.set_status(f"{pct}% of the balance is too small to trade", error=True)
            return
        self.ticket.quantity.set_value(quantity)
