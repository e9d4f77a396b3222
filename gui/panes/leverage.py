"""Leverage and margin mode of the ticket's symbol: the exchange's values, editable.

A small self-contained widget the order ticket embeds with one line
(``LeverageControls(bridge, spawn)``) and feeds its symbol (``set_symbol``).
It shows what the exchange last said (``bridge.futures_settings``); an edit
asks the exchange (``bridge.set_leverage`` / ``set_margin_type``) and shows
its answer, or goes back to the old value when refused (the error reaches the
log through ``spawn``). Off futures it is hidden.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSpinBox, QWidget

if TYPE_CHECKING:
    from ..bridge import Bridge

Spawn = Callable[[Coroutine[Any, Any, Any]], "asyncio.Task[Any]"]
MODES = (("Cross", "CROSSED", "cross"), ("Isolated", "ISOLATED", "isolated"))


class LeverageControls(QWidget):
    leverageRequested = Signal(str, int)  # symbol, leverage
    marginTypeRequested = Signal(str, str)  # symbol, ISOLATED / CROSSED

    def __init__(self, bridge: Bridge, spawn: Spawn, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("leverageControls")
        self.bridge, self.spawn = bridge, spawn
        self.symbol = ""
        self.leverage = QSpinBox(self)
        self.leverage.setObjectName("ticketLeverage")
        self.leverage.setRange(1, 125)
        self.leverage.setSuffix("x")
        self.leverage.setToolTip("Initial leverage of this symbol on the exchange")
        self.margin = QComboBox(self)
        self.margin.setObjectName("ticketMarginType")
        self.margin.addItems([label for label, _, _ in MODES])
        self.margin.setToolTip("Margin mode of this symbol (cannot change with a position open)")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(QLabel("Leverage", self))
        layout.addWidget(self.leverage)
        layout.addWidget(self.margin, 1)
        self._shown: tuple[int, str] = (20, "cross")
        self.leverage.editingFinished.connect(self._leverage_edited)
        self.margin.activated.connect(self._margin_edited)
        self.setVisible(False)

    def set_symbol(self, symbol: str) -> None:
        """Follow the ticket's symbol; hidden when the client is not on futures."""
        self.symbol = symbol
        settings = self.bridge.futures_settings(symbol) if symbol else None
        self.setVisible(settings is not None)
        if settings is not None:
            self.show_current(*settings)

    def show_current(self, leverage: int, margin_type: str) -> None:
        """What the exchange says, without asking it anything."""
        self._shown = (leverage, margin_type)
        self.leverage.blockSignals(True)
        self.margin.blockSignals(True)
        self.leverage.setValue(leverage)
        self.margin.setCurrentIndex(1 if margin_type == "isolated" else 0)
        self.leverage.blockSignals(False)
        self.margin.blockSignals(False)

    def _leverage_edited(self) -> None:
        n = self.leverage.value()
        if self.symbol and n != self._shown[0]:
            self.leverageRequested.emit(self.symbol, n)
            self.spawn(self.apply_leverage(self.symbol, n))

    def _margin_edited(self, index: int) -> None:
        _, wire, name = MODES[index]
        if self.symbol and name != self._shown[1]:
            self.marginTypeRequested.emit(self.symbol, wire)
            self.spawn(self.apply_margin_type(self.symbol, wire))

    async def apply_leverage(self, symbol: str, leverage: int) -> None:
        try:
            await self.bridge.set_leverage(symbol, leverage)
        finally:
            if symbol == self.symbol:
                self.set_symbol(symbol)  # the exchange's answer, or back to the old value

    async def apply_margin_type(self, symbol: str, margin_type: str) -> None:
        try:
            await self.bridge.set_margin_type(symbol, margin_type)
        finally:
            if symbol == self.symbol:
                self.set_symbol(symbol)
