"""Shared test setup: offscreen Qt, and a coverage floor per package.

pytest-cov's ``--cov-fail-under`` checks one total over everything measured, so a well
tested connector could hide an untested gui. The floors below are checked per package after
pytest-cov has written its report; a package under its floor fails the run like a failing
test. ``--no-cov`` (while iterating) skips the check.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Generator

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# No test writes into the real user's data directory (the history journal lives there);
# fixtures that want a fresh one per test point XDG_DATA_HOME elsewhere again.
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="starlight-tests-")

COVERAGE_FLOORS = {"connector": 90.0, "gui": 85.0}  # percent of statements, per package


@pytest.hookimpl(wrapper=True, tryfirst=True)  # outermost: runs after pytest-cov's report
def pytest_runtestloop(session: pytest.Session) -> Generator[None, object, object]:
    result = yield
    plugin = session.config.pluginmanager.getplugin("_cov")
    controller = getattr(plugin, "cov_controller", None)
    if controller is None or session.config.option.collectonly:
        return result
    measured = set(getattr(plugin.options, "cov_source", None) or ())
    for package, floor in COVERAGE_FLOORS.items():
        if package not in measured:
            continue
        total = controller.cov.report(include=[f"{package}/*"], file=io.StringIO(),
                                      ignore_errors=True)
        _verdicts.append((f"coverage of {package}/: {total:.1f} % (floor {floor:g} %)",
                          total < floor))
        if total < floor:
            session.testsfailed += 1  # the exit status pytest-cov's own floor would give
    return result


_verdicts: list[tuple[str, bool]] = []


@pytest.hookimpl(trylast=True)  # after pytest-cov's table
def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for line, failed in _verdicts:
        terminalreporter.write_line(f"ERROR: {line}" if failed else line, red=failed,
                                    bold=failed)
