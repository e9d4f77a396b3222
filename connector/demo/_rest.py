"""Spot (``/api/v3``) and USD-M futures (``/fapi``) REST endpoints of the demo exchange.

One table maps (method, path) to a handler, its security type and its request
weight; one dispatcher applies what Binance applies to every request: the IP
ban, the weight counter, the API key, the signature, the timestamp window and
injected faults. Handlers only speak the engine, and live by concern in
``_rest_public`` (market data), ``_rest_orders`` and ``_rest_account``; each
registers its routes with one ``register_*(api)`` call below. A new group of
endpoints is a new ``_rest_<concern>.py`` with its own ``register_*``.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import orjson
from aiohttp import web

from . import _rest_market
from ._auth import strip_signature, verify_signature
from ._record import RecordedRequest
from ._rest_account import register_account
from ._rest_call import PREFIXES, WEIGHT_LIMIT_1M, Call, Handler, Route
from ._rest_conditional import register_conditional
from ._rest_orders import register_orders
from ._rest_public import register_public
from ._wire import RejectError

if TYPE_CHECKING:
    from . import DemoExchange

__all__ = ["Call", "Handler", "RestApi", "Route"]


class RestApi:
    def __init__(self, exchange: DemoExchange) -> None:
        self.ex = exchange
        self._weight_minute = 0
        self._weight_used = 0
        self._orders_10s: deque[float] = deque()
        self._orders_1d: deque[float] = deque()
        self.routes: dict[tuple[str, str], tuple[Route, bool]] = {}
        for prefix, futures in PREFIXES:
            self._add(futures, "GET", f"{prefix}/time", self._time, "NONE", 1)
        register_public(self)
        register_orders(self)
        register_conditional(self)
        register_account(self)
        _rest_market.register(self)  # depth, ticker/price v2, leverageBracket, trade history

    def _add(self, futures: bool, method: str, path: str, handler: Handler, security: str,
             weight: int) -> None:
        self.routes[(method, path)] = (Route(handler, security, weight), futures)

    def add_route(self, futures: bool, method: str, path: str, handler: Handler, security: str,
                  weight: int = 1) -> None:
        """For other parts of the demo (the listenKey endpoints) to join the same dispatcher."""
        self._add(futures, method, path, handler, security, weight)

    def register(self, app: web.Application) -> None:
        app.router.add_route("*", "/api/{tail:.*}", self.dispatch)
        app.router.add_route("*", "/fapi/{tail:.*}", self.dispatch)

    # -- the dispatcher ----------------------------------------------------------------

    async def dispatch(self, request: web.Request) -> web.StreamResponse:
        raw_query = request.rel_url.raw_query_string
        raw_body = ""
        if request.can_read_body:
            raw_body = (await request.read()).decode("utf-8", "replace")
        params = dict(parse_qsl(raw_query, keep_blank_values=True))
        if raw_body and request.content_type in ("application/x-www-form-urlencoded", "",
                                                   "application/octet-stream", "text/plain"):
            params.update(parse_qsl(raw_body, keep_blank_values=True))
        api_key = request.headers.get("X-MBX-APIKEY")
        status, body, headers = await self._handle(request, raw_query, raw_body, params, api_key)
        self.ex.requests.append(RecordedRequest(request.method, request.path, params, api_key,
                                                status, time.time()))
        return web.Response(status=status, body=orjson.dumps(body),
                            content_type="application/json", headers=headers)

    async def _handle(self, request: web.Request, raw_query: str, raw_body: str,
                      params: dict[str, str], api_key: str | None
                      ) -> tuple[int, Any, dict[str, str]]:
        faults = self.ex.faults
        if faults.latency:
            await asyncio.sleep(faults.latency)
        now = time.time()
        if faults.banned_until > now:
            wait = int(faults.banned_until - now) + 1
            return 418, {"code": -1003, "msg": f"Way too many requests; IP banned until "
                         f"{int(faults.banned_until * 1000)}. Please use the websocket for live "
                         f"updates to avoid bans."}, {"Retry-After": str(wait)}
        entry = self.routes.get((request.method, request.path))
        if entry is None:
            return 404, {"code": -5, "msg": "Not found"}, {}
        route, futures = entry
        used = self._count_weight(route.weight, now)
        headers = {"X-MBX-USED-WEIGHT-1M": str(used), "X-MBX-USED-WEIGHT": str(used)}
        if used > WEIGHT_LIMIT_1M:
            return 429, {"code": -1003, "msg": "Too many requests; current limit of IP is "
                         f"{WEIGHT_LIMIT_1M} requests per minute."}, {**headers,
                                                                       "Retry-After": "60"}
        fault = faults.take(request.path, request.method)
        if fault is not None and not fault.after_accept:
            if fault.delay:
                await asyncio.sleep(fault.delay)
            else:
                return self._fault_response(fault, headers)
        engine = self.ex.futures if futures else self.ex.spot
        try:
            key = self._authenticate(route, raw_query, raw_body, params, api_key)
            call = Call(engine, params, key or "")
            result = route.handler(call)
            if asyncio.iscoroutine(result):
                result = await result
        except RejectError as exc:
            body: dict[str, Any] = {"code": exc.code, "msg": exc.msg}
            if getattr(exc, "data", None) is not None:  # cancelReplace's failure report
                body["data"] = exc.data  # type: ignore[attr-defined]
            return exc.status, body, headers
        if request.method == "POST" and request.path.endswith(
                ("/order", "/algoOrder", "/oco", "/cancelReplace")):
            headers.update(self._count_order(now))
        if fault is not None and fault.after_accept:
            if fault.delay:
                await asyncio.sleep(fault.delay)
            else:
                return self._fault_response(fault, headers)
        return 200, result, headers

    @staticmethod
    def _fault_response(fault: Any, headers: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        extra = dict(headers)
        if fault.retry_after is not None:
            extra["Retry-After"] = str(fault.retry_after)
        if fault.code is None and fault.status >= 500:
            return fault.status, {"code": -1000,
                                  "msg": fault.msg or "An unknown error occurred while processing "
                                  "the request."}, extra
        code = fault.code if fault.code is not None else -1003
        msg = fault.msg or {
            -1003: "Too many requests; please use the websocket for live updates.",
            -1006: "An unexpected response was received from the message bus. Execution status "
                   "unknown.",
            -1007: "Timeout waiting for response from backend server. Send status unknown; "
                   "execution status unknown.",
            -2015: "Invalid API-key, IP, or permissions for action.",
        }.get(code, "Injected fault.")
        return fault.status, {"code": code, "msg": msg}, extra

    def _count_weight(self, weight: int, now: float) -> int:
        """Weight used in the current minute (Binance counts per calendar minute)."""
        minute = int(now // 60)
        if minute != self._weight_minute:
            self._weight_minute, self._weight_used = minute, 0
        self._weight_used += weight
        return self._weight_used

    def _count_order(self, now: float) -> dict[str, str]:
        recent, day = self._orders_10s, self._orders_1d
        recent.append(now)
        day.append(now)
        while recent and recent[0] <= now - 10:
            recent.popleft()
        while day and day[0] <= now - 86_400:
            day.popleft()
        return {"X-MBX-ORDER-COUNT-10S": str(len(recent)),
                "X-MBX-ORDER-COUNT-1D": str(len(day))}

    def _authenticate(self, route: Route, raw_query: str, raw_body: str,
                      params: dict[str, str], api_key: str | None) -> str | None:
        if route.security == "NONE":
            return api_key
        if not api_key:
            raise RejectError(-2014, "API-key format invalid.", 401)
        secret = self.ex.secret_for(api_key)
        if secret is None:
            raise RejectError(-2015, "Invalid API-key, IP, or permissions for action.", 401)
        if route.security == "API_KEY":
            return api_key
        query_payload, query_sig = strip_signature(raw_query)
        body_payload, body_sig = strip_signature(raw_body)
        signature = query_sig or body_sig
        if signature is None:
            raise RejectError(-1102, "Mandatory parameter 'signature' was not sent, was "
                              "empty/null, or malformed.")
        if "timestamp" not in params:
            raise RejectError(-1102, "Mandatory parameter 'timestamp' was not sent, was "
                              "empty/null, or malformed.")
        if not verify_signature(secret, query_payload + body_payload, signature):
            raise RejectError(-1022, "Signature for this request is not valid.")
        try:
            timestamp = int(params["timestamp"])
            recv_window = int(params.get("recvWindow") or 5000)
        except ValueError:
            raise RejectError(-1100, "Illegal characters found in parameter 'timestamp'.") from None
        if recv_window > 60_000 or recv_window <= 0:
            raise RejectError(-1131, "recvWindow must be less than 60000")
        server_now = self.ex.server_time_ms()
        if timestamp > server_now + 1000 or server_now - timestamp > recv_window:
            raise RejectError(-1021, "Timestamp for this request is outside of the recvWindow."
                              if timestamp <= server_now + 1000 else
                              "Timestamp for this request was 1000ms ahead of the server's time.")
        return api_key

    def _time(self, call: Call) -> dict[str, Any]:
        return {"serverTime": self.ex.server_time_ms()}
