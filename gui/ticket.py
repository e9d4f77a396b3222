"""Order ticket: what to trade, checked against the symbol's filters as you type."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from PySide6.QtCore import QRegularExpression, Qt, Signal
from PySide6.QtGui import QKeyEvent, QRegularExpressionValidator, QWheelEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from connector import Contract
from connector.errors import InputError
from connector.filters import check_order, fmt, parse_decimal, round_price, round_quantity

from .models import money


class DecimalEdit(QLineEdit):
    """A number field that keeps every digit (Decimal, never float) and steps with ↑/↓."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName=name)
        self.setValidator(QRegularExpressionValidator(QRegularExpression(r"^\d{0,12}(\.\d{0,12})?$"),
                                                      self))
        self.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.step = Decimal(0)

    def value(self) -> Decimal | None:
        text = self.text().strip()
        if not text or text == ".":
            return None
        try:
            value = Decimal(text)
        except InvalidOperation:
            return None
        return value if value.is_finite() else None

    def set_value(self, value: Decimal) -> None:
        self.setText(fmt(value))

    def _step_by(self, steps: int) -> None:
        if self.step <= 0:
            return
        current = self.value() or Decimal(0)
        new = (current / self.step).to_integral_value() * self.step + self.step * steps
        if new > 0:
            self.setText(fmt(new.quantize(self.step)))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Up:
            self._step_by(1)
        elif event.key() == Qt.Key.Key_Down:
            self._step_by(-1)
        else:
            super().keyPressEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        if self.hasFocus():
            self._step_by(1 if event.angleDelta().y() > 0 else -1)
            event.accept()
        else:
            super().wheelEvent(event)


@dataclass(frozen=True, slots=True)
class OrderRequest:
    symbol: str
    side: str
    order_type: str
    quantity: Decimal
    price: Decimal | None
    tif: str | None
    notional: Decimal | None


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
        self.type.addItems(["Limit", "Market"])
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
        for edit in (self.quantity, self.price):
            edit.textChanged.connect(self.validate)
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
            self.quantity.step = contract.lot_size
            self.price.step = contract.tick_size
            self.quantity_unit.setText(contract.base_asset)
            self.price_unit.setText(contract.quote_asset)
        self.validate()

    def _type_changed(self, kind: str) -> None:
        is_limit = kind == "Limit"
        self.price.setEnabled(is_limit)
        self.tif.setEnabled(is_limit)
        self.validate()

    # -- validation (the connector's own filters) ------------------------------------------

    def request(self, side: str) -> OrderRequest | str:
        """The order the ticket describes, or a message saying what is wrong."""
        symbol = self.symbol.currentText().strip().upper()
        contract = self.contracts.get(symbol)
        if contract is None:
            return f"Unknown symbol {symbol!r}" if symbol else "Choose a symbol"
        market = self.type.currentText() == "Market"
        qty = self.quantity.value()
        if qty is None or qty <= 0:
            return "Enter a quantity greater than zero"
        try:
            qty = parse_decimal(qty, "Quantity")
        except InputError as exc:
            return str(exc)
        price: Decimal | None = None
        if not market:
            price = self.price.value()
            if price is None or price <= 0:
                return f"Enter a limit price in {contract.quote_asset}"
            try:
                price = round_price(contract, parse_decimal(price, "Price"))
            except InputError as exc:
                return str(exc)
        rounded = round_quantity(contract, qty, market=market)
        touch = self.quote_of.get(symbol)
        reference = None if touch is None else (touch[1] if side == "BUY" else touch[0])
        try:
            check_order(contract, rounded, price, market=market, reference_price=reference)
        except InputError as exc:
            return str(exc)
        notional_price = price if price is not None else reference
        return OrderRequest(symbol, side, "MARKET" if market else "LIMIT", rounded, price,
                            None if market else self.tif.currentText(),
                            None if notional_price is None else rounded * notional_price)

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
