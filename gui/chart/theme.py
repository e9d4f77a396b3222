"""Chart colours for the dark and light themes (the same hues as the style sheets)."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtWidgets import QApplication


@dataclass(frozen=True, slots=True)
class ChartTheme:
    name: str
    background: str
    text: str  # axis labels, readout
    muted: str  # axis lines, crosshair
    grid: str
    up: str  # rising candle, buy side
    down: str  # falling candle, sell side
    up_fill: str  # volume and depth bars: the side's colour, see-through
    down_fill: str


DARK = ChartTheme("dark", background="#0f141b", text="#aab3c2", muted="#5c6675",
                  grid="#1a212b", up="#16c784", down="#ea3943",
                  up_fill="#5516c784", down_fill="#55ea3943")
LIGHT = ChartTheme("light", background="#ffffff", text="#3c4656", muted="#9aa4b2",
                   grid="#eef1f5", up="#0f9d68", down="#d3343f",
                   up_fill="#550f9d68", down_fill="#55d3343f")


def chart_theme(name: str) -> ChartTheme:
    """The theme called ``name``; anything but "light" is dark (the app's default)."""
    return LIGHT if name == "light" else DARK


def app_theme() -> str:
    """The theme the window set on the application (its ``theme`` property); dark by default."""
    app = QApplication.instance()
    value = app.property("theme") if app is not None else None
    return value if isinstance(value, str) else "dark"
