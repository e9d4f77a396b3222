"""Binance REST: signing, clock offset, request weight, bans and error mapping.

One ``aiohttp.ClientSession`` per client. Signed requests carry every
parameter in the query string, percent-encoded *before* signing, and the
signature is computed over exactly the bytes sent.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
import time
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, Literal
from urllib.parse import quote_plus

import aiohttp
import orjson
from yarl import URL

from .endpoints import Endpoints
from .errors import (
    AuthError,
    ExchangeError,
    IPBannedError,
    MissingCredentialsError,
    NetworkError,
    OrderRejectedError,
    RateLimitError,
    ServerError,
)

Security = Literal["NONE", "API_KEY", "SIGNED"]
LogFn = Callable[[str, str], None]

_SIGNATURE = re.compile(r"signature=[0-9a-fA-F]+")
MAX_RATE_LIMIT_WAIT = 30.0  # seconds a GET may wait out a 429 before giving up
GET_RETRIES = 2

_AUTH_CODES = {-1022, -2014, -2015, -2008}
_SERVER_CODES = {-1000, -1001, -1006, -1007, -1008}
_ORDER_CODES = {-1013, -1111, -1116, -1115, -1106, -2010, -2011, -2013, -2019, -2021, -2022,
                -4003, -4014, -4164, -5022, -4116, -4001,
                -1166, -4028, -4045, -4120, -4136}  # OCO shape, modify, algo limits

_HINTS = {
    -1003: "Too many requests: Binance asks us to slow down",
    -1013: "Order rejected by the symbol's filters",
    -1021: "Request timestamp outside the allowed window (clock offset)",
    -1022: "Signature rejected: check the API secret",
    -1102: "A required parameter is missing or malformed",
    -1111: "Too many decimals for this symbol",
    -1121: "Unknown symbol",
    -2010: "Order rejected",
    -2011: "Cancel rejected: the exchange does not know this open order",
    -2013: "No such order",
    -2014: "API key format invalid",
    -2015: "API key rejected: wrong key, IP not whitelisted or missing permission",
    -2019: "Not enough margin",
    -4003: "Quantity must be greater than zero",
    -4014: "Price is not a multiple of the tick size",
    -4164: "Order value below the symbol's minimum notional",
    -5022: "Post-only order would have taken liquidity",
    -1166: "The OCO's legs are not a valid pair",
    -4028: "This order cannot be modified that way",
    -4045: "Too many open conditional orders on this symbol",
    -4120: "Conditional futures orders go to the algo-order service",
    -4136: "Trailing stop callback rate not valid",
}


def error_for(status: int, code: object, msg: str, retry_after: float = 0.0) -> ExchangeError:
    """The error class for one exchange error: Binance's ``msg`` verbatim, its code an int,
    and our hint for the trader (``str(error)``)."""
    number = _int_code(code)
    hint = _HINTS.get(number or 0) or ("" if msg else f"HTTP {status}")
    if status == 418:
        return IPBannedError(msg, code=number, retry_after=retry_after,
                             until=time.time() + retry_after, hint=hint)
    if status == 429 or number == -1003:
        return RateLimitError(msg, code=number, status=status, retry_after=retry_after,
                              hint=hint)
    kind: type[ExchangeError] = ExchangeError
    if number in _AUTH_CODES or status in (401, 403):
        kind = AuthError
    elif number in _SERVER_CODES or status >= 500:
        kind = ServerError
    elif number in _ORDER_CODES:
        kind = OrderRejectedError
    return kind(msg, code=number, status=status, hint=hint)


def _int_code(code: object) -> int | None:
    """Binance's codes are ints; a string or float one (from a proxy) is coerced."""
    if isinstance(code, bool) or code is None:
        return None
    try:
        return int(code)  # type: ignore[call-overload,no-any-return]
    except (TypeError, ValueError):
        return None


_PLAIN = re.compile(r"[A-Za-z0-9_.\-~]*")


def encode_params(params: Mapping[str, Any]) -> str:
    """Percent-encoded query text; Decimals as plain numbers, bools as true/false.

    Values that need no escaping (symbols, numbers, our client ids) skip
    ``quote_plus``: this runs on every order, so it is kept cheap.
    """
    parts: list[str] = []
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, Decimal):
            text = format(value, "f")
        else:
            text = str(value)
        if not _PLAIN.fullmatch(text):
            text = quote_plus(text)
        parts.append(f"{key}={text}" if _PLAIN.fullmatch(key) else f"{quote_plus(key)}={text}")
    return "&".join(parts)


class RestClient:
    def __init__(
        self,
        endpoints: Endpoints,
        api_key: str,
        secret: str,
        *,
        log: LogFn,
        timeout: float = 10.0,
        recv_window: int = 5000,
    ) -> None:
        self.endpoints = endpoints
        self.api_key = api_key
        self._secret = secret.encode()
        self._log = log
        self.timeout = timeout
        self.recv_window = recv_window
        self.used_weight = 0
        self.clock_offset_ms = 0.0
        self.banned_until = 0.0
        self._cooldown_until = 0.0
        self._session: aiohttp.ClientSession | None = None

    def __repr__(self) -> str:  # never show the key or secret
        return f"RestClient({self.endpoints.rest_url!r})"

    @property
    def has_credentials(self) -> bool:
        return bool(self.api_key and self._secret)

    async def open(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                json_serialize=lambda o: orjson.dumps(o).decode(),
            )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def require_credentials(self) -> None:
        """Raise MissingCredentialsError, sending nothing, when there is no key pair."""
        if not self.has_credentials:
            raise MissingCredentialsError(
                "API key and secret are missing: add them in Settings to trade or see balances")

    def sign(self, payload: str) -> str:
        return hmac.new(self._secret, payload.encode(), hashlib.sha256).hexdigest()

    def now_ms(self) -> int:
        return int(time.time() * 1000 + self.clock_offset_ms)

    async def sync_time(self) -> None:
        """Measure the exchange clock against ours, using the round-trip midpoint."""
        before = time.time() * 1000
        data = await self.request("GET", f"{self.endpoints.api_prefix}/time")
        after = time.time() * 1000
        self.clock_offset_ms = float(data["serverTime"]) - (before + after) / 2

    async def resync_if_skewed(self, exc: BaseException) -> bool:
        """After a -1021 (timestamp outside recvWindow) on any signed call, REST or
        WebSocket API: measure the clock again and say the call may be retried once.

        The exchange refused the request without processing it, so a retry is safe.
        """
        if not isinstance(exc, ExchangeError) or exc.code != -1021:
            return False
        self._log("Clock offset outside recvWindow; resynchronising with the exchange and "
                  "retrying", "WARNING")
        await self.sync_time()
        return True

    def signed_params(self, params: dict[str, Any]) -> dict[str, Any]:
        """``params`` with the API key, a timestamp and the WebSocket API's signature
        (over the sorted ``key=value`` pairs, as Binance's WebSocket API defines it)."""
        out: dict[str, Any] = {**params, "apiKey": self.api_key, "timestamp": self.now_ms()}
        payload = "&".join(f"{k}={out[k]}" for k in sorted(out))
        out["signature"] = self.sign(payload)
        return out

    async def request(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        security: Security = "NONE",
        decode: Callable[[bytes], Any] | None = None,
    ) -> Any:
        """Send one request; idempotent GETs wait out 429s and retry transient failures.

        ``decode`` turns a successful body into the result (default: JSON to Python).
        """
        resynced = False
        attempt = 0
        while True:
            try:
                return await self._send(method, path, params or {}, security, decode)
            except RateLimitError as exc:
                if (method != "GET" or isinstance(exc, IPBannedError)
                        or exc.retry_after > MAX_RATE_LIMIT_WAIT or attempt >= GET_RETRIES):
                    raise
                attempt += 1
                await asyncio.sleep(max(exc.retry_after, 0.5))
            except ExchangeError as exc:
                if not resynced and await self.resync_if_skewed(exc):
                    resynced = True
                    continue
                if (isinstance(exc, ServerError) and method == "GET"
                        and attempt < GET_RETRIES):
                    attempt += 1
                    await asyncio.sleep(0.2 * attempt)
                    continue
                raise
            except NetworkError:
                if method != "GET" or attempt >= GET_RETRIES:
                    raise
                attempt += 1
                await asyncio.sleep(0.2 * attempt)

    async def _send(self, method: str, path: str, params: Mapping[str, Any],
                    security: Security, decode: Callable[[bytes], Any] | None = None) -> Any:
        now = time.time()
        if self.banned_until > now:
            raise IPBannedError(
                f"IP banned by Binance for {self.banned_until - now:.0f} s more; nothing sent",
                retry_after=self.banned_until - now, until=self.banned_until)
        if self._cooldown_until > now:
            wait = self._cooldown_until - now
            if method != "GET":
                raise RateLimitError(f"Rate limited for {wait:.1f} s more; order not sent",
                                     retry_after=wait)
            await asyncio.sleep(wait)
        headers: dict[str, str] = {}
        if security != "NONE":
            self.require_credentials()
            headers["X-MBX-APIKEY"] = self.api_key
        query = encode_params(params)
        if security == "SIGNED":
            stamp = f"recvWindow={self.recv_window}&timestamp={self.now_ms()}"
            query = f"{query}&{stamp}" if query else stamp
            query = f"{query}&signature={self.sign(query)}"
        url = f"{self.endpoints.rest_url}{path}"
        if query:
            url = f"{url}?{query}"
        if self._session is None:
            await self.open()
        assert self._session is not None
        try:
            # encoded=True: send exactly the bytes that were signed, no re-normalising.
            async with self._session.request(method, URL(url, encoded=True),
                                             headers=headers) as resp:
                body = await resp.read()
                status = resp.status
                weight = resp.headers.get("X-MBX-USED-WEIGHT-1M")
                retry_after = resp.headers.get("Retry-After")
        except TimeoutError:
            raise NetworkError(f"{method} {path} timed out after {self.timeout:g} s; "
                               f"the exchange may or may not have processed it") from None
        except aiohttp.ClientError as exc:
            raise NetworkError(f"{method} {path} failed: {type(exc).__name__}: "
                               f"{_safe(str(exc), self)}") from None
        if weight is not None and weight.isdigit():
            self.used_weight = int(weight)
        unexpected: Exception | None = None
        if decode is not None and status < 400:
            try:
                return decode(body)
            except Exception as exc:  # maybe an error body with status 200: decided below
                unexpected = exc
        try:
            data = orjson.loads(body) if body else None
        except orjson.JSONDecodeError:
            data = None
        if status < 400 and not (isinstance(data, dict) and isinstance(data.get("code"), int)
                                 and data["code"] < 0 and "msg" in data):  # algo: "code": "200"
            if unexpected is not None:
                raise ExchangeError(f"Unexpected response to {method} {path}: {unexpected}",
                                    status=status)
            return data
        code = data.get("code") if isinstance(data, dict) else None
        msg = str(data.get("msg", "")) if isinstance(data, dict) else body[:200].decode(
            "utf-8", "replace").strip()
        wait = float(retry_after) if retry_after and _is_number(retry_after) else 0.0
        if status == 418:
            self.banned_until = time.time() + (wait or 120.0)
            self._log(f"Binance banned this IP for {wait or 120:.0f} s (HTTP 418); "
                      f"no request will be sent until then", "ERROR")
        elif status == 429:
            self._cooldown_until = time.time() + (wait or 1.0)
            self._log(f"Rate limit hit (HTTP 429); backing off {wait or 1:.0f} s as Binance asks",
                      "WARNING")
        raise error_for(status, code, _safe(msg, self), wait)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _safe(text: str, client: RestClient) -> str:
    """Scrub the key, secret and signatures from text that may reach a log or exception."""
    text = _SIGNATURE.sub("signature=***", text)
    if client.api_key:
        text = text.replace(client.api_key, "***")
    secret = client._secret.decode(errors="ignore")
    if secret:
        text = text.replace(secret, "***")
    return text
