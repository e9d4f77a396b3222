"""The spot WebSocket API of the demo exchange (``/ws-api/v3``): what user data needs."""

from __future__ import annotations

import itertools
from typing import Any

import orjson

from ._auth import verify_signature
from ._engine import RejectError
from ._hub_base import Conn, HubBase


class WsApi(HubBase):
    _sub_ids: itertools.count[int]

    def _init_ws_api(self) -> None:
        self._sub_ids = itertools.count(0)

    async def _ws_api_request(self, conn: Conn, data: str) -> None:
        try:
            req = orjson.loads(data)
            req_id = req.get("id")
            method = req["method"]
            params = req.get("params") or {}
        except Exception:
            conn.send(orjson.dumps({"id": None, "status": 400, "error": {
                "code": -1102, "msg": "Malformed request."}}).decode())
            return
        try:
            result = self._ws_api_call(conn, method, params)
        except RejectError as exc:
            conn.send(orjson.dumps({"id": req_id, "status": exc.status, "error": {
                "code": exc.code, "msg": exc.msg}}).decode())
            return
        conn.send(orjson.dumps({"id": req_id, "status": 200, "result": result, "rateLimits": [
            {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1,
             "limit": 6000, "count": 2}]}).decode())

    def _ws_api_call(self, conn: Conn, method: str, params: dict[str, Any]) -> Any:
        if method == "ping":
            return {}
        if method == "time":
            return {"serverTime": self.ex.server_time_ms()}
        if method == "session.status":
            return {"apiKey": conn.api_key or None, "authorizedSince": None,
                    "connectedSince": int(conn.opened), "returnRateLimits": True,
                    "serverTime": self.ex.server_time_ms(), "userDataStream":
                    conn.subscription_id is not None}
        if method == "userDataStream.subscribe.signature":
            api_key = str(params.get("apiKey") or "")
            signature = str(params.get("signature") or "")
            secret = self.ex.secret_for(api_key)
            if not api_key or secret is None:
                raise RejectError(-2015, "Invalid API-key, IP, or permissions for action.", 401)
            payload = "&".join(f"{k}={params[k]}" for k in sorted(params) if k != "signature")
            if not signature or not verify_signature(secret, payload, signature):
                raise RejectError(-1022, "Signature for this request is not valid.", 400)
            try:
                timestamp = int(params.get("timestamp", 0))
            except (TypeError, ValueError):
                raise RejectError(-1100, "Illegal characters found in parameter 'timestamp'.")\
                    from None
            window = int(params.get("recvWindow") or 5000)
            server = self.ex.server_time_ms()
            if timestamp > server + 1000 or server - timestamp > window:
                raise RejectError(-1021, "Timestamp for this request is outside of the "
                                  "recvWindow.")
            conn.api_key = api_key
            conn.subscription_id = next(self._sub_ids)
            return {"subscriptionId": conn.subscription_id}
        if method == "userDataStream.unsubscribe":
            conn.subscription_id = None
            return {}
        raise RejectError(-1100, f"Unknown method '{method}'.")
