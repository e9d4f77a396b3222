"""``starlight`` / ``python -m gui``: open the main window on a qasync event loop."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Coroutine
from typing import Any

import qasync  # type: ignore[import-untyped]  # qasync ships no type information
from PySide6.QtWidgets import QApplication

SCREENSHOT_TIMEOUT = 15.0


async def _screenshot(window: object, path: str, timeout: float) -> int:
    from .main_window import MainWindow

    assert isinstance(window, MainWindow)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if window.watchlist_model.has_prices():  # balances need keys; prices never do
            break
        await asyncio.sleep(0.1)
    else:
        print(f"starlight: no live prices within {timeout:g} s; no screenshot taken",
              file=sys.stderr)
        return 1
    await asyncio.sleep(1.2)  # let a few updates and the 24 h tickers arrive
    window.watchlist_model.flush()
    await asyncio.sleep(0.1)  # one more paint
    if not window.grab().save(path, "PNG"):
        print(f"starlight: could not write {path}", file=sys.stderr)
        return 1
    return 0


async def _first_price(window: object) -> int:
    """Benchmark hook: report when the first live price has been painted, then exit."""
    from .main_window import MainWindow
    from .panes.watchlist import WatchlistPane

    assert isinstance(window, MainWindow)
    model = window.watchlist_model
    while not any(q.bid is not None for q in model.rows):
        await asyncio.sleep(0.005)
    model.flush()
    window.pane(WatchlistPane).view.viewport().repaint()
    print("first price painted", flush=True)
    return 0


async def _until_closed(app: QApplication) -> int:
    closed = asyncio.Event()
    app.lastWindowClosed.connect(closed.set)
    await closed.wait()
    return 0


async def _then_close(window: object, work: Coroutine[Any, Any, int]) -> int:
    """Run ``work``, then close the window in the same run of the loop.

    qasync's ``run_until_complete`` processes Qt events once more after the loop has
    stopped, with no running event loop: a stream task still alive then (a watchdog
    waking) fails with "no running event loop" and reconnects. So nothing stops the loop
    until the client, the embedded demo and the panes' tasks are closed.
    """
    from .main_window import MainWindow

    assert isinstance(window, MainWindow)
    try:
        return await work
    finally:
        await window.aclose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="starlight", description="Binance trading terminal")
    parser.add_argument("--screenshot", metavar="PATH",
                        help="save a PNG of the main window once prices are live, then exit")
    parser.add_argument("--theme", choices=("dark", "light"), help="colour theme")
    parser.add_argument("--first-price-exit", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Starlight")
    app.setOrganizationName("Starlight")
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)

    from .main_window import MainWindow
    from .tasks import install_error_reporting

    window = MainWindow()
    install_error_reporting(window.report_exception, loop)
    if args.theme:
        window.apply_theme(args.theme)
    if args.screenshot:
        window.resize(1440, 860)  # the documented size, whatever a previous run saved
    window.show()

    if args.first_price_exit:
        work: Coroutine[Any, Any, int] = _first_price(window)
    elif args.screenshot:
        work = _screenshot(window, args.screenshot, SCREENSHOT_TIMEOUT)
    else:
        app.setQuitOnLastWindowClosed(False)  # the run below ends the loop, once closed
        work = _until_closed(app)
    with loop:
        code: int = loop.run_until_complete(_then_close(window, work))
        if args.first_price_exit or args.screenshot:
            window.close()  # its client, demo and tasks are closed already: saves the layout
    return code


if __name__ == "__main__":
    sys.exit(main())
