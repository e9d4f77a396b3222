"""Futures positions: parsed from REST, kept live from user data and the mark price.

Binance spreads a position over several sources and none has all of it:
``GET /fapi/v3/positionRisk`` has size, entry, mark, PnL, liquidation price
and isolated wallet but no leverage or margin type (those come from
``GET /fapi/v1/symbolConfig``); ``ACCOUNT_UPDATE``'s ``P`` rows have size,
entry, PnL, margin type and isolated wallet but no mark or liquidation
price; the ``markPrice`` stream has the mark. ``PositionBook`` merges them
into one frozen ``Position`` per open symbol (one-way mode only).

The liquidation price is Binance's own (positionRisk's ``liquidationPrice``)
until the position changes under a stream event; then it is computed by
Binance's formula (``_margin.liquidation_price``) from the leverage brackets,
until the next positionRisk answer replaces it again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

from ._margin import Bracket, bracket_for, liquidation_price, maintenance_margin
from ._models import OrderStatus, Position
from .events import MarkPrice, PositionUpdate
from .filters import fmt

ZERO = Decimal(0)
DEFAULT_LEVERAGE = 20  # Binance's for a symbol never configured


def margin_type_name(wire: str) -> str:
    """``ISOLATED``/``isolated`` -> "isolated"; ``CROSSED``/``cross`` -> "cross"."""
    return "isolated" if wire.strip().lower() == "isolated" else "cross"


def forced_close_message(status: OrderStatus, execution_type: str) -> str:
    """What to tell the trader, loudly, when the exchange closed a position for them
    (a liquidation ``autoclose-`` or ADL fill); "" for every other order."""
    cid = status.client_order_id
    if status.status != "filled" or not cid.startswith(("autoclose-", "adl_autoclose")):
        return ""
    what = "LIQUIDATED" if cid.startswith("autoclose-") else "auto-deleveraged (ADL)"
    return (f"{status.symbol} position {what}: {status.side} {fmt(status.executed_qty)} @ "
            f"{fmt(status.avg_price)} (order {status.order_id}, "
            f"{execution_type or 'CALCULATED'})")


class PositionBook:
    """The account's open positions and the per-symbol settings that shape them."""

    def __init__(self) -> None:
        self.positions: dict[str, Position] = {}
        self.leverage: dict[str, int] = {}
        self.margin_types: dict[str, str] = {}  # symbol -> "isolated" / "cross"
        self.brackets: dict[str, tuple[Bracket, ...]] = {}
        self.marks: dict[str, MarkPrice] = {}
        self.cross_wallet: Decimal | None = None  # USDT, from ACCOUNT_UPDATE "cw"
        self._wallets: dict[str, Decimal] = {}  # isolated wallets
        self._computed: set[str] = set()  # symbols whose liquidation price is ours

    def leverage_of(self, symbol: str) -> int:
        return self.leverage.get(symbol, DEFAULT_LEVERAGE)

    def margin_type_of(self, symbol: str) -> str:
        return self.margin_types.get(symbol, "cross")

    def funding(self, symbol: str) -> tuple[Decimal, int] | None:
        """(funding rate, next funding time ms) from the mark price stream, if it has spoken."""
        m = self.marks.get(symbol)
        return (m.funding_rate, m.next_funding_time) if m else None

    # -- REST ---------------------------------------------------------------------------------

    def apply_config(self, rows: Iterable[Mapping[str, Any]]) -> None:
        """``symbolConfig`` rows (or ``positionRisk`` v2 rows): leverage and margin type."""
        for r in rows:
            self.leverage[r["symbol"]] = int(r["leverage"])
            self.margin_types[r["symbol"]] = margin_type_name(str(r.get("marginType", "cross")))

    def load(self, rows: Iterable[Mapping[str, Any]]) -> list[PositionUpdate]:
        """Replace every position with ``positionRisk`` rows; returns what changed."""
        fresh: dict[str, Position] = {}
        for r in rows:
            if r.get("positionSide", "BOTH") != "BOTH":
                continue  # hedge mode: refused elsewhere, never guessed
            quantity = Decimal(r["positionAmt"])
            if not quantity:
                continue
            symbol = r["symbol"]
            wallet = Decimal(r.get("isolatedWallet", "0") or "0")
            if wallet and symbol not in self.margin_types:
                self.margin_types[symbol] = "isolated"
            self._wallets[symbol] = wallet
            pnl = Decimal(r.get("unRealizedProfit", "0"))
            isolated = self.margin_type_of(symbol) == "isolated"
            fresh[symbol] = Position(
                symbol, quantity, Decimal(r["entryPrice"]), Decimal(r["markPrice"]), pnl,
                self.leverage_of(symbol), self.margin_type_of(symbol),
                Decimal(r.get("liquidationPrice", "0") or "0"),
                wallet + pnl if isolated else ZERO,
                Decimal(r.get("notional", "0") or quantity * Decimal(r["markPrice"])))
        self._computed.clear()
        updates = [PositionUpdate(p) for s, p in fresh.items() if self.positions.get(s) != p]
        updates += [PositionUpdate(_closed(p)) for s, p in self.positions.items()
                    if s not in fresh]
        self.positions.clear()
        self.positions.update(fresh)
        return updates

    # -- streams ------------------------------------------------------------------------------------

    def apply_account(self, event: Mapping[str, Any]) -> list[PositionUpdate]:
        """``ACCOUNT_UPDATE``: the cross wallet from ``B``, each changed position from ``P``."""
        data = event["a"]
        for b in data.get("B", []):
            if b["a"] == "USDT" and "cw" in b:
                self.cross_wallet = Decimal(b["cw"])
        changed: dict[str, Position] = {}
        for row in data.get("P", []):
            if row.get("ps", "BOTH") != "BOTH":
                continue
            symbol = row["s"]
            quantity = Decimal(row["pa"])
            self.margin_types[symbol] = margin_type_name(str(row.get("mt", "cross")))
            self._wallets[symbol] = Decimal(row.get("iw", "0") or "0")
            old = self.positions.pop(symbol, None)
            if not quantity:
                self._computed.discard(symbol)
                if old is not None:
                    changed[symbol] = _closed(old)
                continue
            entry = Decimal(row["ep"])
            mark = self.marks[symbol].mark_price if symbol in self.marks else (
                entry + Decimal(row["up"]) / quantity)
            self._computed.add(symbol)
            self.positions[symbol] = self._marked(Position(
                symbol, quantity, entry, mark, ZERO, self.leverage_of(symbol),
                self.margin_type_of(symbol), old.liquidation_price if old else ZERO), mark)
            changed[symbol] = self.positions[symbol]
        changed.update(self._recompute())
        return [PositionUpdate(p) for p in changed.values()]

    def apply_mark(self, mark: MarkPrice) -> list[PositionUpdate]:
        """A mark price: that position's PnL follows it; cross liquidation prices may move."""
        self.marks[mark.symbol] = mark
        changed: dict[str, Position] = {}
        p = self.positions.get(mark.symbol)
        if p is not None and p.mark_price != mark.mark_price:
            self.positions[mark.symbol] = changed[mark.symbol] = self._marked(p, mark.mark_price)
        if changed:
            changed.update(self._recompute())
        return [PositionUpdate(p) for p in changed.values()]

    def set_leverage(self, symbol: str, leverage: int) -> list[PositionUpdate]:
        self.leverage[symbol] = leverage
        p = self.positions.get(symbol)
        if p is None or p.leverage == leverage:
            return []
        self.positions[symbol] = replace(p, leverage=leverage)
        return [PositionUpdate(self.positions[symbol])]

    def set_margin_type(self, symbol: str, margin_type: str) -> None:
        self.margin_types[symbol] = margin_type_name(margin_type)

    def apply_config_event(self, event: Mapping[str, Any]) -> list[PositionUpdate]:
        """``ACCOUNT_CONFIG_UPDATE``: ``ac`` carries a symbol's new leverage."""
        ac = event.get("ac")
        if isinstance(ac, Mapping) and "s" in ac and "l" in ac:
            return self.set_leverage(str(ac["s"]), int(ac["l"]))
        return []

    # -- arithmetic -------------------------------------------------------------------------------

    def _marked(self, p: Position, mark: Decimal) -> Position:
        pnl = (mark - p.entry_price) * p.quantity
        wallet = self._wallets.get(p.symbol, ZERO)
        return replace(p, mark_price=mark, unrealized_pnl=pnl, notional=p.quantity * mark,
                       isolated_margin=wallet + pnl if p.margin_type == "isolated" else ZERO)

    def computed_liquidation_price(self, symbol: str) -> Decimal | None:
        """Binance's formula for the position now; None when brackets or the wallet are unknown."""
        p = self.positions.get(symbol)
        tiers = self.brackets.get(symbol)
        if p is None or not tiers:
            return None
        b = bracket_for(tiers, p.notional)
        if b is None:
            return None
        if p.margin_type == "isolated":
            wallet, other_mm, other_pnl = self._wallets.get(symbol, ZERO), ZERO, ZERO
        else:
            if self.cross_wallet is None:
                return None
            others = [q for s, q in self.positions.items()
                      if s != symbol and q.margin_type == "cross"]
            wallet = self.cross_wallet
            other_mm = sum((maintenance_margin(self.brackets.get(q.symbol, ()), q.notional)
                            for q in others), ZERO)
            other_pnl = sum((q.unrealized_pnl for q in others), ZERO)
        return liquidation_price(wallet, other_mm, other_pnl, p.quantity, p.entry_price,
                                 b.maint_margin_ratio, b.cum)

    def _recompute(self) -> dict[str, Position]:
        out: dict[str, Position] = {}
        for symbol in sorted(self._computed):
            p = self.positions.get(symbol)
            price = self.computed_liquidation_price(symbol)
            if p is not None and price is not None and price != p.liquidation_price:
                self.positions[symbol] = out[symbol] = replace(p, liquidation_price=price)
        return out


def _closed(p: Position) -> Position:
    return replace(p, quantity=ZERO, unrealized_pnl=ZERO, liquidation_price=ZERO,
                   isolated_margin=ZERO, notional=ZERO)
