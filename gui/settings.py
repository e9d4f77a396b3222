"""Persistent preferences (QSettings in the user's config dir). Never secrets: see secrets.py."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs
from PySide6.QtCore import QByteArray, QSettings

ENVIRONMENTS = ("Demo", "Testnet", "Live")
MARKETS = ("Spot", "Futures")
DEFAULT_WATCHLIST = ("BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT", "XRPUSDT", "DOGEUSDT")


def config_dir() -> Path:
    """``$XDG_CONFIG_HOME/starlight`` (or the platform's equivalent); read each time so a
    fresh ``XDG_CONFIG_HOME`` in tests is a fresh start."""
    xdg = os.environ.get("XDG_CONFIG_HOME")
    if xdg:
        return Path(xdg) / "starlight"
    return Path(platformdirs.user_config_dir("starlight", appauthor=False))


@dataclass(frozen=True, slots=True)
class Hosts:
    rest_url: str = ""
    ws_url: str = ""
    ws_api_url: str = ""


@dataclass(frozen=True, slots=True)
class Choice:
    """What the settings dialog says: where to connect, with which keys, and how."""

    environment: str
    market: str
    key: str
    secret: str
    hosts: Hosts
    confirm: bool


class Settings:
    def __init__(self) -> None:
        path = config_dir() / "starlight.ini"
        path.parent.mkdir(parents=True, exist_ok=True)
        self._q = QSettings(str(path), QSettings.Format.IniFormat)

    @property
    def path(self) -> str:
        return self._q.fileName()

    def sync(self) -> None:
        self._q.sync()

    def _get(self, key: str, default: str) -> str:
        value = self._q.value(key, default)
        return str(value) if value is not None else default

    @property
    def environment(self) -> str:
        env = self._get("environment", "Demo")
        return env if env in ENVIRONMENTS else "Demo"

    @environment.setter
    def environment(self, value: str) -> None:
        self._q.setValue("environment", value)

    @property
    def market(self) -> str:
        market = self._get("market", "Spot")
        return market if market in MARKETS else "Spot"

    @market.setter
    def market(self, value: str) -> None:
        self._q.setValue("market", value)

    @property
    def theme(self) -> str:
        return "light" if self._get("theme", "dark") == "light" else "dark"

    @theme.setter
    def theme(self, value: str) -> None:
        self._q.setValue("theme", value)

    def watchlist(self, env: str, market: str) -> list[str]:
        raw = self._q.value(f"watchlist/{env}-{market}")
        if raw is None:
            return list(DEFAULT_WATCHLIST)
        if isinstance(raw, str):
            return [s for s in raw.split(",") if s]
        return [str(s) for s in raw if s]

    def set_watchlist(self, env: str, market: str, symbols: list[str]) -> None:
        self._q.setValue(f"watchlist/{env}-{market}", ",".join(symbols) or "")

    def hosts(self, env: str, market: str) -> Hosts:
        g = f"hosts/{env}-{market}"
        return Hosts(self._get(f"{g}/rest_url", ""), self._get(f"{g}/ws_url", ""),
                     self._get(f"{g}/ws_api_url", ""))

    def set_hosts(self, env: str, market: str, hosts: Hosts) -> None:
        g = f"hosts/{env}-{market}"
        self._q.setValue(f"{g}/rest_url", hosts.rest_url)
        self._q.setValue(f"{g}/ws_url", hosts.ws_url)
        self._q.setValue(f"{g}/ws_api_url", hosts.ws_api_url)

    def confirm_orders(self, env: str) -> bool:
        default = "true" if env == "Live" else "false"
        return self._get(f"confirm/{env}", default) == "true"

    def set_confirm_orders(self, env: str, value: bool) -> None:
        self._q.setValue(f"confirm/{env}", "true" if value else "false")

    def window_state(self) -> tuple[QByteArray | None, QByteArray | None]:
        geometry = self._q.value("window/geometry")
        state = self._q.value("window/state")
        return (geometry if isinstance(geometry, QByteArray) else None,
                state if isinstance(state, QByteArray) else None)

    def set_window_state(self, geometry: QByteArray, state: QByteArray) -> None:
        self._q.setValue("window/geometry", geometry)
        self._q.setValue("window/state", state)

    def center_state(self) -> QByteArray | None:
        """Layout of the central dock area (the chart's), kept apart from the outer docks."""
        state = self._q.value("window/center")
        return state if isinstance(state, QByteArray) else None

    def set_center_state(self, state: QByteArray) -> None:
        self._q.setValue("window/center", state)

    def clear_window_state(self) -> None:
        self._q.remove("window")
        self._q.remove("columns")

    def column_widths(self, table: str) -> list[int]:
        raw = self._get(f"columns/{table}", "")
        return [int(w) for w in raw.split(",") if w.isdigit()]

    def set_column_widths(self, table: str, widths: list[int]) -> None:
        self._q.setValue(f"columns/{table}", ",".join(str(w) for w in widths))
