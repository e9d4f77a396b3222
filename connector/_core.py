"""The state and plumbing every part of ``BinanceClient`` shares.

``ClientCore`` holds the REST session, the account state, the live feeds,
the listeners, the log and the account reads; market data and trading are mixed in
from ``_market_data`` and ``_trading``, and ``client.BinanceClient`` puts them
together with the life cycle.
"""

from __future__ import annotations

import functools
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from . import _history
from . import _parsing as parse
from ._account import AccountState
from ._futures import FuturesDesk
from ._live import LiveFeeds, LiveOptions
from ._models import Balance, Contract, OrderBook, OrderStatus, Position, Trade
from ._rest import RestClient, Security, encode_params
from ._userdata import AccountReader
from .endpoints import Endpoints, resolve
from .errors import InputError
from .events import Event, LogEntry

logger = logging.getLogger("connector")

Listener = Callable[[Event], None]
ContractLike = Contract | str

LOG_CAPACITY = 5000

_SIGNED_SUFFIXES = ("/order", "/openOrders", "/allOrders", "/account", "/myTrades",
                    "/userTrades", "/balance", "/positionRisk", "/allOpenOrders", "/leverage",
                    "/income", "/marginType", "/positionSide/dual")


class ClientCore:
    def __init__(
        self,
        public_key: str,
        secret_key: str,
        testnet: bool,
        futures: bool,
        *,
        rest_url: str | None = None,
        ws_url: str | None = None,
        ws_api_url: str | None = None,
        timeout: float = 10.0,
        recv_window: int = 5000,
        live_options: LiveOptions | None = None,
    ) -> None:
        self.testnet = testnet
        self.futures = futures
        self.endpoints: Endpoints = resolve(
            "testnet" if testnet else "live",
            futures,
            rest_url=rest_url,
            ws_url=ws_url,
            ws_api_url=ws_api_url,
        )
        self.contracts: dict[str, Contract] = {}
        self.prices: dict[str, dict[str, Decimal]] = {}
        self.books: dict[str, OrderBook] = {}  # channel "depth": local books, known good only
        self.logs: deque[LogEntry] = deque(maxlen=LOG_CAPACITY)
        # a tuple, replaced on change: ``_emit`` runs per message and needs no copy
        self._listeners: tuple[Listener, ...] = ()
        self._rest = RestClient(self.endpoints, public_key, secret_key, log=self._add_log,
                                timeout=timeout, recv_window=recv_window)
        self._account = AccountState(self._emit, self._add_log)
        reader = AccountReader(self.get_balances, self.get_open_orders, self.get_order_status,
                               self._reload_positions)
        self._live = LiveFeeds(endpoints=self.endpoints, rest=self._rest, account=self._account,
                               reader=reader, prices=self.prices, books=self.books,
                               emit=self._emit,
                               log=self._add_log, options=live_options)
        self._futures = FuturesDesk(futures=futures, rest=self._rest, account=self._account,
                                    log=self._add_log, subscribe=self._live.subscribe)

    async def _reload_positions(self) -> None:
        await self._futures.reload_one_way()

    # -- live state (the account's own dicts, kept current by the user-data stream) ----------

    @property
    def balances(self) -> dict[str, Balance]:
        return self._account.balances

    @property
    def open_orders(self) -> dict[int, OrderStatus]:
        return self._account.open_orders

    @property
    def positions(self) -> dict[str, Position]:
        """Open futures positions (one-way mode), kept current by the streams."""
        return self._account.positions

    @property
    def has_credentials(self) -> bool:
        return self._rest.has_credentials

    @property
    def used_weight(self) -> int:
        return self._rest.used_weight

    @property
    def weight_limit(self) -> int:
        return self.endpoints.weight_per_minute

    @property
    def clock_offset_ms(self) -> float:
        return self._rest.clock_offset_ms

    # -- listeners and log ------------------------------------------------------------------

    def add_listener(self, callback: Listener) -> None:
        if callback not in self._listeners:
            self._listeners += (callback,)

    def remove_listener(self, callback: Listener) -> None:
        self._listeners = tuple(x for x in self._listeners if x != callback)

    def _emit(self, event: Event) -> None:
        """Deliver ``event`` to every listener; a failing listener never stops the others."""
        for listener in self._listeners:  # a listener added meanwhile sees the next one
            try:
                listener(event)
            except Exception:  # a GUI bug must not kill the stream task
                logger.exception("listener %r failed on %s", listener, type(event).__name__)

    def _add_log(self, msg: str, level: str = "INFO") -> None:
        entry = LogEntry(time.time(), level.upper(), msg)
        self.logs.append(entry)
        logger.log(logging.getLevelName(entry.level), msg)
        self._emit(entry)

    # -- raw access ---------------------------------------------------------------------------

    def _generate_signature(self, data: dict[str, Any]) -> str:
        return self._rest.sign(encode_params(data))

    async def _make_request(self, method: str, endpoint: str,
                            data: dict[str, Any] | None = None) -> Any:
        security: Security = "NONE"
        if endpoint.endswith("/listenKey"):
            security = "API_KEY"
        elif endpoint.endswith(_SIGNED_SUFFIXES):
            security = "SIGNED"
        return await self._rest.request(method.upper(), endpoint, data, security=security)

    def _path(self, name: str) -> str:
        return f"{self.endpoints.api_prefix}/{name}"

    # -- contracts ------------------------------------------------------------------------------

    async def get_contracts(self) -> dict[str, Contract]:
        decode = functools.partial(parse.decode_contracts, futures=self.futures)
        return await self._rest.request(  # type: ignore[no-any-return]
            "GET", self._path("exchangeInfo"), decode=decode)

    async def _contract(self, contract: ContractLike) -> Contract:
        if isinstance(contract, Contract):
            return contract
        if not isinstance(contract, str) or not contract.strip():
            raise InputError(f"Symbol must be a name such as 'BTCUSDT', not {contract!r}")
        symbol = contract.strip().upper()
        if not self.contracts:
            self.contracts = await self.get_contracts()
        found = self.contracts.get(symbol)
        if found is None:
            close = [s for s in self.contracts if s.startswith(symbol[:3])][:5]
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            market = "futures" if self.futures else "spot"
            raise InputError(f"Unknown symbol {symbol!r} on Binance {market}{hint}")
        return found

    async def _symbols(self, contracts: Iterable[ContractLike] | ContractLike) -> list[str]:
        items = [contracts] if isinstance(contracts, (str, Contract)) else list(contracts)
        return [(await self._contract(c)).symbol for c in items]

    # -- account reads (reconciliation uses them too) -------------------------------------------

    async def get_balances(self) -> dict[str, Balance]:
        if self.futures:
            data = await self._rest.request("GET", "/fapi/v2/account", security="SIGNED")
            return parse.futures_balances_from(data)
        data = await self._rest.request("GET", self._path("account"), security="SIGNED")
        return parse.spot_balances_from(data)

    async def get_open_orders(self, contract: ContractLike | None = None) -> list[OrderStatus]:
        params: dict[str, Any] = {}
        if contract is not None:
            params["symbol"] = (await self._contract(contract)).symbol
        data = await self._rest.request("GET", self._path("openOrders"), params,
                                        security="SIGNED")
        return [parse.order_from(o, futures=self.futures) for o in data]

    async def get_order_status(self, contract: ContractLike, order_id: int) -> OrderStatus:
        c = await self._contract(contract)
        data = await self._rest.request("GET", self._path("order"),
                                        {"symbol": c.symbol, "orderId": order_id_of(order_id)},
                                        security="SIGNED")
        return parse.order_from(data, futures=self.futures)


    # -- history (paging rules in connector._history) ---------------------------------------

    async def get_order_history(self, contract: ContractLike, *, start: int | None = None,
                                end: int | None = None, limit: int | None = 500,
                                from_id: int | None = None) -> list[OrderStatus]:
        """Orders oldest first (``allOrders``); see ``_history.page_history`` for paging."""
        return await _history.order_history(
            _history.signed_get(self._rest, self._path("allOrders")),
            await self._contract(contract), now_ms=self._rest.now_ms(), start=start, end=end,
            limit=limit, from_id=from_id)

    async def get_trades(self, contract: ContractLike, *, start: int | None = None,
                         end: int | None = None, limit: int | None = 500,
                         from_id: int | None = None) -> list[Trade]:
        """The account's fills oldest first (spot ``myTrades``, futures ``userTrades``)."""
        path = self._path("userTrades" if self.futures else "myTrades")
        return await _history.trade_history(
            _history.signed_get(self._rest, path), await self._contract(contract),
            now_ms=self._rest.now_ms(), start=start, end=end, limit=limit, from_id=from_id)

def order_id_of(order_id: Any) -> int:
    """A positive whole order id, or an InputError."""
    try:
        oid = int(order_id)
    except (TypeError, ValueError):
        raise InputError(f"Order id must be a whole number, not {order_id!r}") from None
    if oid <= 0:
        raise InputError(f"Order id must be positive, not {oid}")
    return oid
