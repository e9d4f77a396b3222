"""What every part of the demo exchange shares: the market kind, Binance's refusal, the clock.

``RejectError`` is how an engine or a handler says no: it carries Binance's
error code, message and HTTP status, and the REST dispatcher turns it into the
wire's ``{"code", "msg"}`` body. ``fmt`` is the one way a Decimal goes on the wire.
"""

from __future__ import annotations

import time
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

Market = Literal["spot", "futures"]
ZERO = Decimal(0)


class RejectError(Exception):
    """An order or query the exchange refuses: Binance's code, message and HTTP status."""

    def __init__(self, code: int, msg: str, status: int = 400) -> None:
        super().__init__(msg)
        self.code = code
        self.msg = msg
        self.status = status


def fmt(d: Decimal, places: int = 8) -> str:
    q = Decimal(1).scaleb(-places)
    return format(d.quantize(q, rounding=ROUND_HALF_UP), "f")


def now_ms() -> int:
    return int(time.time() * 1000)
