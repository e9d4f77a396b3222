"""Balances pane: the account's non-zero balances, live from the user-data stream."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtWidgets import QTableView, QVBoxLayout, QWidget

from connector import Contract

from ..environment import Environment
from ..models import BalancesModel, DecimalSortProxy
from ..widgets import Table
from .base import Pane, PaneContext


class BalancesPane(Pane):
    title = "Balances"
    dock_name = "dockBalances"
    area = "bottom"

    def __init__(self, ctx: PaneContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.model = BalancesModel(self)
        self.proxy = DecimalSortProxy(self)
        self.proxy.setSourceModel(self.model)
        self.view = Table("balances", (80, 130, 130, 150, 130))
        self.view.setModel(self.proxy)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.view)
        ctx.bridge.balancesChanged.connect(self.model.update)

    def on_connected(self, env: Environment, contracts: Mapping[str, Contract]) -> None:
        self.model.set_balances(self.ctx.bridge.balances(), env.futures)
        self.view.reset_widths()  # spot and futures differ in columns

    def on_disconnected(self) -> None:
        self.model.set_balances({}, self.model.futures)

    def tables(self) -> Mapping[str, QTableView]:
        return {"balances": self.view}
