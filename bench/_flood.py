"""Kept for old imports: the flood server is ``_wire.WireServer`` now.

The first flood server called ``send_str`` once per frame, which capped it at
130–260k msg/s, below what its consumers could take, so benchmarks measured the
server. ``_wire`` writes pre-built frames from its own process instead.
"""

from __future__ import annotations

from _wire import WireServer as FloodServer
from _wire import symbols

__all__ = ["FloodServer", "symbols"]
