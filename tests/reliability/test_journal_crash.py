"""Crash safety of the journal: SIGKILL the recording process while fills stream in.

The demo exchange runs in the test process. A child process (``sys.executable``)
runs a ``BinanceClient`` with the journal recorder attached and trades; the test
trades too, through a second client. The child is killed mid-stream (SIGKILL:
no cleanup, no final commit), the test trades on while it is down, then a new
child starts on the same journal and backfills. The journal must then hold
every fill and order the exchange has, each once, in a file SQLite calls sound.

The child is ``python -m tests.reliability.test_journal_crash REST WS WSAPI PATH MODE``;
its one line of journal wiring is ``JournalRecorder.attach(...)``, the same line the
app uses, so the child can become the app itself.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from connector import BinanceClient, BinanceError
from connector.demo import DEMO_API_KEY, DEMO_API_SECRET, DemoExchange
from gui.journal import Journal
from gui.journal_recorder import JournalRecorder

from ..connector.conftest import make_client
from ..connector.helpers import until

ROOT = Path(__file__).resolve().parents[2]
SYMBOL = "DOGEUSDT"
PACE = 0.05


async def _child(rest_url: str, ws_url: str, ws_api_url: str, path: str, mode: str) -> None:
    client = BinanceClient(DEMO_API_KEY, DEMO_API_SECRET, False, False, rest_url=rest_url,
                           ws_url=ws_url, ws_api_url=ws_api_url)
    journal = Journal.open(path)
    JournalRecorder.attach(client, journal, "Demo", "Spot", symbols=lambda: [SYMBOL],
                           log=lambda message, level: print(level, message, file=sys.stderr))
    await client.start()
    if mode == "trade":
        await trade_forever(client, lambda: True)
    await asyncio.Event().wait()  # "watch": record and backfill until killed


async def trade_forever(client: BinanceClient, go_on: Callable[[], bool]) -> None:
    """Market orders, buy then sell, paced (20 a second) to stay within the request weight
    the exchange allows; a refused order is the exchange's business, not the journal's."""
    buy = True
    while go_on():
        try:
            await client.place_order(SYMBOL, "MARKET", Decimal(21 if buy else 20),
                                     "BUY" if buy else "SELL")
            buy = not buy
        except BinanceError:
            pass
        await asyncio.sleep(PACE)


async def _spawn(demo: DemoExchange, path: Path, mode: str,
                 log: Path) -> asyncio.subprocess.Process:
    with open(log, "ab") as err:  # noqa: ASYNC230 (a local file, opened in no time)
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.reliability.test_journal_crash", demo.rest_url,
            demo.ws_url, demo.ws_api_url, str(path), mode, cwd=ROOT,
            stdout=asyncio.subprocess.DEVNULL, stderr=err,
            env={**os.environ, "PYTHONPATH": str(ROOT)})


def _exchange_fills(demo: DemoExchange) -> set[int]:
    return {t["id"] for t in demo.spot.trades if t["api_key"] == DEMO_API_KEY}


def _exchange_orders(demo: DemoExchange) -> dict[int, str]:
    return {o["orderId"]: o["status"].lower() for o in demo.spot.orders(DEMO_API_KEY)}


async def test_sigkill_mid_stream_loses_and_doubles_nothing(demo: DemoExchange,
                                                            tmp_path: Path) -> None:
    path, log = tmp_path / "journal.sqlite3", tmp_path / "child.log"
    journal = Journal.open(path)  # the test reads the same file as the child writes
    other = make_client(demo, False)
    await other.start()
    trading = True
    elsewhere = asyncio.create_task(trade_forever(other, lambda: trading))
    child = await _spawn(demo, path, "trade", log)
    try:
        await until(lambda: journal.count_trades("Demo", "Spot") >= 40, timeout=30,
                    what=f"the child to record fills ({log.read_text(errors='replace')[-500:]})")
        child.send_signal(signal.SIGKILL)
        assert await child.wait() == -signal.SIGKILL
        at_kill = len(_exchange_fills(demo))
        await until(lambda: len(_exchange_fills(demo)) >= at_kill + 10, timeout=20,
                    what="fills while the recorder is down")
        trading = False
        await elsewhere
        assert journal.execute("PRAGMA integrity_check") == [("ok",)]
        missing = _exchange_fills(demo) - {t.trade_id for t in journal.trades("Demo", "Spot")}
        assert missing  # the kill and the downtime did leave a gap to close

        child = await _spawn(demo, path, "watch", log)
        fills = _exchange_fills(demo)
        await until(lambda: {t.trade_id for t in journal.trades("Demo", "Spot")} == fills,
                    timeout=30, what="the restarted child to backfill every fill")
        orders = _exchange_orders(demo)

        def journal_orders() -> dict[int, str]:
            return {o.order_id: o.status for o in journal.orders("Demo", "Spot")}

        await until(lambda: journal_orders() == orders, timeout=30,
                    what=f"every order in its final state "
                         f"({set(journal_orders().items()) ^ set(orders.items())}; "
                         f"{log.read_text(errors='replace')[-2000:]})")
        assert journal.count_trades("Demo", "Spot") == len(fills)
        assert journal.execute("SELECT count(*), count(DISTINCT trade_id) FROM trades") == [
            (len(fills), len(fills))]
        assert journal.execute("PRAGMA integrity_check") == [("ok",)]
    finally:
        trading = False
        if child.returncode is None:
            child.kill()
            await child.wait()
        if not elsewhere.done():
            elsewhere.cancel()
        await asyncio.gather(elsewhere, return_exceptions=True)
        await other.close()
        journal.close()


if __name__ == "__main__":
    asyncio.run(_child(*sys.argv[1:6]))
