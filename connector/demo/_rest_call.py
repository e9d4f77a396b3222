"""What a REST handler of the demo exchange sees (``Call``) and how routes join the table.

A handler is a function of one ``Call`` (the market's engine, the merged query
and body parameters, the caller's API key) returning the JSON body; it refuses
with ``RejectError``. Each ``_rest_*`` module registers its handlers on a
``Router`` (the dispatcher, ``_rest.RestApi``) with one ``register_*`` function.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from ._engine import MarketEngine
from ._wire import RejectError

Handler = Callable[["Call"], Any]
AsyncHandler = Callable[["Call"], Awaitable[Any]]

WEIGHT_LIMIT_1M = 6000

# The REST roots and whether each serves the futures engine.
PREFIXES: tuple[tuple[str, bool], ...] = (("/api/v3", False), ("/fapi/v1", True))


@dataclass(slots=True)
class Call:
    """One request as a handler sees it."""

    engine: MarketEngine
    params: dict[str, str]
    api_key: str

    def get(self, name: str) -> str | None:
        value = self.params.get(name)
        return value if value not in (None, "") else None

    def need(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise RejectError(-1102, f"Mandatory parameter '{name}' was not sent, was empty/null,"
                              f" or malformed.")
        return value

    def decimal(self, name: str) -> Decimal | None:
        raw = self.get(name)
        if raw is None:
            return None
        try:
            value = Decimal(raw)
        except InvalidOperation:
            raise RejectError(-1100, f"Illegal characters found in parameter '{name}'; legal "
                              f"range is '^([0-9]{{1,20}})(\\.[0-9]{{1,20}})?$'.") from None
        if not value.is_finite():
            raise RejectError(-1100, f"Illegal characters found in parameter '{name}'.")
        return value

    def int(self, name: str) -> int | None:
        raw = self.get(name)
        if raw is None:
            return None
        try:
            return int(raw)
        except ValueError:
            raise RejectError(-1100, f"Illegal characters found in parameter '{name}'; legal "
                              f"range is '^[0-9]{{1,20}}$'.") from None

    def symbol(self) -> str:
        return self.engine.spec(self.need("symbol")).symbol


@dataclass(frozen=True, slots=True)
class Route:
    handler: Handler
    security: str  # NONE, API_KEY, SIGNED
    weight: int


class Router(Protocol):
    def add_route(self, futures: bool, method: str, path: str, handler: Handler, security: str,
                  weight: int = 1) -> None: ...
