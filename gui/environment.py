"""Where the app is connected: a value shared by the session, the panes and the window."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Environment:
    """``name`` Demo/Testnet/Live, ``market`` Spot/Futures."""

    name: str
    market: str

    @property
    def futures(self) -> bool:
        return self.market == "Futures"

    @property
    def live(self) -> bool:
        return self.name == "Live"

    def __str__(self) -> str:
        return f"{self.name} {self.market}"
