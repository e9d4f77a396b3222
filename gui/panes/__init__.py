"""The panes of the main window, one file each, in the order their docks are made.

A new pane is a new file here plus one line in ``PANES``.
"""

from .balances import BalancesPane
from .base import DockArea, Environment, Pane, PaneContext
from .chart import ChartPane
from .history import HistoryPane
from .log import LogPane
from .open_orders import OpenOrdersPane
from .order_book import OrderBookPane
from .positions import PositionsPane
from .ticket import OrderTicket
from .trades import TradesPane
from .watchlist import WatchlistPane

PANES: tuple[type[Pane], ...] = (
    WatchlistPane,
    OrderTicket,
    ChartPane,
    OrderBookPane,
    TradesPane,
    OpenOrdersPane,
    BalancesPane,
    PositionsPane,
    LogPane,
    HistoryPane,
)

__all__ = ["PANES", "DockArea", "Environment", "Pane", "PaneContext"]
