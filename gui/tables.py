"""The table views shared by the panes: dense, monospace numbers, sortable."""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QWidget

from .models import mono_font


def make_table(name: str, widths: tuple[int, ...], parent: QWidget | None = None) -> QTableView:
    view = QTableView(parent, objectName=name)
    view.setFont(mono_font())
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(24)
    view.setShowGrid(False)
    view.setAlternatingRowColors(True)
    view.setSortingEnabled(True)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(True)
    view._default_widths = widths  # type: ignore[attr-defined]
    for col, width in enumerate(widths):
        view.setColumnWidth(col, width)
    return view
