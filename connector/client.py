"""``BinanceClient``: the facade the GUI and scripts use.

It owns one REST session (``connector._rest``), the market and user-data
streams (``connector._live``) and the live state they keep current
(``contracts``, ``balances``, ``prices``, ``open_orders``; the account part in
``connector._account``). Listeners get every event on the event loop, in order.

The methods live by concern: account reads, listeners and the log in
``_core``, market data in ``_market_data``, orders in ``_trading``; this
module adds the life cycle.
"""

from __future__ import annotations

from types import TracebackType

from ._live import LiveOptions
from ._market_data import CHANNELS
from ._trading import RESOLVE_DELAYS, TradingMixin, new_client_order_id
from .orders import ORDER_TYPES, SIDES, TIME_IN_FORCE

__all__ = ["CHANNELS", "ORDER_TYPES", "RESOLVE_DELAYS", "SIDES", "TIME_IN_FORCE",
           "BinanceClient", "LiveOptions", "new_client_order_id"]


class BinanceClient(TradingMixin):
    """One Binance market (spot or USD-M futures) of one account; see interface.md."""

    def __repr__(self) -> str:
        market = "futures" if self.futures else "spot"
        return f"<BinanceClient {market} {self.endpoints.rest_url}>"

    async def start(self) -> None:
        """Sync the clock, load contracts (and, with keys, balances and open orders), go live."""
        try:
            await self._rest.open()
            await self._rest.sync_time()
            self.contracts = await self.get_contracts()
            if self.has_credentials:
                self._account.load(await self.get_balances(), await self.get_open_orders())
            await self._live.start()
        except BaseException:
            await self.close()
            raise
        market = "USD-M futures" if self.futures else "spot"
        self._add_log(f"Connected to {self.endpoints.rest_url} ({market}): "
                      f"{len(self.contracts)} symbols, clock offset "
                      f"{self._rest.clock_offset_ms:+.0f} ms")

    async def close(self) -> None:
        """End everything ``start`` (or ``check_credentials``) opened; safe to call twice."""
        await self._live.close()
        await self._rest.close()

    async def __aenter__(self) -> BinanceClient:
        await self.start()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.close()
