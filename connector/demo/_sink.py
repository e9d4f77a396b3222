"""What an engine reports to: the stream hub in the running exchange, nothing in bare tests.

The engine does no I/O; every tick, trade, order change and balance change is a
call on an ``EventSink``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Protocol

from ._wire import ZERO, Market


class EventSink(Protocol):
    def book_ticker(self, market: Market, symbol: str, update_id: int, bid: Decimal,
                    bid_qty: Decimal, ask: Decimal, ask_qty: Decimal, time_ms: int) -> None: ...

    def trade(self, market: Market, symbol: str, agg_id: int, price: Decimal, qty: Decimal,
              first_trade_id: int, last_trade_id: int, time_ms: int,
              buyer_is_maker: bool) -> None: ...

    def order_update(self, market: Market, api_key: str, order: dict[str, Any],
                     execution_type: str, last_qty: Decimal, last_price: Decimal,
                     commission: Decimal, commission_asset: str | None, trade_id: int,
                     is_maker: bool, time_ms: int, realized_pnl: Decimal = ZERO) -> None: ...

    def account_update(self, market: Market, api_key: str, balances: dict[str, dict[str, Any]],
                       reason: str, time_ms: int,
                       positions: list[dict[str, Any]] | None = None) -> None: ...

    # -- conditional orders (orders helper) --
    def algo_update(self, market: Market, api_key: str, algo: dict[str, Any],
                    time_ms: int) -> None: ...

    def list_status(self, market: Market, api_key: str, order_list: dict[str, Any],
                    time_ms: int) -> None: ...


class NullSink:
    def book_ticker(self, *args: Any, **kwargs: Any) -> None:
        pass

    def trade(self, *args: Any, **kwargs: Any) -> None:
        pass

    def order_update(self, *args: Any, **kwargs: Any) -> None:
        pass

    def account_update(self, *args: Any, **kwargs: Any) -> None:
        pass

    def algo_update(self, *args: Any, **kwargs: Any) -> None:
        pass

    def list_status(self, *args: Any, **kwargs: Any) -> None:
        pass
