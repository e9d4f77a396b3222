"""Futures account methods of ``BinanceClient``: positions, leverage, margin type, close.

The work is the ``FuturesDesk``'s (``connector._futures``) and the state the
account's (``AccountState.book``); closing a position sends its reduce-only
MARKET order here, beside the client's own order resolution (``_trading``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from . import _parsing as parse
from ._core import ContractLike
from ._margin import Bracket
from ._models import Contract, OrderStatus, Position
from ._trading import TradingMixin, new_client_order_id
from .errors import ExchangeError, NetworkError, ServerError
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
        return await self._send_close(c, side, qty, amount)

    async def _send_close(self, c: Contract, side: str, qty: Decimal,
                          amount: Decimal) -> OrderStatus:
        client_id = new_client_order_id()
        params: dict[str, Any] = {
            "symbol": c.symbol, "side": side, "type": "MARKET", "quantity": format(qty, "f"),
            "reduceOnly": "true", "newClientOrderId": client_id, "newOrderRespType": "RESULT"}
        what = f"Close {c.symbol} {fmt(amount)}: {side} MARKET {fmt(qty)} reduce-only"
        try:
            data = await self._rest.request("POST", "/fapi/v1/order", params, security="SIGNED")
        except (NetworkError, ServerError) as exc:
            self._add_log(f"{what}: outcome unknown ({exc}); asking the exchange about "
                          f"client id {client_id}", "WARNING")
            status = await self._resolve_unknown(c, client_id, what, exc)
        except ExchangeError as exc:
            self._add_log(f"{what} rejected: {exc}", "ERROR")
            raise
        else:
            status = parse.order_from(data, futures=True)
            if not status.executed_qty or not status.avg_price:
                status = await self.get_order_status(c, status.order_id)
            filled = (f", filled {fmt(status.executed_qty)} @ avg {fmt(status.avg_price)}"
                      if status.executed_qty else "")
            self._add_log(f"{what}: order {status.order_id} {status.status}{filled}")
        self._account.order_learned(status)
        return status
