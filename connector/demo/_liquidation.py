"""Liquidation arithmetic of the demo exchange: Binance's one-way-mode formula, pure Decimal.

Binance, "How to Calculate Liquidation Price of USDⓈ-M Futures Contracts"
(https://www.binance.com/en/support/faq/b3c689c1f50a44cabb3a84e663b81d93),
in one-way mode (the hedge-mode LONG/SHORT terms are zero)::

    LP = (WB - TMM1 + UPNL1 + cumB - Side1 * Position1 * EP1)
         / (Position1 * MMR_B - Side1 * Position1)

``WB`` is the cross wallet balance (cross margin) or the position's isolated
wallet (isolated margin, where ``TMM1 = UPNL1 = 0``); ``TMM1``/``UPNL1`` the
maintenance margin and unrealized PnL of every *other* cross position; ``cumB``
and ``MMR_B`` the maintenance amount and rate of the position's bracket;
``Side1`` +1 long, -1 short; ``Position1`` the absolute size; ``EP1`` the
entry price. The demo is an independent exchange, so it keeps its own copy of
the formula rather than importing the connector's.

A liquidated position closes with one order Binance marks as such: type
``LIQUIDATION``, client id ``autoclose-<time>``, executions ``NEW`` then
``CALCULATED`` (Binance's user-data docs, "Event: Order Update").
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ._wire import ZERO, fmt


def liquidation_price(wallet: Decimal, other_maint: Decimal, other_pnl: Decimal,
                      amount: Decimal, entry: Decimal, mmr: Decimal, cum: Decimal) -> Decimal:
    """Binance's one-way LP for a position of signed ``amount``; 0 when it cannot liquidate."""
    if not amount:
        return ZERO
    side = Decimal(1) if amount > 0 else Decimal(-1)
    size = abs(amount)
    denominator = size * mmr - side * size
    if not denominator:
        return ZERO
    price = (wallet - other_maint + other_pnl + cum - side * size * entry) / denominator
    return price if price > 0 else ZERO


def liquidation_order(order_id: int, symbol: str, side: str, qty: Decimal, price: Decimal,
                      t: int, status: str) -> dict[str, Any]:
    """The order row a liquidation shows as (the fields the stream hub reads, and forceOrders')."""
    filled = status == "FILLED"
    return {
        "symbol": symbol, "orderId": order_id, "clientOrderId": f"autoclose-{t}",
        "price": fmt(price), "avgPrice": fmt(price if filled else ZERO, 5),
        "origQty": fmt(qty), "executedQty": fmt(qty if filled else ZERO),
        "cumQuote": fmt(qty * price if filled else ZERO), "status": status,
        "timeInForce": "IOC", "type": "LIQUIDATION", "origType": "LIQUIDATION", "side": side,
        "reduceOnly": True, "closePosition": False, "positionSide": "BOTH", "stopPrice": "0",
        "workingType": "CONTRACT_PRICE", "priceProtect": False, "time": t, "updateTime": t,
    }
