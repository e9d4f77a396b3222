"""Open orders: one row per live order; a filled or cancelled order leaves the table."""

from __future__ import annotations

from collections import deque
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt

from connector import Contract, OrderStatus

from ._format import DOWN, LEFT, RIGHT, SORT_ROLE, UP, Index, amount, money, sort_key

CLOSED_MEMORY = 2000  # ids of finished orders remembered, so a late "new" cannot revive one


class OrdersModel(QAbstractTableModel):
    COLUMNS = ("Order ID", "Symbol", "Side", "Type", "Price", "Quantity", "Filled", "Status")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.orders: list[OrderStatus] = []
        self.contracts: dict[str, Contract] = {}
        self._closed: deque[int] = deque(maxlen=CLOSED_MEMORY)

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.orders)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.TextAlignmentRole:
            return RIGHT if section in (4, 5, 6) else LEFT
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        o = self.orders[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            contract = self.contracts.get(o.symbol)
            decimals = contract.price_decimals if contract else 2
            return (str(o.order_id), o.symbol, o.side, o.order_type,
                    money(o.price, decimals) if o.price else "MARKET", amount(o.orig_qty),
                    amount(o.executed_qty), o.status.replace("_", " "))[col]
        if role == SORT_ROLE:
            return sort_key((o.order_id, o.symbol, o.side, o.order_type, o.price, o.orig_qty,
                             o.executed_qty, o.status)[col])
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return RIGHT if col in (4, 5, 6) else LEFT
        if role == Qt.ItemDataRole.ForegroundRole and col == 2:
            return UP if o.side == "BUY" else DOWN
        return None

    def order_at(self, row: int) -> OrderStatus | None:
        return self.orders[row] if 0 <= row < len(self.orders) else None

    def set_orders(self, orders: list[OrderStatus]) -> None:
        self.beginResetModel()
        self.orders = sorted((o for o in orders if o.is_open), key=lambda o: o.order_id)
        self._closed.clear()
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
