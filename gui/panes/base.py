"""The small protocol every dock pane follows, so a new pane is a new file.

A pane is a ``QWidget`` that declares its dock (title, objectName, area) and
the connector event types it wants. The window makes the dock; the bridge
calls ``on_event`` for each event of a listened type at stream speed (update
data only: the window calls ``flush`` about 20 times a second, and that is
where widgets repaint). ``on_connected`` runs after every (re)connect or
environment switch with the new environment's contracts; ``on_disconnected``
when the client goes away (clear everything of the old environment).

Areas: "left", "right", "bottom" are the window's dock areas; "center" panes
(the chart) share the central area as tabs, framed by the others, with the
"bottom" panes as a row of tabs beneath. Docks of one area stack in ``PANES``
order, or share tabs with the dock named in ``tab_with`` (see ``gui/docks.py``).

Panes import the connector's value types only (models, events, filters,
errors); commands go through ``ctx.bridge``'s coroutines, run with
``ctx.spawn`` so their errors reach the log. Rarer news arrives as bridge
signals: ``orderChanged``, ``balancesChanged``, ``connectionChanged``,
``logged``, ``symbolFocused`` (follow the ticket's symbol), ``priceChosen``.

Adding a pane: a new file under ``gui/panes/`` and one line in ``PANES``.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal, Protocol

from PySide6.QtWidgets import QTableView, QWidget

from connector import Contract

from ..environment import Environment

if TYPE_CHECKING:
    import asyncio

    from ..bridge import Bridge
    from ..settings import Settings

DockArea = Literal["left", "center", "right", "bottom"]

__all__ = ["DockArea", "Environment", "Pane", "PaneContext"]


class Log(Protocol):
    def __call__(self, message: str, level: str = "INFO") -> None: ...


@dataclass(frozen=True, slots=True)
class PaneContext:
    """What a pane may use: events and commands (bridge), settings, a task runner, the log."""

    bridge: Bridge
    settings: Settings
    spawn: Callable[[Coroutine[Any, Any, Any]], asyncio.Task[Any]]
    log: Log  # a line for the log pane: (message, level="INFO")


class Pane(QWidget):
    title: ClassVar[str] = ""  # dock title shown to the trader
    dock_name: ClassVar[str] = ""  # the dock's objectName, e.g. "dockChart"
    area: ClassVar[DockArea] = "right"
    listens: ClassVar[tuple[type, ...]] = ()  # connector.events types passed to on_event
    tab_with: ClassVar[str] = ""  # dock_name of a pane to share tabs with (same area)

    def __init__(self, ctx: PaneContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx

    def on_event(self, event: Any) -> None:
        """One event of a type in ``listens``; called on the loop at stream speed."""

    def on_connected(self, env: Environment, contracts: Mapping[str, Contract]) -> None:
        """A client is live for ``env``; ``contracts`` are its trading symbols."""

    def on_disconnected(self) -> None:
        """The client went away (switching, closing): forget the old environment's data."""

    def flush(self) -> None:
        """Repaint what changed since the last call (about 20 times a second)."""

    def set_theme(self, name: str) -> None:
        """Follow the window's theme, "dark" or "light" (for colours a style sheet can't set)."""

    def tables(self) -> Mapping[str, QTableView]:
        """Tables whose column widths the window saves, by a stable name."""
        return {}
