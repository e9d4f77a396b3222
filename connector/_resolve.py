"""Client ids and finding out what happened to a request whose answer was lost.

Every order-making request carries a client id made before sending; an unknown
outcome (timeout, 5xx) is resolved by asking about that id, never by sending
again. Used by plain orders (``_trading``), algo orders, OCO lists and amends.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

from .errors import ExchangeError, NetworkError, OrderRejectedError, OrderStateUnknownError, ServerError

T = TypeVar("T")
LogFn = Callable[[str, str], None]

# How long to keep asking about an order whose outcome is unknown.
RESOLVE_DELAYS = (0.2, 0.5, 1.0, 2.0, 3.0)
_NOT_FOUND = (-2013, -2011)


def new_client_order_id() -> str:
    """Unique, made before sending, within Binance's ``^[.A-Z:/a-z0-9_-]{1,36}$``."""
    return f"sl-{uuid.uuid4().hex[:30]}"


async def resolve(log: LogFn, what: str, client_id: str, symbol: str,
                  query: Callable[[], Awaitable[T]], cause: Exception,
                  ) -> T:
    """Ask ``query`` (a lookup by our client id) until the exchange knows, or give up with
    OrderRejectedError (it has nothing: not placed) or OrderStateUnknownError."""
    log(f"{what}: outcome unknown ({cause}); asking the exchange about client id "
        f"{client_id}", "WARNING")
    last_error: Exception = cause
    for delay in RESOLVE_DELAYS:
        await asyncio.sleep(delay)
        try:
            return await query()
        except ExchangeError as exc:
            if exc.code in _NOT_FOUND or isinstance(exc, ServerError):
                last_error = exc
                continue  # not (yet) known: it may still be in flight
            raise
        except NetworkError as exc:
            last_error = exc
    if isinstance(last_error, ExchangeError) and last_error.code in _NOT_FOUND:
        log(f"{what} was not placed: the exchange has no order with client id {client_id}",
            "ERROR")
        raise OrderRejectedError(last_error.msg, code=-2013, status=last_error.status,
                                 hint=f"Order not placed ({cause}); the exchange has no "
                                      f"order with client id {client_id}")
    log(f"{what}: outcome still unknown; look for client id {client_id} before placing it "
        f"again", "ERROR")
    raise OrderStateUnknownError(
        f"Could not establish whether it was placed ({last_error}); look for client id "
        f"{client_id} before sending it again", client_order_id=client_id, symbol=symbol)
