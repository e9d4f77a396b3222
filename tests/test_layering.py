"""The layers, read from the source: who may import whom (``ast``, no import executed).

- ``connector/`` never imports Qt or ``gui``;
- ``connector/demo/`` never imports the rest of ``connector`` (it is an independent exchange);
- ``connector/`` has no import circle among its module-level imports;
- in ``gui/``, only the bridge and the session (the app layer) use the connector itself;
  every other module imports its value types only (``VALUE_TYPES`` below).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# What widgets and panes may import from the connector: frozen values, events, pure
# functions. A module named here may be imported whole; from the package ``connector``
# itself only the names listed.
VALUE_MODULES = frozenset({"connector.events", "connector.filters", "connector.errors",
                           "connector.orders", "connector.conditional"})  # public, pure: no _models
VALUE_NAMES = frozenset({
    "Balance", "Candle", "Contract", "OrderBook", "OrderStatus", "Position", "Trade",
    "BinanceError", "AuthError", "ExchangeError", "FilterError", "IPBannedError",
    "InputError", "MissingCredentialsError", "NetworkError", "OrderRejectedError",
    "OrderStateUnknownError", "RateLimitError", "ServerError",
})
APP_LAYER = frozenset({"gui/bridge.py", "gui/session.py"})  # where Qt meets the connector
QT = ("PySide6", "PyQt5", "PyQt6", "shiboken6", "qasync", "pyqtgraph")


@dataclass(frozen=True)
class Import:
    module: str  # absolute module imported ("connector.events", "PySide6.QtCore")
    names: tuple[str, ...]  # for ``from x import a, b``; () for ``import x``
    line: int
    runtime: bool  # False under ``if TYPE_CHECKING:``
    top_level: bool  # executed when the module is imported (not inside a function)


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports_of(path: Path, root: Path = ROOT) -> list[Import]:
    """Every import in a file, relative ones made absolute."""
    tree = ast.parse(path.read_text("utf-8"), str(path))
    package = module_name(path, root)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    found: list[Import] = []

    def visit(node: ast.AST, runtime: bool, top: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child.test):
                for stmt in child.body:
                    visit(ast.Module(body=[stmt], type_ignores=[]), False, top)
                for stmt in child.orelse:
                    visit(ast.Module(body=[stmt], type_ignores=[]), runtime, top)
                continue
            if isinstance(child, ast.Import):
                found.extend(Import(a.name, (), child.lineno, runtime, top) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")
                    anchor = anchor[:len(anchor) - child.level + 1]
                    base = ".".join([*anchor, *([base] if base else [])])
                found.append(Import(base, tuple(a.name for a in child.names), child.lineno,
                                    runtime, top))
            else:
                nested = isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
                visit(child, runtime, top and not nested)

    visit(tree, True, True)
    return found


def sources(package: str, root: Path = ROOT) -> Iterator[Path]:
    yield from sorted((root / package).rglob("*.py"))


def rel(path: Path, root: Path = ROOT) -> str:
    return path.relative_to(root).as_posix()


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


# -- the rules, as functions of a source tree (so a test can feed them a bad one) -----------


def qt_in_connector(root: Path = ROOT) -> list[str]:
    return [f"{rel(p, root)}:{i.line} imports {i.module}" for p in sources("connector", root)
            for i in imports_of(p, root)
            if any(_within(i.module, q) for q in (*QT, "gui"))]


def demo_reaching_out(root: Path = ROOT) -> list[str]:
    return [f"{rel(p, root)}:{i.line} imports {i.module}"
            for p in sources("connector/demo", root) for i in imports_of(p, root)
            if _within(i.module, "connector") and not _within(i.module, "connector.demo")]


def connector_cycles(root: Path = ROOT) -> list[list[str]]:
    """Import circles among connector modules, counting imports run at import time."""
    modules = {module_name(p, root): p for p in sources("connector", root)}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        for i in imports_of(path, root):
            if not (i.runtime and i.top_level) or not _within(i.module, "connector"):
                continue
            targets = {f"{i.module}.{n}" for n in i.names} & modules.keys() or {i.module}
            # A submodule importing its own package (``from . import x``) is not a circle:
            # the package is being initialised already.
            graph[name] |= {t for t in targets if t in modules and not _within(name, t)}
    cycles: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def walk(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt):], nxt])
            elif nxt not in state:
                walk(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            walk(node)
    return cycles


def gui_beyond_value_types(root: Path = ROOT) -> list[str]:
    bad = []
    for path in sources("gui", root):
        if rel(path, root) in APP_LAYER:
            continue
        for i in imports_of(path, root):
            if not _within(i.module, "connector") or i.module in VALUE_MODULES:
                continue
            if i.module == "connector" and i.names and set(i.names) <= VALUE_NAMES:
                continue
            what = f"{i.module} ({', '.join(i.names)})" if i.names else i.module
            bad.append(f"{rel(path, root)}:{i.line} imports {what}")
    return bad


RULES = {
    "connector imports Qt or gui": lambda root: qt_in_connector(root),
    "connector.demo imports the rest of connector": lambda root: demo_reaching_out(root),
    "connector has an import circle": lambda root: connector_cycles(root),
    "gui uses the connector beyond its value types": lambda root: gui_beyond_value_types(root),
}


@pytest.mark.parametrize("rule", RULES)
def test_the_layers_hold(rule: str) -> None:
    assert RULES[rule](ROOT) == [], rule


def test_the_rules_see_every_module() -> None:
    assert len(list(sources("connector"))) > 10 and len(list(sources("gui"))) > 10
    assert {"gui.bridge", "gui.session"} == {
        module_name(ROOT / p) for p in APP_LAYER}  # the app layer's files exist under those names
    assert all((ROOT / p).exists() for p in APP_LAYER)


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    for package in ("connector", "connector/demo", "gui", "gui/panes"):
        (tmp_path / package).mkdir(parents=True, exist_ok=True)
        (tmp_path / package / "__init__.py").touch()
    return tmp_path


def test_each_rule_catches_a_deliberately_bad_tree(tmp_path: Path) -> None:
    root = _tree(tmp_path, {
        "connector/client.py": "from .streams import x\nfrom PySide6.QtCore import QObject\n",
        "connector/streams.py": "from . import client\n",
        "connector/late.py": "def f():\n    from .client import y\n",  # not at import time
        "connector/typed.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                              "    from .client import C\n",
        "connector/demo/engine.py": "from ..filters import round_price\nfrom . import _x\n",
        "gui/panes/bad.py": "from connector import BinanceClient, Contract\n"
                            "from connector.events import BookTicker\n"
                            "import connector.client\n",
        "gui/panes/good.py": "from connector import Contract, OrderStatus\n"
                             "from connector.filters import fmt\n",
        "gui/bridge.py": "from connector import BinanceClient\n",
    })
    assert qt_in_connector(root) == ["connector/client.py:2 imports PySide6.QtCore"]
    assert demo_reaching_out(root) == ["connector/demo/engine.py:1 imports connector.filters"]
    assert connector_cycles(root) == [["connector.client", "connector.streams",
                                       "connector.client"]]
    assert gui_beyond_value_types(root) == [
        "gui/panes/bad.py:1 imports connector (BinanceClient, Contract)",
        "gui/panes/bad.py:3 imports connector.client"]
