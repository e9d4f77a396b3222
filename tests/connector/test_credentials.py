"""``check_credentials``: the Settings dialog's "Test connection", on a client never started."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from connector import AuthError, MissingCredentialsError
from connector.demo import DemoExchange

from .conftest import make_client


@pytest.mark.parametrize("futures", [False, True], ids=["spot", "futures"])
async def test_check_credentials_without_start(demo: DemoExchange, futures: bool) -> None:
    before = asyncio.all_tasks()
    c = make_client(demo, futures)
    balances = await c.check_credentials()
    assert balances["USDT"].total >= Decimal(10_000) or balances["USDT"].wallet_balance > 0
    paths = [r.path for r in demo.requests]
    assert paths[0].endswith("/time")  # the clock first, so the signed call is in the window
    assert any(p.endswith("/account") for p in paths)
    assert c.contracts == {} and c._live.user is None  # nothing else was opened
    await c.close()
    assert c._rest._session is None
    await asyncio.sleep(0)
    assert asyncio.all_tasks() - before == set()


async def test_check_credentials_refused_key_and_missing_keys(demo: DemoExchange) -> None:
    bad = make_client(demo, False, key="NOT-A-KEY", secret="NOT-A-SECRET")
    with pytest.raises(AuthError) as err:
        await bad.check_credentials()
    assert err.value.code == -2015 and err.value.msg == (
        "Invalid API-key, IP, or permissions for action.")
    assert "NOT-A-KEY" not in str(err.value)
    await bad.close()
    empty = make_client(demo, False, key="", secret="")
    sent = len(demo.requests)
    with pytest.raises(MissingCredentialsError):
        await empty.check_credentials()
    assert not any(r.path.endswith("/account") for r in demo.requests[sent:])
    await empty.close()
    assert empty._rest._session is None
