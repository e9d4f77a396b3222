"""Kept for old imports: the flood server is ``_wire.WireServer`` now.

The first flood server called ``send_str`` once per frame, which capped it at
130–260k msg/s, below what its consumers could take, so benchmarks measured the
server. ``_wire`` writes pre-built frames from its own process instead.
"""

from __future__ import annotations

import socket
from contextlib import closing

from _wire import WireServer as FloodServer
from _wire import symbols

__all__ = ["FloodServer", "free_port", "symbols"]


def free_port() -> int:
    """A loopback port free right now (bench/book.py's depth server binds it)."""
    with closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
