"""The local order book procedure (connector._book), fed by hand: fast and exact."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from decimal import Decimal
from typing import Any

import pytest

from connector import OrderBook
from connector._book import BookSync


class Harness:
    def __init__(self, futures: bool = False, max_tries: int = 5) -> None:
        self.books: dict[str, OrderBook] = {}
        self.asked: list[float] = []
        self.logs: list[str] = []
        self.changes: list[OrderBook] = []
        self.sync = BookSync("BTCUSDT", futures, self.books, lambda s, d: self.asked.append(d),
                             log=lambda m, lvl: self.logs.append(m),
                             on_change=self.changes.append, max_tries=max_tries)
        self.futures = futures
        self.last_u = 0

    def event(self, first: int, last: int, bids: Any = (), asks: Any = (),
              pu: int | None = None) -> dict[str, Any]:
        e = {"e": "depthUpdate", "s": "BTCUSDT", "U": first, "u": last,
             "b": [list(x) for x in bids], "a": [list(x) for x in asks]}
        if self.futures:
            e["pu"] = self.last_u if pu is None else pu
        self.last_u = last
        return e


def snap(last: int, bids: Any = (("100.0", "1"), ("99.0", "2")),
         asks: Any = (("101.0", "1"), ("102.0", "3"))) -> dict[str, Any]:
    return {"lastUpdateId": last, "bids": [list(b) for b in bids], "asks": [list(a) for a in asks]}


def levels(book: OrderBook) -> tuple[Any, Any]:
    return ([(format(p, "f"), format(q, "f")) for p, q in book.bids],
            [(format(p, "f"), format(q, "f")) for p, q in book.asks])


@pytest.mark.parametrize("futures", [False, True], ids=["spot", "futures"])
def test_buffer_snapshot_drop_and_continue(futures: bool) -> None:
    h = Harness(futures)
    h.sync.start()
    assert h.asked == [0.0] and "BTCUSDT" not in h.books
    h.last_u = 5
    for e in (h.event(6, 8, [("98.0", "4")]), h.event(9, 10, [("100.0", "0")]),
              h.event(11, 12, asks=[("101.0", "5")])):
        h.sync.on_event(e)
    assert "BTCUSDT" not in h.books  # nothing shown before the snapshot
    h.sync.on_snapshot(snap(10, bids=(("99.0", "2"), ("98.0", "4"))))  # after 9..10
    book = h.books["BTCUSDT"]
    assert book.last_update_id == 12
    assert levels(book) == ([("99.0", "2"), ("98.0", "4")], [("101.0", "5"), ("102.0", "3")])
    assert book.bids[0] == (Decimal("99.0"), Decimal("2"))
    h.sync.on_event(h.event(13, 13, [("99.5", "1.5")]))
    assert h.books["BTCUSDT"].bids[0] == (Decimal("99.5"), Decimal("1.5"))
    assert h.sync.rebuilds == 0 and h.asked == [0.0]


@pytest.mark.parametrize("futures", [False, True], ids=["spot", "futures"])
def test_gap_removes_the_book_and_rebuilds(futures: bool) -> None:
    h = Harness(futures)
    h.sync.start()
    h.sync.on_snapshot(snap(10))
    assert "BTCUSDT" in h.books
    h.last_u = 10
    h.sync.on_event(h.event(11, 12, [("100.0", "3")]))
    h.last_u = 14  # events 13..14 lost
    h.sync.on_event(h.event(15, 16, [("100.0", "9")]))
    assert "BTCUSDT" not in h.books and h.sync.rebuilds == 1 and len(h.asked) == 2
    assert any("gap" in m for m in h.logs)
    h.sync.on_event(h.event(17, 18, [("97.0", "1")]))
    h.sync.on_snapshot(snap(16, bids=(("100.0", "9"),)))
    assert levels(h.books["BTCUSDT"])[0] == [("100.0", "9"), ("97.0", "1")]


@pytest.mark.parametrize("futures", [False, True], ids=["spot", "futures"])
def test_repeats_are_ignored_and_crossing_rebuilds(futures: bool) -> None:
    h = Harness(futures)
    h.sync.start()
    h.sync.on_snapshot(snap(10))
    h.last_u = 10
    e = h.event(11, 12, [("100.0", "3")])
    h.sync.on_event(e)
    h.sync.on_event(e)  # duplicate
    assert h.sync.rebuilds == 0 and h.books["BTCUSDT"].last_update_id == 12
    h.sync.on_event(h.event(13, 13, [("101.5", "1")]))  # bid above the best ask
    assert "BTCUSDT" not in h.books and h.sync.rebuilds == 1
    assert any("crossed" in m for m in h.logs)


@pytest.mark.parametrize("futures", [False, True], ids=["spot", "futures"])
def test_first_event_must_straddle_the_snapshot(futures: bool) -> None:
    h = Harness(futures)
    h.sync.start()
    h.sync.on_snapshot(snap(10))  # nothing buffered: the next event decides
    h.last_u = 12
    h.sync.on_event(h.event(13, 14))  # starts after 11: the stream is ahead of the snapshot
    assert "BTCUSDT" not in h.books and h.sync.rebuilds == 1


def test_a_lagging_snapshot_is_fetched_again_then_the_sync_starts_over() -> None:
    h = Harness(max_tries=3)
    h.sync.start()
    h.last_u = 20
    h.sync.on_event(h.event(21, 22))
    for _ in range(2):
        h.sync.on_snapshot(snap(15))
        assert "BTCUSDT" not in h.books
    assert len(h.asked) == 3 and h.asked[1] > 0
    h.sync.on_snapshot(snap(15))
    assert any("never caught up" in m for m in h.logs)
    h.sync.on_event(h.event(23, 24, [("99.0", "7")]))
    h.sync.on_snapshot(snap(23))
    assert levels(h.books["BTCUSDT"])[0] == [("100.0", "1"), ("99.0", "7")]


def test_events_before_start_are_kept() -> None:
    h = Harness()
    h.last_u = 10
    h.sync.on_event(h.event(11, 12, [("98.0", "1")]))  # subscribed, not started yet
    h.sync.start()
    h.sync.start()  # a second start asks nothing more
    assert h.asked == [0.0]
    h.sync.on_snapshot(snap(11))
    assert levels(h.books["BTCUSDT"])[0] == [("100.0", "1"), ("99.0", "2"), ("98.0", "1")]


def test_snapshot_errors_retry_and_stop_forgets() -> None:
    h = Harness()
    h.sync.start()
    h.sync.on_snapshot_error(OSError("down"))
    assert len(h.asked) == 2 and h.asked[1] > 0
    h.sync.on_snapshot(snap(3))
    assert "BTCUSDT" in h.books
    h.sync.stop()
    assert "BTCUSDT" not in h.books
    h.sync.on_snapshot(snap(4))  # not asked for any more: ignored
    assert "BTCUSDT" not in h.books


def test_a_held_book_keeps_its_levels() -> None:
    h = Harness()
    h.sync.start()
    h.sync.on_snapshot(snap(10))
    h.last_u = 10
    held = h.books["BTCUSDT"]
    before = (held.last_update_id, held.bids)
    h.sync.on_event(h.event(11, 11, [("100.0", "5")]))
    assert (held.last_update_id, held.bids) == before  # frozen, not moved on
    now = h.books["BTCUSDT"]
    assert now is not held and now.bids[0] == (Decimal("100.0"), Decimal("5"))
    assert now == OrderBook("BTCUSDT", 11, now.bids, now.asks)
    assert "2 bids" in repr(now) and hash(now) == hash(now)
    assert h.changes and h.changes[-1].last_update_id == 11
    trimmed = dataclasses.replace(now, bids=now.bids[:1])
    assert trimmed.bids == now.bids[:1] and trimmed.asks == now.asks
    assert pickle.loads(pickle.dumps(now)) == now and type(copy.copy(now)) is OrderBook


def test_a_held_book_never_read_keeps_its_levels_without_building_them() -> None:
    h = Harness()
    h.sync.start()
    h.sync.on_snapshot(snap(10))
    h.last_u = 10
    held = h.books["BTCUSDT"]  # held, not read: the GUI keeps the latest until it repaints
    want = h.sync.materialize()
    h.sync.on_event(h.event(11, 11, [("100.0", "5")], [("101.0", "0")]))
    h.sync.on_event(h.event(12, 12, [("99.5", "7")]))
    # frozen on a copy of its levels: nothing was made a Decimal for it
    assert object.__getattribute__(held, "_levels_cache") is None
    assert held.top(1) == (want[0][:1], want[1][:1])
    assert (held.last_update_id, held.bids, held.asks) == (10, *want)
    now = h.books["BTCUSDT"]
    assert now is not held and now.last_update_id == 12
    assert (Decimal("99.5"), Decimal("7")) in now.bids and now.bids != held.bids



def test_top_levels_are_the_full_books_best() -> None:
    h = Harness()
    h.sync.start()
    bids = [(f"{100 - i}.0", f"{i + 1}") for i in range(30)]
    asks = [(f"{101 + i}.0", f"{i + 2}") for i in range(30)]
    h.sync.on_snapshot(snap(10, bids=bids[::-1], asks=asks[::-1]))  # any order on the wire
    view = h.books["BTCUSDT"]
    best_bids, best_asks = view.top(5)  # before any full read: built from the sync
    assert (best_bids, best_asks) == (view.bids[:5], view.asks[:5])  # now from the cache
    assert view.top(5) == (best_bids, best_asks)
    assert best_bids[0] == (Decimal("100.0"), Decimal("1")) and len(best_asks) == 5
    assert view.top(100) == (view.bids, view.asks)
    plain = OrderBook("BTCUSDT", 1, view.bids, view.asks)
    assert plain.top(3) == (view.bids[:3], view.asks[:3])
