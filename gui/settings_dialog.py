"""Settings: environment × market, API keys (keyring), host overrides, confirmations.

Keys are read from the keyring once per opening, off the event loop (``keys_loaded``),
never on a combo-box change; what the trader types for one environment is kept while
they look at another, until OK or Cancel.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from .settings import ENVIRONMENTS, MARKETS, Choice, Hosts, Settings
from .widgets import named

Pair = tuple[str, str]
KEY_PAIRS: tuple[Pair, ...] = tuple((e, m) for e in ENVIRONMENTS if e != "Demo" for m in MARKETS)
NO_KEYRING = ("No system keyring is available: keys are kept in memory for this session only "
              "and never written to disk.")

__all__ = ["KEY_PAIRS", "Choice", "SettingsDialog"]


class SettingsDialog(QDialog):
    testRequested = Signal(object)  # Choice
    applied = Signal(object)  # Choice

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle("Settings")
        self.setMinimumWidth(520)
        self._settings = settings
        self._keys: dict[Pair, list[str]] = {}  # [key, secret] shown or typed, per pair
        self._edited: set[tuple[Pair, int]] = set()  # (pair, 0 key / 1 secret) typed
        self._shown: Pair = ("Demo", "Spot")
        self._filling = False

        self.environment = named(QComboBox(), "environment")
        self.environment.addItems(list(ENVIRONMENTS))
        self.market = named(QComboBox(), "market")
        self.market.addItems(list(MARKETS))
        self.api_key = named(QLineEdit(), "apiKey")
        self.api_secret = named(QLineEdit(), "apiSecret")
        self.api_secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.keyring_note = named(QLabel(""), "keyringNote")
        self.keyring_note.setWordWrap(True)
        self.rest_url = named(QLineEdit(), "restUrl")
        self.ws_url = named(QLineEdit(), "streamUrl")
        self.ws_api_url = named(QLineEdit(), "wsApiUrl")
        for edit in (self.rest_url, self.ws_url, self.ws_api_url):
            edit.setPlaceholderText("default Binance host")
        self.confirm = named(QCheckBox("Ask for confirmation before every order"), "confirmOrders")
        self.test_button = named(QPushButton("Test connection"), "testConnection")
        self.test_result = named(QLabel(""), "testResult")
        self.test_result.setWordWrap(True)

        where = QFormLayout()
        where.addRow("Environment", self.environment)
        where.addRow("Market", self.market)
        keys = QGroupBox("API key (stored in the system keyring)")
        keys_form = QFormLayout(keys)
        keys_form.addRow("API key", self.api_key)
        keys_form.addRow("API secret", self.api_secret)
        keys_form.addRow(self.keyring_note)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addWidget(self.test_result, 1)
        keys_form.addRow(test_row)
        self.hosts_box = QGroupBox("Advanced: host overrides")
        hosts_form = QFormLayout(self.hosts_box)
        hosts_form.addRow("REST", self.rest_url)
        hosts_form.addRow("Streams", self.ws_url)
        hosts_form.addRow("WS API", self.ws_api_url)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(where)
        layout.addWidget(keys)
        layout.addWidget(self.confirm)
        layout.addWidget(self.hosts_box)
        layout.addWidget(buttons)

        self.environment.currentTextChanged.connect(self._show)
        self.market.currentTextChanged.connect(self._show)
        self.api_key.textChanged.connect(lambda text: self._typed(0, text))
        self.api_secret.textChanged.connect(lambda text: self._typed(1, text))
        self.test_button.clicked.connect(lambda: self.testRequested.emit(self.choice()))

    def reload(self, persistent: bool) -> None:
        """Show the saved settings (each time the dialog opens); keys follow in
        ``keys_loaded`` once the keyring has answered."""
        self._keys.clear()
        self._edited.clear()
        for combo, value in ((self.environment, self._settings.environment),
                             (self.market, self._settings.market)):
            combo.blockSignals(True)
            combo.setCurrentText(value)
            combo.blockSignals(False)
        self.test_result.clear()
        self.keyring_note.setText("" if persistent else NO_KEYRING)
        self.keyring_note.setVisible(not persistent)
        self._show()

    def keys_loaded(self, keys: dict[Pair, Pair]) -> None:
        """The keyring's answer; what the trader typed meanwhile wins."""
        for pair, value in keys.items():
            shown = self._keys.setdefault(pair, ["", ""])
            for field in (0, 1):
                if (pair, field) not in self._edited:
                    shown[field] = value[field]
        self._fill_keys()

    def _pair(self) -> Pair:
        return self.environment.currentText(), self.market.currentText()

    def _typed(self, field: int, text: str) -> None:
        if not self._filling:
            self._edited.add((self._shown, field))
            self._keys.setdefault(self._shown, ["", ""])[field] = text

    def _fill_keys(self) -> None:
        env, market = self._shown = self._pair()
        demo = env == "Demo"
        key, secret = ("", "") if demo else self._keys.get((env, market), ["", ""])
        self._filling = True
        self.api_key.setText(key)
        self.api_secret.setText(secret)
        self._filling = False
        for edit in (self.api_key, self.api_secret):
            edit.setEnabled(not demo)
        self.api_key.setPlaceholderText("Demo uses its built-in key" if demo else "")

    def _show(self, *args: object) -> None:
        env, market = self._pair()
        self._fill_keys()
        hosts = self._settings.hosts(env, market)
        self.rest_url.setText(hosts.rest_url)
        self.ws_url.setText(hosts.ws_url)
        self.ws_api_url.setText(hosts.ws_api_url)
        self.hosts_box.setEnabled(env != "Demo")
        self.confirm.setChecked(self._settings.confirm_orders(env))

    def choice(self) -> Choice:
        return Choice(self.environment.currentText(), self.market.currentText(),
                      self.api_key.text().strip(), self.api_secret.text().strip(),
                      Hosts(self.rest_url.text().strip(), self.ws_url.text().strip(),
                            self.ws_api_url.text().strip()),
                      self.confirm.isChecked())

    def accept(self) -> None:
        """OK, or ``accept()`` called directly: apply what the dialog shows."""
        self.applied.emit(self.choice())
        super().accept()
