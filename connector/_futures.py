"""The futures desk of a client: position mode, brackets, positions, leverage, margin, close.

``BinanceClient`` delegates its futures account calls here and the user
stream (``_live``) hands it ``ACCOUNT_UPDATE`` / ``ACCOUNT_CONFIG_UPDATE``;
it also listens to the client's own ``MarkPrice`` events so unrealized PnL
follows the mark. State lives in ``_positions.PositionBook``.

One-way mode only: an account in Hedge Mode (``GET /fapi/v1/positionSide/dual``)
is told so at start, shows no positions, and has every order refused before
anything is sent, rather than having a position side guessed for it.
"""

from __future__ import annotations

import asyncio
import contextlib
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import _parsing as parse
from ._margin import Bracket, brackets_from
from ._models import Contract, OrderStatus, Position
from ._positions import PositionBook
from .errors import BinanceError, ExchangeError, InputError, NetworkError, ServerError
from .events import Event, MarkPrice, OrderUpdate
from .filters import fmt, round_quantity

if TYPE_CHECKING:
    from .client import BinanceClient

REFRESH_DELAY = 1.0  # seconds: at most ~300 of the 2400 weight a minute on a busy account
HEDGE_MODE_REFUSAL = ("Order refused: this futures account is in Hedge Mode and Starlight trades "
                      "in One-way Mode only; switch to One-way Mode in Binance's futures "
                      "preferences and reconnect")


class FuturesDesk:
    def __init__(self, client: BinanceClient) -> None:
        self.client = client
        self.book = PositionBook()
        self.hedge_mode = False
        self._refresh: asyncio.Task[None] | None = None
        self._generation = 0  # bumped by every stream change to a position
        self._marked: set[str] = set()  # symbols whose markPrice stream we asked for
        self._mark_stream: bool | None = None  # False: this client has no markPrice channel
        self._tasks: set[asyncio.Task[None]] = set()
        client.add_listener(self._on_event)

    # -- life cycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        """With futures keys: position mode (Hedge is refused), brackets, settings, positions."""
        client = self.client
        if not client.futures:
            return
        data = await client._rest.request("GET", "/fapi/v1/positionSide/dual",
                                          security="SIGNED")
        self.hedge_mode = bool(data.get("dualSidePosition"))
        if self.hedge_mode:
            client._add_log("This futures account is in Hedge Mode (dual-side positions). "
                            "Starlight trades in One-way Mode only, so it refuses orders and "
                            "shows no positions: switch to One-way Mode in Binance's futures "
                            "preferences, then reconnect", "ERROR")
            return
        try:
            await self.get_leverage_brackets()
        except ExchangeError as exc:
            client._add_log(f"Leverage brackets unavailable ({exc}); liquidation prices will "
                            f"come from the exchange only", "WARNING")
        await self.get_positions()

    async def close(self) -> None:
        tasks = [t for t in (self._refresh, *self._tasks) if t is not None]
        self._refresh = None
        self._tasks.clear()
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def refuse_in_hedge_mode(self) -> None:
        if self.hedge_mode:
            self.client._add_log(HEDGE_MODE_REFUSAL, "ERROR")
            raise InputError(HEDGE_MODE_REFUSAL)

    def _need_futures(self, what: str) -> None:
        if not self.client.futures:
            raise InputError(f"{what} exist on USD-M futures only; this client is spot")

    # -- REST ------------------------------------------------------------------------------------

    async def get_leverage_brackets(self) -> dict[str, tuple[Bracket, ...]]:
        """Every symbol's notional brackets (max leverage, maintenance margin rate and amount)."""
        self._need_futures("Leverage brackets")
        data = await self.client._rest.request("GET", "/fapi/v1/leverageBracket",
                                               security="SIGNED")
        brackets = brackets_from(data)
        self.book.brackets.update(brackets)
        return brackets

    async def get_positions(self) -> dict[str, Position]:
        """Open positions (``/fapi/v3/positionRisk``) with leverage and margin type from
        ``/fapi/v1/symbolConfig``; ``client.positions`` becomes them."""
        self._need_futures("Positions")
        rest = self.client._rest
        try:
            config = await rest.request("GET", "/fapi/v1/symbolConfig", security="SIGNED")
        except ExchangeError:  # an older host: v2 rows carry leverage and margin type too
            config = await rest.request("GET", "/fapi/v2/positionRisk", security="SIGNED")
        self.book.apply_config(config)
        await self.reload()
        return dict(self.book.positions)

    async def reload(self) -> None:
        """Positions as the exchange has them (its liquidation prices included)."""
        generation = self._generation
        rows = await self.client._rest.request("GET", "/fapi/v3/positionRisk",
                                               security="SIGNED")
        if generation != self._generation:
            self._refresh_soon()  # a stream update overtook this answer: ask again
            return
        for update in self.book.load(rows):
            self.client._emit(update)
        self._follow_marks()

    def _refresh_soon(self) -> None:
        if self._refresh is None or self._refresh.done():
            self._refresh = asyncio.create_task(self._refresh_later())

    async def _refresh_later(self) -> None:
        await asyncio.sleep(REFRESH_DELAY)  # one request (weight 5) for a burst of fills
        try:
            await self.reload()
        except BinanceError as exc:
            self.client._add_log(f"Could not refresh futures positions: {exc}", "WARNING")

    # -- streams -----------------------------------------------------------------------------------

    def on_account_update(self, event: dict[str, Any]) -> None:
        """``ACCOUNT_UPDATE`` from the user stream: its ``P`` rows move positions."""
        if not self.client.futures or self.hedge_mode:
            return
        updates = self.book.apply_account(event)
        if event["a"].get("P"):
            self._generation += 1
            self._refresh_soon()  # then the exchange's own liquidation prices
        for update in updates:
            self.client._emit(update)
        self._follow_marks()

    def _follow_marks(self) -> None:
        """Every open position's mark price streams, so its unrealized PnL follows the mark."""
        wanted = sorted(set(self.book.positions) - self._marked)
        if not wanted or self._mark_stream is False or not self.client.futures:
            return
        self._marked.update(wanted)
        task = asyncio.create_task(self._subscribe_marks(wanted))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _subscribe_marks(self, symbols: list[str]) -> None:
        try:
            await self.client.subscribe_channel(symbols, "markPrice")
        except InputError:
            self._mark_stream = False  # a build without the markPrice channel: PnL from REST
        except BinanceError as exc:
            self._marked.difference_update(symbols)
            self.client._add_log(f"Mark price stream for {', '.join(symbols)} unavailable "
                                 f"({exc}); unrealized PnL updates with fills only", "WARNING")
        else:
            self._mark_stream = True

    def on_config_update(self, event: dict[str, Any]) -> None:
        """``ACCOUNT_CONFIG_UPDATE``: a leverage changed (here or in another app)."""
        for update in self.book.apply_config_event(event):
            self.client._emit(update)

    def _on_event(self, event: Event) -> None:
        kind = type(event)
        if kind is MarkPrice:
            assert isinstance(event, MarkPrice)
            for update in self.book.apply_mark(event):
                self.client._emit(update)
        elif kind is OrderUpdate:
            assert isinstance(event, OrderUpdate)
            # after the OrderUpdate reshape this is note_forced_close(event.order, ...)
            self.note_forced_close(OrderStatus(
                event.order_id, event.status, event.avg_price, event.executed_qty,
                event.symbol, event.client_order_id, event.side, event.order_type),
                event.execution_type)

    def note_forced_close(self, status: OrderStatus, execution_type: str) -> None:
        """Tell the trader, loudly, when the exchange closed a position for them."""
        cid = status.client_order_id
        if status.status != "filled" or not cid.startswith(("autoclose-", "adl_autoclose")):
            return
        what = "LIQUIDATED" if cid.startswith("autoclose-") else "auto-deleveraged (ADL)"
        self.client._add_log(f"{status.symbol} position {what}: {status.side} "
                             f"{fmt(status.executed_qty)} @ {fmt(status.avg_price)} (order "
                             f"{status.order_id}, {execution_type or 'CALCULATED'})", "ERROR")

    # -- settings and closing --------------------------------------------------------------------------

    async def set_leverage(self, c: Contract, leverage: int) -> int:
        """Set the symbol's initial leverage; returns what the exchange set."""
        self._need_futures("Leverage")
        n = _leverage(leverage)
        tiers = self.book.brackets.get(c.symbol)
        if tiers and n > tiers[0].initial_leverage:
            raise InputError(f"{c.symbol} allows at most {tiers[0].initial_leverage}x, not {n}x")
        client = self.client
        try:
            data = await client._rest.request("POST", "/fapi/v1/leverage",
                                              {"symbol": c.symbol, "leverage": n},
                                              security="SIGNED")
        except ExchangeError as exc:
            client._add_log(f"{c.symbol} leverage {n}x refused: {exc}", "ERROR")
            raise
        n = int(data.get("leverage", n))
        client._add_log(f"{c.symbol} leverage set to {n}x (largest position "
                        f"{data.get('maxNotionalValue', '?')} {c.quote_asset})")
        for update in self.book.set_leverage(c.symbol, n):
            client._emit(update)
        return n

    async def set_margin_type(self, c: Contract, margin_type: str) -> None:
        """ISOLATED or CROSSED; Binance's -4046 ("no need to change") means it already is."""
        self._need_futures("Margin types")
        wanted = margin_type.strip().upper() if isinstance(margin_type, str) else ""
        if wanted not in ("ISOLATED", "CROSSED"):
            raise InputError(f"Margin type {margin_type!r} is not valid; use ISOLATED or CROSSED")
        client = self.client
        try:
            await client._rest.request("POST", "/fapi/v1/marginType",
                                       {"symbol": c.symbol, "marginType": wanted},
                                       security="SIGNED")
        except ExchangeError as exc:
            if exc.code != -4046:
                client._add_log(f"{c.symbol} margin type {wanted} refused: {exc}", "ERROR")
                raise
            client._add_log(f"{c.symbol} margin is already {wanted.lower()}; nothing to change")
        else:
            client._add_log(f"{c.symbol} margin type set to {wanted.lower()}")
        self.book.set_margin_type(c.symbol, wanted)

    async def close_position(self, c: Contract) -> OrderStatus | None:
        """Close the whole position with one reduce-only MARKET order (MARKET lot step).

        The size is asked of the exchange first, so a lagging stream cannot leave a
        remainder; with no position no order is sent and None is returned.
        """
        self._need_futures("Positions")
        self.refuse_in_hedge_mode()
        client = self.client
        rows = await client._rest.request("GET", "/fapi/v3/positionRisk", {"symbol": c.symbol},
                                          security="SIGNED")
        amount = sum((Decimal(r["positionAmt"]) for r in rows
                      if r.get("symbol") == c.symbol and r.get("positionSide", "BOTH") == "BOTH"),
                     Decimal(0))
        if not amount:
            client._add_log(f"No open {c.symbol} position to close")
            return None
        qty = round_quantity(c, abs(amount), market=True)
        if qty <= 0:
            client._add_log(f"{c.symbol} position {fmt(amount)} is below the MARKET lot step; "
                            f"nothing sent", "WARNING")
            return None
        if qty != abs(amount):
            client._add_log(f"{c.symbol} position {fmt(amount)}: closing {fmt(qty)} (MARKET lot "
                            f"step); {fmt(abs(amount) - qty)} remains", "WARNING")
        return await self._send_close(c, "SELL" if amount > 0 else "BUY", qty, amount)

    async def _send_close(self, c: Contract, side: str, qty: Decimal,
                          amount: Decimal) -> OrderStatus:
        # TODO(merge): becomes client.place_order(..., reduce_only=True) once the orders
        # branch gives place_order a reduce-only flag; the import is lazy for that reason.
        from .client import new_client_order_id

        client = self.client
        client_id = new_client_order_id()
        params: dict[str, Any] = {
            "symbol": c.symbol, "side": side, "type": "MARKET", "quantity": format(qty, "f"),
            "reduceOnly": "true", "newClientOrderId": client_id, "newOrderRespType": "RESULT"}
        what = f"Close {c.symbol} {fmt(amount)}: {side} MARKET {fmt(qty)} reduce-only"
        try:
            data = await client._rest.request("POST", "/fapi/v1/order", params,
                                              security="SIGNED")
        except (NetworkError, ServerError) as exc:
            client._add_log(f"{what}: outcome unknown ({exc}); asking the exchange about "
                            f"client id {client_id}", "WARNING")
            return await client._resolve_unknown(c, client_id, what, exc)
        except ExchangeError as exc:
            client._add_log(f"{what} rejected: {exc}", "ERROR")
            raise
        status = parse.order_from(data, futures=True)
        if not status.executed_qty or not status.avg_price:
            status = await client.get_order_status(c, status.order_id)
        filled = (f", filled {fmt(status.executed_qty)} @ avg {fmt(status.avg_price)}"
                  if status.executed_qty else "")
        client._add_log(f"{what}: order {status.order_id} {status.status}{filled}")
        return status


def _leverage(value: Any) -> int:
    if isinstance(value, bool):
        raise InputError(f"Leverage must be a whole number such as 10, not {value!r}")
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise InputError(f"Leverage must be a whole number such as 10, not {value!r}") from None
    if (isinstance(value, float) and value != n) or not 1 <= n <= 125:
        raise InputError(f"Leverage must be a whole number from 1 to 125, not {value!r}")
    return n
