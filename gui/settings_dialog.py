"""Settings: environment × market, API keys (keyring), host overrides, confirmations."""

from __future__ import annotations

from dataclasses import dataclass

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

from .secrets import SecretStore
from .settings import ENVIRONMENTS, MARKETS, Hosts, Settings


@dataclass(frozen=True, slots=True)
class Choice:
    environment: str
    market: str
    key: str
    secret: str
    hosts: Hosts
    confirm: bool


class SettingsDialog(QDialog):
    testRequested = Signal(object)  # Choice
    applied = Signal(object)  # Choice

    def __init__(self, settings: Settings, secrets: SecretStore,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="settingsDialog")
        self.setWindowTitle("Settings")
        self.setMinimumWidth(520)
        self._settings = settings
        self._secrets = secrets

        self.environment = QComboBox(objectName="environment")
        self.environment.addItems(list(ENVIRONMENTS))
        self.market = QComboBox(objectName="market")
        self.market.addItems(list(MARKETS))
        self.api_key = QLineEdit(objectName="apiKey")
        self.api_secret = QLineEdit(objectName="apiSecret")
        self.api_secret.setEchoMode(QLineEdit.EchoMode.Password)
        self.keyring_note = QLabel("", objectName="keyringNote")
        self.keyring_note.setWordWrap(True)
        self.rest_url = QLineEdit(objectName="restUrl")
        self.ws_url = QLineEdit(objectName="wsUrl")
        self.ws_api_url = QLineEdit(objectName="wsApiUrl")
        for edit in (self.rest_url, self.ws_url, self.ws_api_url):
            edit.setPlaceholderText("default Binance host")
        self.confirm = QCheckBox("Ask for confirmation before every order",
                                 objectName="confirmOrders")
        self.test_button = QPushButton("Test connection", objectName="testConnection")
        self.test_result = QLabel("", objectName="testResult")
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

        self.environment.currentTextChanged.connect(self._load)
        self.market.currentTextChanged.connect(self._load)
        self.test_button.clicked.connect(lambda: self.testRequested.emit(self.choice()))

    def reload(self) -> None:
        """Show the saved settings (called each time the dialog opens)."""
        self.environment.blockSignals(True)
        self.market.blockSignals(True)
        self.environment.setCurrentText(self._settings.environment)
        self.market.setCurrentText(self._settings.market)
        self.environment.blockSignals(False)
        self.market.blockSignals(False)
        self.test_result.clear()
        self._load()

    def _load(self, *args: object) -> None:
        env, market = self.environment.currentText(), self.market.currentText()
        demo = env == "Demo"
        key, secret = ("", "") if demo else self._secrets.get(env, market)
        self.api_key.setText(key)
        self.api_secret.setText(secret)
        for edit in (self.api_key, self.api_secret):
            edit.setEnabled(not demo)
        self.api_key.setPlaceholderText("Demo uses its built-in key" if demo else "")
        hosts = self._settings.hosts(env, market)
        self.rest_url.setText(hosts.rest_url)
        self.ws_url.setText(hosts.ws_url)
        self.ws_api_url.setText(hosts.ws_api_url)
        self.hosts_box.setEnabled(not demo)
        self.confirm.setChecked(self._settings.confirm_orders(env))
        if self._secrets.persistent:
            self.keyring_note.setText("")
            self.keyring_note.hide()
        else:
            self.keyring_note.setText("No system keyring is available: keys are kept in memory "
                                      "for this session only and never written to disk.")
            self.keyring_note.show()

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
