"""Futures account methods of ``BinanceClient``: positions, leverage, margin type, close.

The work is the ``FuturesDesk``'s (``connector._futures``) and the state the
account's (``AccountState.book``); closing a position sends its reduce-only
MARKET order through the normal ``place_order`` path (``_trading``).
"""

from __future__ import annotations

from decimal import Decimal

from ._core import ContractLike
from ._margin import Bracket, futures_trade_quantity
from ._models import Contract, OrderStatus, Position
from ._trading import TradingMixin
from .filters import fmt


class FuturesMixin(TradingMixin):
    @property
    def hedge_mode(self) -> bool:
        """True when the futures account is in Hedge Mode: its orders are refused."""
        return self._futures.hedge_mode

    def funding(self, symbol: str) -> tuple[Decimal, int] | None:
        """(funding rate, next funding time ms) from the mark price stream, once it spoke."""
        return self._futures.book.funding(symbol)

    def leverage_of(self, symbol: str) -> int:
        return self._futures.book.leverage_of(symbol)

    def margin_type_of(self, symbol: str) -> str:
        """"isolated" or "cross", as the exchange last said."""
        return self._futures.book.margin_type_of(symbol)

    async def get_leverage_brackets(self) -> dict[str, tuple[Bracket, ...]]:
        return await self._futures.get_leverage_brackets()

    async def get_positions(self) -> dict[str, Position]:
        return await self._futures.get_positions()

    async def set_leverage(self, contract: ContractLike, leverage: int) -> int:
        return await self._futures.set_leverage(await self._contract(contract), leverage)

    async def set_margin_type(self, contract: ContractLike, margin_type: str) -> None:
        await self._futures.set_margin_type(await self._contract(contract), margin_type)

    async def close_position(self, contract: ContractLike) -> OrderStatus | None:
        """Close the whole position with one reduce-only MARKET order (MARKET lot step);
        with no position nothing is sent and None is returned."""
        c = await self._contract(contract)
        plan = await self._futures.close_plan(c)
        if plan is None:
            return None
        side, qty, amount = plan
        # The normal order path: local checks, our client id, and unknown outcomes resolved
        # by that id (``_trading``), never resent.
        self._add_log(f"Close {c.symbol} {fmt(amount)}: {side} MARKET {fmt(qty)} reduce-only")
        return await self.place_order(c, "MARKET", qty, side, reduce_only=True)

    def _size_from(self, c: Contract, available: Decimal, price: Decimal,
                   pct: Decimal) -> Decimal:
        """On futures the available balance margins ``leverage`` times its notional."""
        if not self.futures:
            return super()._size_from(c, available, price, pct)
        return futures_trade_quantity(c, available, self.leverage_of(c.symbol), price, pct)
