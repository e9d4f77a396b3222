"""The futures desk of a client: position mode, brackets, positions, leverage, margin, close.

``BinanceClient`` delegates its futures account calls here (``_futures_api``).
The positions themselves live with the account (``AccountState.book``, a
``_positions.PositionBook``), where the user stream's ``ACCOUNT_UPDATE`` /
``ACCOUNT_CONFIG_UPDATE`` and the ``markPrice`` stream are applied; the desk
reads REST, refreshes positions after stream changes (at most once a second)
and subscribes the mark price of every open position so unrealized PnL
follows the mark.

One-way mode only: an account in Hedge Mode (``GET /fapi/v1/positionSide/dual``)
is told so at start, shows no positions, and has every order refused before
anything is sent, rather than having a position side guessed for it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from ._account import AccountState, LogFn
from ._margin import Bracket, brackets_from
from ._models import Contract, Position
from ._rest import RestClient
from .errors import BinanceError, ExchangeError, InputError
from .filters import fmt, round_quantity

SubscribeFn = Callable[[list[str], str], Awaitable[None]]

REFRESH_DELAY = 1.0  # seconds: at most ~300 of the 2400 weight a minute on a busy account
HEDGE_MODE_REFUSAL = ("Order refused: this futures account is in Hedge Mode and Starlight trades "
                      "in One-way Mode only; switch to One-way Mode in Binance's futures "
                      "preferences and reconnect")


class FuturesDesk:
    """Futures account calls and the position refreshes; the state is the account's
    (``AccountState.book``), the desk gets narrow callables, never the client."""

    def __init__(self, *, futures: bool, rest: RestClient, account: AccountState, log: LogFn,
                 subscribe: SubscribeFn) -> None:
        self.futures = futures
        self._rest = rest
        self.account = account
        self.book = account.book
        self._log = log
        self._subscribe = subscribe
        self._refresh: asyncio.Task[None] | None = None
        self._closed = False
        self._marked: set[str] = set()  # symbols whose markPrice stream we asked for
        self._mark_stream: bool | None = None  # False: this client has no markPrice channel
        self._tasks: set[asyncio.Task[None]] = set()
        account.positions_moved = self._positions_moved

    @property
    def hedge_mode(self) -> bool:
        return self.account.hedge_mode

    # -- life cycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        """With futures keys: position mode (Hedge is refused), brackets, settings, positions."""
        self._closed = False
        if not self.futures:
            return
        data = await self._rest.request("GET", "/fapi/v1/positionSide/dual", security="SIGNED")
        self.account.hedge_mode = bool(data.get("dualSidePosition"))
        if self.hedge_mode:
            self._log("This futures account is in Hedge Mode (dual-side positions). "
                      "Starlight trades in One-way Mode only, so it refuses orders and "
                      "shows no positions: switch to One-way Mode in Binance's futures "
                      "preferences, then reconnect", "ERROR")
            return
        try:
            await self.get_leverage_brackets()
        except ExchangeError as exc:
            self._log(f"Leverage brackets unavailable ({exc}); liquidation prices will "
                      f"come from the exchange only", "WARNING")
        await self.get_positions()

    async def close(self) -> None:
        self._closed = True  # events still arriving while the streams close start nothing
        tasks = [t for t in (self._refresh, *self._tasks) if t is not None]
        self._refresh = None
        self._tasks.clear()
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def refuse_in_hedge_mode(self) -> None:
        if self.hedge_mode:
            self._log(HEDGE_MODE_REFUSAL, "ERROR")
            raise InputError(HEDGE_MODE_REFUSAL)

    def _need_futures(self, what: str) -> None:
        if not self.futures:
            raise InputError(f"{what} exist on USD-M futures only; this client is spot")

    # -- REST ------------------------------------------------------------------------------------

    async def get_leverage_brackets(self) -> dict[str, tuple[Bracket, ...]]:
        """Every symbol's notional brackets (max leverage, maintenance margin rate and amount)."""
        self._need_futures("Leverage brackets")
        data = await self._rest.request("GET", "/fapi/v1/leverageBracket", security="SIGNED")
        brackets = brackets_from(data)
        self.book.brackets.update(brackets)
        return brackets

    async def get_positions(self) -> dict[str, Position]:
        """Open positions (``/fapi/v3/positionRisk``) with leverage and margin type from
        ``/fapi/v1/symbolConfig``; ``client.positions`` becomes them."""
        self._need_futures("Positions")
        rest = self._rest
        try:
            config = await rest.request("GET", "/fapi/v1/symbolConfig", security="SIGNED")
        except ExchangeError:  # an older host: v2 rows carry leverage and margin type too
            config = await rest.request("GET", "/fapi/v2/positionRisk", security="SIGNED")
        self.book.apply_config(config)
        await self.reload()
        return dict(self.book.positions)

    async def reload(self) -> None:
        """Positions as the exchange has them (its liquidation prices included)."""
        version = self.account.position_version
        rows = await self._rest.request("GET", "/fapi/v3/positionRisk", security="SIGNED")
        if version != self.account.position_version:
            self._refresh_soon()  # a stream update overtook this answer: ask again
            return
        self.account.load_positions(rows)
        self._follow_marks()

    async def reload_one_way(self) -> None:
        """Reconciliation's part: positions as the exchange has them (one-way mode only)."""
        if self.futures and not self.hedge_mode:
            await self.reload()

    def _refresh_soon(self) -> None:
        if not self._closed and (self._refresh is None or self._refresh.done()):
            self._refresh = asyncio.create_task(self._refresh_later())

    async def _refresh_later(self) -> None:
        await asyncio.sleep(REFRESH_DELAY)  # one request (weight 5) for a burst of fills
        try:
            await self.reload()
        except BinanceError as exc:
            self._log(f"Could not refresh futures positions: {exc}", "WARNING")

    # -- streams -----------------------------------------------------------------------------------

    def _positions_moved(self) -> None:
        """The stream moved a position (``AccountState``): then the exchange's own
        liquidation prices, and the mark price of every open position."""
        self._refresh_soon()
        self._follow_marks()

    def _follow_marks(self) -> None:
        """Every open position's mark price streams, so its unrealized PnL follows the mark."""
        wanted = sorted(set(self.book.positions) - self._marked)
        if not wanted or self._mark_stream is False or not self.futures or self._closed:
            return
        self._marked.update(wanted)
        task = asyncio.create_task(self._subscribe_marks(wanted))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _subscribe_marks(self, symbols: list[str]) -> None:
        try:
            await self._subscribe(symbols, "markPrice")
        except InputError:
            self._mark_stream = False  # a build without the markPrice channel: PnL from REST
        except BinanceError as exc:
            self._marked.difference_update(symbols)
            self._log(f"Mark price stream for {', '.join(symbols)} unavailable "
                                 f"({exc}); unrealized PnL updates with fills only", "WARNING")
        else:
            self._mark_stream = True

    # -- settings and closing --------------------------------------------------------------------------

    async def set_leverage(self, c: Contract, leverage: int) -> int:
        """Set the symbol's initial leverage; returns what the exchange set."""
        self._need_futures("Leverage")
        n = _leverage(leverage)
        tiers = self.book.brackets.get(c.symbol)
        if tiers and n > tiers[0].initial_leverage:
            raise InputError(f"{c.symbol} allows at most {tiers[0].initial_leverage}x, not {n}x")
        try:
            data = await self._rest.request("POST", "/fapi/v1/leverage",
                                              {"symbol": c.symbol, "leverage": n},
                                              security="SIGNED")
        except ExchangeError as exc:
            self._log(f"{c.symbol} leverage {n}x refused: {exc}", "ERROR")
            raise
        n = int(data.get("leverage", n))
        self._log(f"{c.symbol} leverage set to {n}x (largest position "
                  f"{data.get('maxNotionalValue', '?')} {c.quote_asset})", "INFO")
        self.account.set_leverage(c.symbol, n)
        return n

    async def set_margin_type(self, c: Contract, margin_type: str) -> None:
        """ISOLATED or CROSSED; Binance's -4046 ("no need to change") means it already is."""
        self._need_futures("Margin types")
        wanted = margin_type.strip().upper() if isinstance(margin_type, str) else ""
        if wanted not in ("ISOLATED", "CROSSED"):
            raise InputError(f"Margin type {margin_type!r} is not valid; use ISOLATED or CROSSED")
        try:
            await self._rest.request("POST", "/fapi/v1/marginType",
                                       {"symbol": c.symbol, "marginType": wanted},
                                       security="SIGNED")
        except ExchangeError as exc:
            if exc.code != -4046:
                self._log(f"{c.symbol} margin type {wanted} refused: {exc}", "ERROR")
                raise
            self._log(f"{c.symbol} margin is already {wanted.lower()}; nothing to change",
                      "INFO")
        else:
            self._log(f"{c.symbol} margin type set to {wanted.lower()}", "INFO")
        self.book.set_margin_type(c.symbol, wanted)

    async def close_plan(self, c: Contract) -> tuple[str, Decimal, Decimal] | None:
        """What closes the whole position: (side, MARKET quantity, signed position size).

        The size is asked of the exchange first, so a lagging stream cannot leave a
        remainder; with no position (or one below the lot step) None: nothing to send.
        """
        self._need_futures("Positions")
        self.refuse_in_hedge_mode()
        rows = await self._rest.request("GET", "/fapi/v3/positionRisk", {"symbol": c.symbol},
                                        security="SIGNED")
        amount = sum((Decimal(r["positionAmt"]) for r in rows
                      if r.get("symbol") == c.symbol and r.get("positionSide", "BOTH") == "BOTH"),
                     Decimal(0))
        if not amount:
            self._log(f"No open {c.symbol} position to close", "INFO")
            return None
        qty = round_quantity(c, abs(amount), market=True)
        if qty <= 0:
            self._log(f"{c.symbol} position {fmt(amount)} is below the MARKET lot step; "
                      f"nothing sent", "WARNING")
            return None
        if qty != abs(amount):
            self._log(f"{c.symbol} position {fmt(amount)}: closing {fmt(qty)} (MARKET lot "
                      f"step); {fmt(abs(amount) - qty)} remains", "WARNING")
        return ("SELL" if amount > 0 else "BUY"), qty, amount


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
