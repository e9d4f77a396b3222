"""What the demo exchange received, for tests to assert what was and was not sent."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    method: str
    path: str
    params: dict[str, str]
    api_key: str | None
    status: int
    time: float


@dataclass(frozen=True, slots=True)
class RecordedWsMessage:
    path: str
    data: str
    time: float
