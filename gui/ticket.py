"""Order ticket: what to trade, checked against the symbol's filters as you type.

Every order type of the market in plain words (Limit, Market, Stop limit, Stop
market, Take profit limit/market, Trailing stop on futures, OCO on spot), with
the extra fields each needs (``ticket_extra``) and an optional bracket.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from connector import Contract
from connector.conditional import PLAIN_TYPES
from connector.errors import InputError
from connector.orders import prepare_order, reference_from

from .models import money
from .ticket_extra import ConditionalFields, binance_type, takes_price
from .ticket_fields import DecimalEdit

__all__ = ["DecimalEdit", "OrderRequest", "OrderTicket"]


@dataclass(frozen=True, slots=True)
class OrderRequest:
    symbol: str
    side: str
    order_type: str
    quantity: Decimal
    price: Decimal | None
    tif: str | None
    notional: Decimal | None
    stop_price: Decimal | None = None  # trigger (a trailing stop's activation price)
    stop_limit_price: Decimal | None = None  # OCO: the stop leg's limit
    callback_rate: Decimal | None = None
    post_only: bool = False
    reduce_only: bool = False
    take_profit: Decimal | None = None  # bracket: placed when the entry fills
    stop_loss: Decimal | None = None

    @property
    def has_bracket(self) -> bool:
        return self.take_profit is not None or self.stop_loss is not None


class OrderTicket(QWidget):
    submitted = Signal(str)  # side
    sizeRequested = Signal(int)  # percent of balance

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="orderTicket")
        self.contracts: dict[str, Contract] = {}
        self.quote_of: dict[str, tuple[Decimal, Decimal]] = {}

        self.symbol = QComboBox(objectName="ticketSymbol")
        self.symbol.setEditable(True)
        self.symbol.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.side = QComboBox(objectName="ticketSide")
        self.side.addItems(["BUY", "SELL"])
        self.type = QComboBox(objectName="ticketType")
        self.type.addItems([plain for plain, _ in PLAIN_TYPES["spot"]])
        self.futures = False
        self.quantity = DecimalEdit("ticketQuantity")
        self.quantity.setPlaceholderText("0")
        self.price = DecimalEdit("ticketPrice")
        self.price.setPlaceholderText("limit price")
        self.tif = QComboBox(objectName="ticketTif")
        self.tif.addItems(["GTC", "IOC", "FOK"])
        self.quantity_unit = QLabel("")
        self.price_unit = QLabel("")

        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.addRow("Symbol", self.symbol)
        row = QHBoxLayout()
        row.addWidget(self.side)
        row.addWidget(self.type)
        row.addWidget(self.tif)
        form.addRow("Order", row)
        qrow = QHBoxLayout()
        qrow.addWidget(self.quantity, 1)
        qrow.addWidget(self.quantity_unit)
        form.addRow("Quantity", qrow)
        prow = QHBoxLayout()
        prow.addWidget(self.price, 1)
        prow.addWidget(self.price_unit)
        form.addRow("Price", prow)
        self.extra = ConditionalFields(form, self)
        self.extra.add_rows()

        pct_row = QHBoxLayout()
        self.pct_buttons: list[QPushButton] = []
        for pct in (25, 50, 75, 100):
            button = QPushButton(f"{pct}%", objectName=f"ticketPct{pct}")
            button.setProperty("flat", True)
            button.clicked.connect(lambda _=False, p=pct: self.sizeRequested.emit(p))
            pct_row.addWidget(button)
            self.pct_buttons.append(button)
        form.addRow("Size", pct_row)

        self.notional = QLabel("—", objectName="ticketNotional")
        form.addRow("Value", self.notional)
        self.message = QLabel("", objectName="ticketMessage")
        self.message.setWordWrap(True)
        self.status = QLabel("", objectName="ticketStatus")
        self.status.setWordWrap(True)

        self.buy = QPushButton("Buy", objectName="buyButton")
        self.sell = QPushButton("Sell", objectName="sellButton")
        for button in (self.buy, self.sell):
            button.setMinimumHeight(34)
        self.buy.clicked.connect(lambda: self._submit("BUY"))
        self.sell.clicked.connect(lambda: self._submit("SELL"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.buy)
        buttons.addWidget(self.sell)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addStretch(1)

        self.symbol.currentTextChanged.connect(self._symbol_changed)
        self.type.currentTextChanged.connect(self._type_changed)
        for edit in (self.quantity, self.price, *self.extra.edits):
            edit.textChanged.connect(self.validate)
        for box in (self.extra.post_only, self.extra.reduce_only):
            box.toggled.connect(self.validate)
        self.side.currentTextChanged.connect(self.validate)
        self._type_changed(self.type.currentText())

    # -- state from the app --------------------------------------------------------------

    def set_contracts(self, contracts: dict[str, Contract], watchlist: list[str]) -> None:
        current = self.symbol.currentText()
        self.contracts = contracts
        self.symbol.blockSignals(True)
        self.symbol.clear()
        ordered = [s for s in watchlist if s in contracts] + [
            s for s in contracts if s not in watchlist]
        self.symbol.addItems(ordered)
        self.symbol.blockSignals(False)
        self.set_symbol(current if current in contracts else (ordered[0] if ordered else ""))

    def set_symbol(self, symbol: str) -> None:
        if self.symbol.currentText() != symbol:
            self.symbol.setCurrentText(symbol)
        self._symbol_changed(symbol)

    def contract(self) -> Contract | None:
        return self.contracts.get(self.symbol.currentText().strip().upper())

    def set_status(self, text: str, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setProperty("error", error)
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)

    def _symbol_changed(self, symbol: str) -> None:
        contract = self.contracts.get(symbol.strip().upper())
        if contract is not None:
            self._set_market(contract.futures)
            self.quantity.step = contract.lot_size
            self.price.step = contract.tick_size
            for edit in (self.extra.stop, self.extra.stop_limit, self.extra.take_profit,
                         self.extra.stop_loss):
                edit.step = contract.tick_size
            self.quantity_unit.setText(contract.base_asset)
            self.price_unit.setText(contract.quote_asset)
        self.validate()

    def _set_market(self, futures: bool) -> None:
        """The plain-words types of this market (kept when the other has it too)."""
        if futures == self.futures and self.type.count():
            return
        self.futures = futures
        current = self.type.currentText()
        plain = [p for p, _ in PLAIN_TYPES["futures" if futures else "spot"]]
        self.type.blockSignals(True)
        self.type.clear()
        self.type.addItems(plain)
        self.type.setCurrentText(current if current in plain else plain[0])
        self.type.blockSignals(False)
        self._type_changed(self.type.currentText())

    def kind(self) -> str:
        """The chosen type by Binance's name (or OCO)."""
        return binance_type(self.type.currentText(), self.futures)

    def _type_changed(self, plain: str) -> None:
        kind = binance_type(plain, self.futures)
        priced = takes_price(kind, self.futures)
        self.price.setEnabled(priced)
        self.tif.setEnabled(priced and kind != "OCO")
        self.extra.show_for(kind, self.futures)
        self.validate()

    # -- validation (the connector's own filters) ------------------------------------------

    def request(self, side: str) -> OrderRequest | str:
        """The order the ticket describes, or a message saying what is wrong: the
        connector's own ``prepare_order`` decides, exactly as ``place_order`` will."""
        symbol = self.symbol.currentText().strip().upper()
        contract = self.contracts.get(symbol)
        if contract is None:
            return f"Unknown symbol {symbol!r}" if symbol else "Choose a symbol"
        kind = self.kind()
        qty = self.quantity.value()
        if qty is None or qty <= 0:
            return "Enter a quantity greater than zero"
        price: Decimal | None = None
        if takes_price(kind, contract.futures):
            price = self.price.value()
            if price is None or price <= 0:
                return f"Enter a limit price in {contract.quote_asset}"
        touch = self.quote_of.get(symbol)
        mid = None if touch is None else (touch[0] + touch[1]) / 2
        extras = self.extra.check(contract, kind, side, price, mid)
        if isinstance(extras, str):
            return extras
        tif = self.tif.currentText() if self.tif.isEnabled() and kind != "OCO" else None
        try:
            if kind == "OCO":
                prepared = prepare_order(contract, "LIMIT", qty, side, price, "GTC")
            else:
                reference = None if touch is None else reference_from(kind, side, *touch)
                prepared = prepare_order(contract, kind, qty, side, price, tif,
                                         reference_price=reference,
                                         stop_price=extras.stop_price,
                                         post_only=extras.post_only,
                                         reduce_only=extras.reduce_only,
                                         callback_rate=extras.callback_rate)
                extras = replace(extras, stop_price=prepared.stop_price)
        except InputError as exc:
            return str(exc)
        return OrderRequest(symbol, side, kind, prepared.quantity, prepared.price, tif,
                            prepared.notional, extras.stop_price, extras.stop_limit_price,
                            extras.callback_rate, extras.post_only, extras.reduce_only,
                            extras.take_profit, extras.stop_loss)

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

    def _submit(self, side: str) -> None:
        self.side.setCurrentText(side)
        self.submitted.emit(side)

