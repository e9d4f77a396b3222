"""The one place where the connector and Qt meet.

The bridge listens to the client (``add_listener``) on the shared qasync loop.
Market events go straight into the watchlist model's data (no Qt signal per
message; the model repaints on a timer). Everything else becomes a typed Qt
signal. Widgets send commands through the bridge's coroutines and never touch
the connector's internals.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from PySide6.QtCore import QObject, Signal

from connector import BinanceClient, Contract, OrderStatus
from connector.events import (
    AggTrade,
    BalanceUpdate,
    BookTicker,
    ConnectionState,
    Event,
    LogEntry,
    MiniTicker,
    OrderUpdate,
)

from .models import WatchlistModel


class Bridge(QObject):
    orderChanged = Signal(object)  # OrderStatus
    balancesChanged = Signal(object)  # tuple[Balance, ...]
    connectionChanged = Signal(str, str, str)  # stream, state, reason
    logged = Signal(object)  # LogEntry

    def __init__(self, watchlist: WatchlistModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._watchlist = watchlist
        self.client: BinanceClient | None = None

    def attach(self, client: BinanceClient) -> None:
        self.detach()
        self.client = client
        client.add_listener(self._on_event)

    def detach(self) -> None:
        if self.client is not None:
            self.client.remove_listener(self._on_event)
            self.client = None

    def _on_event(self, event: Event) -> None:
        kind = type(event)
        if kind is BookTicker:
            assert isinstance(event, BookTicker)
            self._watchlist.on_book(event.symbol, event.bid, event.ask)
        elif kind is MiniTicker:
            assert isinstance(event, MiniTicker)
            self._watchlist.on_ticker(event.symbol, event.close, event.change_pct)
        elif kind is AggTrade:
            assert isinstance(event, AggTrade)
            self._watchlist.on_trade(event.symbol, event.price)
        elif kind is OrderUpdate:
            assert isinstance(event, OrderUpdate)
            self.orderChanged.emit(event.order)
        elif kind is BalanceUpdate:
            assert isinstance(event, BalanceUpdate)
            self.balancesChanged.emit(event.balances)
        elif kind is LogEntry:
            self.logged.emit(event)
        elif kind is ConnectionState:
            assert isinstance(event, ConnectionState)
            self.connectionChanged.emit(event.stream, event.state, event.reason)

    # -- commands (awaited by widgets' async slots) ------------------------------------------

    def _client(self) -> BinanceClient:
        if self.client is None:
            raise RuntimeError("Not connected yet: wait for the connection or check Settings")
        return self.client

    def contract(self, symbol: str) -> Contract | None:
        return self.client.contracts.get(symbol) if self.client else None

    async def place_order(self, symbol: str, order_type: str, quantity: Any, side: str,
                          price: Any = None, tif: str | None = None) -> OrderStatus:
        return await self._client().place_order(symbol, order_type, quantity, side, price, tif)

    async def cancel_order(self, symbol: str, order_id: int) -> OrderStatus:
        return await self._client().cancel_order(symbol, order_id)

    async def trade_size(self, symbol: str, price: Decimal, pct: int) -> Decimal | None:
        return await self._client().get_trade_size(symbol, price, pct)

    async def subscribe(self, symbols: list[str]) -> None:
        client = self._client()
        await client.subscribe_channel(symbols, "bookTicker")
        await client.subscribe_channel(symbols, "miniTicker")

    async def unsubscribe(self, symbols: list[str]) -> None:
        client = self._client()
        await client.unsubscribe_channel(symbols, "bookTicker")
        await client.unsubscribe_channel(symbols, "miniTicker")

    # -- orders beyond LIMIT and MARKET (orders helper) -------------------------------------

    async def place_conditional(self, symbol: str, order_type: str, quantity: Any, side: str,
                                price: Any = None, tif: str | None = None,
                                **extra: Any) -> OrderStatus:
        return await self._client().place_order(symbol, order_type, quantity, side, price, tif,
                                                **extra)

    async def place_oco(self, symbol: str, side: str, quantity: Any, price: Any,
                        stop_price: Any, stop_limit_price: Any = None) -> tuple[OrderStatus, ...]:
        return await self._client().place_oco(symbol, side, quantity, price, stop_price,
                                              stop_limit_price)

    async def amend_order(self, symbol: str, order_id: int, price: Any) -> OrderStatus:
        return await self._client().amend_order(symbol, order_id, price=price)
