"""GUI benchmarks: event-loop stalls under the app's real streams, memory, cold start.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/gui.py stall   [--seconds 10] [--repeat 5]
                                                                    [--freeze-too] [--stock-delegate-too]
    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/gui.py memory  [--messages 1000000]
    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/gui.py startup [--repeat 5]
    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/gui.py paint   [--repeat 30]

stall: the real MainWindow with 200 watchlist symbols and the subscriptions it makes
itself (bookTicker and miniTicker for every symbol), fed by a pre-framed server in its
own process (``_wire.py``) at 5,000 bookTicker msg/s in 2 ms batches plus one miniTicker
frame per symbol in a burst every second, as Binance pushes them; the chart, order book
and trades panes are live on the focused symbol's klines, depth and trades, relayed
from a walking DemoExchange (its own process, also the REST host). A precise 10 ms
QTimer heartbeat records the gaps between its ticks. Baseline: the same window with no
stream. Every run is a fresh process; runs are interleaved. Each run also records every
garbage-collector pass (gc.callbacks), every repaint flush and the time spent in the
watchlist model's data() (the paint), and says what happened inside each gap over 13 ms.
``--freeze-too`` adds runs that call ``gc.freeze()`` after start-up; ``--no-repaint-too``
runs whose watchlist never repaints (to size the repaint's share).
memory: the same window with the log pane open, ``--messages`` (1,000,000) as fast as
they come; RSS after warm-up and at the end.
startup: `python -m gui` from process start to the first live price painted.
paint: CPU time of one repaint of the watchlist and of the window, with and without
the app's style sheet (what each stall is made of).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import subprocess
import sys
import time
from pathlib import Path

import _common  # noqa: F401  (import path)
from _common import isolate_gui, median, percentile, rss_mb
from _demo_proc import DemoProcess
from _gui_probe import Probe, cache_model_data, split_flush
from _stats import Rounds, emit, fresh
from _wire import WireServer, symbols

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
isolate_gui()  # this process's own settings, journal and (offscreen) a desk-sized screen


async def window_on_flood(flood_url: str, n_symbols: int, demo: object,
                          market: str = "Spot") -> object:
    """A MainWindow whose 'Testnet' is the demo exchange for REST and the flood for streams
    (on futures the flood server also relays the user stream from the demo)."""
    import keyring

    from connector.demo import DEMO_API_KEY, DEMO_API_SECRET
    from gui.main_window import MainWindow
    from gui.secrets import MemoryKeyring
    from gui.settings import Hosts, Settings

    keyring.set_keyring(MemoryKeyring())
    keyring.set_password("starlight", f"Testnet-{market}-key", DEMO_API_KEY)
    keyring.set_password("starlight", f"Testnet-{market}-secret", DEMO_API_SECRET)
    settings = Settings()
    settings.environment, settings.market = "Testnet", market
    settings.set_hosts("Testnet", market, Hosts(demo.rest_url, flood_url,  # type: ignore[attr-defined]
                                                demo.ws_api_url))  # type: ignore[attr-defined]
    settings.set_watchlist("Testnet", market, symbols(n_symbols))
    settings.sync()
    window = MainWindow()
    window.show()
    while window.client is None:
        await asyncio.sleep(0.05)
    return window


async def heartbeat_gaps(seconds: float) -> tuple[list[float], list[float], list[float]]:
    """Gaps between the ticks of a precise 10 ms QTimer, the process CPU time used in
    each gap (ms: what was ours, the rest was other processes), and the tick times."""
    from PySide6.QtCore import Qt, QTimer

    ticks: list[float] = []
    cpu: list[float] = []
    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)  # a coarse timer's slop is not a stall

    def tick() -> None:
        ticks.append(time.perf_counter())
        cpu.append(time.process_time())

    timer.setInterval(10)
    timer.timeout.connect(tick)
    timer.start()
    await asyncio.sleep(seconds)
    timer.stop()
    return ([(b - a) * 1000 for a, b in itertools.pairwise(ticks)],
            [(b - a) * 1000 for a, b in itertools.pairwise(cpu)], ticks)


async def stall_once(rate: float, seconds: float, n_symbols: int, freeze: bool,
                     paint: bool, repaint_ms: int = 0, cached: bool = False,
                     split: int = 0, stock_delegate: bool = False,
                     market: str = "Spot") -> dict[str, object]:
    import gc


    if repaint_ms:  # an experiment: how much of the stall is the watchlist's repaint
        import gui.main_window

        gui.main_window.REPAINT_MS = repaint_ms  # type: ignore[attr-defined]
    if cached:
        cache_model_data()
    if split:
        split_flush(split)

    probe = Probe(paint)
    count = int(rate * (seconds + 8)) if rate else 0
    # the demo walks, so the chart's klines, the book's depth and the tape's trades of the
    # focused symbol are live (relayed by the flood server); the watchlist gets the flood
    with DemoProcess(extra_symbols=n_symbols) as demo, \
            WireServer(count, n_symbols, rate=rate or 1.0, upstream=demo.ws_url) as url:
        window = await window_on_flood(url, n_symbols, demo, market)
        if stock_delegate:  # the baseline: Qt's delegate, seven data() calls per cell
            from PySide6.QtWidgets import QStyledItemDelegate

            from gui.panes.watchlist import WatchlistPane

            view = window.pane(WatchlistPane).view  # type: ignore[attr-defined]
            view.row_painter = None  # Qt's item painting...
            view.setItemDelegate(QStyledItemDelegate(view))  # ...with its own delegate
        await asyncio.sleep(2.0)  # subscribed and streaming
        if freeze:
            gc.collect()
            gc.freeze()  # start-up's objects out of every later collection
        model = window.watchlist_model  # type: ignore[attr-defined]
        before = model.updates
        probe.gcs.clear()
        probe.flushes.clear()
        probe.data_calls.clear()
        probe.data_ms = 0.0
        cpu0, wall0 = time.process_time(), time.perf_counter()
        gaps, cpu_gaps, ticks = await heartbeat_gaps(seconds)
        wall = time.perf_counter() - wall0
        cpu = (time.process_time() - cpu0) / wall * 100
        applied = model.updates - before
        await window.aclose()  # type: ignore[attr-defined]
        window.close()  # type: ignore[attr-defined]
    by_gen = {g: [x[1] for x in probe.gcs if x[2] == g] for g in (0, 1, 2)}
    flush_ms = [f[1] for f in probe.flushes]
    return {
        "p50": percentile(gaps, 50), "p99": percentile(gaps, 99), "max": max(gaps),
        "cpu_p99": percentile(cpu_gaps, 99), "cpu_max": max(cpu_gaps),
        "cpu_in_long_gaps": max((c for g, c in zip(gaps, cpu_gaps, strict=True) if g > 13),
                                default=0.0),
        "cpu": cpu, "applied_per_s": applied / wall, "loadavg": os.getloadavg()[0],
        "gc": {str(g): [len(v), max(v, default=0.0), sum(v)] for g, v in by_gen.items()},
        "flush_max_ms": max(flush_ms, default=0.0), "data_ms_per_s": probe.data_ms / wall,
        "data_calls_per_s": len(probe.data_calls) / wall,
        "explain": probe.explain(gaps, ticks, 13.0),
    }


def run_qasync(coro_factory: object) -> object:
    import qasync
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    app.setQuitOnLastWindowClosed(False)  # type: ignore[union-attr]
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        return loop.run_until_complete(coro_factory())  # type: ignore[operator]


def stall_one(args: argparse.Namespace) -> None:
    result = run_qasync(lambda: stall_once(args.rate, args.seconds, args.symbols, args.freeze,
                                           args.paint, args.repaint_ms, args.cached_data,
                                           args.split, args.stock_delegate, args.market))
    emit(result)  # type: ignore[arg-type]


def stall(args: argparse.Namespace) -> None:
    variants = {"no stream (baseline)": ["--rate", "0"],
                "stream": ["--rate", str(args.rate)]}
    if args.stock_delegate_too:
        variants["stream, Qt's stock delegate"] = ["--rate", str(args.rate), "--stock-delegate"]
    if args.freeze_too:
        variants["stream + gc.freeze()"] = ["--rate", str(args.rate), "--freeze"]
    if args.split_too:
        variants["stream, split repaint"] = ["--rate", str(args.rate), "--split", "4"]
    if args.cached_data_too:
        variants["stream, cached data()"] = ["--rate", str(args.rate), "--cached-data"]
    if args.no_repaint_too:
        variants["stream, no repaint"] = ["--rate", str(args.rate), "--repaint-ms", "3600000"]
    print(f"GUI event loop: the real MainWindow on {args.market}, {args.symbols} watchlist "
          f"symbols, its own "
          f"subscriptions (bookTicker + miniTicker), {args.rate:,.0f} bookTicker msg/s in "
          f"2 ms batches + a miniTicker burst each second; {args.seconds:g} s per run, "
          f"{args.repeat} runs each, fresh processes, interleaved. Goal with the stream: "
          f"p99 < 12 ms and max < 30 ms in every run.")
    names = list(variants)
    stats = {k: Rounds(names) for k in ("p50", "p99", "max", "cpu", "cpu_p99", "cpu_max")}
    for i in range(args.repeat):
        for name in names[i % len(names):] + names[:i % len(names)]:
            r = fresh([sys.executable, __file__, "stall-one", "--seconds", str(args.seconds),
                       "--symbols", str(args.symbols), "--market", args.market, *variants[name],
                       *(["--paint"] if args.paint else [])], timeout=180)
            for k in stats:
                stats[k].add(name, r[k])
            ex = r["explain"]
            gc_text = "  ".join(f"gen{g}: {n} passes, max {mx:.1f} ms"
                                for g, (n, mx, _) in r["gc"].items())
            print(f"  run {i + 1} {name:<22} p50 {r['p50']:5.1f}  p99 {r['p99']:5.1f}  max "
                  f"{r['max']:5.1f} ms  CPU {r['cpu']:4.1f} %  updates {r['applied_per_s']:,.0f}/s"
                  f"  load {r['loadavg']:.1f}\n      own CPU per gap: p99 {r['cpu_p99']:.1f}, "
                  f"max {r['cpu_max']:.1f} ms, max inside a gap > 13 ms "
                  f"{r['cpu_in_long_gaps']:.1f} ms\n      {gc_text};  flush max "
                  f"{r['flush_max_ms']:.2f} ms; model.data() {r['data_calls_per_s']:,.0f} calls/s"
                  f" = {r['data_ms_per_s']:.0f} ms/s\n      gaps > 13 ms: {ex['gaps']}, "
                  f"holding a gen-2 gc {ex['with_gc2']}, gen-1 {ex['with_gc1']}, gen-0 "
                  f"{ex['with_gc0']}, repaint work {ex['with_paint']}; worst: "
                  + " | ".join(ex["worst"][:3]), flush=True)
    print()
    titles = {"p99": "heartbeat gap p99:", "max": "heartbeat gap max:",
              "p50": "heartbeat gap p50:", "cpu": "GUI process CPU:",
              "cpu_p99": "own CPU time per heartbeat gap, p99 (load-independent):",
              "cpu_max": "own CPU time per heartbeat gap, max:"}
    for k, title in titles.items():
        stats[k].summary("%" if k == "cpu" else "ms", title)
    for name in names[1:]:
        p99, mx = stats["p99"].values[name], stats["max"].values[name]
        ok = sum(1 for a, b in zip(p99, mx, strict=True) if a < 12 and b < 30)
        print(f"  {name}: p99 < 12 ms and max < 30 ms in {ok} of {len(p99)} runs: "
              f"{'MET' if ok == len(p99) else 'NOT MET'}")


def paint(args: argparse.Namespace) -> None:
    """CPU time of one synchronous repaint: the watchlist's viewport and the whole window,
    every row dirty: with the app's style sheet and the watchlist's row painter, with Qt's
    item painting and stock delegate instead (the old paint), and without the style sheet
    (interleaved)."""
    import statistics

    async def go() -> None:
        from PySide6.QtWidgets import QApplication, QStyledItemDelegate

        from gui.models.watchlist import ALL_COLUMNS
        from gui.panes.watchlist import WatchlistPane

        with DemoProcess(extra_symbols=args.symbols, walk=False) as demo, \
                WireServer(int(args.rate * 30), args.symbols, rate=args.rate) as url:
            window = await window_on_flood(url, args.symbols, demo)
            await asyncio.sleep(3.0)
            app = QApplication.instance()
            sheet = app.styleSheet()  # type: ignore[union-attr]
            model = window.watchlist_model  # type: ignore[attr-defined]
            table = window.pane(WatchlistPane).view  # type: ignore[attr-defined]
            view = table.viewport()
            ours = table.row_painter
            table.setItemDelegate(QStyledItemDelegate(table))  # Qt's painting, once ours is off
            times: dict[str, list[float]] = {}
            for _ in range(max(1, args.repeat // 10)):  # blocks of 10, alternating
                for styled, painter in ((True, ours), (True, None), (False, ours)):
                    app.setStyleSheet(sheet if styled else "")  # type: ignore[union-attr]
                    table.row_painter = painter
                    label = (("style sheet" if styled else "no style sheet")
                             + (", Qt's stock delegate" if painter is None else ""))
                    for i in range(13):  # the first 3 after a restyle re-polish: not timed
                        for what, widget in (("watchlist viewport", view),
                                             ("window", window)):
                            for row in range(len(model.rows)):
                                model._touch(row, ALL_COLUMNS)
                            model.flush()
                            t = time.process_time()
                            widget.repaint()  # type: ignore[attr-defined]
                            key = f"{what}, {label}"
                            if i >= 3:
                                times.setdefault(key, []).append(
                                    (time.process_time() - t) * 1000)
            await window.aclose()  # type: ignore[attr-defined]
        print(f"CPU per synchronous repaint, every row dirty, {args.repeat} each in alternating "
              f"blocks of 10 "
              f"(viewport {view.width()}x{view.height()} px):")
        for key, v in times.items():
            print(f"  {key:<58} median {statistics.median(v):5.2f} ms   min {min(v):5.2f}"
                  f"   max {max(v):5.2f}")

    run_qasync(go)


def memory(args: argparse.Namespace) -> None:
    async def go() -> None:

        with DemoProcess(extra_symbols=args.symbols, walk=False) as demo, \
                WireServer(args.messages, args.symbols) as url:
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
        isolate_gui()  # every start from nothing, like a first launch
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "gui", "--first-price-exit"],
                                cwd=Path(__file__).resolve().parent.parent,
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
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--stock-delegate-too", action="store_true",
                   help="also run with Qt's default delegate on the watchlist (the old paint)")
    p.add_argument("--freeze-too", action="store_true",
                   help="also runs with gc.freeze() after start-up (the proposed fix)")
    p.add_argument("--paint", action="store_true",
                   help="time the watchlist model's data() (slows the paint it measures)")
    p.add_argument("--no-repaint-too", action="store_true",
                   help="also runs whose watchlist never repaints (an experiment)")
    p.add_argument("--cached-data-too", action="store_true",
                   help="also runs whose watchlist data() answers from a cache (an experiment)")
    p.add_argument("--split-too", action="store_true",
                   help="also runs repainting a quarter of the rows every 12 ms (an experiment)")
    p.add_argument("--market", choices=("Spot", "Futures"), default="Spot",
                   help="Futures: the chart's klines come every 250 ms, positions are live")
    p.set_defaults(fn=stall)
    p = sub.add_parser("stall-one")
    p.add_argument("--seconds", type=float, default=10.0)
    p.add_argument("--rate", type=float, default=5000.0)
    p.add_argument("--symbols", type=int, default=200)
    p.add_argument("--freeze", action="store_true")
    p.add_argument("--paint", action="store_true")
    p.add_argument("--repaint-ms", type=int, default=0)
    p.add_argument("--cached-data", action="store_true")
    p.add_argument("--split", type=int, default=0)
    p.add_argument("--stock-delegate", action="store_true")
    p.add_argument("--market", default="Spot")
    p.set_defaults(fn=stall_one)
    p = sub.add_parser("paint")
    p.add_argument("--repeat", type=int, default=30)
    p.add_argument("--rate", type=float, default=5000.0)
    p.add_argument("--symbols", type=int, default=200)
    p.set_defaults(fn=paint)
    p = sub.add_parser("memory")
    p.add_argument("--messages", type=int, default=1_000_000)
    p.add_argument("--symbols", type=int, default=200)
    p.set_defaults(fn=memory)
    p = sub.add_parser("startup")
    p.add_argument("--repeat", type=int, default=5)
    p.set_defaults(fn=startup)
    args = parser.parse_args()
    args.fn(args)


if __name__ == "__main__":
    main()
