"""Account REST endpoints of the demo exchange (signed): balances and positions.

Spot ``/api/v3/account``; futures ``account``, ``balance`` and ``positionRisk``
under both ``/fapi/v2`` and ``/fapi/v3``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ._rest_call import Call, Router
from ._wire import now_ms


def register_account(api: Router) -> None:
    api.add_route(False, "GET", "/api/v3/account", _spot_account, "SIGNED", 20)
    for version in ("v2", "v3"):
        api.add_route(True, "GET", f"/fapi/{version}/account", _futures_account, "SIGNED", 5)
        api.add_route(True, "GET", f"/fapi/{version}/balance", _futures_balance, "SIGNED", 5)
        api.add_route(True, "GET", f"/fapi/{version}/positionRisk", _position_risk, "SIGNED", 5)


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
    positions = [
        {"symbol": p["symbol"], "positionSide": "BOTH", "positionAmt": p["positionAmt"],
         "unrealizedProfit": p["unRealizedProfit"], "isolatedMargin": "0",
         "notional": p["notional"], "isolatedWallet": "0", "initialMargin": p["initialMargin"],
         "maintMargin": "0", "updateTime": p["updateTime"], "entryPrice": p["entryPrice"],
         "leverage": p["leverage"]}
        for p in e.positions(call.api_key) if Decimal(p["positionAmt"]) != 0
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


def _position_risk(call: Call) -> list[dict[str, Any]]:
    symbol = call.symbol() if call.get("symbol") else None
    return call.engine.positions(call.api_key, symbol)
