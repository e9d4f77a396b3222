"""Open orders pane: live orders; cancel by button, context menu or double-click; amend a
price by editing it in its row (double-click or F2 on the Price cell).

Conditional orders show their trigger and reduce-only; OCO legs and a bracket's orders
(``bridge.ordersGrouped``) show as one group.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal

from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from connector import BinanceError, Contract, OrderStatus

from ..environment import Environment
from ..models import DecimalSortProxy, OrdersModel
from ..widgets import Table, named
from .base import Pane, PaneContext


class OpenOrdersPane(Pane):
    title = "Open orders"
    dock_name = "dockOrders"
    area = "bottom"

    def __init__(self, ctx: PaneContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.model = OrdersModel(self)
        self.proxy = DecimalSortProxy(self)
        self.proxy.setSourceModel(self.model)
        self.view = Table("openOrders", (100, 90, 50, 130, 100, 90, 80, 80, 100, 80, 110))
        self.view.setModel(self.proxy)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed)
        self.view.doubleClicked.connect(self._double_clicked)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._menu)
        self.cancel_button = named(QPushButton("Cancel order"), "cancelButton")
        self.cancel_button.clicked.connect(self._cancel_selected)
        self.cancel_all_button = named(QPushButton("Cancel all for symbol"), "cancelAllButton")
        self.cancel_all_button.clicked.connect(self._cancel_all_selected)
        self.count = QLabel("No open orders")
        self.count.setProperty("muted", True)
        for signal in (self.model.rowsInserted, self.model.rowsRemoved, self.model.modelReset):
            signal.connect(self._update_count)

        bar = QHBoxLayout()
        bar.addWidget(self.count)
        bar.addStretch(1)
        bar.addWidget(self.cancel_all_button)
        bar.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.view)
        layout.addLayout(bar)
        ctx.bridge.orderChanged.connect(self.model.upsert)
        ctx.bridge.ordersGrouped.connect(self.model.set_group)
        self.model.amendRequested.connect(lambda o, p: self.ctx.spawn(self.amend_order(o, p)))

    # -- the pane protocol ---------------------------------------------------------------------

    def on_connected(self, env: Environment, contracts: Mapping[str, Contract]) -> None:
        self.model.contracts = dict(contracts)
        self.model.set_orders(self.ctx.bridge.open_orders())

    def on_disconnected(self) -> None:
        self.model.set_orders([])

    def tables(self) -> Mapping[str, QTableView]:
        return {"openOrders": self.view}

    # -- commands -------------------------------------------------------------------------------

    async def cancel_order(self, order: OrderStatus) -> None:
        try:
            await self.ctx.bridge.cancel_order(order.symbol, order.order_id)
        except (BinanceError, RuntimeError) as exc:
            self.ctx.log(f"Cancel of order {order.order_id} failed: {exc}", "WARNING")

    async def amend_order(self, order: OrderStatus, price: Decimal) -> None:
        """A price edited in the row: amend it at the exchange; errors go to the log."""
        try:
            status = await self.ctx.bridge.amend_order(order.symbol, order.order_id, price)
        except (BinanceError, RuntimeError) as exc:
            self.ctx.log(f"Amend of order {order.order_id} failed: {exc}", "ERROR")
            return
        if status.order_id != order.order_id:  # spot cancel-replace: a new order took over
            self.model.upsert(replace(order, status="canceled"))

    async def cancel_all(self, symbol: str) -> None:
        for order in [o for o in self.model.orders if o.symbol == symbol]:
            await self.cancel_order(order)

    # -- interaction ----------------------------------------------------------------------------

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
            self.ctx.spawn(self.cancel_order(order))

    def _cancel_all_selected(self) -> None:
        order = self.selected_order()
        if order is not None:
            self.ctx.spawn(self.cancel_all(order.symbol))

    def _double_clicked(self, index: QModelIndex) -> None:
        order = self.model.order_at(self.proxy.mapToSource(index).row())
        if order is not None and index.column() == self.model.PRICE and \
                self.model.amendable(order):
            self.view.edit(index)  # a price is amended, not cancelled
            return
        if order is not None:
            self.ctx.spawn(self.cancel_order(order))

    def _menu(self, pos: QPoint) -> None:
        order = self.selected_order()
        menu = QMenu(self)
        cancel = QAction(f"Cancel order {order.order_id}" if order else "Cancel order", menu)
        cancel.setEnabled(order is not None)
        cancel.triggered.connect(self._cancel_selected)
        menu.addAction(cancel)
        cancel_all = QAction(f"Cancel all {order.symbol} orders" if order else "Cancel all", menu)
        cancel_all.setEnabled(order is not None)
        cancel_all.triggered.connect(self._cancel_all_selected)
        menu.addAction(cancel_all)
        menu.popup(self.view.viewport().mapToGlobal(pos))
