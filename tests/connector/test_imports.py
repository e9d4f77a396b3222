"""The connector's layering, read from its imports (TYPE_CHECKING ones included)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "connector"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(dotted: str) -> bool:
    base = ROOT.parent.joinpath(*dotted.split("."))
    return base.with_suffix(".py").exists() or (base / "__init__.py").exists()


def imports_of(path: Path) -> set[str]:
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            target = f"{base}.{node.module}" if node.level and node.module else (
                base if node.level else node.module or "")
            subs = {f"{target}.{a.name}" for a in node.names}
            modules = {m for m in subs if is_module(m)}
            found.update(modules)
            if node.module is not None or modules != subs:
                found.add(target)  # names from the package itself, not submodules
    return found


def graph() -> dict[str, set[str]]:
    """Import edges between the connector's own modules (``connector.demo`` is a separate
    exchange with its own rules: it is checked by ``test_demo_stands_alone``)."""
    modules = {module_name(p): p for p in ROOT.rglob("*.py")
               if not module_name(p).startswith("connector.demo")}

    return {name: {i for i in imports_of(path) if i in modules and i != name}
            for name, path in modules.items()}


def test_connector_never_imports_qt_or_gui() -> None:
    for path in ROOT.rglob("*.py"):
        bad = {i for i in imports_of(path) if i.split(".")[0] in ("PySide6", "gui", "qasync")}
        assert not bad, f"{module_name(path)} imports {bad}"


def test_demo_stands_alone() -> None:
    for path in (ROOT / "demo").rglob("*.py"):
        outside = {i for i in imports_of(path)
                   if i.startswith("connector") and not i.startswith("connector.demo")}
        assert not outside, f"{module_name(path)} imports {outside}"


def test_no_import_circle() -> None:
    edges = graph()
    done: set[str] = set()

    def visit(node: str, stack: list[str]) -> None:
        if node in stack:
            cycle = [*stack[stack.index(node):], node]
            raise AssertionError(f"import circle: {' -> '.join(cycle)}")
        if node in done:
            return
        for nxt in sorted(edges[node]):
            visit(nxt, [*stack, node])
        done.add(node)

    for name in sorted(edges):
        visit(name, [])
    assert "connector._account" in edges and edges["connector.client"]  # the walk saw them
