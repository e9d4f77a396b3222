"""User-data streams: spot WS API and futures listenKey, reconciliation after reconnects."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from connector import BinanceClient
from connector.demo import DemoExchange
from connector.events import BalanceUpdate, OrderUpdate

from .conftest import FAST, make_client
from .helpers import until


def engine_of(demo: DemoExchange, client: BinanceClient):  # type: ignore[no-untyped-def]
    return demo.futures if client.futures else demo.spot


def exchange_open_ids(demo: DemoExchange, client: BinanceClient) -> set[int]:
    return {o["orderId"] for o in engine_of(demo, client).open_orders()}


async def test_order_events_keep_state_current(client: BinanceClient, demo: DemoExchange) -> None:
    events: list[object] = []
    client.add_listener(events.append)
    status = await client.place_order("BTCUSDT", "MARKET", "0.002", "BUY")
    await until(lambda: any(isinstance(e, OrderUpdate) and e.order.order_id == status.order_id
                            and e.order.status == "filled" for e in events), what="fill event")
    await until(lambda: any(isinstance(e, BalanceUpdate) for e in events), what="balances")
    update = next(e for e in events if isinstance(e, OrderUpdate) and e.order.status == "filled")
    assert update.order.client_order_id == status.client_order_id
    assert update.order.executed_qty == Decimal("0.002") and update.order.avg_price > 0
    assert update.execution_type == "TRADE" and update.fill is not None
    fill = update.fill
    assert (fill.order_id, fill.symbol, fill.side) == (status.order_id, "BTCUSDT", "BUY")
    assert fill.quantity == Decimal("0.002") and fill.price > 0 and fill.trade_id > 0
    assert fill.quote_quantity == fill.price * fill.quantity and fill.commission_asset
    fresh = await client.get_balances()
    if client.futures:
        await until(lambda: client.balances["USDT"].wallet_balance
                    == fresh["USDT"].wallet_balance, what="live wallet to match REST")
    else:
        await until(lambda: client.balances.get("USDT") == fresh["USDT"],
                    what="live balances to match REST")
    if not client.futures:
        assert client.balances["BTC"] == fresh["BTC"]
    assert any("filled" in e.message for e in client.logs)


async def test_resting_order_fill_removes_it_from_open_orders(client: BinanceClient,
                                                              demo: DemoExchange) -> None:
    price = (await client.get_bid_ask("BTCUSDT"))["bid"] - 500
    status = await client.place_order("BTCUSDT", "LIMIT", "0.002", "BUY", price)
    await until(lambda: status.order_id in client.open_orders)
    engine_of(demo, client).set_price("BTCUSDT", price - 100)
    await until(lambda: status.order_id not in client.open_orders, what="fill removes order")
    assert exchange_open_ids(demo, client) == set()


async def test_reconnect_during_fills_reconciles(client: BinanceClient, demo: DemoExchange) -> None:
    engine = engine_of(demo, client)
    mid = engine.price("BTCUSDT")
    placed = [await client.place_order("BTCUSDT", "LIMIT", "0.002", "BUY", mid - 300 - 50 * i)
              for i in range(4)]
    await until(lambda: len(client.open_orders) == 4)
    updates: list[OrderUpdate] = []
    client.add_listener(lambda e: updates.append(e) if isinstance(e, OrderUpdate) else None)
    user = client._live.user
    assert user is not None
    connects = user.connects
    await demo.drop_streams()
    engine.set_price("BTCUSDT", mid - 380)  # fills the two highest bids while we are away
    await until(lambda: user.connects > connects and user.connected.is_set(),
                what="user stream back")
    await until(lambda: set(client.open_orders) == exchange_open_ids(demo, client),
                what="open orders reconciled")
    assert set(client.open_orders) == {p.order_id for p in placed[2:]}
    filled = {u.order.order_id for u in updates if u.order.status == "filled"}
    assert filled == {p.order_id for p in placed[:2]}  # the user is told, once each
    assert len([u for u in updates if u.order.status == "filled"]) == 2
    truth = await client.get_balances()
    for asset, balance in truth.items():
        mine = client.balances[asset]
        if client.futures:  # margin figures follow by REST a moment later; wallets are exact
            assert mine.wallet_balance == balance.wallet_balance
        else:
            assert (mine.free, mine.locked) == (balance.free, balance.locked)
    assert "reconciled" in " ".join(e.message for e in client.logs)


async def test_listen_key_expiry_opens_a_new_key(futures_client: BinanceClient,
                                                 demo: DemoExchange) -> None:
    user = futures_client._live.user
    assert user is not None
    connects = user.connects
    demo.expire_listen_keys()
    await until(lambda: user.connects > connects and user.connected.is_set())
    posts = [r for r in demo.requests if r.path == "/fapi/v1/listenKey" and r.method == "POST"]
    assert len(posts) >= 2
    status = await futures_client.place_order("BTCUSDT", "MARKET", "0.002", "SELL")
    await until(lambda: any("filled" in e.message and str(status.order_id) in e.message
                            for e in futures_client.logs if "order" in e.message))


async def test_listen_key_keepalive_and_delete(demo: DemoExchange) -> None:
    options = dataclasses.replace(FAST, listen_key_keepalive=0.2)
    async with make_client(demo, True, live_options=options):
        await until(lambda: any(r.method == "PUT" and r.path == "/fapi/v1/listenKey"
                                for r in demo.requests), what="keep-alive")
    assert any(r.method == "DELETE" and r.path == "/fapi/v1/listenKey" for r in demo.requests)


async def test_ws_api_subscription_is_signed(spot_client: BinanceClient,
                                             demo: DemoExchange) -> None:
    import orjson

    sent = [orjson.loads(m.data) for m in demo.ws_messages if m.path == "/ws-api/v3"]
    assert sent and sent[0]["method"] == "userDataStream.subscribe.signature"
    params = sent[0]["params"]
    assert set(params) == {"apiKey", "timestamp", "signature"}
    assert not any(r.path.endswith("userDataStream") for r in demo.requests)  # no spot listenKey


async def test_silent_user_stream_is_noticed_and_reconciled(client: BinanceClient,
                                                            demo: DemoExchange) -> None:
    engine = engine_of(demo, client)
    mid = engine.price("BTCUSDT")
    order = await client.place_order("BTCUSDT", "LIMIT", "0.002", "BUY", mid - 400)
    await until(lambda: order.order_id in client.open_orders)
    demo.faults.silent = True  # events below are lost on the wire, pings go unanswered
    engine.set_price("BTCUSDT", mid - 500)
    await until(lambda: any("User data stream lost (silent" in e.message for e in client.logs),
                what="silence noticed")
    demo.faults.silent = False
    await until(lambda: order.order_id not in client.open_orders, what="reconciled fill")
    assert exchange_open_ids(demo, client) == set()


async def test_resting_spot_order_lock_reaches_balances(spot_client: BinanceClient,
                                                        demo: DemoExchange) -> None:
    """A limit order that rests moves funds from free to locked: Binance says so with an
    ``outboundAccountPosition``, and nothing else would (no fill or reconnect need follow)."""
    quote = await spot_client.get_bid_ask("BTCUSDT")
    low, high = quote["bid"] - 3000, quote["ask"] + 3000  # far from the walk: they rest

    def same(*assets: str) -> bool:
        truth = demo.spot.balances()
        return all((spot_client.balances[a].free, spot_client.balances[a].locked)
                   == (Decimal(truth[a]["free"]), Decimal(truth[a]["locked"])) for a in assets)

    buy = await spot_client.place_order("BTCUSDT", "LIMIT", "0.002", "BUY", low)
    sell = await spot_client.place_order("BTCUSDT", "LIMIT", "0.003", "SELL", high)
    assert {buy.order_id, sell.order_id} == exchange_open_ids(demo, spot_client)
    await until(lambda: same("USDT", "BTC"), what="the locks to reach the client's balances")
    assert spot_client.balances["USDT"].locked == Decimal("0.002") * low
    assert spot_client.balances["BTC"].locked == Decimal("0.003")
    await spot_client.cancel_order("BTCUSDT", buy.order_id)
    await until(lambda: spot_client.balances["USDT"].locked == 0, what="the lock released")
    assert same("USDT", "BTC")
