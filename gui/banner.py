"""The environment banner: always visible, unmistakable when Live."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from .environment import Environment

COLOURS = {"Demo": ("#f0b90b", "#0f141b"), "Testnet": ("#3d7bd9", "#ffffff"),
           "Live": ("#d61f2c", "#ffffff")}
TEXT = {
    "Demo": "Simulated exchange on this computer: no real money, no keys needed",
    "Testnet": "Binance test network: test funds only",
    "Live": "LIVE TRADING: real money. Orders ask for confirmation",
}


class EnvironmentBanner(QLabel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("", parent)
        self.setObjectName("environmentBanner")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def show_environment(self, env: Environment) -> None:
        self.setText(f"  {env.name.upper()} · {env.market.upper()}   —   {TEXT[env.name]}")
        self.setProperty("env", env.name.lower())
        # The colour is also set on the label itself (not only in the theme), so it holds
        # whatever style sheet is active and reads the same through the palette.
        background, foreground = COLOURS[env.name]
        self.setStyleSheet(f"background-color: {background}; color: {foreground};")
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window, QColor(background))
        palette.setColor(QPalette.ColorRole.WindowText, QColor(foreground))
        self.setPalette(palette)
        self.setAutoFillBackground(True)
