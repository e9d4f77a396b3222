"""Market data of the demo exchange: what the engines report, as Binance streams it.

Pushed as it happens: ``@bookTicker``, ``@aggTrade``, ``@trade``; with the trades, at
Binance's pace: ``@kline_<i>`` (``KLINE_PUSH_S``) and ``@miniTicker`` (1 s). Pushed on
a clock (``_pulse``, every 100 ms): diff depth ``@depth@100ms`` and ``@depth`` (1000 ms
spot, 250 ms futures), partial depth ``@depth<5|10|20>[@100ms]``, ``@ticker`` (1 s) and
futures ``@markPrice`` (3 s) / ``@markPrice@1s``. Depth comes from one ``DepthBook`` per
symbol (``_depth``), made when a symbol's depth is first asked for, so the REST snapshot
and the diff streams share one sequence of update ids. Depth faults
(``Faults.drop_depth`` ...) act on the diff streams here.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ._depth import DepthBook, Diff
from ._engine import INTERVAL_MS, Market, MarketEngine, fmt, now_ms
from ._hub_base import HubBase

PULSE = 0.1  # s
# How often Binance pushes a kline stream: 2 s on spot (1 s for the 1s interval), 250 ms
# on USD-M futures.
KLINE_PUSH_S = {"spot": 2.0, "futures": 0.25}
KLINE_PUSH_1S_SPOT = 1.0
BOOK_IDLE = 60.0  # s
PARTIAL_LEVELS = (5, 10, 20)
OPEN_ORDER = ("NEW", "PARTIALLY_FILLED")


@dataclass(slots=True)
class _DepthState:
    book: DepthBook
    own: dict[int, tuple[str, Decimal, Decimal]] = field(default_factory=dict)  # id -> side, p, q
    published_slow: int = 0  # u of the last event of the slow (@depth) stream
    published_fast: int = 0  # u of the last event of the @depth@100ms stream
    partial_slow: int = 0
    partial_fast: int = 0
    held: dict[str, Any] = field(default_factory=dict)  # stream -> event held back (reorder)
    asked: float = field(default_factory=time.monotonic)  # last REST snapshot


class MarketFeeds(HubBase):
    _last_kline: dict[tuple[Market, str], float]
    _last_mini: dict[tuple[Market, str], float]
    _depth: dict[tuple[Market, str], _DepthState]
    _depth_ids: dict[tuple[Market, str], int]  # last update id of books forgotten
    _pulses: int

    def _init_market(self) -> None:
        self._last_kline = {}
        self._last_mini = {}
        self._depth = {}
        self._depth_ids = {}
        self._pulses = 0

    def _engine(self, market: Market) -> MarketEngine:
        return self.ex.futures if market == "futures" else self.ex.spot

    # -- pushed as it happens (EventSink) --------------------------------------------------

    def book_ticker(self, market: Market, symbol: str, update_id: int, bid: Decimal,
                    bid_qty: Decimal, ask: Decimal, ask_qty: Decimal, time_ms: int) -> None:
        name = f"{symbol.lower()}@bookTicker"
        if (market, name) not in self._subs and (market, "!bookTicker") not in self._subs:
            return
        data: dict[str, Any]
        if market == "futures":
            data = {"e": "bookTicker", "u": update_id, "E": time_ms, "T": time_ms, "s": symbol,
                    "b": fmt(bid), "B": fmt(bid_qty), "a": fmt(ask), "A": fmt(ask_qty)}
        else:
            data = {"u": update_id, "s": symbol, "b": fmt(bid), "B": fmt(bid_qty), "a": fmt(ask),
                    "A": fmt(ask_qty)}
        self._publish(market, name, data, "!bookTicker")

    def trade(self, market: Market, symbol: str, agg_id: int, price: Decimal, qty: Decimal,
              first_trade_id: int, last_trade_id: int, time_ms: int,
              buyer_is_maker: bool) -> None:
        lower = symbol.lower()
        name = f"{lower}@aggTrade"
        if (market, name) in self._subs:
            data: dict[str, Any] = {
                "e": "aggTrade", "E": time_ms, "s": symbol, "a": agg_id, "p": fmt(price),
                "q": fmt(qty), "f": first_trade_id, "l": last_trade_id, "T": time_ms,
                "m": buyer_is_maker}
            if market == "spot":
                data["M"] = True
            self._publish(market, name, data)
        name = f"{lower}@trade"
        if (market, name) in self._subs:
            data = {"e": "trade", "E": time_ms, "T": time_ms, "s": symbol, "t": first_trade_id,
                    "p": fmt(price), "q": fmt(qty), "m": buyer_is_maker}
            if market == "spot":
                data["M"] = True
            else:
                data["X"] = "MARKET"
            self._publish(market, name, data)
        self._klines_and_mini(market, symbol, first_trade_id, last_trade_id, time_ms)

    def _klines_and_mini(self, market: Market, symbol: str, first_trade_id: int,
                         last_trade_id: int, time_ms: int) -> None:
        lower = symbol.lower()
        now = time.monotonic()
        engine = self._engine(market)
        for interval in INTERVAL_MS:
            kname = f"{lower}@kline_{interval}"
            if (market, kname) not in self._subs:
                continue
            every = (KLINE_PUSH_1S_SPOT if market == "spot" and interval == "1s"
                     else KLINE_PUSH_S[market])
            if now - self._last_kline.get((market, kname), 0.0) < every:
                continue
            self._last_kline[(market, kname)] = now
            row = engine.klines(symbol, interval, 1)[0]
            self._publish(market, kname, {
                "e": "kline", "E": time_ms, "s": symbol,
                "k": {"t": row[0], "T": row[6], "s": symbol, "i": interval, "f": first_trade_id,
                      "L": last_trade_id, "o": row[1], "c": row[4], "h": row[2], "l": row[3],
                      "v": row[5], "n": row[8], "x": False, "q": row[7], "V": row[9],
                      "Q": row[10], "B": "0"}})
        mname = f"{lower}@miniTicker"
        wants_all = (market, "!miniTicker@arr") in self._subs
        if ((market, mname) in self._subs or wants_all) and now - self._last_mini.get(
                (market, symbol), 0.0) >= 1.0:
            self._last_mini[(market, symbol)] = now
            t = engine.ticker_24hr(symbol)
            data = {"e": "24hrMiniTicker", "E": time_ms, "s": symbol, "c": t["lastPrice"],
                    "o": t["openPrice"], "h": t["highPrice"], "l": t["lowPrice"],
                    "v": t["volume"], "q": t["quoteVolume"]}
            self._publish(market, mname, data)
            if wants_all:
                self._publish(market, "!miniTicker@arr", [data])

    def own_order_changed(self, market: Market, order: dict[str, Any]) -> None:
        try:
            state = self._depth.get((market, order["symbol"]))
            if state is None:
                return
            oid = int(order["orderId"])
            resting = (order.get("status") in OPEN_ORDER
                       and order.get("type") in ("LIMIT", "LIMIT_MAKER"))
            if resting:
                left = Decimal(order["origQty"]) - Decimal(order["executedQty"])
                state.own[oid] = (order["side"], Decimal(order["price"]), left)
            else:
                state.own.pop(oid, None)
        except (KeyError, TypeError, ValueError, ArithmeticError):
            return  # an order shape that never rests in the book (e.g. an algo order)

    # -- depth -------------------------------------------------------------------------------

    def depth_state(self, market: Market, symbol: str) -> _DepthState:
        """The symbol's book, made (with the users' resting orders) on first use."""
        state = self._depth.get((market, symbol))
        if state is None:
            engine = self._engine(market)
            spec = engine.specs[symbol]
            state = _DepthState(DepthBook(
                spec.tick, spec.step, seed=sum(map(ord, symbol)) + (market == "futures"),
                first_id=self._depth_ids.get((market, symbol), 999_000) + 1000))
            for o in engine.orders_by_id.values():
                if o.symbol == symbol and o.is_open and o.type in ("LIMIT", "LIMIT_MAKER"):
                    state.own[o.order_id] = (o.side, o.price, o.orig_qty - o.executed_qty)
            self._depth[(market, symbol)] = state
            self._sync(market, symbol, state)
            state.published_slow = state.published_fast = state.book.update_id
            state.partial_slow = state.partial_fast = state.book.update_id
        return state

    def _sync(self, market: Market, symbol: str, state: _DepthState) -> Diff | None:
        bid, bid_qty, ask, ask_qty = self._engine(market).book(symbol)
        own_bids: dict[Decimal, Decimal] = {}
        own_asks: dict[Decimal, Decimal] = {}
        for side, price, qty in state.own.values():
            levels = own_bids if side == "BUY" else own_asks
            levels[price] = levels.get(price, Decimal(0)) + qty
        return state.book.sync(bid, bid_qty, ask, ask_qty, own_bids, own_asks)

    def depth_snapshot(self, market: Market, symbol: str, limit: int) -> dict[str, Any]:
        """REST ``depth``: the book as of its newest diff (every diff before it is sent)."""
        state = self.depth_state(market, symbol)
        state.asked = time.monotonic()
        self._step_depth(market, symbol, state, fast=True, slow=False)
        faults = self.ex.faults
        lag = 0
        if faults.depth_lag_count > 0:
            faults.depth_lag_count -= 1
            lag = faults.depth_lag_events
        # ``lastUpdateId`` is the id of the last update the levels include, on both markets:
        # the book served is the book at that id (never the next diff's first id: a client
        # showing the snapshot under that id, before the diff arrives, would show a state the
        # exchange was never in at that id). Futures clients then apply the diff ending at it
        # (U <= lastUpdateId <= u) or the one continuing it (pu == lastUpdateId).
        last, bids, asks = state.book.snapshot(limit, lag)
        out: dict[str, Any] = {"lastUpdateId": last,
                               "bids": [[fmt(p), fmt(q)] for p, q in bids],
                               "asks": [[fmt(p), fmt(q)] for p, q in asks]}
        if market == "futures":
            t = now_ms()
            out = {"lastUpdateId": last, "E": t, "T": t, "bids": out["bids"],
                   "asks": out["asks"]}
        return out

    def _step_depth(self, market: Market, symbol: str, state: _DepthState, *, fast: bool,
                    slow: bool) -> None:
        self._sync(market, symbol, state)
        book = state.book
        lower = symbol.lower()
        if fast:
            self._maybe_cross(state)
        if fast and book.update_id != state.published_fast:
            for diff in book.since(state.published_fast):
                self._send_diff(market, symbol, f"{lower}@depth@100ms", state,
                                diff.first, diff.last, state.published_fast, diff)
                state.published_fast = diff.last
        if slow and book.update_id != state.published_slow:
            diffs = book.since(state.published_slow)
            merged = _merge(diffs)
            self._send_diff(market, symbol, f"{lower}@depth", state, diffs[0].first,
                            diffs[-1].last, state.published_slow, merged)
            state.published_slow = diffs[-1].last

    def _maybe_cross(self, state: _DepthState) -> None:
        """Fault: the next update crosses the book (a bid above the best ask)."""
        faults = self.ex.faults
        if faults.depth_cross <= 0 or not state.book.asks:
            return
        faults.depth_cross -= 1
        book = state.book
        book.inject(((min(book.asks) + book.tick, book.step * 7),), ())

    def _send_diff(self, market: Market, symbol: str, name: str, state: _DepthState,
                   first: int, last: int, previous: int, diff: Diff) -> None:
        if not self.wanted(market, name):
            return
        t = now_ms()
        data: dict[str, Any] = {"e": "depthUpdate", "E": t}
        if market == "futures":
            data["T"] = t
        data.update({"s": symbol, "U": first, "u": last})
        if market == "futures":
            data["pu"] = previous
        data["b"] = [[fmt(p), fmt(q)] for p, q in diff.bids]
        data["a"] = [[fmt(p), fmt(q)] for p, q in diff.asks]
        faults = self.ex.faults
        held = state.held.pop(name, None)
        if faults.depth_drop > 0:
            faults.depth_drop -= 1
        elif faults.depth_reorder > 0 and held is None:
            faults.depth_reorder -= 1
            state.held[name] = data  # sent after the next one
        else:
            self._publish(market, name, data)
            if faults.depth_duplicate > 0:
                faults.depth_duplicate -= 1
                self._publish(market, name, data)
        if held is not None:
            self._publish(market, name, held)

    def _partial(self, market: Market, symbol: str, state: _DepthState, *, fast: bool) -> None:
        lower = symbol.lower()
        suffix = "@100ms" if fast else ""
        names = [(n, f"{lower}@depth{n}{suffix}") for n in PARTIAL_LEVELS]
        names = [(n, name) for n, name in names if self.wanted(market, name)]
        previous = state.partial_fast if fast else state.partial_slow
        book = state.book
        if fast:
            state.partial_fast = book.update_id
        else:
            state.partial_slow = book.update_id
        for n, name in names:
            bids, asks = book.top(n)
            b = [[fmt(p), fmt(q)] for p, q in bids]
            a = [[fmt(p), fmt(q)] for p, q in asks]
            if market == "spot":
                self._publish(market, name, {"lastUpdateId": book.update_id, "bids": b,
                                             "asks": a})
            else:
                t = now_ms()
                self._publish(market, name, {
                    "e": "depthUpdate", "E": t, "T": t, "s": symbol,
                    "U": min(previous + 1, book.update_id), "u": book.update_id,
                    "pu": previous, "b": b, "a": a})

    # -- pushed on a clock -------------------------------------------------------------------

    async def _pulse_loop(self) -> None:
        while True:
            await asyncio.sleep(PULSE)
            try:
                self.pulse()
            except Exception:  # a bug in one feed must not stop the others
                import logging
                logging.getLogger("connector.demo").exception("market data pulse failed")

    def pulse(self) -> None:
        """One tick of the clock-driven feeds (every ``PULSE`` seconds)."""
        self._pulses += 1
        n = self._pulses
        for market in ("spot", "futures"):
            slow_every = 10 if market == "spot" else 3  # 1000 ms / ~250 ms
            self._wanted_depth(market)
            for (m, symbol), state in list(self._depth.items()):
                if m != market:
                    continue
                self._step_depth(market, symbol, state, fast=True, slow=n % slow_every == 0)
                self._partial(market, symbol, state, fast=True)
                if n % slow_every == 0:
                    self._partial(market, symbol, state, fast=False)
            if n % 10 == 0:
                self._tickers(market)
            if market == "futures":
                self._mark_prices(every_3s=n % 30 == 0, every_1s=n % 10 == 0)

    def _wanted_depth(self, market: Market) -> None:
        """Make the book of every symbol whose depth someone subscribed to; forget books
        nobody has streamed or asked for in ``BOOK_IDLE`` s (they cost a sync per pulse)."""
        engine = self._engine(market)
        wanted = set()
        for m, name in list(self._subs):
            if m != market or "@depth" not in name or not self._subs[(m, name)]:
                continue
            symbol = name.partition("@")[0].upper()
            if symbol in engine.specs:
                wanted.add(symbol)
                if (market, symbol) not in self._depth:
                    self.depth_state(market, symbol)
        idle = time.monotonic() - BOOK_IDLE
        for m, symbol in [k for k, st in self._depth.items() if st.asked < idle]:
            if m == market and symbol not in wanted:
                # a book made again later goes on from here: ids never run backwards
                self._depth_ids[(m, symbol)] = self._depth.pop((m, symbol)).book.update_id

    def _tickers(self, market: Market) -> None:
        engine = self._engine(market)
        for m, name in list(self._subs):
            if m != market or not name.endswith("@ticker") or not self._subs[(m, name)]:
                continue
            symbol = name.partition("@")[0].upper()
            if symbol in engine.specs:
                self._publish(market, name, ticker_event(engine, symbol))
        if self.wanted(market, "!ticker@arr"):
            self._publish(market, "!ticker@arr", [ticker_event(engine, s)
                                                  for s in engine.symbols()])

    def _mark_prices(self, *, every_3s: bool, every_1s: bool) -> None:
        engine = self.ex.futures
        for m, name in list(self._subs):
            if m != "futures" or "@markPrice" not in name or not self._subs[(m, name)]:
                continue
            if not (every_1s if name.endswith("@1s") else every_3s):
                continue
            symbol = name.partition("@")[0].upper()
            if symbol not in engine.specs:
                continue
            mp = engine.premium_index(symbol)  # one source with REST premiumIndex
            self._publish("futures", name, {
                "e": "markPriceUpdate", "E": mp["time"], "s": symbol, "p": mp["markPrice"],
                "i": mp["indexPrice"], "P": mp["estimatedSettlePrice"],
                "r": mp["lastFundingRate"], "T": mp["nextFundingTime"]})


def ticker_event(engine: MarketEngine, symbol: str) -> dict[str, Any]:
    """``24hrTicker`` from the engine's 24 h statistics (REST ``ticker/24hr``'s numbers)."""
    t = engine.ticker_24hr(symbol)
    data: dict[str, Any] = {
        "e": "24hrTicker", "E": t["closeTime"], "s": symbol, "p": t["priceChange"],
        "P": t["priceChangePercent"], "w": t["weightedAvgPrice"]}
    if not engine.futures:
        data["x"] = t["prevClosePrice"]
    data.update({"c": t["lastPrice"], "Q": t["lastQty"]})
    if not engine.futures:
        data.update({"b": t["bidPrice"], "B": t["bidQty"], "a": t["askPrice"], "A": t["askQty"]})
    data.update({"o": t["openPrice"], "h": t["highPrice"], "l": t["lowPrice"], "v": t["volume"],
                 "q": t["quoteVolume"], "O": t["openTime"], "C": t["closeTime"],
                 "F": t["firstId"], "L": t["lastId"], "n": t["count"]})
    return data


def _merge(diffs: list[Diff]) -> Diff:
    """Many diffs as one (a slower stream's event): the newest size of each level."""
    bids: dict[Decimal, Decimal] = {}
    asks: dict[Decimal, Decimal] = {}
    for d in diffs:
        bids.update(d.bids)
        asks.update(d.asks)
    return Diff(diffs[0].first, diffs[-1].last, tuple(bids.items()), tuple(asks.items()))
