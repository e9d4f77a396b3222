from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

from connector import Balance, BinanceClient
from connector.demo import DemoExchange

from ..connector.conftest import make_client
from ..connector.helpers import until


@pytest.fixture
async def demo() -> AsyncIterator[DemoExchange]:
    async with DemoExchange(seed=11, walk_interval=0.05) as ex:
        yield ex


@pytest.fixture(params=[False, True], ids=["spot", "futures"])
def futures(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


@pytest.fixture
async def client(demo: DemoExchange, futures: bool) -> AsyncIterator[BinanceClient]:
    c = make_client(demo, futures, timeout=1.0)
    await c.start()
    try:
        yield c
    finally:
        await c.close()


def engine(demo: DemoExchange, client: BinanceClient) -> Any:
    return demo.futures if client.futures else demo.spot


async def assert_state_matches_exchange(client: BinanceClient, demo: DemoExchange) -> None:
    """The client's open orders and balances equal the exchange's own records."""
    eng = engine(demo, client)
    await until(lambda: set(client.open_orders) == {o["orderId"] for o in eng.open_orders()},
                what="open orders to match the exchange")

    def balances_match() -> bool:
        for asset, b in eng.balances().items():
            mine = client.balances.get(asset, Balance(asset))
            if client.futures:
                if mine.wallet_balance != Decimal(b["walletBalance"]):
                    return False
            elif (mine.free, mine.locked) != (Decimal(b["free"]), Decimal(b["locked"])):
                return False
        return True

    await until(balances_match, what="balances to match the exchange")


def no_duplicate_orders(demo: DemoExchange, client: BinanceClient) -> None:
    ids = [o["clientOrderId"] for o in engine(demo, client).orders()]
    assert len(ids) == len(set(ids)), "an order was sent twice"


from ..gui.conftest import config_home, memory_keyring, run  # noqa: E402,F401  (GUI fixtures)
