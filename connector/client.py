"""``BinanceClient``: the facade the GUI and scripts use.

It owns one REST session (``connector._rest``), the market and user-data
streams (``connector._live``) and the live state they keep current
(``contracts``, ``balances``, ``prices``, ``open_orders``). Listeners get every
event on the event loop, in order.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ._models import Balance, Contract, OrderStatus
from .endpoints import Endpoints, resolve
from .events import Event, LogEntry

logger = logging.getLogger("connector")

Listener = Callable[[Event], None]

LOG_CAPACITY = 5000


class BinanceClient:
    def __init__(
        self,
        public_key: str,
        secret_key: str,
        testnet: bool,
        futures: bool,
        *,
        rest_url: str | None = None,
        ws_url: str | None = None,
        ws_api_url: str | None = None,
    ) -> None:
        self.testnet = testnet
        self.futures = futures
        self.endpoints: Endpoints = resolve(
            "testnet" if testnet else "live",
            futures,
            rest_url=rest_url,
            ws_url=ws_url,
            ws_api_url=ws_api_url,
        )
        self.contracts: dict[str, Contract] = {}
        self.balances: dict[str, Balance] = {}
        self.prices: dict[str, dict[str, Decimal]] = {}
        self.open_orders: dict[int, OrderStatus] = {}
        self.logs: deque[LogEntry] = deque(maxlen=LOG_CAPACITY)
        self._listeners: list[Listener] = []
        # TODO(helper: connector REST): self._rest = RestClient(...)
        # TODO(helper: streams): self._live = LiveFeeds(self)

    # -- listeners and log ------------------------------------------------------

    def add_listener(self, callback: Listener) -> None:
        if callback not in self._listeners:
            self._listeners.append(callback)

    def remove_listener(self, callback: Listener) -> None:
        try:
            self._listeners.remove(callback)
        except ValueError:
            pass

    def _emit(self, event: Event) -> None:
        """Deliver ``event`` to every listener; a failing listener never stops the others."""
        for listener in tuple(self._listeners):
            try:
                listener(event)
            except Exception:  # a GUI bug must not kill the stream task
                logger.exception("listener %r failed on %s", listener, type(event).__name__)

    def _add_log(self, msg: str, level: str = "INFO") -> None:
        entry = LogEntry(time.time(), level.upper(), msg)
        self.logs.append(entry)
        logger.log(logging.getLevelName(entry.level), msg)
        self._emit(entry)

    def _dispatch_unused(self, data: Any) -> None:  # placeholder removed by the REST helper
        raise NotImplementedError
