"""Account REST endpoints of the demo exchange (signed): balances, positions, settings.

Spot ``/api/v3/account``; futures ``account``, ``balance`` and ``positionRisk``
under both ``/fapi/v2`` and ``/fapi/v3`` (v2 rows carry leverage and margin
type, v3 rows the margins and only busy symbols), and the futures settings:
``leverage``, ``marginType``, ``positionSide/dual``, ``symbolConfig``
(``leverageBracket`` is in ``_rest_market``), plus ``forceOrders`` (liquidations) and ``income``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ._rest_call import Call, Router
from ._wire import RejectError, now_ms


def register_account(api: Router) -> None:
    api.add_route(False, "GET", "/api/v3/account", _spot_account, "SIGNED", 20)
    for version in ("v2", "v3"):
        api.add_route(True, "GET", f"/fapi/{version}/account", _futures_account, "SIGNED", 5)
        api.add_route(True, "GET", f"/fapi/{version}/balance", _futures_balance, "SIGNED", 5)
    api.add_route(True, "GET", "/fapi/v2/positionRisk", _position_risk_v2, "SIGNED", 5)
    api.add_route(True, "GET", "/fapi/v3/positionRisk", _position_risk_v3, "SIGNED", 5)
    api.add_route(True, "POST", "/fapi/v1/leverage", _leverage, "SIGNED", 1)
    api.add_route(True, "POST", "/fapi/v1/marginType", _margin_type, "SIGNED", 1)
    api.add_route(True, "GET", "/fapi/v1/positionSide/dual", _dual_get, "SIGNED", 30)
    api.add_route(True, "POST", "/fapi/v1/positionSide/dual", _dual_set, "SIGNED", 1)
    api.add_route(True, "GET", "/fapi/v1/symbolConfig", _symbol_config, "SIGNED", 5)
    api.add_route(True, "GET", "/fapi/v1/forceOrders", _force_orders, "SIGNED", 20)
    api.add_route(True, "GET", "/fapi/v1/income", _income, "SIGNED", 30)


def _spot_account(call: Call) -> dict[str, Any]:
    balances = list(call.engine.balances(call.api_key).values())
    return {
        "makerCommission": 10, "takerCommission": 10, "buyerCommission": 0,
        "sellerCommission": 0,
        "commissionRates": {"maker": "0.00100000", "taker": "0.00100000", "buyer": "0.00000000",
                            "seller": "0.00000000"},
        "canTrade": True, "canWithdraw": True, "canDeposit": True, "brokered": False,
        "requireSelfTradePrevention": False, "preventSor": False, "updateTime": now_ms(),
        "accountType": "SPOT", "balances": balances, "permissions": ["SPOT"], "uid": 354937868,
    }


def _futures_account(call: Call) -> dict[str, Any]:
    e = call.engine
    assets = []
    for b in e.balances(call.api_key).values():
        assets.append({k: b[k] for k in (
            "asset", "walletBalance", "unrealizedProfit", "marginBalance", "maintMargin",
            "initialMargin", "positionInitialMargin", "openOrderInitialMargin",
            "crossWalletBalance", "crossUnPnl", "availableBalance", "maxWithdrawAmount",
            "updateTime")} | {"marginAvailable": True})
    usdt = e.futures_balance(call.api_key, "USDT")
    leverage = {c["symbol"]: c for c in e.symbol_config(call.api_key)}
    positions = [
        {"symbol": p["symbol"], "positionSide": "BOTH", "positionAmt": p["positionAmt"],
         "unrealizedProfit": p["unRealizedProfit"], "isolatedMargin": p["isolatedMargin"],
         "notional": p["notional"], "isolatedWallet": p["isolatedWallet"],
         "initialMargin": p["initialMargin"], "maintMargin": p["maintMargin"],
         "positionInitialMargin": p["positionInitialMargin"],
         "openOrderInitialMargin": p["openOrderInitialMargin"], "updateTime": p["updateTime"],
         "entryPrice": p["entryPrice"], "leverage": str(leverage[p["symbol"]]["leverage"]),
         "isolated": leverage[p["symbol"]]["marginType"] == "ISOLATED"}
        for p in e.positions(call.api_key, version=3) if Decimal(p["positionAmt"]) != 0
    ]
    return {
        "feeTier": 0, "canTrade": True, "canDeposit": True, "canWithdraw": True,
        "updateTime": 0, "multiAssetsMargin": False,
        "totalInitialMargin": usdt["initialMargin"], "totalMaintMargin": usdt["maintMargin"],
        "totalWalletBalance": usdt["walletBalance"],
        "totalUnrealizedProfit": usdt["unrealizedProfit"],
        "totalMarginBalance": usdt["marginBalance"],
        "totalPositionInitialMargin": usdt["positionInitialMargin"],
        "totalOpenOrderInitialMargin": usdt["openOrderInitialMargin"],
        "totalCrossWalletBalance": usdt["crossWalletBalance"],
        "totalCrossUnPnl": usdt["crossUnPnl"], "availableBalance": usdt["availableBalance"],
        "maxWithdrawAmount": usdt["maxWithdrawAmount"], "assets": assets, "positions": positions,
    }


def _futures_balance(call: Call) -> list[dict[str, Any]]:
    keys = ("accountAlias", "asset", "balance", "crossWalletBalance", "crossUnPnl",
            "availableBalance", "maxWithdrawAmount", "marginAvailable", "updateTime")
    return [{k: b[k] for k in keys} for b in call.engine.balances(call.api_key).values()]


def _position_risk_v2(call: Call) -> list[dict[str, Any]]:
    symbol = call.symbol() if call.get("symbol") else None
    return call.engine.positions(call.api_key, symbol, version=2)


def _position_risk_v3(call: Call) -> list[dict[str, Any]]:
    symbol = call.symbol() if call.get("symbol") else None
    return call.engine.positions(call.api_key, symbol, version=3)


def _leverage(call: Call) -> dict[str, Any]:
    leverage = call.int("leverage")
    if leverage is None:
        raise RejectError(-1102, "Mandatory parameter 'leverage' was not sent, was empty/null, "
                          "or malformed.")
    return call.engine.set_leverage(call.api_key, call.symbol(), leverage)


def _margin_type(call: Call) -> dict[str, Any]:
    return call.engine.set_margin_type(call.api_key, call.symbol(), call.need("marginType"))


def _dual_get(call: Call) -> dict[str, Any]:
    return {"dualSidePosition": call.engine.account(call.api_key).dual_side}


def _dual_set(call: Call) -> dict[str, Any]:
    value = call.need("dualSidePosition").lower()
    if value not in ("true", "false"):
        raise RejectError(-1100, "Illegal characters found in parameter 'dualSidePosition'; "
                          "legal range is 'true, false'.")
    return call.engine.set_dual_side(call.api_key, value == "true")


def _symbol_config(call: Call) -> list[dict[str, Any]]:
    symbol = call.symbol() if call.get("symbol") else None
    return call.engine.symbol_config(call.api_key, symbol)


def _force_orders(call: Call) -> list[dict[str, Any]]:
    symbol = call.symbol() if call.get("symbol") else None
    rows = call.engine.account(call.api_key).force_orders
    return [r for r in rows if symbol is None or r["symbol"] == symbol][-(call.int("limit") or 50):]


def _income(call: Call) -> list[dict[str, Any]]:
    kind = call.get("incomeType")
    symbol = call.symbol() if call.get("symbol") else None
    return [r for r in call.engine.account(call.api_key).income
            if (kind is None or r["incomeType"] == kind)
            and (symbol is None or r["symbol"] == symbol)][-(call.int("limit") or 100):]
