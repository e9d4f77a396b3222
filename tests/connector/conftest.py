from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from connector import BinanceClient
from connector._live import LiveOptions
from connector.demo import DEMO_API_KEY, DEMO_API_SECRET, DemoExchange

FAST = LiveOptions(backoff_initial=0.05, backoff_max=0.5, silence_timeout=1.5,
                   user_silence_timeout=1.5,
                   reply_timeout=5.0, messages_per_second=4.0)


@pytest.fixture
async def demo() -> AsyncIterator[DemoExchange]:
    async with DemoExchange(seed=7, walk_interval=0.05) as ex:
        yield ex


def make_client(ex: DemoExchange, futures: bool, key: str = DEMO_API_KEY,
                secret: str = DEMO_API_SECRET, **kwargs: object) -> BinanceClient:
    kwargs.setdefault("live_options", FAST)
    return BinanceClient(key, secret, False, futures, rest_url=ex.rest_url, ws_url=ex.ws_url,
                         ws_api_url=ex.ws_api_url, **kwargs)  # type: ignore[arg-type]


@pytest.fixture(params=[False, True], ids=["spot", "futures"])
async def client(request: pytest.FixtureRequest, demo: DemoExchange) -> AsyncIterator[BinanceClient]:
    c = make_client(demo, request.param)
    await c.start()
    try:
        yield c
    finally:
        await c.close()


@pytest.fixture
async def spot_client(demo: DemoExchange) -> AsyncIterator[BinanceClient]:
    async with make_client(demo, False) as c:
        yield c


@pytest.fixture
async def futures_client(demo: DemoExchange) -> AsyncIterator[BinanceClient]:
    async with make_client(demo, True) as c:
        yield c
