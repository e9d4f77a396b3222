"""Margin arithmetic of the demo's USD-M accounts: balances, positions, their Binance rows.

One-way mode: one net position per symbol. Each symbol has a leverage and a
margin type per account (Binance's defaults: 20x, cross). An isolated
position holds its own wallet (``isolated_wallet``, moved out of the cross
wallet when it opens); a cross position draws on the cross wallet. Positions
are marked at the mark price (``_funding.MarkPrices``) and their maintenance
margin comes from the leverage brackets (``_brackets``):
``|notional| * rate - cum``. Binance's wallet balance includes isolated
wallets; its cross wallet balance does not.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from . import _liquidation as liq
from ._brackets import bracket_for, max_notional
from ._funding import MarkPrices
from ._keys import DEMO_API_KEY
from ._sink import EventSink
from ._symbols import SymbolSpec
from ._wire import ZERO, Market, fmt, now_ms

DEFAULT_LEVERAGE = 20


@dataclass(slots=True)
class Position:
    amount: Decimal = ZERO  # signed: > 0 long
    entry_price: Decimal = ZERO
    isolated_wallet: Decimal = ZERO  # isolated margin mode only
    realized: Decimal = ZERO  # accumulated realized PnL ("cr" in ACCOUNT_UPDATE)
    update_time: int = 0


@dataclass(slots=True)
class Account:
    free: dict[str, Decimal] = field(default_factory=dict)  # spot free / futures wallet
    locked: dict[str, Decimal] = field(default_factory=dict)  # spot locked / futures order margin
    positions: dict[str, Position] = field(default_factory=dict)
    realized: Decimal = ZERO
    leverage: dict[str, int] = field(default_factory=dict)
    margin_type: dict[str, str] = field(default_factory=dict)  # symbol -> ISOLATED (else cross)
    dual_side: bool = False  # hedge mode
    force_orders: list[dict[str, Any]] = field(default_factory=list)
    income: list[dict[str, Any]] = field(default_factory=list)

    def leverage_of(self, symbol: str) -> int:
        return self.leverage.get(symbol, DEFAULT_LEVERAGE)

    def isolated(self, symbol: str) -> bool:
        return self.margin_type.get(symbol) == "ISOLATED"

    def open_positions(self) -> list[tuple[str, Position]]:
        return [(s, p) for s, p in self.positions.items() if p.amount]


class Margins(MarkPrices):
    """Every API key's account in one market and the margin figures Binance reports for it."""

    orders_by_id: dict[int, Any]  # the order layer's (``_engine``); read for open-order margin

    def __init__(self, market: Market, specs: Iterable[SymbolSpec], *, seed: int | None = None,
                 sink: EventSink | None = None) -> None:
        super().__init__(market, specs, seed=seed, sink=sink)
        self.accounts: dict[str, Account] = {}

    def account(self, api_key: str) -> Account:
        acct = self.accounts.get(api_key)
        if acct is None:
            acct = Account()
            if self.futures:
                acct.free = {"USDT": Decimal(10_000), "BTC": Decimal("0.5"), "ETH": Decimal(5)}
            else:
                acct.free = {"USDT": Decimal(10_000), "BTC": Decimal(1), "ETH": Decimal(10),
                             "BNB": Decimal(5)}
            self.accounts[api_key] = acct
        return acct

    # -- per position ------------------------------------------------------------------------

    def _pnl(self, symbol: str, p: Position) -> Decimal:
        return (self.mark_price(symbol) - p.entry_price) * p.amount if p.amount else ZERO

    def _notional(self, symbol: str, p: Position) -> Decimal:
        return p.amount * self.mark_price(symbol)

    def maint_margin(self, symbol: str, p: Position) -> Decimal:
        notional = abs(self._notional(symbol, p))
        if not notional:
            return ZERO
        b = bracket_for(symbol, notional)
        return max(notional * b.maint_margin_ratio - b.cum, ZERO)

    def _initial_margin(self, acct: Account, symbol: str, p: Position) -> Decimal:
        return abs(self._notional(symbol, p)) / acct.leverage_of(symbol)

    def _order_margin(self, api_key: str, symbol: str | None = None) -> Decimal:
        orders = getattr(self, "orders_by_id", {})
        return sum((o.locked for o in orders.values() if o.api_key == api_key and o.is_open
                    and (symbol is None or o.symbol == symbol)), ZERO)

    def liquidation_price(self, acct: Account, symbol: str) -> Decimal:
        """Binance's one-way formula (see ``_liquidation.liquidation_price``) for one position."""
        p = acct.positions.get(symbol)
        if p is None or not p.amount:
            return ZERO
        b = bracket_for(symbol, abs(self._notional(symbol, p)))
        if acct.isolated(symbol):
            wallet, other_mm, other_pnl = p.isolated_wallet, ZERO, ZERO
        else:
            others = [(s, q) for s, q in acct.open_positions()
                      if s != symbol and not acct.isolated(s)]
            wallet = self._cross_wallet(acct)
            other_mm = sum((self.maint_margin(s, q) for s, q in others), ZERO)
            other_pnl = sum((self._pnl(s, q) for s, q in others), ZERO)
        return liq.liquidation_price(wallet, other_mm, other_pnl, p.amount, p.entry_price,
                                     b.maint_margin_ratio, b.cum)

    # -- per account ------------------------------------------------------------------------------

    def _cross_wallet(self, acct: Account) -> Decimal:
        isolated = sum((p.isolated_wallet for s, p in acct.open_positions()
                        if acct.isolated(s)), ZERO)
        return acct.free.get("USDT", ZERO) - isolated

    def _cross(self, acct: Account) -> list[tuple[str, Position]]:
        return [(s, p) for s, p in acct.open_positions() if not acct.isolated(s)]

    def unrealized(self, api_key: str) -> Decimal:
        acct = self.account(api_key)
        return sum((self._pnl(s, p) for s, p in acct.open_positions()), ZERO)

    def position_margin(self, api_key: str) -> Decimal:
        acct = self.account(api_key)
        return sum((self._initial_margin(acct, s, p) for s, p in acct.open_positions()), ZERO)

    def _available(self, api_key: str) -> Decimal:
        acct = self.account(api_key)
        cross = self._cross(acct)
        return (self._cross_wallet(acct) + sum((self._pnl(s, p) for s, p in cross), ZERO)
                - sum((self._initial_margin(acct, s, p) for s, p in cross), ZERO)
                - acct.locked.get("USDT", ZERO))

    def spot_balance(self, api_key: str, asset: str) -> dict[str, Any]:
        acct = self.account(api_key)
        return {"asset": asset, "free": fmt(acct.free.get(asset, ZERO)),
                "locked": fmt(acct.locked.get(asset, ZERO))}

    def balances(self, api_key: str = DEMO_API_KEY) -> dict[str, dict[str, Any]]:
        acct = self.account(api_key)
        if not self.futures:
            assets = sorted(set(acct.free) | set(acct.locked))
            return {a: self.spot_balance(api_key, a) for a in assets}
        return {a: self.futures_balance(api_key, a) for a in sorted(acct.free)}

    def futures_balance(self, api_key: str, asset: str) -> dict[str, Any]:
        acct = self.account(api_key)
        wallet = acct.free.get(asset, ZERO)
        usdt = asset == "USDT"
        cross_wallet = self._cross_wallet(acct) if usdt else wallet
        upnl = self.unrealized(api_key) if usdt else ZERO
        cross_upnl = sum((self._pnl(s, p) for s, p in self._cross(acct)), ZERO) if usdt else ZERO
        pos_margin = self.position_margin(api_key) if usdt else ZERO
        maint = sum((self.maint_margin(s, p) for s, p in acct.open_positions()), ZERO) \
            if usdt else ZERO
        order_margin = acct.locked.get(asset, ZERO)
        available = self._available(api_key) if usdt else wallet
        return {
            "accountAlias": "SgsR", "asset": asset, "balance": fmt(wallet),
            "crossWalletBalance": fmt(cross_wallet), "crossUnPnl": fmt(cross_upnl),
            "availableBalance": fmt(available), "maxWithdrawAmount": fmt(max(available, ZERO)),
            "marginAvailable": True, "updateTime": now_ms(),
            # fields of /fapi/v2/account "assets"
            "walletBalance": fmt(wallet), "unrealizedProfit": fmt(upnl),
            "marginBalance": fmt(wallet + upnl), "maintMargin": fmt(maint),
            "initialMargin": fmt(pos_margin + order_margin), "positionInitialMargin": fmt(pos_margin),
            "openOrderInitialMargin": fmt(order_margin),
        }

    # -- Binance's position rows --------------------------------------------------------------------

    def position_row(self, api_key: str, symbol: str, version: int = 2) -> dict[str, Any]:
        """One ``positionRisk`` row: v2 carries leverage and margin type, v3 the margins."""
        acct = self.account(api_key)
        p = acct.positions.get(symbol) or Position()
        mark = self.mark_price(symbol)
        pnl = self._pnl(symbol, p)
        isolated = acct.isolated(symbol)
        iw = p.isolated_wallet if isolated and p.amount else ZERO
        row: dict[str, Any] = {
            "symbol": symbol, "positionSide": "BOTH", "positionAmt": fmt(p.amount),
            "entryPrice": fmt(p.entry_price), "breakEvenPrice": fmt(p.entry_price),
            "markPrice": fmt(mark), "unRealizedProfit": fmt(pnl),
            "liquidationPrice": fmt(self.liquidation_price(acct, symbol)),
            "isolatedMargin": fmt(iw + pnl if isolated and p.amount else ZERO),
            "notional": fmt(p.amount * mark), "isolatedWallet": fmt(iw),
        }
        if version >= 3:
            im = self._initial_margin(acct, symbol, p)
            order_im = self._order_margin(api_key, symbol)
            row.update({
                "marginAsset": "USDT", "initialMargin": fmt(im + order_im),
                "maintMargin": fmt(self.maint_margin(symbol, p)),
                "positionInitialMargin": fmt(im), "openOrderInitialMargin": fmt(order_im),
                "adl": 2 if p.amount else 0, "bidNotional": "0", "askNotional": "0",
            })
        else:
            row.update({
                "leverage": str(acct.leverage_of(symbol)),
                "maxNotionalValue": fmt(max_notional(symbol, acct.leverage_of(symbol)), 0),
                "marginType": "isolated" if isolated else "cross", "isAutoAddMargin": "false",
            })
        row["updateTime"] = p.update_time
        return row

    def positions(self, api_key: str, symbol: str | None = None,
                  version: int = 2) -> list[dict[str, Any]]:
        """``positionRisk``: v2 lists every symbol, v3 only those with a position or orders."""
        symbols = [self.spec(symbol).symbol] if symbol else self.symbols()
        if version >= 3:
            acct = self.account(api_key)
            busy = {s for s, _ in acct.open_positions()}
            busy |= {o.symbol for o in getattr(self, "orders_by_id", {}).values()
                     if o.api_key == api_key and o.is_open}
            symbols = [s for s in symbols if s in busy]
        return [self.position_row(api_key, s, version) for s in symbols]

    def symbol_config(self, api_key: str, symbol: str | None = None) -> list[dict[str, Any]]:
        """``GET /fapi/v1/symbolConfig``: leverage and margin type per symbol."""
        acct = self.account(api_key)
        return [{"symbol": s, "marginType": "ISOLATED" if acct.isolated(s) else "CROSSED",
                 "isAutoAddMargin": "false", "leverage": acct.leverage_of(s),
                 "maxNotionalValue": fmt(max_notional(s, acct.leverage_of(s)), 0)}
                for s in ([self.spec(symbol).symbol] if symbol else self.symbols())]
