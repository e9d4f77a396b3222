"""The one place where the connector's events and commands meet Qt.

The bridge listens to the client (``add_listener``) on the shared qasync loop.
Events go through a dispatch table, built from the panes' ``listens``, straight
to their ``on_event`` (no Qt signal per market message; panes repaint on the
window's timer). The rarer account and connection events also become typed Qt
signals. Panes send commands through the coroutines below and never see the
client itself.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QObject, Signal

from connector import Balance, BinanceClient, Candle, Contract, OrderBook, OrderStatus, Position
from connector.events import BalanceUpdate, ConnectionState, Event, LogEntry, OrderUpdate

logger = logging.getLogger("gui")

Handler = Callable[[Any], None]


class NotConnectedError(RuntimeError):
    def __init__(self) -> None:
        super().__init__("Not connected yet: wait for the connection or check File → Settings")


class Bridge(QObject):
    symbolFocused = Signal(str)  # the ticket's symbol changed
    priceChosen = Signal(object)  # Decimal a pane wants in the ticket's price
    orderChanged = Signal(object)  # OrderStatus
    balancesChanged = Signal(object)  # tuple[Balance, ...]
    connectionChanged = Signal(object)  # ConnectionState
    logged = Signal(object)  # LogEntry

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.client: BinanceClient | None = None
        self.focused_symbol = ""
        self._routes: dict[type, list[Handler]] = {
            OrderUpdate: [lambda e: self.orderChanged.emit(e.order)],
            BalanceUpdate: [lambda e: self.balancesChanged.emit(e.balances)],
            ConnectionState: [self.connectionChanged.emit],
            LogEntry: [self.logged.emit],
        }

    # -- wiring ---------------------------------------------------------------------------------

    def listen(self, kinds: Iterable[type], handler: Handler) -> None:
        """Call ``handler(event)`` for every event of these types (at stream speed)."""
        for kind in kinds:
            self._routes.setdefault(kind, []).append(self._guarded(handler))

    def _guarded(self, handler: Handler) -> Handler:
        def call(event: Any) -> None:
            try:
                handler(event)
            except Exception as exc:  # a pane's bug is reported, never kills the stream
                logger.exception("%r failed on %s", handler, type(event).__name__)
                self.log(f"Internal error in a pane on {type(event).__name__}: {exc!r}", "ERROR")
        return call

    def attach(self, client: BinanceClient) -> None:
        self.detach()
        self.client = client
        client.add_listener(self._on_event)

    def detach(self) -> None:
        if self.client is not None:
            self.client.remove_listener(self._on_event)
            self.client = None

    def _on_event(self, event: Event) -> None:
        for handler in self._routes.get(type(event), ()):
            handler(event)

    def log(self, message: str, level: str = "INFO") -> None:
        """A line for the log pane from the app itself (the connector's come as events)."""
        logger.log(logging.getLevelName(level), message)
        self.logged.emit(LogEntry(time.time(), level, message))

    # -- focus ------------------------------------------------------------------------------------

    def focus_symbol(self, symbol: str) -> None:
        if symbol != self.focused_symbol:
            self.focused_symbol = symbol
            self.symbolFocused.emit(symbol)

    def choose_price(self, price: Decimal) -> None:
        self.priceChosen.emit(price)

    # -- state ------------------------------------------------------------------------------------

    def _client(self) -> BinanceClient:
        if self.client is None:
            raise NotConnectedError()
        return self.client

    @property
    def connected(self) -> bool:
        return self.client is not None

    @property
    def has_credentials(self) -> bool:
        return self.client is not None and self.client.has_credentials

    def contract(self, symbol: str) -> Contract | None:
        return self.client.contracts.get(symbol) if self.client else None

    def contracts(self) -> dict[str, Contract]:
        return dict(self.client.contracts) if self.client else {}

    def open_orders(self) -> list[OrderStatus]:
        return list(self.client.open_orders.values()) if self.client else []

    def balances(self) -> dict[str, Balance]:
        return dict(self.client.balances) if self.client else {}

    def health(self) -> tuple[float, int, int] | None:
        """Clock offset (ms), used request weight and the minute's allowance (status bar)."""
        client = self.client
        return None if client is None else (client.clock_offset_ms, client.used_weight,
                                            client.weight_limit)

    # -- commands (awaited by the panes' tasks) ----------------------------------------------------

    async def place_order(self, symbol: str, order_type: str, quantity: Any, side: str,
                          price: Any = None, tif: str | None = None,
                          **extras: Any) -> OrderStatus:
        """Every order type; ``extras`` are ``place_order``'s keyword-only ones (stop_price,
        reduce_only, post_only, callback_rate)."""
        status = await self._client().place_order(symbol, order_type, quantity, side, price, tif,
                                                  **extras)
        self.orderChanged.emit(status)
        return status

    async def cancel_order(self, symbol: str, order_id: int) -> OrderStatus:
        status = await self._client().cancel_order(symbol, order_id)
        self.orderChanged.emit(status)
        return status

    async def trade_size(self, symbol: str, price: Decimal, pct: int) -> Decimal | None:
        return await self._client().get_trade_size(symbol, price, pct)

    async def subscribe(self, symbols: list[str], channel: str) -> None:
        await self._client().subscribe_channel(symbols, channel)

    async def unsubscribe(self, symbols: list[str], channel: str) -> None:
        await self._client().unsubscribe_channel(symbols, channel)

    async def candles(self, symbol: str, interval: str, *, end: int | None = None,
                      limit: int = 1000) -> list[Candle]:
        return await self._client().get_historical_candles(symbol, interval, end=end,
                                                           limit=limit)

    async def order_book(self, symbol: str, limit: int = 100) -> OrderBook:
        return await self._client().get_order_book(symbol, limit=limit)

    # -- futures positions and settings (connector._futures; the positions pane, the ticket) --

    closePrefilled = Signal(str, str, object)  # symbol, side, quantity: a reduce-only close

    def positions(self) -> dict[str, Position]:
        return dict(self.client.positions) if self.client else {}

    async def close_position(self, symbol: str) -> OrderStatus | None:
        return await self._client().close_position(symbol)

    async def set_leverage(self, symbol: str, leverage: int) -> int:
        return await self._client().set_leverage(symbol, leverage)

    async def set_margin_type(self, symbol: str, margin_type: str) -> None:
        await self._client().set_margin_type(symbol, margin_type)

    def futures_settings(self, symbol: str) -> tuple[int, str] | None:
        """(leverage, "isolated"/"cross") as the exchange last said; None off futures."""
        c = self.client
        return (c.leverage_of(symbol), c.margin_type_of(symbol)) if c and c.futures else None

    def prefill_close(self, symbol: str, side: str, quantity: Decimal) -> None:
        """Ask the ticket to show a reduce-only close of ``quantity`` (the trader sends it)."""
        self.closePrefilled.emit(symbol, side, quantity)

    # -- orders beyond LIMIT and MARKET (connector._oco, connector._amend) -------------------

    async def place_oco(self, symbol: str, side: str, quantity: Any, price: Any,
                        stop_price: Any, stop_limit_price: Any = None) -> tuple[OrderStatus, ...]:
        legs = await self._client().place_oco(symbol, side, quantity, price, stop_price,
                                              stop_limit_price)
        for leg in legs:
            self.orderChanged.emit(leg)
        return tuple(legs)

    async def amend_order(self, symbol: str, order_id: int, price: Any) -> OrderStatus:
        status = await self._client().amend_order(symbol, order_id, price=price)
        self.orderChanged.emit(status)
        return status

    ordersGrouped = Signal(object, str)  # tuple of order ids, group label (a bracket)

    def group_orders(self, order_ids: tuple[int, ...], label: str) -> None:
        """Tell the open-orders pane these orders are one group (a bracket's entry and
        protective orders); OCO legs group by their order list id on their own."""
        self.ordersGrouped.emit(order_ids, label)
