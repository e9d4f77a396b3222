"""Where each environment lives. Data, not code: a new host is one entry.

``Endpoints`` also says which WebSocket path prefix each kind of stream uses,
because USD-M futures is splitting its streams by kind (``/public`` for book
tickers and depth, ``/market`` for trades, klines and tickers, ``/private``
for user data) while spot keeps one root.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Literal

Network = Literal["live", "testnet", "demo"]
StreamKind = Literal["public", "market", "private"]

_NO_PREFIX: Mapping[str, str] = MappingProxyType({"public": "", "market": "", "private": ""})
_FUTURES_PREFIX: Mapping[str, str] = MappingProxyType(
    {"public": "/public", "market": "/market", "private": "/private"}
)


@dataclass(frozen=True, slots=True)
class Endpoints:
    rest_url: str  # no trailing slash; paths like /api/v3/order are appended
    ws_url: str  # market-stream base; /stream, /ws are appended (after the prefix)
    ws_api_url: str  # spot WebSocket API (user data); "" for futures
    futures: bool
    stream_prefix: Mapping[str, str] = field(default_factory=lambda: _NO_PREFIX)

    @property
    def weight_per_minute(self) -> int:
        """The IP's REQUEST_WEIGHT allowance a minute (exchangeInfo ``rateLimits``)."""
        return 2400 if self.futures else 6000

    @property
    def api_prefix(self) -> str:
        """Path prefix of the REST API: ``/api/v3`` (spot) or ``/fapi/v1`` (futures)."""
        return "/fapi/v1" if self.futures else "/api/v3"

    def stream_url(self, kind: StreamKind) -> str:
        """Base URL of a combined-stream connection for one kind of stream."""
        return f"{self.ws_url}{self.stream_prefix.get(kind, '')}/stream"

    def user_stream_url(self, listen_key: str) -> str:
        """Futures user-data stream for a listenKey."""
        return f"{self.ws_url}{self.stream_prefix.get('private', '')}/ws/{listen_key}"


HOSTS: Mapping[tuple[Network, bool], Endpoints] = MappingProxyType(
    {
        ("live", False): Endpoints(
            "https://api.binance.com",
            "wss://stream.binance.com:9443",
            "wss://ws-api.binance.com:443/ws-api/v3",
            futures=False,
        ),
        ("testnet", False): Endpoints(
            "https://testnet.binance.vision",
            "wss://stream.testnet.binance.vision",
            "wss://ws-api.testnet.binance.vision/ws-api/v3",
            futures=False,
        ),
        ("demo", False): Endpoints(
            "https://demo-api.binance.com",
            "wss://demo-stream.binance.com:9443",
            "wss://demo-ws-api.binance.com/ws-api/v3",
            futures=False,
        ),
        ("live", True): Endpoints(
            "https://fapi.binance.com",
            "wss://fstream.binance.com",
            "",
            futures=True,
            stream_prefix=_FUTURES_PREFIX,
        ),
        ("testnet", True): Endpoints(
            "https://testnet.binancefuture.com",
            "wss://fstream.binancefuture.com",
            "",
            futures=True,
            stream_prefix=_FUTURES_PREFIX,
        ),
        ("demo", True): Endpoints(
            "https://demo-fapi.binance.com",
            "wss://demo-fstream.binance.com",
            "",
            futures=True,
            stream_prefix=_FUTURES_PREFIX,
        ),
    }
)


def resolve(
    network: Network,
    futures: bool,
    *,
    rest_url: str | None = None,
    ws_url: str | None = None,
    ws_api_url: str | None = None,
) -> Endpoints:
    """The endpoints for ``network`` with any given URL overriding the host table's."""
    base = HOSTS[(network, futures)]
    return replace(
        base,
        rest_url=rest_url.rstrip("/") if rest_url else base.rest_url,
        ws_url=ws_url.rstrip("/") if ws_url else base.ws_url,
        ws_api_url=ws_api_url.rstrip("/") if ws_api_url else base.ws_api_url,
    )
