"""Open orders: one row per live order; a filled or cancelled order leaves the table.

Conditional orders show their trigger and reduce-only; OCO legs (by their order list)
and a bracket's orders (labels from ``set_group``) share a group. The Price cell of an
amendable order is editable: a committed edit is an ``amendRequested(order, price)``,
never a local change (the row changes when the exchange says so).
"""

from __future__ import annotations

from collections import deque
from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import QModelIndex, QObject, Qt, Signal

from connector import Contract, OrderStatus

from ._format import DOWN, LEFT, RIGHT, SORT_ROLE, UP, Index, amount, money, sort_key
from ._table import TableModel

CLOSED_MEMORY = 2000  # ids of finished orders remembered, so a late "new" cannot revive one


class OrdersModel(TableModel):
    COLUMNS = ("Order ID", "Symbol", "Side", "Type", "Price", "Quantity", "Filled", "Status",
               "Trigger", "Reduce-only", "Group")
    PRICE, TRIGGER, GROUP = 4, 8, 10
    NUMERIC = (4, 5, 6, 8)
    amendRequested = Signal(object, object)  # OrderStatus, Decimal

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.orders: list[OrderStatus] = []
        self.contracts: dict[str, Contract] = {}
        self._closed: deque[int] = deque(maxlen=CLOSED_MEMORY)
        self.groups: dict[int, str] = {}  # order id -> group label (a bracket)

    def row_count(self) -> int:
        return len(self.orders)

    def alignment(self, column: int) -> Any:
        return RIGHT if column in self.NUMERIC else LEFT

    def group_of(self, o: OrderStatus) -> str:
        if o.order_id in self.groups:
            return self.groups[o.order_id]
        return f"OCO #{o.order_list_id}" if o.order_list_id != -1 else ""

    def set_group(self, order_ids: tuple[int, ...], label: str) -> None:
        for oid in order_ids:
            self.groups[oid] = label
        rows = [r for r, o in enumerate(self.orders) if o.order_id in order_ids]
        for row in rows:
            self.dataChanged.emit(self.index(row, self.GROUP), self.index(row, self.GROUP))

    def amendable(self, o: OrderStatus) -> bool:
        return not o.is_algo and o.order_type in ("LIMIT", "LIMIT_MAKER") and o.is_open

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        o = self.orders[index.row()]
        col = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            contract = self.contracts.get(o.symbol)
            decimals = contract.price_decimals if contract else 2
            if role == Qt.ItemDataRole.EditRole and col == self.PRICE:
                return money(o.price, decimals)
            return (str(o.order_id), o.symbol, o.side, o.order_type,
                    money(o.price, decimals) if o.price else "MARKET", amount(o.orig_qty),
                    amount(o.executed_qty), o.status.replace("_", " "),
                    money(o.stop_price, decimals) if o.stop_price else "",
                    "yes" if o.reduce_only else "", self.group_of(o))[col]
        if role == SORT_ROLE:
            return sort_key((o.order_id, o.symbol, o.side, o.order_type, o.price, o.orig_qty,
                             o.executed_qty, o.status, o.stop_price, o.reduce_only,
                             self.group_of(o))[col])
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return RIGHT if col in self.NUMERIC else LEFT
        if role == Qt.ItemDataRole.ForegroundRole and col == 2:
            return UP if o.side == "BUY" else DOWN
        if role == Qt.ItemDataRole.ToolTipRole and col == self.PRICE and self.amendable(o):
            return "Edit the price to amend the order"
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = super().flags(index)
        if index.isValid() and index.column() == self.PRICE and \
                self.amendable(self.orders[index.row()]):
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        """An edited price asks for an amend; the row changes when the exchange says so."""
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or \
                index.column() != self.PRICE:
            return False
        order = self.orders[index.row()]
        try:
            price = Decimal(str(value).strip().replace(",", ""))
        except (ArithmeticError, InvalidOperation):
            price = Decimal("NaN")
        if price != order.price:
            self.amendRequested.emit(order, price)  # NaN too: the connector says what's wrong
        return False

    def order_at(self, row: int) -> OrderStatus | None:
        return self.orders[row] if 0 <= row < len(self.orders) else None

    def set_orders(self, orders: list[OrderStatus]) -> None:
        self.beginResetModel()
        self.orders = sorted((o for o in orders if o.is_open), key=lambda o: o.order_id)
        self._closed.clear()
        self.groups = {o.order_id: g for o in self.orders
                       if (g := self.groups.get(o.order_id))}
        self.endResetModel()

    def upsert(self, order: OrderStatus) -> None:
        """Apply an order's new state. The REST answer to a placement and the stream's events
        race; an order once seen finished stays gone, whichever arrives last."""
        if not order.is_open:
            self._closed.append(order.order_id)
        elif order.order_id in self._closed:
            return
        for row, existing in enumerate(self.orders):
            if existing.order_id == order.order_id:
                if order.is_open:
                    self.orders[row] = order
                    self.dataChanged.emit(self.index(row, 0),
                                          self.index(row, len(self.COLUMNS) - 1))
                else:
                    self.beginRemoveRows(QModelIndex(), row, row)
                    del self.orders[row]
                    self.endRemoveRows()
                return
        if order.is_open:
            row = len(self.orders)
            self.beginInsertRows(QModelIndex(), row, row)
            self.orders.append(order)
            self.endInsertRows()
