"""``DemoExchange``: a Binance-wire-compatible exchange on loopback.

It speaks Binance's spot (``/api/v3``) and USD-M futures (``/fapi``) REST
APIs, their market streams, the spot WebSocket API and futures listenKey user
streams, with real HMAC checks, a matching engine over a synthetic price walk,
balances and positions that move with fills, and fault hooks for tests. It is
the Demo environment of the app and the server the test suite talks to.

WebSocket paths: unprefixed (``/ws``, ``/ws/<anything>``, ``/stream``) serve
**spot**; paths under ``/public``, ``/market``, ``/private`` (what
``connector.endpoints`` uses for futures) or ``/fut`` (``futures_ws_url``,
Binance's legacy layout; ``/fut/public`` ... too) serve **USD-M futures**.
``/ws/<anything>`` takes SUBSCRIBE frames (ccxt.pro opens ``/ws/<n>``); a
futures user stream is ``/private/ws/<listenKey>``, ``/private/ws?listenKey=``
or ``/fut/ws/<listenKey>``.

Market data: a book of hundreds of levels per symbol that follows the price
walk and holds every user's resting orders, served by ``/depth`` and the diff
streams with one sequence of update ids (``_depth``, ``_hub_market``).
``record=False`` keeps no log of requests and frames (the app's embedded
demo); otherwise the newest ``record_limit`` of each are kept.

The demo key pair ``DEMO_API_KEY`` / ``DEMO_API_SECRET`` is public by design:
it only ever unlocks this loopback exchange.
"""

from __future__ import annotations

import asyncio
import time
from types import TracebackType
from typing import Any

from aiohttp import web

from ._engine import MarketEngine, RejectError
from ._faults import Faults
from ._hub import StreamHub
from ._keys import DEMO_API_KEY, DEMO_API_SECRET
from ._record import RecordedRequest, RecordedWsMessage, Recorder
from ._rest import RestApi
from ._symbols import default_symbols

__all__ = ["DEMO_API_KEY", "DEMO_API_SECRET", "DemoExchange", "Faults", "RecordedRequest",
           "RecordedWsMessage", "RejectError"]


class DemoExchange:
    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, seed: int | None = None,
                 extra_symbols: int = 0, walk: bool = True, walk_interval: float = 0.1,
                 api_keys: dict[str, str] | None = None, ping_interval: float = 20.0,
                 pong_timeout: float = 60.0, record: bool = True,
                 record_limit: int = 10_000) -> None:
        self.host = host
        self.port = port
        self.walk_enabled = walk
        self.walk_interval = walk_interval
        self.ping_interval = ping_interval
        self.pong_timeout = pong_timeout
        self.faults = Faults()
        # What arrived, for tests; bounded, and off in the app (record=False).
        self.requests: Recorder[RecordedRequest] = Recorder(record, record_limit)
        self.ws_messages: Recorder[RecordedWsMessage] = Recorder(record, record_limit)
        self._keys = {DEMO_API_KEY: DEMO_API_SECRET, **(api_keys or {})}
        self.rest_api = RestApi(self)
        self.hub = StreamHub(self)
        self.spot = MarketEngine("spot", default_symbols(futures=False, extra=extra_symbols),
                                 seed=seed, sink=self.hub)
        self.futures = MarketEngine("futures", default_symbols(futures=True, extra=extra_symbols),
                                    seed=None if seed is None else seed + 1, sink=self.hub)
        self._runner: web.AppRunner | None = None
        self._walker: asyncio.Task[None] | None = None

    # -- URLs --------------------------------------------------------------------------------

    @property
    def rest_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.port}"

    @property
    def ws_api_url(self) -> str:
        return f"{self.ws_url}/ws-api/v3"

    @property
    def futures_ws_url(self) -> str:
        return f"{self.ws_url}/fut"

    # -- life cycle --------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=1 << 20)
        self.rest_api.register(app)
        self.hub.register_routes(app)
        app.router.add_get("/", self._index)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True)
        await site.start()
        if self.port == 0:
            self.port = int(self._runner.addresses[0][1])
        await self.hub.start()
        if self.walk_enabled:
            self._walker = asyncio.create_task(self._walk())

    async def close(self) -> None:
        if self._walker is not None:
            self._walker.cancel()
            # return_exceptions: closing must succeed even if the walk task died
            await asyncio.gather(self._walker, return_exceptions=True)
            self._walker = None
        await self.hub.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def restart(self, downtime: float = 0.0) -> None:
        """Stop serving (every socket dropped, connections refused), then serve again on the
        same port with the same accounts and orders: an exchange restart."""
        await self.close()
        await asyncio.sleep(downtime)
        await self.start()

    async def __aenter__(self) -> DemoExchange:
        await self.start()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.close()

    async def _walk(self) -> None:
        while True:
            await asyncio.sleep(self.walk_interval)
            self.spot.walk()
            self.futures.walk()

    async def _index(self, request: web.Request) -> web.Response:
        return web.json_response({"name": "Starlight DemoExchange", "rest": self.rest_url,
                                  "ws": self.ws_url, "wsApi": self.ws_api_url})

    # -- helpers for the server and for tests --------------------------------------------------

    def secret_for(self, api_key: str) -> str | None:
        return self._keys.get(api_key)

    def server_time_ms(self) -> int:
        return int(time.time() * 1000) + self.faults.clock_skew_ms

    async def drop_streams(self) -> None:
        await self.hub.drop_all()

    def expire_listen_keys(self) -> None:
        self.hub.expire_listen_keys()

    def requests_to(self, path: str, method: str | None = None) -> list[RecordedRequest]:
        return [r for r in self.requests
                if r.path == path and (method is None or r.method == method)]

    def __repr__(self) -> str:
        state: dict[str, Any] = {"rest_url": self.rest_url}
        return f"DemoExchange({state})"
