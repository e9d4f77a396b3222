"""The status bar: one light per connection kind, clock offset, request weight."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QStatusBar

from connector.events import ConnectionState

from .bridge import Bridge
from .widgets import LiveText, named

KINDS = (("market", "Market"), ("user", "Account"))


class ConnectionBoard:
    """The state of every connection, summed up per kind: a kind is "connected" only when
    each of its connections is; otherwise it shows the worst one."""

    ORDER = ("closed", "reconnecting", "connecting", "connected")

    def __init__(self) -> None:
        self._states: dict[tuple[str, str], str] = {}

    def update(self, state: ConnectionState) -> None:
        self._states[(state.stream, state.connection or state.stream)] = state.state

    def clear(self) -> None:
        self._states.clear()

    def summary(self, kind: str) -> str | None:
        states = [s for (k, _), s in self._states.items() if k == kind]
        if not states:
            return None
        rank = {s: i for i, s in enumerate(self.ORDER)}
        return min(states, key=lambda s: rank.get(s, -1))

    def count(self, kind: str) -> tuple[int, int]:
        """(connected, all) connections of a kind."""
        states = [s for (k, _), s in self._states.items() if k == kind]
        return sum(s == "connected" for s in states), len(states)


class StatusBar:
    def __init__(self, bar: QStatusBar, bridge: Bridge) -> None:
        self.bridge = bridge
        self.board = ConnectionBoard()
        self.message = named(QLabel(""), "statusMessage")
        self.lights = {kind: named(QLabel(f"{name}: —"), f"status{name}")
                       for kind, name in (("market", "Market"), ("user", "User"))}
        # rewritten every second: painted, not laid out again (``LiveText``)
        self.clock = named(LiveText(13), "statusClock")
        self.weight = named(LiveText(17), "statusWeight")
        self.clock.set_text("Clock: —")
        self.weight.set_text("Weight: —")
        bar.addWidget(self.message, 1)
        for label in (*self.lights.values(), self.clock, self.weight):
            bar.addPermanentWidget(label)
        bridge.connectionChanged.connect(self._changed)
        self._timer = QTimer(bar)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()

    def _changed(self, state: ConnectionState) -> None:
        self.board.update(state)
        self.refresh()

    def show_message(self, text: str) -> None:
        self.message.setText(text)

    def refresh(self) -> None:
        for kind, name in KINDS:
            state = self.board.summary(kind)
            if state is None:
                state = "no keys" if kind == "user" and self.bridge.connected and not \
                    self.bridge.has_credentials else "—"
            connected, total = self.board.count(kind)
            detail = f" ({connected}/{total})" if total > 1 and connected < total else ""
            label = self.lights[kind]
            text = f"● {name}: {state}{detail}"
            if label.text() == text and label.property("state") == state:
                continue  # a re-polish re-lays out the whole window: only on a change
            label.setText(text)
            label.setProperty("state", state)
            label.style().unpolish(label)
            label.style().polish(label)
        health = self.bridge.health()
        if health is not None:
            self.clock.set_text(f"Clock {health[0]:+.0f} ms")
            self.weight.set_text(f"Weight {health[1]}/{health[2]}")

    def stop(self) -> None:
        self._timer.stop()
