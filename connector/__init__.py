"""Starlight's Binance connector: asyncio + aiohttp, spot and USD-M futures, no Qt.

Public surface::

    from connector import BinanceClient, Contract, Candle, Balance, OrderStatus, BinanceError
    from connector.orders import prepare_order      # parse, round, check (no I/O)
    from connector.events import OrderUpdate, ...   # what listeners receive
    from connector.demo import DemoExchange

Inside, dependencies point one way: ``client`` (facade) -> ``_trading`` /
``_market_data`` -> ``_core`` -> ``_live`` (streams) -> ``_userdata`` /
``_streams`` -> ``_account`` (state), ``_rest``, ``_supervise`` -> value
modules (``_models``, ``events``, ``errors``, ``filters``, ``orders``).
"""

from ._models import Balance, Candle, Contract, OrderBook, OrderStatus, Position, Trade
from .client import BinanceClient
from .errors import (
    AuthError,
    BinanceError,
    ExchangeError,
    FilterError,
    InputError,
    IPBannedError,
    MissingCredentialsError,
    NetworkError,
    OrderRejectedError,
    OrderStateUnknownError,
    RateLimitError,
    ServerError,
)

__all__ = [
    "AuthError",
    "Balance",
    "BinanceClient",
    "BinanceError",
    "Candle",
    "Contract",
    "ExchangeError",
    "FilterError",
    "IPBannedError",
    "InputError",
    "MissingCredentialsError",
    "NetworkError",
    "OrderBook",
    "OrderRejectedError",
    "OrderStateUnknownError",
    "OrderStatus",
    "Position",
    "RateLimitError",
    "ServerError",
    "Trade",
]
