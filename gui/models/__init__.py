"""Qt table models, one module per pane's data; formatting shared in ``_format``."""

from ._format import SORT_ROLE, DecimalSortProxy, amount, money, sort_key
from .balances import BalancesModel
from .log import LogModel
from .orders import OrdersModel
from .watchlist import Quote, WatchlistModel

__all__ = [
    "SORT_ROLE",
    "BalancesModel",
    "DecimalSortProxy",
    "LogModel",
    "OrdersModel",
    "Quote",
    "WatchlistModel",
    "amount",
    "money",
    "sort_key",
]
