"""The order ticket's fields beyond LIMIT/MARKET: stop, OCO, trailing, post/reduce-only, bracket.

``ConditionalFields`` holds the widgets and shows only the ones the chosen type
needs; ``check`` validates them with the connector's own pure rules
(``connector.conditional``), so the ticket says exactly what the connector
would refuse, before anything is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from PySide6.QtWidgets import QCheckBox, QFormLayout, QHBoxLayout, QLabel, QWidget

from connector import Contract
from connector.conditional import (
    PLAIN_TYPES,
    check_conditional,
    check_oco,
    check_stop_side,
    needs_price,
    needs_stop,
)
from connector.errors import InputError

from ..widgets import DecimalEdit, named

MARKET_KINDS = ("MARKET", "STOP_LOSS", "STOP_MARKET", "TAKE_PROFIT_MARKET",
                "TRAILING_STOP_MARKET")


def binance_type(plain: str, futures: bool) -> str:
    """The Binance type a plain-words choice means on this market ("" if none)."""
    return dict(PLAIN_TYPES["futures" if futures else "spot"]).get(plain, "")


def is_market_kind(kind: str, futures: bool) -> bool:
    return kind in MARKET_KINDS or (kind == "TAKE_PROFIT" and not futures)


def takes_price(kind: str, futures: bool) -> bool:
    return kind == "OCO" or needs_price(kind, futures)


@dataclass(frozen=True, slots=True)
class Extras:
    """What the extra fields add to an order (all checked)."""

    stop_price: Decimal | None = None
    stop_limit_price: Decimal | None = None
    callback_rate: Decimal | None = None
    post_only: bool = False
    reduce_only: bool = False
    take_profit: Decimal | None = None
    stop_loss: Decimal | None = None


class ConditionalFields:
    """The extra widgets, laid out as rows of the ticket's form."""

    def __init__(self, form: QFormLayout, parent: QWidget) -> None:
        self.form = form
        self.stop = DecimalEdit("ticketStopPrice", parent)
        self.stop.setPlaceholderText("trigger price")
        self.stop_limit = DecimalEdit("ticketStopLimitPrice", parent)
        self.stop_limit.setPlaceholderText("optional: stop-limit price")
        self.callback = DecimalEdit("ticketCallbackRate", parent)
        self.callback.setPlaceholderText("0.1 – 10")
        self.callback.step = Decimal("0.1")
        self.post_only = named(QCheckBox("Post only", parent), "ticketPostOnly")
        self.post_only.setToolTip("Rest on the book as a maker; never take liquidity")
        self.reduce_only = named(QCheckBox("Reduce only", parent), "ticketReduceOnly")
        self.reduce_only.setToolTip("Only ever shrink the position, never open or grow it")
        self.take_profit = DecimalEdit("ticketTakeProfit", parent)
        self.take_profit.setPlaceholderText("optional")
        self.stop_loss = DecimalEdit("ticketStopLoss", parent)
        self.stop_loss.setPlaceholderText("optional")
        self.stop_label = QLabel("Stop", parent)
        flags = QWidget(parent)
        row = QHBoxLayout(flags)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.post_only)
        row.addWidget(self.reduce_only)
        row.addStretch(1)
        self.flags = flags
        self.bracket = QWidget(parent)
        brow = QHBoxLayout(self.bracket)
        brow.setContentsMargins(0, 0, 0, 0)
        brow.addWidget(QLabel("TP", parent))
        brow.addWidget(self.take_profit, 1)
        brow.addWidget(QLabel("SL", parent))
        brow.addWidget(self.stop_loss, 1)
        self.shown: dict[str, bool] = {}
        self.edits = (self.stop, self.stop_limit, self.callback, self.take_profit,
                      self.stop_loss)

    def add_rows(self) -> None:
        self.form.addRow(self.stop_label, self.stop)
        self.form.addRow("Stop limit", self.stop_limit)
        self.form.addRow("Callback %", self.callback)
        self.form.addRow("", self.flags)
        self.form.addRow("Bracket", self.bracket)

    def show_for(self, kind: str, futures: bool) -> None:
        """Only the fields this type needs are visible (and only those are read)."""
        trailing = kind == "TRAILING_STOP_MARKET"
        self.stop_label.setText("Activation" if trailing else "Stop")
        self.stop.setPlaceholderText("optional: activation price" if trailing else
                                     "trigger price")
        self.shown = {
            "stop": needs_stop(kind) or trailing or kind == "OCO",
            "stop_limit": kind == "OCO",
            "callback": trailing,
            "post_only": kind == "LIMIT",
            "flags": kind == "LIMIT" or futures,
            "bracket": kind in ("LIMIT", "MARKET"),
        }
        self.form.setRowVisible(self.stop, self.shown["stop"])
        self.form.setRowVisible(self.stop_limit, self.shown["stop_limit"])
        self.form.setRowVisible(self.callback, trailing)
        self.post_only.setVisible(kind == "LIMIT")
        self.reduce_only.setVisible(futures)
        self.form.setRowVisible(self.flags, self.shown["flags"])
        self.form.setRowVisible(self.bracket, self.shown["bracket"])

    def check(self, contract: Contract, kind: str, side: str, price: Decimal | None,
              reference: Decimal | None) -> Extras | str:
        """The extras as entered (an OCO's and a bracket's prices checked by the connector's
        rules), or what is wrong with them."""
        futures = contract.futures
        stop = self.stop.value() if self.shown.get("stop") else None
        post = self.post_only.isChecked() and kind == "LIMIT"
        reduce = futures and self.reduce_only.isChecked()
        try:
            if kind == "OCO":
                if price is None or stop is None:
                    return "An OCO needs a limit price and a stop price"
                stop_limit = self.stop_limit.value()
                oco = check_oco(contract, side, price, stop, stop_limit,
                                reference_price=reference)
                return Extras(stop_price=oco.stop_price, stop_limit_price=oco.stop_limit_price)
            rate = self.callback.value() if kind == "TRAILING_STOP_MARKET" else None
            if kind == "TRAILING_STOP_MARKET" and rate is None:
                return "Enter a callback rate in % (0.1 to 10)"
            tp, sl = self._bracket(contract, kind, side, price or reference)
        except InputError as exc:
            return str(exc)
        # The order's own rules are ``prepare_order``'s (the ticket calls it next).
        return Extras(stop_price=stop, callback_rate=rate, post_only=post,
                      reduce_only=reduce, take_profit=tp, stop_loss=sl)

    def _bracket(self, contract: Contract, kind: str, side: str, entry: Decimal | None
                 ) -> tuple[Decimal | None, Decimal | None]:
        if not self.shown.get("bracket"):
            return None, None
        tp, sl = self.take_profit.value(), self.stop_loss.value()
        if tp is None and sl is None:
            return None, None
        exit_side = "SELL" if side == "BUY" else "BUY"
        if not contract.futures:
            if tp is None or sl is None:
                raise InputError("A spot bracket is an OCO: give both a take-profit and a "
                                 "stop-loss")
            oco = check_oco(contract, exit_side, tp, sl, reference_price=entry)
            return oco.price, oco.stop_price
        if tp is not None:
            check_conditional(contract, "TAKE_PROFIT_MARKET", exit_side, None, tp,
                              reference_price=entry)
        if sl is not None:
            check_stop_side(contract, "STOP_MARKET", exit_side, sl, entry)
        return tp, sl
