"""One dock per pane, placed by the pane's ``area``; the layout is saved and restored.

"left", "right" and "bottom" are the main window's dock areas. "center" panes (the chart)
live in a dock area of their own: an inner ``QMainWindow`` set as the central widget, so
they can be tabbed, moved and hidden like any dock while the outer docks frame them.
Without a center pane the central widget is an empty placeholder and the other areas
share the window.

Docks of one area stack top to bottom in ``PANES`` order; center panes share tabs, and so
do the bottom ones under a center pane (a row of tabs beneath the chart); without one, the
bottom docks make the right-hand column. ``tab_with`` joins the named dock's tabs.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow, QTableView, QWidget

from .panes import Pane
from .settings import Settings
from .widgets import Table, named

Area = Qt.DockWidgetArea
AREAS = {"left": Area.LeftDockWidgetArea, "right": Area.RightDockWidgetArea,
         "bottom": Area.BottomDockWidgetArea, "center": Area.TopDockWidgetArea}
FEATURES = (QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
WIDTHS = {"left": 560, "right": 300}  # side columns; the middle takes the rest
MIDDLE_WIDTH = 880  # the bottom docks' width when there is no center pane
BOTTOM_HEIGHT = 260  # under a center pane
STACK_HEIGHT = 400  # docks stacked in one column share its height evenly


class Docks:
    def __init__(self, window: QMainWindow, panes: Sequence[Pane]) -> None:
        self.window = window
        self.panes = list(panes)
        self.docks: dict[str, QDockWidget] = {}
        self.center: QMainWindow | None = None
        has_center = any(p.area == "center" for p in panes)
        if has_center:
            self.center = named(QMainWindow(), "centerArea")
            self.center.setCentralWidget(_placeholder())
            self.center.setDockNestingEnabled(True)
            window.setCentralWidget(self.center)
        else:
            window.setCentralWidget(_placeholder())
        window.setDockNestingEnabled(True)
        window.setCorner(Qt.Corner.BottomLeftCorner, Area.LeftDockWidgetArea)
        window.setCorner(Qt.Corner.BottomRightCorner, Area.RightDockWidgetArea)
        by_area: dict[str, list[QDockWidget]] = {}  # the docks that own a place, by area
        tabs: list[tuple[QMainWindow, QDockWidget, QDockWidget]] = []
        areas: dict[str, str] = {}
        for pane in panes:
            host = self.center if pane.area == "center" and self.center else window
            dock = named(QDockWidget(pane.title, host), pane.dock_name)
            dock.setWidget(pane)
            dock.setFeatures(FEATURES)
            self.docks[pane.dock_name] = dock
            areas[pane.dock_name] = pane.area
            placed = by_area.setdefault(pane.area, [])
            partner = self.docks.get(pane.tab_with)
            if partner is not None and areas[pane.tab_with] == pane.area:
                tabs.append((host, partner, dock))
            elif placed and (pane.area == "center" or (pane.area == "bottom" and has_center)):
                tabs.append((host, placed[0], dock))  # under a chart, a row of tabs
            else:
                self._place(host, dock, pane.area, placed, has_center)
                placed.append(dock)
        # Tabs last: Qt adds a dock split from a tabbed one as another tab, not beside it.
        for host, partner, dock in tabs:
            host.tabifyDockWidget(partner, dock)
        for _, partner, _ in tabs:  # the first of each group shows
            partner.raise_()
        self._by_area, self._has_center = by_area, has_center
        self.restored = False
        self._default = window.saveState()
        self._default_center = self.center.saveState() if self.center else QByteArray()

    @staticmethod
    def _place(host: QMainWindow, dock: QDockWidget, area: str, placed: list[QDockWidget],
               has_center: bool) -> None:
        if placed:
            host.splitDockWidget(placed[-1], dock, Qt.Orientation.Vertical)
        elif area == "bottom" and not has_center:
            # Nothing in the middle: the bottom docks make the window's right column.
            host.addDockWidget(Area.RightDockWidgetArea, dock)
        else:
            host.addDockWidget(AREAS[area], dock)

    def size_defaults(self) -> None:
        """Default proportions: side columns at their widths, the middle takes the rest
        (applied once the window has its size: before that Qt cannot share it out)."""
        by_area, has_center = self._by_area, self._has_center
        across = [(by_area[a][0], w) for a, w in WIDTHS.items() if a in by_area]
        if not has_center and "bottom" in by_area:
            across.append((by_area["bottom"][0], MIDDLE_WIDTH))
            if "right" in by_area:  # the right column's docks share it with the bottom ones
                across = [a for a in across if a[0] is not by_area["right"][0]]
        if across:  # the sides first, then whatever shares the middle
            self.window.resizeDocks([d for d, _ in across], [w for _, w in across],
                                    Qt.Orientation.Horizontal)
        if has_center and "bottom" in by_area:
            self.window.resizeDocks([by_area["bottom"][0]], [BOTTOM_HEIGHT],
                                    Qt.Orientation.Vertical)
        for area, docks in by_area.items():
            if area != "center" and len(docks) > 1:
                self.window.resizeDocks(docks, [STACK_HEIGHT] * len(docks),
                                        Qt.Orientation.Vertical)

    def toggles(self) -> list[QDockWidget]:
        return list(self.docks.values())

    def tables(self) -> dict[str, QTableView]:
        return {name: view for pane in self.panes for name, view in pane.tables().items()}

    def restore(self, settings: Settings) -> None:
        geometry, state = settings.window_state()
        if geometry is not None:
            self.window.restoreGeometry(geometry)
        if state is not None:
            self.restored = self.window.restoreState(state)
        center = settings.center_state()
        if center is not None and self.center is not None:
            self.center.restoreState(center)
        for name, view in self.tables().items():
            for col, width in enumerate(settings.column_widths(name)):
                if width > 10:
                    view.setColumnWidth(col, width)

    def save(self, settings: Settings) -> None:
        settings.set_window_state(self.window.saveGeometry(), self.window.saveState())
        if self.center is not None:
            settings.set_center_state(self.center.saveState())
        for name, view in self.tables().items():
            model = view.model()
            widths = [view.columnWidth(c) for c in range(model.columnCount() if model else 0)]
            settings.set_column_widths(name, widths)

    def reset(self, settings: Settings) -> None:
        settings.clear_window_state()
        self.window.restoreState(self._default)
        if self.center is not None:
            self.center.restoreState(self._default_center)
        for dock in self.docks.values():
            dock.show()
        self.size_defaults()
        for view in self.tables().values():
            if isinstance(view, Table):
                view.reset_widths()


def _placeholder() -> QWidget:
    placeholder = QWidget()
    placeholder.setMaximumSize(0, 0)
    return placeholder
