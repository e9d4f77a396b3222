"""``BinanceClient``: the facade the GUI and scripts use.

It owns one REST session (``connector._rest``), the market and user-data
streams (``connector._live``) and the live state they keep current
(``contracts``, ``balances``, ``prices``, ``open_orders``). Listeners get every
event on the event loop, in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from decimal import Decimal
from types import TracebackType
from typing import Any

from . import _algo, _amend, _oco, _order_kinds
from . import _parsing as parse
from ._live import LiveFeeds, LiveOptions
from ._models import Balance, Candle, Contract, OrderStatus
from ._rest import RestClient, Security, encode_params
from .endpoints import Endpoints, resolve
from .errors import (
    ExchangeError,
    InputError,
    NetworkError,
    OrderRejectedError,
    OrderStateUnknownError,
    ServerError,
)
from .events import Event, LogEntry
from .filters import check_order, fmt, parse_decimal, round_price, round_quantity

logger = logging.getLogger("connector")

Listener = Callable[[Event], None]
ContractLike = Contract | str

LOG_CAPACITY = 5000
ORDER_TYPES = ("MARKET", "LIMIT")
SIDES = ("BUY", "SELL")
TIME_IN_FORCE = ("GTC", "IOC", "FOK")
CHANNELS = ("bookTicker", "aggTrade", "miniTicker", "24hrMiniTicker")
# How long to keep asking about an order whose POST outcome is unknown.
RESOLVE_DELAYS = (0.2, 0.5, 1.0, 2.0, 3.0)

_SIGNED_SUFFIXES = ("/order", "/openOrders", "/allOrders", "/account", "/myTrades",
                    "/userTrades", "/balance", "/positionRisk", "/allOpenOrders", "/leverage",
                    "/income", "/marginType", "/positionSide/dual")


class BinanceClient:
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
        self.balances: dict[str, Balance] = {}
        self.prices: dict[str, dict[str, Decimal]] = {}
        self.open_orders: dict[int, OrderStatus] = {}
        self.logs: deque[LogEntry] = deque(maxlen=LOG_CAPACITY)
        self._listeners: list[Listener] = []
        self._rest = RestClient(self.endpoints, public_key, secret_key, log=self._add_log,
                                timeout=timeout, recv_window=recv_window)
        self._live = LiveFeeds(self, live_options or LiveOptions())
        self._started = False
        self._algo_ids: set[int] = set()  # futures algo-order ids we placed or saw (_algo)

    def __repr__(self) -> str:
        market = "futures" if self.futures else "spot"
        return f"<BinanceClient {market} {self.endpoints.rest_url}>"

    # -- life cycle ----------------------------------------------------------------------

    @property
    def has_credentials(self) -> bool:
        return self._rest.has_credentials

    @property
    def used_weight(self) -> int:
        return self._rest.used_weight

    @property
    def clock_offset_ms(self) -> float:
        return self._rest.clock_offset_ms

    async def start(self) -> None:
        """Sync the clock, load contracts (and, with keys, balances and open orders), go live."""
        try:
            await self._rest.open()
            await self._rest.sync_time()
            self.contracts = await self.get_contracts()
            if self.has_credentials:
                self.balances = await self.get_balances()
                self.open_orders = {o.order_id: o for o in await self.get_open_orders()}
            await self._live.start()
        except BaseException:
            await self.close()
            raise
        self._started = True
        market = "USD-M futures" if self.futures else "spot"
        self._add_log(f"Connected to {self.endpoints.rest_url} ({market}): "
                      f"{len(self.contracts)} symbols, clock offset "
                      f"{self._rest.clock_offset_ms:+.0f} ms")

    async def close(self) -> None:
        await self._live.close()
        await self._rest.close()
        self._started = False

    async def __aenter__(self) -> BinanceClient:
        await self.start()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.close()

    # -- listeners and log ------------------------------------------------------------------

    def add_listener(self, callback: Listener) -> None:
        if callback not in self._listeners:
            self._listeners.append(callback)

    def remove_listener(self, callback: Listener) -> None:
        with contextlib.suppress(ValueError):
            self._listeners.remove(callback)

    def _emit(self, event: Event) -> None:
        """Deliver ``event`` to every listener; a failing listener never stops the others."""
        for listener in tuple(self._listeners):
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

    # -- market data ----------------------------------------------------------------------------

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

    async def get_historical_candles(
        self,
        contract: ContractLike,
        interval: str,
        start: int | None = None,
        end: int | None = None,
        limit: int | None = None,
    ) -> list[Candle]:
        """Candles oldest first; pages past the per-request cap (1000 spot, 1500 futures)."""
        c = await self._contract(contract)
        cap = 1500 if self.futures else 1000
        wanted = limit if limit is not None else (cap if start is None or end is None else None)
        if wanted is not None and wanted <= 0:
            raise InputError(f"limit must be positive, not {wanted}")
        candles: list[Candle] = []
        if start is not None:
            cursor = start
            while wanted is None or len(candles) < wanted:
                page = cap if wanted is None else min(cap, wanted - len(candles))
                rows = await self._klines(c, interval, page, start=cursor, end=end)
                candles.extend(rows)
                if len(rows) < page:
                    break
                cursor = rows[-1].timestamp + 1
        else:
            cursor_end = end
            assert wanted is not None
            while len(candles) < wanted:
                page = min(cap, wanted - len(candles))
                rows = await self._klines(c, interval, page, end=cursor_end)
                candles[:0] = rows
                if len(rows) < page:
                    break
                cursor_end = rows[0].timestamp - 1
        return candles

    async def _klines(self, c: Contract, interval: str, limit: int, *,
                      start: int | None = None, end: int | None = None) -> list[Candle]:
        params: dict[str, Any] = {"symbol": c.symbol, "interval": interval, "limit": limit,
                                  "startTime": start, "endTime": end}
        rows = await self._rest.request("GET", self._path("klines"), params)
        return [parse.candle_from(r) for r in rows]

    async def get_bid_ask(self, contract: ContractLike) -> dict[str, Decimal]:
        c = await self._contract(contract)
        data = await self._rest.request("GET", self._path("ticker/bookTicker"),
                                        {"symbol": c.symbol})
        quote = {"bid": Decimal(data["bidPrice"]), "ask": Decimal(data["askPrice"])}
        self.prices[c.symbol] = quote
        return quote

    # -- account ------------------------------------------------------------------------------------

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
        orders = [_order_kinds.with_extras(parse.order_from(o, futures=self.futures), o)
                  for o in data]
        if self.futures:  # conditional orders live on the algo service
            orders += await _algo.open_algo_orders(self, params.get("symbol"))
        return orders

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
        quantity = round_quantity(c, available * pct / 100 / price_d)
        if quantity <= 0 or quantity < c.min_qty or (
                c.min_notional and quantity * price_d < c.min_notional):
            self._add_log(f"{fmt(pct)} % of {fmt(available)} {c.quote_asset} is too small to "
                          f"trade {c.symbol} at {fmt(price_d)}", "WARNING")
            return None
        return quantity

    # -- orders -----------------------------------------------------------------------------------

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
        """Validate locally, send once with our own client id, and resolve unknown outcomes.

        Every Binance type of the market by its own name; futures conditional types go to
        the algo-order service (``_order_kinds``). For a trailing stop ``stop_price`` is the
        activation price and ``callback_rate`` the trail in %.
        """
        c = await self._contract(contract)
        if _order_kinds.is_extended(order_type, stop_price, reduce_only, post_only,
                                    callback_rate):
            return await _order_kinds.place_extended(
                self, c, order_type, quantity, side, price, tif, stop_price=stop_price,
                reduce_only=reduce_only, post_only=post_only, callback_rate=callback_rate)
        kind = _choice(order_type, ORDER_TYPES, "Order type")
        direction = _choice(side, SIDES, "Side")
        is_market = kind == "MARKET"
        time_in_force = None
        if not is_market:
            time_in_force = _choice(tif, TIME_IN_FORCE, "Time in force") if tif else "GTC"
        qty = parse_decimal(quantity, "Quantity")
        limit_price: Decimal | None = None
        if not is_market:
            if price is None or (isinstance(price, str) and not price.strip()):
                raise InputError(f"A LIMIT order needs a price; give one in {c.quote_asset}")
            limit_price = parse_decimal(price, "Price")
        rounded_qty = round_quantity(c, qty, market=is_market)
        if rounded_qty != qty and rounded_qty > 0:
            self._add_log(f"Quantity {fmt(qty)} rounded down to {fmt(rounded_qty)} "
                          f"{c.base_asset} ({c.symbol} lot step)")
        rounded_price = round_price(c, limit_price) if limit_price is not None else None
        if rounded_price is not None and limit_price is not None and rounded_price != limit_price:
            self._add_log(f"Price {fmt(limit_price)} rounded to {fmt(rounded_price)} "
                          f"{c.quote_asset} ({c.symbol} tick {fmt(c.tick_size)})")
        reference = None
        if is_market:
            quote = self.prices.get(c.symbol)
            reference = quote["ask" if direction == "BUY" else "bid"] if quote else None
        check_order(c, rounded_qty, rounded_price, market=is_market, reference_price=reference)

        client_id = new_client_order_id()
        params: dict[str, Any] = {
            "symbol": c.symbol, "side": direction, "type": kind,
            "quantity": format(rounded_qty, "f"), "newClientOrderId": client_id,
            "newOrderRespType": "RESULT" if self.futures else "FULL",
        }
        if not is_market:
            params["price"] = format(rounded_price, "f")
            params["timeInForce"] = time_in_force
        what = (f"{direction} {kind} {fmt(rounded_qty)} {c.symbol}"
                + (f" @ {fmt(rounded_price)}" if rounded_price is not None else ""))
        try:
            data = await self._rest.request("POST", self._path("order"), params,
                                            security="SIGNED")
        except (NetworkError, ServerError) as exc:
            self._add_log(f"{what}: outcome unknown ({exc}); asking the exchange about "
                          f"client id {client_id}", "WARNING")
            status = await self._resolve_unknown(c, client_id, what, exc)
        except ExchangeError as exc:
            self._add_log(f"{what} rejected: {exc}", "ERROR")
            raise
        else:
            status = parse.order_from(data, futures=self.futures)
            if self.futures and ((status.executed_qty and not status.avg_price)
                                 or (is_market and not status.executed_qty)):
                # Futures responses may lack the fill price: ask for the order itself.
                status = await self.get_order_status(c, status.order_id)
            self._add_log(f"{what} placed: order {status.order_id} {status.status}"
                          + _fill_text(status))
        if status.is_open:
            self.open_orders[status.order_id] = status
        return status

    async def _resolve_unknown(self, c: Contract, client_id: str, what: str,
                               cause: Exception) -> OrderStatus:
        """Never resend: find out what happened to the order with our client id."""
        last_error: Exception = cause
        for delay in RESOLVE_DELAYS:
            await asyncio.sleep(delay)
            try:
                data = await self._rest.request(
                    "GET", self._path("order"),
                    {"symbol": c.symbol, "origClientOrderId": client_id}, security="SIGNED")
            except OrderRejectedError as exc:
                if exc.code == -2013:
                    last_error = exc
                    continue  # not (yet) known: it may still be in flight
                raise
            except (NetworkError, ServerError) as exc:
                last_error = exc
                continue
            status = parse.order_from(data, futures=self.futures)
            self._add_log(f"{what}: the exchange has it as order {status.order_id} "
                          f"{status.status}" + _fill_text(status))
            return status
        if isinstance(last_error, OrderRejectedError) and last_error.code == -2013:
            self._add_log(f"{what} was not placed: the exchange has no order with client id "
                          f"{client_id}", "ERROR")
            raise OrderRejectedError(f"Order not placed ({cause}); the exchange has no order "
                                     f"with client id {client_id}", code=-2013)
        self._add_log(f"{what}: outcome still unknown; look for client id {client_id} before "
                      f"placing it again", "ERROR")
        raise OrderStateUnknownError(
            f"Could not establish whether the order was placed ({last_error}); look for client "
            f"order id {client_id} before sending it again",
            client_order_id=client_id, symbol=c.symbol)

    async def cancel_order(self, contract: ContractLike, order_id: int) -> OrderStatus:
        c = await self._contract(contract)
        oid = _order_id(order_id)
        if _algo.known(self, oid):
            return await _algo.cancel_algo(self, c, oid)
        try:
            data = await self._rest.request("DELETE", self._path("order"),
                                            {"symbol": c.symbol, "orderId": oid},
                                            security="SIGNED")
        except ExchangeError as exc:
            self._add_log(f"Cancel of order {oid} {c.symbol} failed: {exc}", "ERROR")
            raise
        status = parse.order_from(data, futures=self.futures)
        self.open_orders.pop(status.order_id, None)
        self._add_log(f"Order {oid} {c.symbol} {status.status}")
        return status

    async def get_order_status(self, contract: ContractLike, order_id: int) -> OrderStatus:
        c = await self._contract(contract)
        if _algo.known(self, _order_id(order_id)):
            return await _algo.get_algo(self, c, _order_id(order_id))
        data = await self._rest.request("GET", self._path("order"),
                                        {"symbol": c.symbol, "orderId": _order_id(order_id)},
                                        security="SIGNED")
        return _order_kinds.with_extras(parse.order_from(data, futures=self.futures), data)

    async def _get_execution_price(self, contract: ContractLike, order_id: int) -> Decimal:
        return (await self.get_order_status(contract, order_id)).avg_price

    # -- streams ------------------------------------------------------------------------------------

    async def subscribe_channel(self, contracts: Iterable[ContractLike] | ContractLike,
                                channel: str, reconnection: bool = False) -> None:
        symbols = await self._symbols(contracts)
        await self._live.subscribe(symbols, _channel(channel), force=reconnection)

    async def unsubscribe_channel(self, contracts: Iterable[ContractLike] | ContractLike,
                                  channel: str) -> None:
        symbols = await self._symbols(contracts)
        await self._live.unsubscribe(symbols, _channel(channel))

    async def _symbols(self, contracts: Iterable[ContractLike] | ContractLike) -> list[str]:
        items = [contracts] if isinstance(contracts, (str, Contract)) else list(contracts)
        return [(await self._contract(c)).symbol for c in items]

    # -- orders beyond LIMIT and MARKET (orders helper) ------------------------------------

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
                                        _order_id(order_id), price=price, quantity=quantity)


def new_client_order_id() -> str:
    """Unique, made before sending, within Binance's ``^[.A-Z:/a-z0-9_-]{1,36}$``."""
    return f"sl-{uuid.uuid4().hex[:30]}"


def _choice(value: Any, allowed: tuple[str, ...], what: str) -> str:
    text = value.strip().upper() if isinstance(value, str) else None
    if text not in allowed:
        raise InputError(f"{what} {value!r} is not valid; use one of {', '.join(allowed)}")
    return text


def _order_id(order_id: Any) -> int:
    try:
        oid = int(order_id)
    except (TypeError, ValueError):
        raise InputError(f"Order id must be a whole number, not {order_id!r}") from None
    if oid <= 0:
        raise InputError(f"Order id must be positive, not {oid}")
    return oid


def _channel(channel: str) -> str:
    if channel in CHANNELS or (channel.startswith("kline_") and len(channel) > 6):
        return "miniTicker" if channel == "24hrMiniTicker" else channel
    raise InputError(f"Unknown channel {channel!r}; use bookTicker, aggTrade, miniTicker or "
                     f"kline_<interval> (e.g. kline_1m)")


def _fill_text(status: OrderStatus) -> str:
    if status.executed_qty:
        return f", filled {fmt(status.executed_qty)} @ avg {fmt(status.avg_price)}"
    return ""
