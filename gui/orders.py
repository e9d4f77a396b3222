"""Open orders pane: live orders; cancel by button, context menu or double-click; amend a
price by editing it in its row (double-click or F2 on the Price cell)."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPoint, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from connector import OrderStatus

from .models import DecimalSortProxy
from .orders_model import OrdersModel
from .tables import make_table


class OrdersPane(QWidget):
    cancelRequested = Signal(object)  # OrderStatus
    cancelAllRequested = Signal(str)  # symbol

    def __init__(self, model: OrdersModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.proxy = DecimalSortProxy(self)
        self.proxy.setSourceModel(model)
        self.view = make_table("openOrders", (90, 80, 45, 125, 90, 75, 60, 65, 90, 60, 80))
        self.view.setModel(self.proxy)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed)
        self.view.doubleClicked.connect(self._double_clicked)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._menu)
        self.cancel = QPushButton("Cancel order", objectName="cancelButton")
        self.cancel.clicked.connect(self._cancel_selected)
        self.cancel_all = QPushButton("Cancel all for symbol", objectName="cancelAllButton")
        self.cancel_all.clicked.connect(self._cancel_all_selected)
        self.count = QLabel("No open orders")
        self.count.setProperty("muted", True)
        model.rowsInserted.connect(self._update_count)
        model.rowsRemoved.connect(self._update_count)
        model.modelReset.connect(self._update_count)

        bar = QHBoxLayout()
        bar.addWidget(self.count)
        bar.addStretch(1)
        bar.addWidget(self.cancel_all)
        bar.addWidget(self.cancel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.view)
        layout.addLayout(bar)

    def _update_count(self, *args: object) -> None:
        n = self.model.rowCount()
        self.count.setText("No open orders" if n == 0 else f"{n} open order{'s' * (n != 1)}")

    def selected_order(self) -> OrderStatus | None:
        index = self.view.currentIndex()
        if not index.isValid():
            rows = self.view.selectionModel().selectedRows()
            if not rows:
                return None
            index = rows[0]
        return self.model.order_at(self.proxy.mapToSource(index).row())

    def _cancel_selected(self) -> None:
        order = self.selected_order()
        if order is not None:
            self.cancelRequested.emit(order)

    def _cancel_all_selected(self) -> None:
        order = self.selected_order()
        if order is not None:
            self.cancelAllRequested.emit(order.symbol)

    def _double_clicked(self, index: QModelIndex) -> None:
        order = self.model.order_at(self.proxy.mapToSource(index).row())
        if order is not None and index.column() == self.model.PRICE and \
                self.model.amendable(order):
            self.view.edit(index)  # a price is amended, not cancelled
            return
        if order is not None:
            self.cancelRequested.emit(order)

    def _menu(self, pos: QPoint) -> None:
        order = self.selected_order()
        menu = QMenu(self)
        cancel = QAction(f"Cancel order {order.order_id}" if order else "Cancel order", menu)
        cancel.setEnabled(order is not None)
        cancel.triggered.connect(self._cancel_selected)
        menu.addAction(cancel)
        cancel_all = QAction(f"Cancel all {order.symbol} orders" if order else "Cancel all",
                             menu)
        cancel_all.setEnabled(order is not None)
        cancel_all.triggered.connect(self._cancel_all_selected)
        menu.addAction(cancel_all)
        menu.popup(self.view.viewport().mapToGlobal(pos))
