"""Fault injection: how tests make the demo exchange misbehave like the real one does."""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass(slots=True)
class RestFault:
    path: str
    method: str | None
    status: int
    code: int | None
    msg: str
    retry_after: int | None
    after_accept: bool
    count: int
    delay: float = 0.0  # > 0: a delay fault (respond late) instead of an error


@dataclass(slots=True)
class Faults:
    latency: float = 0.0
    clock_skew_ms: int = 0
    silent: bool = False
    max_connection_lifetime: float = 86_400.0
    malformed_pending: int = 0
    banned_until: float = 0.0
    refuse_connections: bool = False
    rest: list[RestFault] = field(default_factory=list)
    # diff-depth faults: each counts events (of any diff-depth stream) still to spoil
    depth_drop: int = 0
    depth_duplicate: int = 0
    depth_reorder: int = 0
    depth_cross: int = 0
    depth_lag_count: int = 0  # REST depth snapshots still to serve late
    depth_lag_events: int = 0  # ... this many diffs behind the streams

    def fail_next(self, path: str, *, method: str | None = None, status: int = 500,
                  code: int | None = None, msg: str = "", retry_after: int | None = None,
                  after_accept: bool = False, count: int = 1) -> None:
        self.rest.append(RestFault(path, method, status, code, msg, retry_after, after_accept,
                                   count))

    def delay_next(self, path: str, seconds: float, *, method: str | None = None,
                   after_accept: bool = True, count: int = 1) -> None:
        self.rest.append(RestFault(path, method, 200, None, "", None, after_accept, count,
                                   delay=seconds))

    def ban(self, seconds: float) -> None:
        self.banned_until = time.time() + seconds

    def malformed_next(self, n: int) -> None:
        self.malformed_pending += n

    def drop_depth(self, n: int = 1) -> None:
        """Lose the next ``n`` diff-depth events (a gap the client must notice)."""
        self.depth_drop += n

    def duplicate_depth(self, n: int = 1) -> None:
        """Send each of the next ``n`` diff-depth events twice."""
        self.depth_duplicate += n

    def reorder_depth(self, n: int = 1) -> None:
        """Swap each of the next ``n`` diff-depth events with the one after it."""
        self.depth_reorder += n

    def cross_depth(self, n: int = 1) -> None:
        """Send ``n`` well-sequenced diff-depth events that cross the book (bogus bids)."""
        self.depth_cross += n

    def lag_depth_snapshot(self, events: int = 20, count: int = 1) -> None:
        """Serve the next ``count`` REST depth snapshots ``events`` diffs behind the streams."""
        self.depth_lag_events = events
        self.depth_lag_count += count

    def take(self, path: str, method: str) -> RestFault | None:
        """The fault that applies to this request, if any (consumes one of its count)."""
        for fault in self.rest:
            if fault.path == path and (fault.method is None or fault.method == method):
                fault.count -= 1
                if fault.count <= 0:
                    self.rest.remove(fault)
                return fault
        return None

    def clear(self) -> None:
        self.latency = 0.0
        self.clock_skew_ms = 0
        self.silent = False
        self.malformed_pending = 0
        self.banned_until = 0.0
        self.rest.clear()
        self.depth_drop = self.depth_duplicate = self.depth_reorder = self.depth_cross = 0
        self.depth_lag_count = self.depth_lag_events = 0
