"""Accounts of the demo exchange: balances, spot locks, futures positions, margin, PnL.

Spot: ``free`` and ``locked`` per asset. USD-M futures: ``free`` is the wallet,
``locked`` the margin held by open orders, and one net position per symbol
(one-way mode, cross margin, leverage ``DEFAULT_LEVERAGE``) marked at the mid.
The shapes returned are Binance's balance and position rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ._keys import DEMO_API_KEY
from ._market import MarketData
from ._sink import EventSink
from ._symbols import SymbolSpec
from ._wire import ZERO, Market, fmt, now_ms

DEFAULT_LEVERAGE = 20


@dataclass(slots=True)
class Position:
    amount: Decimal = ZERO  # signed: > 0 long
    entry_price: Decimal = ZERO


@dataclass(slots=True)
class Account:
    free: dict[str, Decimal] = field(default_factory=dict)  # spot free / futures wallet
    locked: dict[str, Decimal] = field(default_factory=dict)  # spot locked / futures order margin
    positions: dict[str, Position] = field(default_factory=dict)
    realized: Decimal = ZERO


class Accounts(MarketData):
    """Every API key's account in one market, on top of its market data (positions mark at the mid)."""

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

    def unrealized(self, api_key: str) -> Decimal:
        acct = self.account(api_key)
        return sum((self._pnl(sym, p) for sym, p in acct.positions.items()), ZERO)

    def _pnl(self, symbol: str, p: Position) -> Decimal:
        return (self.books[symbol].mid - p.entry_price) * p.amount if p.amount else ZERO

    def position_margin(self, api_key: str) -> Decimal:
        acct = self.account(api_key)
        return sum((abs(p.amount) * self.books[s].mid / DEFAULT_LEVERAGE
                    for s, p in acct.positions.items()), ZERO)

    def futures_balance(self, api_key: str, asset: str) -> dict[str, Any]:
        acct = self.account(api_key)
        wallet = acct.free.get(asset, ZERO)
        upnl = self.unrealized(api_key) if asset == "USDT" else ZERO
        pos_margin = self.position_margin(api_key) if asset == "USDT" else ZERO
        order_margin = acct.locked.get(asset, ZERO)
        available = wallet + upnl - pos_margin - order_margin if asset == "USDT" else wallet
        return {
            "accountAlias": "SgsR", "asset": asset, "balance": fmt(wallet),
            "crossWalletBalance": fmt(wallet), "crossUnPnl": fmt(upnl),
            "availableBalance": fmt(available), "maxWithdrawAmount": fmt(max(available, ZERO)),
            "marginAvailable": True, "updateTime": now_ms(),
            # fields of /fapi/v2/account "assets"
            "walletBalance": fmt(wallet), "unrealizedProfit": fmt(upnl),
            "marginBalance": fmt(wallet + upnl), "maintMargin": fmt(pos_margin * Decimal("0.2")),
            "initialMargin": fmt(pos_margin + order_margin), "positionInitialMargin": fmt(pos_margin),
            "openOrderInitialMargin": fmt(order_margin),
        }

    def positions(self, api_key: str, symbol: str | None = None) -> list[dict[str, Any]]:
        acct = self.account(api_key)
        out = []
        for sym in ([self.spec(symbol).symbol] if symbol else self.symbols()):
            p = acct.positions.get(sym, Position())
            mark = self.books[sym].mid
            out.append({
                "symbol": sym, "positionAmt": fmt(p.amount), "entryPrice": fmt(p.entry_price),
                "breakEvenPrice": fmt(p.entry_price), "markPrice": fmt(mark),
                "unRealizedProfit": fmt(self._pnl(sym, p)),
                "liquidationPrice": "0", "leverage": str(DEFAULT_LEVERAGE),
                "maxNotionalValue": "5000000", "marginType": "cross", "isolatedMargin": "0",
                "isAutoAddMargin": "false", "positionSide": "BOTH",
                "notional": fmt(p.amount * mark), "isolatedWallet": "0",
                "initialMargin": fmt(abs(p.amount) * mark / DEFAULT_LEVERAGE),
                "updateTime": now_ms(),
            })
        return out

    def _available(self, api_key: str) -> Decimal:
        acct = self.account(api_key)
        return (acct.free.get("USDT", ZERO) + self.unrealized(api_key)
                - self.position_margin(api_key) - acct.locked.get("USDT", ZERO))

    def _apply_position(self, acct: Account, symbol: str, delta: Decimal,
                        price: Decimal) -> Decimal:
        pos = acct.positions.setdefault(symbol, Position())
        realized = ZERO
        if pos.amount == 0 or (pos.amount > 0) == (delta > 0):
            total = pos.amount + delta
            pos.entry_price = (pos.entry_price * abs(pos.amount) + price * abs(delta)) / abs(total)
            pos.amount = total
        else:
            closing = min(abs(delta), abs(pos.amount))
            direction = 1 if pos.amount > 0 else -1
            realized = (price - pos.entry_price) * closing * direction
            remaining = pos.amount + delta
            if remaining == 0:
                pos.amount, pos.entry_price = ZERO, ZERO
            elif (remaining > 0) == (pos.amount > 0):
                pos.amount = remaining
            else:
                pos.amount, pos.entry_price = remaining, price
        acct.realized += realized
        return realized

    def _account_changed(self, api_key: str, assets: set[str], reason: str, t: int,
                         symbol: str | None = None) -> None:
        if self.futures:
            balances = {a: self.futures_balance(api_key, a) for a in sorted(assets)}
            positions = self.positions(api_key, symbol) if symbol else None
            self.sink.account_update(self.market, api_key, balances, reason, t, positions)
        else:
            balances = {a: self.spot_balance(api_key, a) for a in sorted(assets)}
            self.sink.account_update(self.market, api_key, balances, reason, t)
