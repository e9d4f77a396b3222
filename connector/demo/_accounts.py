"""Accounts of the demo exchange: fills into positions, account settings, funding, liquidation.

The top of the account layers (``_funding.MarkPrices`` -> ``_margin.Margins``
-> ``Accounts``), under the order layer (``_engine.MarketEngine``). Positions
follow Binance's one-way rules: a fill in the position's direction averages
the entry price; a fill against it realizes ``(price - entry) * closed *
direction`` and keeps the entry; a fill past zero opens the rest at the fill
price. After every price move the layer settles funding when due and
liquidates what fell below maintenance margin.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from . import _liquidation as liq
from ._brackets import brackets, max_notional
from ._margin import DEFAULT_LEVERAGE, Account, Margins, Position
from ._symbols import SymbolSpec
from ._wire import ZERO, RejectError, fmt, now_ms

__all__ = ["DEFAULT_LEVERAGE", "Account", "Accounts", "Position"]


class Accounts(Margins):
    """Every API key's account in one market: what fills, settings and time do to it."""

    _order_ids: Iterator[int]  # the order layer's, shared so a liquidation gets a real id
    trades: list[dict[str, Any]]

    # -- fills --------------------------------------------------------------------------------

    def _apply_position(self, acct: Account, symbol: str, delta: Decimal,
                        price: Decimal) -> Decimal:
        """Apply a fill of signed ``delta`` at ``price``; returns the realized PnL."""
        pos = acct.positions.setdefault(symbol, Position())
        isolated = acct.isolated(symbol)
        leverage = acct.leverage_of(symbol)
        realized = ZERO
        if pos.amount == 0 or (pos.amount > 0) == (delta > 0):
            total = pos.amount + delta
            pos.entry_price = (pos.entry_price * abs(pos.amount) + price * abs(delta)) / abs(total)
            pos.amount = total
            if isolated:
                pos.isolated_wallet += abs(delta) * price / leverage
        else:
            closing = min(abs(delta), abs(pos.amount))
            direction = 1 if pos.amount > 0 else -1
            realized = (price - pos.entry_price) * closing * direction
            if isolated:  # the closed share of the isolated margin returns to the cross wallet
                pos.isolated_wallet -= pos.isolated_wallet * closing / abs(pos.amount)
            remaining = pos.amount + delta
            if remaining == 0:
                pos.amount, pos.entry_price, pos.isolated_wallet = ZERO, ZERO, ZERO
            elif (remaining > 0) == (pos.amount > 0):
                pos.amount = remaining
            else:
                pos.amount, pos.entry_price = remaining, price
                if isolated:
                    pos.isolated_wallet = abs(remaining) * price / leverage
        pos.realized += realized
        pos.update_time = now_ms()
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

    # -- settings (POST leverage, marginType, positionSide/dual) ------------------------------------

    def set_leverage(self, api_key: str, symbol: str, leverage: int) -> dict[str, Any]:
        spec = self.spec(symbol)
        top = brackets(spec.symbol)[0].initial_leverage
        if not 1 <= leverage <= top:
            raise RejectError(-4028, f"Leverage {leverage} is not valid")
        acct = self.account(api_key)
        p = acct.positions.get(spec.symbol)
        cap = max_notional(spec.symbol, leverage)
        if p is not None and abs(self._notional(spec.symbol, p)) > cap:
            raise RejectError(-2027, "Exceeded the maximum allowable position at current "
                              "leverage.")
        acct.leverage[spec.symbol] = leverage
        notify = getattr(self.sink, "account_config_update", None)  # the hub; not NullSink
        if notify is not None:
            notify(self.market, api_key, spec.symbol, leverage, now_ms())
        return {"leverage": leverage, "maxNotionalValue": fmt(cap, 0), "symbol": spec.symbol}

    def set_margin_type(self, api_key: str, symbol: str, margin_type: str) -> dict[str, Any]:
        spec = self.spec(symbol)
        wanted = margin_type.upper()
        if wanted not in ("ISOLATED", "CROSSED"):
            raise RejectError(-1100, "Illegal characters found in parameter 'marginType'; legal "
                              "range is 'ISOLATED, CROSSED'.")
        acct = self.account(api_key)
        if acct.isolated(spec.symbol) == (wanted == "ISOLATED"):
            raise RejectError(-4046, "No need to change margin type.")
        if any(s == spec.symbol for s, _ in acct.open_positions()):
            raise RejectError(-4048, "Margin type cannot be changed if there exists position.")
        if self._order_margin(api_key, spec.symbol) or self._has_open_orders(api_key,
                                                                              spec.symbol):
            raise RejectError(-4047, "Margin type cannot be changed if there exists open "
                              "orders.")
        acct.margin_type[spec.symbol] = wanted
        return {"code": 200, "msg": "success"}

    def set_dual_side(self, api_key: str, dual: bool) -> dict[str, Any]:
        acct = self.account(api_key)
        if acct.dual_side == dual:
            raise RejectError(-4059, "No need to change position side.")
        if acct.open_positions():
            raise RejectError(-4068, "Position side cannot be changed if there exists "
                              "position.")
        if self._has_open_orders(api_key, None):
            raise RejectError(-4067, "Position side cannot be changed if there exists open "
                              "orders.")
        acct.dual_side = dual
        return {"code": 200, "msg": "success"}

    def _has_open_orders(self, api_key: str, symbol: str | None) -> bool:
        return any(o.api_key == api_key and o.is_open and (symbol is None or o.symbol == symbol)
                   for o in getattr(self, "orders_by_id", {}).values())

    # -- time: funding and liquidation after every price move ---------------------------------------

    def _move(self, spec: SymbolSpec, mid: Decimal) -> None:
        super()._move(spec, mid)
        if not self.futures or not self.accounts:
            return
        if self._funding_due(now_ms()):
            self.settle_funding()
        for api_key, acct in list(self.accounts.items()):
            if acct.positions:
                self.check_liquidation(api_key)

    def settle_funding(self) -> None:
        """Every open position pays (or gets) ``amount * mark * rate``: longs pay a positive rate.

        Binance's ACCOUNT_UPDATE for it (reason ``FUNDING_FEE``) carries the balance
        only, plus the position for an isolated one.
        """
        t = now_ms()
        for api_key, acct in list(self.accounts.items()):
            for symbol, p in acct.open_positions():
                fee = -(p.amount * self.mark_price(symbol) * self.funding_rate(symbol))
                acct.free["USDT"] = acct.free.get("USDT", ZERO) + fee
                isolated = acct.isolated(symbol)
                if isolated:
                    p.isolated_wallet += fee
                acct.income.append({"symbol": symbol, "incomeType": "FUNDING_FEE",
                                    "income": fmt(fee), "asset": "USDT", "info": "FUNDING_FEE",
                                    "time": t, "tranId": len(acct.income) + 1, "tradeId": ""})
                self._account_changed(api_key, {"USDT"}, "FUNDING_FEE", t,
                                      symbol if isolated else None)

    def check_liquidation(self, api_key: str) -> list[str]:
        """Liquidate what is under maintenance: every cross position when the cross margin
        balance is below their maintenance margin, an isolated one when its own margin is."""
        acct = self.account(api_key)
        doomed: list[str] = []
        cross = self._cross(acct)
        if cross:
            balance = self._cross_wallet(acct) + sum((self._pnl(s, p) for s, p in cross), ZERO)
            if balance < sum((self.maint_margin(s, p) for s, p in cross), ZERO):
                doomed.extend(s for s, _ in cross)
        for s, p in acct.open_positions():
            if acct.isolated(s) and p.isolated_wallet + self._pnl(s, p) < self.maint_margin(s, p):
                doomed.append(s)
        for symbol in doomed:
            self._liquidate(api_key, acct, symbol)
        return doomed

    def _liquidate(self, api_key: str, acct: Account, symbol: str) -> None:
        """Close the position with a LIQUIDATION order at the mark; the remaining margin goes
        to the insurance fund (the isolated wallet, or the maintenance margin for cross)."""
        cancel_all = getattr(self, "cancel_all", None)
        if cancel_all is not None and self._has_open_orders(api_key, symbol):
            cancel_all(api_key, symbol)
        p = acct.positions[symbol]
        qty, amount = abs(p.amount), p.amount
        side = "SELL" if amount > 0 else "BUY"
        price = self.mark_price(symbol)
        isolated, margin = acct.isolated(symbol), p.isolated_wallet
        clearance = self.maint_margin(symbol, p)
        t = now_ms()
        order_id = next(self._order_ids)
        self.sink.order_update(self.market, api_key,
                               liq.liquidation_order(order_id, symbol, side, qty, price, t, "NEW"),
                               "NEW", ZERO, ZERO, ZERO, None, -1, False, t)
        before = acct.free.get("USDT", ZERO)
        realized = self._apply_position(acct, symbol, -amount, price)
        if isolated:  # the loss is the isolated margin, exactly: beyond it the insurance pays
            fee = max(margin + realized, ZERO)
            acct.free["USDT"] = before - margin
        else:  # cross: the maintenance margin goes; a bankrupt wallet is topped up to zero
            wallet = before + realized
            fee = max(min(clearance, wallet), ZERO)
            acct.free["USDT"] = max(wallet - fee, ZERO)
        trade_id = next(self._trade_ids)
        filled = liq.liquidation_order(order_id, symbol, side, qty, price, t, "FILLED")
        acct.force_orders.append(filled)
        self.trades.append({
            "symbol": symbol, "id": trade_id, "orderId": order_id, "api_key": api_key,
            "price": fmt(price), "qty": fmt(qty), "quoteQty": fmt(qty * price),
            "commission": fmt(fee), "commissionAsset": "USDT", "time": t,
            "isBuyer": side == "BUY", "isMaker": False, "side": side,
            "realizedPnl": fmt(realized)})
        self.sink.order_update(self.market, api_key, filled, "LIQUIDATION", qty, price, fee,
                               "USDT", trade_id, False, t, realized)
        self._account_changed(api_key, {"USDT"}, "ORDER", t, symbol)
        acct.positions.pop(symbol, None)
