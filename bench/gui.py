"""GUI benchmarks: event-loop stalls under a stream, memory over a long stream, cold start.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/gui.py stall   [--seconds 10]
    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/gui.py memory  [--messages 2000000]
    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/gui.py startup [--repeat 5]

stall: the real MainWindow, 200 symbols in the watchlist, 5,000 bookTicker msgs/s from
a loopback flood server (another process); a 10 ms QTimer heartbeat records the gaps
between its ticks. Baseline: the same window with no stream. Reports p99 and max gap
and the GUI process's CPU.
memory: the same window with the log pane open, 2,000,000 messages as fast as they
come; RSS after warm-up and at the end.
startup: `python -m gui` from process start to the first live price painted.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _common  # noqa: F401  (import path)
from _common import median, percentile, rss_mb
from _flood import FloodServer, symbols

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


async def window_on_flood(flood_url: str, n_symbols: int, demo: object) -> object:
    """A MainWindow whose 'Testnet' is the demo exchange for REST and the flood for streams."""
    import keyring

    from connector.demo import DEMO_API_KEY, DEMO_API_SECRET
    from gui.main_window import MainWindow
    from gui.secrets import MemoryKeyring
    from gui.settings import Hosts, Settings

    keyring.set_keyring(MemoryKeyring())
    keyring.set_password("starlight", "Testnet-Spot-key", DEMO_API_KEY)
    keyring.set_password("starlight", "Testnet-Spot-secret", DEMO_API_SECRET)
    settings = Settings()
    settings.environment = "Testnet"
    settings.set_hosts("Testnet", "Spot", Hosts(demo.rest_url, flood_url,  # type: ignore[attr-defined]
                                                demo.ws_api_url))  # type: ignore[attr-defined]
    settings.set_watchlist("Testnet", "Spot", symbols(n_symbols))
    settings.sync()
    window = MainWindow()
    window.show()
    while window.client is None:
        await asyncio.sleep(0.05)
    return window


async def heartbeat_gaps(seconds: float) -> list[float]:
    from PySide6.QtCore import QTimer

    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    await asyncio.sleep(seconds)
    timer.stop()
    return [(b - a) * 1000 for a, b in itertools.pairwise(ticks)]


async def stall_once(rate: float, seconds: float, n_symbols: int) -> tuple[list[float], float, int]:
    from connector.demo import DemoExchange

    count = int(rate * (seconds + 5)) if rate else 0
    async with DemoExchange(extra_symbols=n_symbols, walk=False) as demo:
        with FloodServer(count, n_symbols, rate=rate or 1.0) as url:
            window = await window_on_flood(url, n_symbols, demo)
            await asyncio.sleep(1.5)  # subscribed and streaming
            model = window.watchlist_model  # type: ignore[attr-defined]
            before = model.updates
            cpu0, wall0 = time.process_time(), time.perf_counter()
            gaps = await heartbeat_gaps(seconds)
            cpu = (time.process_time() - cpu0) / (time.perf_counter() - wall0) * 100
            applied = model.updates - before
            await window.aclose()  # type: ignore[attr-defined]
            window.close()  # type: ignore[attr-defined]
    return gaps, cpu, applied


def run_qasync(coro_factory: object) -> object:
    import qasync
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    app.setQuitOnLastWindowClosed(False)  # type: ignore[union-attr]
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        return loop.run_until_complete(coro_factory())  # type: ignore[operator]


def stall(args: argparse.Namespace) -> None:
    async def both() -> None:
        for label, rate in (("no stream (baseline)", 0.0), ("5,000 msg/s", args.rate)):
            gaps, cpu, applied = await stall_once(rate, args.seconds, args.symbols)
            print(f"  {label:<22} heartbeat gaps: p50 {percentile(gaps, 50):5.1f} ms  "
                  f"p99 {percentile(gaps, 99):5.1f} ms  max {max(gaps):5.1f} ms   "
                  f"CPU {cpu:5.1f} %   updates applied {applied / args.seconds:,.0f}/s")

    print(f"GUI event loop, {args.symbols} symbols in the watchlist, {args.seconds:g} s each "
          f"(target with stream: p99 < 16 ms, max < 50 ms):")
    run_qasync(both)


def memory(args: argparse.Namespace) -> None:
    async def go() -> None:
        from connector.demo import DemoExchange

        async with DemoExchange(extra_symbols=args.symbols, walk=False) as demo:
            with FloodServer(args.messages, args.symbols) as url:
                window = await window_on_flood(url, args.symbols, demo)
                assert window.dock_log.isVisible()  # type: ignore[attr-defined]
                model = window.watchlist_model  # type: ignore[attr-defined]
                while model.updates < 100_000:  # warm-up: caches, models, log filled
                    await asyncio.sleep(0.2)
                start_rss, start_n, t0 = rss_mb(), model.updates, time.perf_counter()
                peak = start_rss
                while model.updates < args.messages * 0.999:
                    await asyncio.sleep(0.5)
                    peak = max(peak, rss_mb())
                    if time.perf_counter() - t0 > 600:
                        break
                n = model.updates - start_n
                elapsed = time.perf_counter() - t0
                end_rss = rss_mb()
                await window.aclose()  # type: ignore[attr-defined]
        print(f"memory over {n:,} stream messages ({n / elapsed:,.0f} msg/s into the window, "
              f"log pane open):")
        print(f"  RSS after warm-up {start_rss:.1f} MB, at the end {end_rss:.1f} MB, peak "
              f"{peak:.1f} MB: growth {end_rss - start_rss:+.1f} MB (target < 20 MB)")

    run_qasync(go)


def startup(args: argparse.Namespace) -> None:
    times = []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as home:
            env = {**os.environ, "XDG_CONFIG_HOME": home, "QT_QPA_PLATFORM": "offscreen"}
            start = time.perf_counter()
            proc = subprocess.Popen([sys.executable, "-m", "gui", "--first-price-exit"],
                                    cwd=Path(__file__).resolve().parent.parent, env=env,
                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            assert proc.stdout is not None
            for line in proc.stdout:
                if line.startswith("first price painted"):
                    times.append(time.perf_counter() - start)
                    break
            proc.wait(30)
        print(f"  run: {times[-1] * 1000:.0f} ms")
    print(f"cold start, `python -m gui` to first live price painted, median of {args.repeat}: "
          f"{median(times) * 1000:.0f} ms (aim < 2000 ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    p = sub.add_parser("stall")
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--rate", type=float, default=5000.0)
    p.add_argument("--symbols", type=int, default=200)
    p.set_defaults(fn=stall)
    p = sub.add_parser("memory")
    p.add_argument("--messages", type=int, default=2_000_000)
    p.add_argument("--symbols", type=int, default=200)
    p.set_defaults(fn=memory)
    p = sub.add_parser("startup")
    p.add_argument("--repeat", type=int, default=5)
    p.set_defaults(fn=startup)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        os.environ["XDG_CONFIG_HOME"] = home  # never touch the user's settings
        args.fn(args)


if __name__ == "__main__":
    main()
