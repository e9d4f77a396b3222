"""User data of the demo exchange: order and account events, futures listenKeys and sockets.

Spot events go to WS API sessions subscribed with
``userDataStream.subscribe.signature``; futures events to listenKey sockets
(``/private/ws/<key>``, ``/private/ws?listenKey=<key>``, ``/ws/<key>``).
"""

from __future__ import annotations

import secrets
import time
from decimal import Decimal
from typing import Any

import orjson
from aiohttp import web

from ._engine import Market, RejectError, fmt, now_ms
from ._hub_base import Conn, HubBase

LISTEN_KEY_TTL = 3600.0


class UserStreams(HubBase):
    _listen_keys: dict[str, tuple[str, float]]  # key -> (api_key, expires at)
    listen_key_ttl: float

    def _init_user(self) -> None:
        self._listen_keys = {}
        self.listen_key_ttl = LISTEN_KEY_TTL

    def _register_listen_key_routes(self) -> None:
        rest = self.ex.rest_api
        for method, handler in (("POST", self._lk_create), ("PUT", self._lk_keepalive),
                                ("DELETE", self._lk_delete)):
            rest.add_route(True, method, "/fapi/v1/listenKey", handler, "API_KEY", 1)

    def own_order_changed(self, market: Market, order: dict[str, Any]) -> None:
        """Hook for the market-data part: a user's order changed (the book holds them)."""

    # -- events (EventSink) ------------------------------------------------------------

    def order_update(self, market: Market, api_key: str, order: dict[str, Any],
                     execution_type: str, last_qty: Decimal, last_price: Decimal,
                     commission: Decimal, commission_asset: str | None, trade_id: int,
                     is_maker: bool, time_ms: int, realized_pnl: Decimal = Decimal(0)) -> None:
        self.own_order_changed(market, order)
        if market == "spot":
            event: dict[str, Any] = {
                "e": "executionReport", "E": time_ms, "s": order["symbol"],
                "c": order["clientOrderId"], "S": order["side"], "o": order["type"],
                "f": order["timeInForce"], "q": order["origQty"], "p": order["price"],
                "P": order.get("stopPrice", "0.00000000"), "F": "0.00000000",
                "g": order.get("orderListId", -1),
                "C": order["clientOrderId"] if execution_type == "CANCELED" else "",
                "x": execution_type, "X": order["status"], "r": "NONE", "i": order["orderId"],
                "l": fmt(last_qty), "z": order["executedQty"], "L": fmt(last_price),
                "n": fmt(commission), "N": commission_asset, "T": time_ms, "t": trade_id,
                "v": 0, "I": trade_id, "w": order.get("isWorking", True),
                "m": is_maker, "M": False, "O": order["time"],
                "Z": order["cummulativeQuoteQty"], "Y": fmt(last_qty * last_price),
                "Q": "0.00000000", "W": order["time"], "V": "EXPIRE_MAKER",
            }
            self._to_ws_api(api_key, event)
            return
        event = {
            "e": "ORDER_TRADE_UPDATE", "E": time_ms, "T": time_ms,
            "o": {"s": order["symbol"], "c": order["clientOrderId"], "S": order["side"],
                  "o": order["type"], "f": order["timeInForce"], "q": order["origQty"],
                  "p": order["price"], "ap": order["avgPrice"], "sp": order.get("stopPrice", "0"),
                  "x": "CALCULATED" if execution_type == "LIQUIDATION" else execution_type,
                  "X": order["status"], "i": order["orderId"], "l": fmt(last_qty),
                  "z": order["executedQty"], "L": fmt(last_price),
                  "N": commission_asset or "USDT", "n": fmt(commission), "T": time_ms,
                  "t": max(trade_id, 0), "b": "0", "a": "0", "m": is_maker,
                  "R": order.get("reduceOnly", False), "wt": "CONTRACT_PRICE",
                  "ot": order.get("origType", order["type"]), "ps": "BOTH", "cp": False,
                  "rp": fmt(realized_pnl),
                  "pP": False, "si": 0, "ss": 0, "V": "NONE", "pm": "NONE", "gtd": 0},
        }
        self._to_user_stream(api_key, event)

    def account_update(self, market: Market, api_key: str, balances: dict[str, dict[str, Any]],
                       reason: str, time_ms: int,
                       positions: list[dict[str, Any]] | None = None) -> None:
        if market == "spot":
            self._to_ws_api(api_key, {
                "e": "outboundAccountPosition", "E": time_ms, "u": time_ms,
                "B": [{"a": b["asset"], "f": b["free"], "l": b["locked"]}
                      for b in balances.values()]})
            return
        self._to_user_stream(api_key, {
            "e": "ACCOUNT_UPDATE", "E": time_ms, "T": time_ms,
            "a": {"m": reason,
                  "B": [{"a": b["asset"], "wb": b["walletBalance"], "cw": b["crossWalletBalance"],
                         "bc": "0"} for b in balances.values()],
                  "P": [{"s": p["symbol"], "pa": p["positionAmt"], "ep": p["entryPrice"],
                         "bep": p["breakEvenPrice"], "cr": "0", "up": p["unRealizedProfit"],
                         "mt": p.get("marginType", "cross"),
                         "iw": p.get("isolatedWallet", "0"), "ps": "BOTH"}
                        for p in positions or []]},
        })

    def account_config_update(self, market: Market, api_key: str, symbol: str, leverage: int,
                              time_ms: int) -> None:
        """Futures ``ACCOUNT_CONFIG_UPDATE``: a symbol's leverage changed."""
        if market == "futures":
            self._to_user_stream(api_key, {"e": "ACCOUNT_CONFIG_UPDATE", "E": time_ms,
                                           "T": time_ms, "ac": {"s": symbol, "l": leverage}})

    # -- conditional orders (EventSink) ---------------------------------------------------

    def algo_update(self, market: Market, api_key: str, algo: dict[str, Any],
                    time_ms: int) -> None:
        """Futures ``ALGO_UPDATE`` on the user stream."""
        self._to_user_stream(api_key, {"e": "ALGO_UPDATE", "T": time_ms, "E": time_ms, "o": {
            "caid": algo["clientAlgoId"], "aid": algo["algoId"], "at": algo["algoType"],
            "o": algo["orderType"], "s": algo["symbol"], "S": algo["side"], "ps": "BOTH",
            "f": algo["timeInForce"], "q": algo["quantity"], "X": algo["algoStatus"],
            "ai": algo["actualOrderId"], "ap": algo["avgPrice"], "aq": algo["executedQty"],
            "act": "0", "tp": algo["triggerPrice"], "p": algo["price"], "V": "EXPIRE_MAKER",
            "wt": algo["workingType"], "pm": "NONE", "cp": False, "pP": False,
            "R": algo["reduceOnly"], "tt": algo["triggerTime"], "gtd": 0,
            "rm": algo["rejectReason"]}})

    def list_status(self, market: Market, api_key: str, order_list: dict[str, Any],
                    time_ms: int) -> None:
        """Spot ``listStatus`` on the WebSocket API user stream."""
        self._to_ws_api(api_key, {
            "e": "listStatus", "E": time_ms, "s": order_list["symbol"],
            "g": order_list["orderListId"], "c": order_list["contingencyType"],
            "l": order_list["listStatusType"], "L": order_list["listOrderStatus"], "r": "NONE",
            "C": order_list["listClientOrderId"], "T": time_ms,
            "O": [{"s": o["symbol"], "i": o["orderId"], "c": o["clientOrderId"]}
                  for o in order_list["orders"]]})

    def _to_ws_api(self, api_key: str, event: dict[str, Any]) -> None:
        for conn in tuple(self.conns):
            if conn.kind == "wsapi" and conn.api_key == api_key and conn.subscription_id is not None:
                conn.send(orjson.dumps({"subscriptionId": conn.subscription_id,
                                        "event": event}).decode())

    def _to_user_stream(self, api_key: str, event: dict[str, Any]) -> None:
        text: str | None = None
        for conn in tuple(self.conns):
            if conn.kind == "user" and conn.api_key == api_key and conn.listen_key:
                text = text or orjson.dumps(event).decode()
                conn.send(text)

    # -- futures listenKey ---------------------------------------------------------------

    def expire_listen_keys(self) -> None:
        for key in list(self._listen_keys):
            self._expire(key)

    def _expire(self, key: str) -> None:
        self._listen_keys.pop(key, None)
        msg = orjson.dumps({"e": "listenKeyExpired", "E": now_ms(), "listenKey": key}).decode()
        for conn in list(self.conns):
            if conn.kind == "user" and conn.listen_key == key:
                conn.send(msg)
                conn.listen_key = ""

    def _expire_due(self) -> None:
        wall = time.time()
        for key, (_, expires) in list(self._listen_keys.items()):
            if expires < wall:
                self._expire(key)

    def _lk_create(self, call: Any) -> dict[str, Any]:
        for key, (owner, _) in self._listen_keys.items():
            if owner == call.api_key:
                self._listen_keys[key] = (owner, time.time() + self.listen_key_ttl)
                return {"listenKey": key}
        key = secrets.token_urlsafe(48)[:64]
        self._listen_keys[key] = (call.api_key, time.time() + self.listen_key_ttl)
        return {"listenKey": key}

    def _lk_keepalive(self, call: Any) -> dict[str, Any]:
        for key, (owner, _) in self._listen_keys.items():
            if owner == call.api_key:
                self._listen_keys[key] = (owner, time.time() + self.listen_key_ttl)
                return {"listenKey": key}
        raise RejectError(-1125, "This listenKey does not exist.")

    def _lk_delete(self, call: Any) -> dict[str, Any]:
        for key, (owner, _) in list(self._listen_keys.items()):
            if owner == call.api_key:
                del self._listen_keys[key]
                for conn in list(self.conns):
                    if conn.kind == "user" and conn.listen_key == key:
                        conn.close_soon()
        return {}

    def is_listen_key(self, key: str) -> bool:
        return key in self._listen_keys

    def _user_conn(self, ws: web.WebSocketResponse, path: str, key: str) -> Conn:
        owner, _ = self._listen_keys[key]
        return Conn(ws, path, "futures", "user", api_key=owner, listen_key=key)
