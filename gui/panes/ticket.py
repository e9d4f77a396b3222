"""Order ticket: what to trade, checked against the symbol's filters as you type, and sent.

The ticket follows the focused symbol (``bridge.symbolFocused``), takes prices other panes
choose (``bridge.priceChosen``), and keeps the touch of every symbol from ``BookTicker``
events for its market-order estimates: it asks no one for quotes.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QFormLayout, QHBoxLayout, QLabel, QPushButton, QWidget

from connector import BinanceError, Contract
from connector.errors import InputError
from connector.events import BookTicker
from connector.filters import fmt
from connector.orders import PreparedOrder, prepare_order

from ..environment import Environment
from ..models import money
from ..widgets import DecimalEdit, ask, named
from .base import Pane, PaneContext

PERCENTS = (25, 50, 75, 100)


class OrderTicket(Pane):
    title = "Order ticket"
    dock_name = "dockTicket"
    area = "left"
    listens = (BookTicker,)

    def __init__(self, ctx: PaneContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.setObjectName("orderTicket")
        self.env = Environment(ctx.settings.environment, ctx.settings.market)
        self.contracts: dict[str, Contract] = {}
        self.quotes: dict[str, tuple[Decimal, Decimal]] = {}  # symbol -> (bid, ask)
        self.submitting = False

        self.symbol = named(QComboBox(), "ticketSymbol")
        self.symbol.setEditable(True)
        self.symbol.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.side = named(QComboBox(), "ticketSide")
        self.side.addItems(["BUY", "SELL"])
        self.type = named(QComboBox(), "ticketType")
        self.type.addItems(["Limit", "Market"])
        self.quantity = DecimalEdit("ticketQuantity")
        self.quantity.setPlaceholderText("0")
        self.price = DecimalEdit("ticketPrice")
        self.price.setPlaceholderText("limit price")
        self.tif = named(QComboBox(), "ticketTif")
        self.tif.addItems(["GTC", "IOC", "FOK"])
        self.quantity_unit = QLabel("")
        self.price_unit = QLabel("")
        self.notional = named(QLabel("—"), "ticketNotional")
        self.message = named(QLabel(""), "ticketMessage")
        self.status = named(QLabel(""), "ticketStatus")
        self.buy = named(QPushButton("Buy"), "buyButton")
        self.sell = named(QPushButton("Sell"), "sellButton")
        self._lay_out()

        self.buy.clicked.connect(lambda: self.ctx.spawn(self.submit("BUY")))
        self.sell.clicked.connect(lambda: self.ctx.spawn(self.submit("SELL")))
        self.symbol.currentTextChanged.connect(self._symbol_changed)
        self.type.currentTextChanged.connect(self._type_changed)
        for edit in (self.quantity, self.price):
            edit.textChanged.connect(self.validate)
        self.side.currentTextChanged.connect(self.validate)
        ctx.bridge.symbolFocused.connect(self._focused)
        ctx.bridge.priceChosen.connect(self._price_chosen)
        self._type_changed(self.type.currentText())

    def _lay_out(self) -> None:
        form = QFormLayout(self)
        form.setContentsMargins(10, 10, 10, 10)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.addRow("Symbol", self.symbol)
        form.addRow("Order", _row(self.side, self.type, self.tif))
        form.addRow("Quantity", _row(self.quantity, self.quantity_unit, stretch_first=True))
        form.addRow("Price", _row(self.price, self.price_unit, stretch_first=True))
        buttons = []
        for pct in PERCENTS:
            button = named(QPushButton(f"{pct}%"), f"ticketPct{pct}")
            button.setProperty("flat", True)
            button.clicked.connect(lambda _=False, p=pct: self.ctx.spawn(self.size_from_balance(p)))
            buttons.append(button)
        form.addRow("Size", _row(*buttons))
        form.addRow("Value", self.notional)
        for label in (self.message, self.status):
            label.setWordWrap(True)
        form.addRow(self.message)
        for button in (self.buy, self.sell):
            button.setMinimumHeight(34)
        form.addRow(_row(self.buy, self.sell))
        form.addRow(self.status)

    # -- the pane protocol ---------------------------------------------------------------------

    def on_event(self, event: Any) -> None:
        self.quotes[event.symbol] = (event.bid, event.ask)

    def on_connected(self, env: Environment, contracts: Mapping[str, Contract]) -> None:
        self.env = env
        self.set_contracts(dict(contracts), self.ctx.settings.watchlist(env.name, env.market))

    def on_disconnected(self) -> None:
        self.quotes.clear()
        self.set_contracts({}, [])

    # -- state ----------------------------------------------------------------------------------

    def set_contracts(self, contracts: dict[str, Contract], first: list[str]) -> None:
        current = self.symbol.currentText()
        self.contracts = contracts
        self.symbol.blockSignals(True)
        self.symbol.clear()
        ordered = [s for s in first if s in contracts] + [s for s in contracts if s not in first]
        self.symbol.addItems(ordered)
        self.symbol.blockSignals(False)
        self.set_symbol(current if current in contracts else (ordered[0] if ordered else ""))

    def set_symbol(self, symbol: str) -> None:
        if self.symbol.currentText() != symbol:
            self.symbol.setCurrentText(symbol)
        self._symbol_changed(symbol)

    def set_status(self, text: str, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setProperty("error", error)
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)

    def _symbol_changed(self, text: str) -> None:
        symbol = text.strip().upper()
        contract = self.contracts.get(symbol)
        if contract is not None:
            self.quantity.step = contract.lot_size
            self.price.step = contract.tick_size
            self.quantity_unit.setText(contract.base_asset)
            self.price_unit.setText(contract.quote_asset)
            self.ctx.bridge.focus_symbol(symbol)
        self.validate()

    def _focused(self, symbol: str) -> None:
        """Another pane focused a symbol: load it, with its bid as a starting price."""
        if symbol == self.symbol.currentText().strip().upper():
            return
        self.set_symbol(symbol)
        quote = self.quotes.get(symbol)
        if quote is not None and not self.price.text():
            self.price.set_value(quote[0])

    def _price_chosen(self, price: Decimal) -> None:
        if self.type.currentText() != "Limit":
            self.type.setCurrentText("Limit")
        self.price.set_value(price)

    def _type_changed(self, kind: str) -> None:
        is_limit = kind == "Limit"
        self.price.setEnabled(is_limit)
        self.tif.setEnabled(is_limit)
        self.validate()

    # -- validation -------------------------------------------------------------------------------

    def request(self, side: str) -> PreparedOrder | str:
        """The order the ticket describes, or a message saying what is wrong."""
        symbol = self.symbol.currentText().strip().upper()
        contract = self.contracts.get(symbol)
        if contract is None:
            return f"Unknown symbol {symbol!r}" if symbol else "Choose a symbol"
        market = self.type.currentText() == "Market"
        qty = self.quantity.value()
        if qty is None or qty <= 0:
            return "Enter a quantity greater than zero"
        price = None if market else self.price.value()
        if not market and (price is None or price <= 0):
            return f"Enter a limit price in {contract.quote_asset}"
        touch = self.quotes.get(symbol)
        reference = None if touch is None else (touch[1] if side == "BUY" else touch[0])
        try:
            return prepare_order(contract, "MARKET" if market else "LIMIT", qty, side, price,
                                 self.tif.currentText(), reference_price=reference)
        except InputError as exc:
            return str(exc)

    def validate(self) -> bool:
        result = self.request(self.side.currentText())
        if isinstance(result, str):
            self.message.setText(result if self.quantity.text() else "")
            self.notional.setText("—")
            return False
        self.message.setText("")
        contract = self.contracts[result.symbol]
        self.notional.setText("—" if result.notional is None else
                              f"≈ {money(result.notional, 2, grouped=True)} {contract.quote_asset}")
        return True

    # -- commands ---------------------------------------------------------------------------------

    def _refuse(self, reason: str) -> None:
        self.set_status(f"Not sent: {reason}", error=True)
        self.ctx.log(f"Order not sent: {reason}", "WARNING")

    async def submit(self, side: str) -> None:
        """Buy/Sell: check, confirm where the environment asks to, send once."""
        if self.submitting:
            return  # one order at a time: a double click never sends twice
        self.side.setCurrentText(side)
        request = self.request(side)
        if isinstance(request, str):
            return self._refuse(request)
        if not self.ctx.bridge.connected:
            return self._refuse("not connected")
        summary = describe(request, self.contracts[request.symbol])
        if self.ctx.settings.confirm_orders(self.env.name):
            text = f"{summary}\n\nSend this order to {self.env}?"
            if not await ask(self, f"Confirm {self.env.name} order", text, f"Send {side}"):
                self.ctx.log(f"Order not sent (not confirmed): {summary}")
                self.set_status("Not sent")
                return
        self.submitting = True
        self.buy.setEnabled(False)
        self.sell.setEnabled(False)
        self.set_status(f"Sending {summary}…")
        try:
            status = await self.ctx.bridge.place_order(
                request.symbol, request.order_type, request.quantity, request.side,
                request.price, request.tif)
        except (BinanceError, RuntimeError) as exc:
            self.set_status(f"Rejected: {exc}", error=True)
            if isinstance(exc, (InputError, RuntimeError)):  # the connector logs the rest
                self.ctx.log(f"Order not sent: {exc}", "WARNING")
            return
        finally:
            self.submitting = False
            self.buy.setEnabled(True)
            self.sell.setEnabled(True)
        self.set_status(f"Order {status.order_id}: {status.status.replace('_', ' ')}")

    async def size_from_balance(self, pct: int) -> None:
        symbol = self.symbol.currentText().strip().upper()
        price = self.price.value() if self.type.currentText() == "Limit" else None
        if price is None and symbol in self.quotes:
            price = self.quotes[symbol][1]
        if price is None or not self.ctx.bridge.connected:
            self.set_status("Need a price first (enter one or wait for quotes)", error=True)
            return
        try:
            quantity = await self.ctx.bridge.trade_size(symbol, price, pct)
        except BinanceError as exc:
            self.set_status(str(exc), error=True)
            return
        if quantity is None:
            self.set_status(f"{pct}% of the balance is too small to trade", error=True)
            return
        self.quantity.set_value(quantity)


def describe(request: PreparedOrder, contract: Contract) -> str:
    """BUY 0.001 BTCUSDT @ 50,000.00 ≈ 50.00 USDT: the sentence a confirmation shows."""
    at = (f" @ {money(request.price, contract.price_decimals, grouped=True)}"
          if request.price is not None else " at market")
    value = (f" ≈ {money(request.notional, 2, grouped=True)} {contract.quote_asset}"
             if request.notional is not None else "")
    return f"{request.side} {fmt(request.quantity)} {request.symbol}{at}{value}"


def _row(*widgets: QWidget, stretch_first: bool = False) -> QHBoxLayout:
    row = QHBoxLayout()
    for i, widget in enumerate(widgets):
        row.addWidget(widget, 1 if stretch_first and i == 0 else 0)
    return row
