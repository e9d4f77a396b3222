"""Trading methods of ``BinanceClient``: sizing, placing, resolving and cancelling orders.

Placement is idempotent: every order carries a client id made before
sending, and an unknown outcome (timeout, 5xx) is resolved by querying that
id, never by resending. What the replies say goes to the ``AccountState``.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from . import _algo, _amend, _oco
from . import _parsing as parse
from ._core import ContractLike, order_id_of
from ._market_data import MarketDataMixin
from ._models import Balance, Contract, OrderStatus
from ._resolve import RESOLVE_DELAYS, new_client_order_id, resolve
from .errors import (
    BinanceError,
    ExchangeError,
    InputError,
    NetworkError,
    ServerError,
)
from .filters import fmt, parse_decimal, round_quantity
from .orders import PreparedOrder, needs_reference_price, prepare_order, reference_from

__all__ = ["RESOLVE_DELAYS", "TradingMixin", "new_client_order_id"]


class TradingMixin(MarketDataMixin):
    async def check_credentials(self) -> dict[str, Balance]:
        """Prove the keys work: sync the clock, make one signed call, return the balances.

        Works on a client that was never started (``close()`` ends what it opened);
        raises the usual ``BinanceError`` subclasses (``AuthError`` for a bad key).
        """
        await self._rest.open()
        await self._rest.sync_time()
        return await self.get_balances()

    async def get_trade_size(self, contract: ContractLike, price: Any,
                             balance_pct: Any) -> Decimal | None:
        """Quantity worth ``balance_pct`` % of the free quote balance at ``price``, or None."""
        c = await self._contract(contract)
        price_d = parse_decimal(price, "Price")
        pct = parse_decimal(balance_pct, "Balance percentage")
        if pct > 100:
            raise InputError(f"Balance percentage must be at most 100, not {fmt(pct)}")
        balances = await self.get_balances()
        balance = balances.get(c.quote_asset)
        if balance is None:
            self._add_log(f"No {c.quote_asset} balance to size a {c.symbol} trade", "WARNING")
            return None
        available = balance.free
        quantity = self._size_from(c, available, price_d, pct)
        if quantity <= 0 or quantity < c.min_qty or (
                c.min_notional and quantity * price_d < c.min_notional):
            self._add_log(f"{fmt(pct)} % of {fmt(available)} {c.quote_asset} is too small to "
                          f"trade {c.symbol} at {fmt(price_d)}", "WARNING")
            return None
        return quantity

    def _size_from(self, c: Contract, available: Decimal, price: Decimal,
                   pct: Decimal) -> Decimal:
        """Spot: ``pct`` % of the free quote balance buys at ``price`` (futures override)."""
        return round_quantity(c, available * pct / 100 / price)

    async def place_order(
        self,
        contract: ContractLike,
        order_type: str,
        quantity: Any,
        side: str,
        price: Any = None,
        tif: str | None = None,
        *,
        stop_price: Any = None,
        reduce_only: bool = False,
        post_only: bool = False,
        callback_rate: Any = None,
    ) -> OrderStatus:
        """Validate locally (``prepare_order``), send once with our own client id, and
        resolve unknown outcomes by query.

        Every Binance type of the market by its own name; futures conditional types go to
        the algo-order service (``_algo``). For a trailing stop ``stop_price`` is the
        activation price and ``callback_rate`` the trail in %.
        """
        self._futures.refuse_in_hedge_mode()
        c = await self._contract(contract)
        extras: dict[str, Any] = {"stop_price": stop_price, "reduce_only": reduce_only,
                                  "post_only": post_only, "callback_rate": callback_rate}
        order = prepare_order(c, order_type, quantity, side, price, tif, **extras)
        self._rest.require_credentials()  # before asking for a price: nothing is sent
        if needs_reference_price(c, order.order_type):
            quote = self.prices.get(c.symbol) or await self.get_bid_ask(c)
            reference = reference_from(order.order_type, order.side, quote["bid"], quote["ask"])
            order = prepare_order(c, order_type, quantity, side, price, tif,
                                  reference_price=reference, **extras)
        for note in order.notes:
            self._add_log(note)
        if order.is_algo:
            return await _algo.place_algo(self, c, order)
        return await self._send(c, order)

    async def _send(self, c: Contract, order: PreparedOrder) -> OrderStatus:
        client_id = new_client_order_id()
        params = {**order.params(), "newClientOrderId": client_id,
                  "newOrderRespType": "RESULT" if self.futures else "FULL"}
        what = order.describe()
        try:
            data = await self._rest.request("POST", self._path("order"), params,
                                            security="SIGNED")
        except (NetworkError, ServerError) as exc:
            status = await self._resolve_unknown(c, client_id, what, exc)
        except ExchangeError as exc:
            self._add_log(f"{what} rejected: {exc}", "ERROR")
            raise
        else:
            status = parse.order_from(data, futures=self.futures)
            if self.futures and ((status.executed_qty and not status.avg_price)
                                 or (order.is_market and not status.executed_qty)):
                # Futures responses may lack the fill price: ask for the order itself.
                status = await self.get_order_status(c, status.order_id)
            self._add_log(f"{what} placed: order {status.order_id} {status.status}"
                          + _fill_text(status))
        if order.stop_price is not None and not status.stop_price:
            # Some answers (the demo's FULL reply) leave out what we sent: it is ours.
            status = replace(status, stop_price=order.stop_price)
        if order.reduce_only and not status.reduce_only:
            status = replace(status, reduce_only=True)
        self._account.order_learned(status)
        return status

    async def _resolve_unknown(self, c: Contract, client_id: str, what: str,
                               cause: Exception) -> OrderStatus:
        """Never resend: find out what happened to the order with our client id."""
        async def query() -> OrderStatus:
            data = await self._rest.request(
                "GET", self._path("order"),
                {"symbol": c.symbol, "origClientOrderId": client_id}, security="SIGNED")
            return parse.order_from(data, futures=self.futures)

        status = await resolve(self._add_log, what, client_id, c.symbol, query, cause)
        self._add_log(f"{what}: the exchange has it as order {status.order_id} "
                      f"{status.status}" + _fill_text(status))
        return status

    async def cancel_order(self, contract: ContractLike, order_id: int) -> OrderStatus:
        c = await self._contract(contract)
        oid = order_id_of(order_id)
        if self._is_algo(oid):
            return await _algo.cancel_algo(self, c, oid)
        try:
            data = await self._rest.request("DELETE", self._path("order"),
                                            {"symbol": c.symbol, "orderId": oid},
                                            security="SIGNED")
        except ExchangeError as exc:
            self._add_log(f"Cancel of order {oid} {c.symbol} failed: {exc}", "ERROR")
            if exc.code == -2011:
                await self._learn_final_state(c, oid)
            raise
        status = parse.order_from(data, futures=self.futures)
        self._account.order_learned(status)
        self._add_log(f"Order {oid} {c.symbol} {status.status}")
        return status

    async def _learn_final_state(self, c: Contract, oid: int) -> None:
        """A cancel the exchange refused as unknown: the order ended (filled, cancelled)
        and we may not have heard. Ask, so the open orders stop showing it."""
        try:
            status = await self.get_order_status(c, oid)
        except BinanceError:
            return  # the next reconciliation settles it
        self._account.order_learned(status)
        if not status.is_open:
            self._add_log(f"Order {oid} {c.symbol} is already {status.status}"
                          + _fill_text(status))

    def _is_algo(self, order_id: int) -> bool:
        return self.futures and order_id in self._account.algo_ids

    async def get_order_status(self, contract: ContractLike, order_id: int) -> OrderStatus:
        oid = order_id_of(order_id)
        if self._is_algo(oid):
            await self._contract(contract)
            return await _algo.get_algo(self, oid)
        return await super().get_order_status(contract, oid)

    async def get_open_orders(self, contract: ContractLike | None = None) -> list[OrderStatus]:
        """Open orders; on futures the conditional ones on the algo service too."""
        orders = await super().get_open_orders(contract)
        if self.futures:
            symbol = None if contract is None else (await self._contract(contract)).symbol
            orders += await _algo.open_algo_orders(self, symbol)
        return orders

    # -- orders beyond one order: OCO lists, amends ---------------------------------------

    async def place_oco(self, contract: ContractLike, side: str, quantity: Any, price: Any,
                        stop_price: Any, stop_limit_price: Any = None
                        ) -> tuple[OrderStatus, ...]:
        """Spot OCO (``orderList/oco``): a LIMIT_MAKER at ``price`` and a stop-loss at
        ``stop_price`` (STOP_LOSS_LIMIT at ``stop_limit_price`` when given); the legs share
        ``order_list_id`` and one ending ends the other."""
        return await _oco.place_oco(self, await self._contract(contract), side, quantity, price,
                                    stop_price, stop_limit_price)

    async def amend_order(self, contract: ContractLike, order_id: int, *, price: Any = None,
                          quantity: Any = None) -> OrderStatus:
        """A LIMIT order's new price/quantity: spot cancelReplace (a new id), futures modify
        (same id). Returns the order as it now stands."""
        return await _amend.amend_order(self, await self._contract(contract),
                                        order_id_of(order_id), price=price, quantity=quantity)

    async def _get_execution_price(self, contract: ContractLike, order_id: int) -> Decimal:
        return (await self.get_order_status(contract, order_id)).avg_price


def _fill_text(status: OrderStatus) -> str:
    if status.executed_qty:
        return f", filled {fmt(status.executed_qty)} @ avg {fmt(status.avg_price)}"
    return ""
