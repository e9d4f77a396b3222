"""What the demo exchange received, for tests to assert what was and was not sent."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar, overload

T = TypeVar("T")


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


class Recorder(Generic[T]):
    """A bounded log of what arrived: the newest ``limit`` entries, or nothing when disabled.

    The app's embedded demo runs for hours, so an unbounded list would grow
    without end; tests keep the default and read it like a list (``len``,
    iteration, indexing and slicing).
    """

    __slots__ = ("_items", "enabled")

    def __init__(self, enabled: bool = True, limit: int = 10_000) -> None:
        self.enabled = enabled
        self._items: deque[T] = deque(maxlen=max(limit, 0))

    def append(self, item: T) -> None:
        if self.enabled:
            self._items.append(item)

    def clear(self) -> None:
        self._items.clear()

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[T]:
        return iter(self._items)

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> list[T]: ...
    def __getitem__(self, index: int | slice) -> T | list[T]:
        if isinstance(index, slice):
            return list(self._items)[index]
        return self._items[index]

    def __bool__(self) -> bool:
        return bool(self._items)

    def __repr__(self) -> str:
        return f"Recorder({len(self._items)} of {self._items.maxlen})"
