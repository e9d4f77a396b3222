"""The demo exchange's full order book of one symbol, sequenced like Binance's.

The matching engine only knows the touch (best bid/ask) of its price walk.
``DepthBook`` dresses it as a real book: hundreds of levels each side that
follow the touch as it walks (levels inside the new spread vanish, new ones
appear at the far end, a few sizes change at random), plus every user's
resting LIMIT orders at their prices. Each ``sync`` turns what changed into
one diff (Binance's ``depthUpdate``): every changed level takes one update
id, so a diff spans ``U..u`` and the REST snapshot's ``lastUpdateId`` is
always the ``u`` of the last diff made. A short journal of diffs (with the
sizes they replaced) lets the exchange serve a *lagging* snapshot for tests.
No I/O: the stream hub calls it and publishes what it returns.
"""

from __future__ import annotations

import heapq
import random
from collections import deque
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

ZERO = Decimal(0)
LEVELS = 400  # levels of others' liquidity kept on each side
JOURNAL = 256  # diffs remembered for lagging snapshots


@dataclass(frozen=True, slots=True)
class Diff:
    """One ``depthUpdate``: levels set to absolute sizes (0 = removed)."""

    first: int  # U
    last: int  # u
    bids: tuple[tuple[Decimal, Decimal], ...]
    asks: tuple[tuple[Decimal, Decimal], ...]
    # (is_bid, price, size before) for each level, to roll the book back
    undo: tuple[tuple[bool, Decimal, Decimal], ...] = ()


class DepthBook:
    def __init__(self, tick: Decimal, step: Decimal, *, seed: int = 0,
                 levels: int = LEVELS, first_id: int = 1_000_000) -> None:
        self.tick = tick
        self.step = step
        self.levels = levels
        self.update_id = first_id
        self.bids: dict[Decimal, Decimal] = {}  # what is published: others' + own
        self.asks: dict[Decimal, Decimal] = {}
        self._others_bids: dict[Decimal, Decimal] = {}
        self._others_asks: dict[Decimal, Decimal] = {}
        self._own_bids: dict[Decimal, Decimal] = {}
        self._own_asks: dict[Decimal, Decimal] = {}
        self._bid = ZERO  # the walk's touch at the last sync
        self._ask = ZERO
        self._rng = random.Random(seed)
        self.journal: deque[Diff] = deque(maxlen=JOURNAL)

    # -- making diffs --------------------------------------------------------------------

    def sync(self, bid: Decimal, bid_qty: Decimal, ask: Decimal, ask_qty: Decimal,
             own_bids: dict[Decimal, Decimal], own_asks: dict[Decimal, Decimal]) -> Diff | None:
        """Follow the touch and the users' resting orders; the diff of what changed."""
        touched_bids: set[Decimal] = set()
        touched_asks: set[Decimal] = set()
        if bid != self._bid or ask != self._ask or not self._others_bids:
            self._walk_side(self._others_bids, bid, bid_qty, -1, touched_bids)
            self._walk_side(self._others_asks, ask, ask_qty, 1, touched_asks)
            self._bid, self._ask = bid, ask
        self._jiggle(self._others_bids, bid, -1, touched_bids)
        self._jiggle(self._others_asks, ask, 1, touched_asks)
        for old, new, touched in ((self._own_bids, own_bids, touched_bids),
                                  (self._own_asks, own_asks, touched_asks)):
            touched.update(p for p in old.keys() | new.keys() if old.get(p) != new.get(p))
        self._own_bids, self._own_asks = dict(own_bids), dict(own_asks)
        bids = self._settle(self.bids, self._others_bids, self._own_bids, touched_bids)
        asks = self._settle(self.asks, self._others_asks, self._own_asks, touched_asks)
        if not bids and not asks:
            return None
        undo = tuple((True, p, old) for p, _, old in bids) + tuple(
            (False, p, old) for p, _, old in asks)
        return self._record(tuple((p, q) for p, q, _ in bids),
                            tuple((p, q) for p, q, _ in asks), undo)

    def inject(self, bids: tuple[tuple[Decimal, Decimal], ...],
               asks: tuple[tuple[Decimal, Decimal], ...]) -> Diff:
        """A bogus diff (fault injection): sequenced like any other, never applied here."""
        return self._record(bids, asks, ())

    def _record(self, bids: tuple[tuple[Decimal, Decimal], ...],
                asks: tuple[tuple[Decimal, Decimal], ...],
                undo: tuple[tuple[bool, Decimal, Decimal], ...]) -> Diff:
        first = self.update_id + 1
        self.update_id += max(len(bids) + len(asks), 1)
        diff = Diff(first, self.update_id, bids, asks, undo)
        self.journal.append(diff)
        return diff

    def _walk_side(self, side: dict[Decimal, Decimal], touch: Decimal, touch_qty: Decimal,
                   direction: int, touched: set[Decimal]) -> None:
        """Keep ``levels`` ticks of liquidity behind ``touch``; nothing in front of it."""
        tick = self.tick
        far = touch + direction * tick * (self.levels - 1)
        for price in list(side):
            if (price - touch) * direction < 0 or (price - far) * direction > 0:
                del side[price]
                touched.add(price)
        for i in range(self.levels):
            price = touch + direction * tick * i
            if price <= 0:
                break
            if price in side:
                if i > 40 and side:  # the deep book is already there: stop early
                    break
                continue
            if i and self._rng.random() < 0.15:
                continue  # a sparse book has gaps
            side[price] = self._size(touch_qty, i)
            touched.add(price)
        for i in range(self.levels - 1, 40, -1):  # the far end follows the touch too
            price = touch + direction * tick * i
            if price <= 0:
                continue
            if price in side:
                break
            if self._rng.random() >= 0.15:
                side[price] = self._size(touch_qty, i)
                touched.add(price)
        if touch > 0 and side.get(touch) != touch_qty:
            side[touch] = touch_qty
            touched.add(touch)

    def _jiggle(self, side: dict[Decimal, Decimal], touch: Decimal, direction: int,
                touched: set[Decimal]) -> None:
        """Others place and cancel behind the touch: a few sizes change every sync."""
        if not side:
            return
        for _ in range(self._rng.randrange(4)):
            i = 1 + int(self._rng.expovariate(1 / 12)) % (self.levels - 1)
            price = touch + direction * self.tick * i
            if price <= 0:
                continue
            if price in side and self._rng.random() < 0.2:
                del side[price]
            else:
                side[price] = self._size(side.get(touch, self.step), i)
            touched.add(price)

    def _size(self, touch_qty: Decimal, depth: int) -> Decimal:
        scale = Decimal(repr(round(0.2 + self._rng.random() * (1 + depth / 40), 4)))
        size = (touch_qty * scale / self.step).quantize(Decimal(1), ROUND_HALF_UP) * self.step
        return max(size, self.step)

    @staticmethod
    def _settle(book: dict[Decimal, Decimal], others: dict[Decimal, Decimal],
                own: dict[Decimal, Decimal], touched: set[Decimal]
                ) -> list[tuple[Decimal, Decimal, Decimal]]:
        """Apply the touched prices to the published side; (price, new, old) of each change."""
        changes = []
        for price in sorted(touched):
            new = others.get(price, ZERO) + own.get(price, ZERO)
            old = book.get(price, ZERO)
            if new == old:
                continue
            if new:
                book[price] = new
            else:
                del book[price]
            changes.append((price, new, old))
        return changes

    # -- reading -----------------------------------------------------------------------

    def top(self, limit: int) -> tuple[list[tuple[Decimal, Decimal]],
                                       list[tuple[Decimal, Decimal]]]:
        """The best ``limit`` levels of each side, best first."""
        bids = heapq.nlargest(limit, self.bids.items())
        asks = heapq.nsmallest(limit, self.asks.items())
        return bids, asks

    def snapshot(self, limit: int, lag: int = 0) -> tuple[int, list[tuple[Decimal, Decimal]],
                                                         list[tuple[Decimal, Decimal]]]:
        """``(lastUpdateId, bids, asks)``; ``lag`` > 0 rolls back that many diffs first."""
        if lag <= 0 or not self.journal:
            return (self.update_id, *self.top(limit))
        bids, asks = dict(self.bids), dict(self.asks)
        rolled = list(self.journal)[-lag:]
        for diff in reversed(rolled):
            for is_bid, price, old in diff.undo:
                side = bids if is_bid else asks
                if old:
                    side[price] = old
                else:
                    side.pop(price, None)
        last = rolled[0].first - 1
        return (last, heapq.nlargest(limit, bids.items()), heapq.nsmallest(limit, asks.items()))

    def since(self, update_id: int) -> list[Diff]:
        """The diffs made after ``update_id`` (as far as the journal reaches)."""
        return [d for d in self.journal if d.last > update_id]
