"""Balances: spot (free, locked) or futures (wallet, margin, unrealized PnL) columns."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from PySide6.QtCore import QObject, Qt

from connector import Balance

from ._format import DOWN, LEFT, RIGHT, SORT_ROLE, UP, Index, amount, bold, sort_key
from ._table import TableModel

EIGHT_PLACES = Decimal("0.00000001")


class BalancesModel(TableModel):
    SPOT = ("Asset", "Free", "Locked", "Total")
    FUTURES = ("Asset", "Wallet", "Margin", "Unrealized PnL", "Available")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.futures = False
        self.balances: dict[str, Balance] = {}
        self._assets: list[str] = []

    def row_count(self) -> int:
        return len(self._assets)

    def titles(self) -> tuple[str, ...]:
        return self.columns

    @property
    def columns(self) -> tuple[str, ...]:
        return self.FUTURES if self.futures else self.SPOT

    def _values(self, b: Balance) -> tuple[Any, ...]:
        if self.futures:
            return (b.asset, b.wallet_balance, b.margin_balance, b.unrealized_pnl, b.free)
        return (b.asset, b.free, b.locked, b.free + b.locked)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        b = self.balances[self._assets[index.row()]]
        col = index.column()
        values = self._values(b)
        if role == Qt.ItemDataRole.DisplayRole:
            return values[0] if col == 0 else amount(values[col].quantize(EIGHT_PLACES))
        if role == SORT_ROLE:
            return sort_key(values[col])
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return LEFT if col == 0 else RIGHT
        if role == Qt.ItemDataRole.ForegroundRole and self.futures and col == 3:
            return UP if b.unrealized_pnl >= 0 else DOWN
        if role == Qt.ItemDataRole.FontRole and col == 0:
            return bold()
        return None

    def set_balances(self, balances: dict[str, Balance], futures: bool) -> None:
        self.beginResetModel()
        self.futures = futures
        self.balances = {a: b for a, b in balances.items() if not b.is_zero}
        self._assets = sorted(self.balances)
        self.endResetModel()

    def update(self, balances: tuple[Balance, ...]) -> None:
        changed = False
        for b in balances:
            if b.is_zero:
                changed |= self.balances.pop(b.asset, None) is not None
            else:
                changed |= self.balances.get(b.asset) != b
                self.balances[b.asset] = b
        if not changed:
            return
        assets = sorted(self.balances)
        if assets != self._assets:
            self.beginResetModel()
            self._assets = assets
            self.endResetModel()
        else:
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(len(assets) - 1, len(self.columns) - 1))
