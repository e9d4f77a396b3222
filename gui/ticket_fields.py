"""A number field for money: Decimal text, never float, ↑/↓ and the wheel step by a tick."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from PySide6.QtCore import QRegularExpression, Qt
from PySide6.QtGui import QKeyEvent, QRegularExpressionValidator, QWheelEvent
from PySide6.QtWidgets import QLineEdit, QWidget

from connector.filters import fmt


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
