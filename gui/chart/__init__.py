"""The candle chart's parts: the candle store, per-pixel aggregation, the drawn items, theme.

``gui.panes.chart`` assembles them into the Chart pane; the parts stay Qt-light
(the store and the aggregation are numpy only) so they are tested and
benchmarked on their own.
"""

from .aggregate import Columns, aggregate
from .items import CandlesItem, VolumeItem
from .store import INTERVAL_MS, CandleStore
from .theme import ChartTheme, chart_theme

__all__ = [
    "INTERVAL_MS",
    "CandleStore",
    "CandlesItem",
    "ChartTheme",
    "Columns",
    "VolumeItem",
    "aggregate",
    "chart_theme",
]
