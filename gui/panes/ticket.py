"""Order ticket: what to trade, checked against the symbol's filters as you type, and sent.

Every order type of the market in plain words (Limit, Market, Stop limit, Stop market,
Take profit limit/market, Trailing stop on futures, OCO on spot), the extra fields each
needs (``ticket_fields``), an optional bracket (``brackets``), and on futures the symbol's
leverage and margin mode (``leverage``). One validation path: ``ticket_orders.build``,
i.e. the connector's ``prepare_order``.

The ticket follows the focused symbol (``bridge.symbolFocused``), takes prices other panes
choose (``bridge.priceChosen``), a position to close (``bridge.closePrefilled``), and keeps
the touch of every symbol from ``BookTicker`` events for its market-order estimates: it
asks no one for quotes.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QFormLayout, QHBoxLayout, QLabel, QPushButton, QWidget

from connector import BinanceError, Contract
from connector.conditional import PLAIN_TYPES
from connector.errors import InputError
from connector.events import BookTicker

from ..environment import Environment
from ..models import money
from ..widgets import DecimalEdit, ask, named
from .base import Pane, PaneContext
from .brackets import Brackets
from .leverage import LeverageControls
from .ticket_fields import ConditionalFields, binance_type, takes_price
from .ticket_orders import TicketOrder, build, describe, send

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
        self.type.addItems([plain for plain, _ in PLAIN_TYPES["spot"]])
        self.futures = False
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
        self.leverage = LeverageControls(ctx.bridge, ctx.spawn, self)
        self.brackets = Brackets(ctx.bridge, ctx.spawn, ctx.log)
        self._lay_out()

        self.buy.clicked.connect(lambda: self.ctx.spawn(self.submit("BUY")))
        self.sell.clicked.connect(lambda: self.ctx.spawn(self.submit("SELL")))
        self.symbol.currentTextChanged.connect(self._symbol_changed)
        self.type.currentTextChanged.connect(self._type_changed)
        for edit in (self.quantity, self.price, *self.extra.edits):
            edit.textChanged.connect(self.validate)
        for box in (self.extra.post_only, self.extra.reduce_only):
            box.toggled.connect(self.validate)
        self.side.currentTextChanged.connect(self.validate)
        ctx.bridge.symbolFocused.connect(self._focused)
        ctx.bridge.priceChosen.connect(self._price_chosen)
        ctx.bridge.closePrefilled.connect(self.prefill_close)
        self._type_changed(self.type.currentText())

    def _lay_out(self) -> None:
        form = QFormLayout(self)
        form.setContentsMargins(10, 10, 10, 10)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        form.addRow("Symbol", self.symbol)
        form.addRow("Order", _row(self.side, self.type, self.tif))
        form.addRow("Quantity", _row(self.quantity, self.quantity_unit, stretch_first=True))
        form.addRow("Price", _row(self.price, self.price_unit, stretch_first=True))
        self.extra = ConditionalFields(form, self)
        self.extra.add_rows()
        form.addRow(self.leverage)
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
        self.brackets.clear()
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
            self._set_market(contract.futures)
            self.quantity.step = contract.lot_size
            self.price.step = contract.tick_size
            for edit in (self.extra.stop, self.extra.stop_limit, self.extra.take_profit,
                         self.extra.stop_loss):
                edit.step = contract.tick_size
            self.quantity_unit.setText(contract.base_asset)
            self.price_unit.setText(contract.quote_asset)
            self.ctx.bridge.focus_symbol(symbol)
        self.leverage.set_symbol(symbol if contract is not None else "")
        self.validate()

    def _set_market(self, futures: bool) -> None:
        """The plain-words types of this market (the choice kept when both have it)."""
        if futures == self.futures:
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

    def _focused(self, symbol: str) -> None:
        """Another pane focused a symbol: load it, with its bid as a starting price."""
        if symbol == self.symbol.currentText().strip().upper():
            return
        self.set_symbol(symbol)
        quote = self.quotes.get(symbol)
        if quote is not None and not self.price.text():
            self.price.set_value(quote[0])

    def _price_chosen(self, price: Decimal) -> None:
        if not takes_price(self.kind(), self.futures):
            self.type.setCurrentText("Limit")
        self.price.set_value(price)

    def prefill_close(self, symbol: str, side: str, quantity: Decimal) -> None:
        """A position to close from the positions pane: a reduce-only MARKET order, shown
        for the trader to check and send."""
        self.set_symbol(symbol)
        self.type.setCurrentText("Market")
        self.side.setCurrentText(side)
        self.quantity.set_value(quantity)
        self.extra.reduce_only.setChecked(True)
        self.set_status(f"Close {symbol}: check and press {side.title()}")

    def _type_changed(self, plain: str) -> None:
        kind = binance_type(plain, self.futures)
        priced = takes_price(kind, self.futures)
        self.price.setEnabled(priced)
        self.tif.setEnabled(priced and kind != "OCO")
        self.extra.show_for(kind, self.futures)
        self.validate()

    # -- validation -------------------------------------------------------------------------------

    def request(self, side: str) -> TicketOrder | str:
        """The order the ticket describes, or a message saying what is wrong: the
        connector's own rules decide (``ticket_orders.build``), as ``place_order`` will."""
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
        touch = self.quotes.get(symbol)
        mid = None if touch is None else (touch[0] + touch[1]) / 2
        extras = self.extra.check(contract, kind, side, price, mid)
        if isinstance(extras, str):
            return extras
        tif = self.tif.currentText() if self.tif.isEnabled() else None
        return build(contract, kind, qty, side, price, tif, touch, extras)

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
            placed = await send(self.ctx.bridge, request)
        except (BinanceError, RuntimeError) as exc:
            self.set_status(f"Rejected: {exc}", error=True)
            if isinstance(exc, (InputError, RuntimeError)):  # the connector logs the rest
                self.ctx.log(f"Order not sent: {exc}", "WARNING")
            return
        finally:
            self.submitting = False
            self.buy.setEnabled(True)
            self.sell.setEnabled(True)
        self.brackets.watch(placed[0], self.futures, request.extras.take_profit,
                            request.extras.stop_loss)
        self.set_status(", ".join(f"Order {s.order_id}: {s.status.replace('_', ' ')}"
                                  for s in placed))

    async def size_from_balance(self, pct: int) -> None:
        symbol = self.symbol.currentText().strip().upper()
        price = self.price.value() if takes_price(self.kind(), self.futures) else None
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


def _row(*widgets: QWidget, stretch_first: bool = False) -> QHBoxLayout:
    row = QHBoxLayout()
    for i, widget in enumerate(widgets):
        row.addWidget(widget, 1 if stretch_first and i == 0 else 0)
    return row
