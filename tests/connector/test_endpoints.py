import pytest

from connector.endpoints import HOSTS, resolve


@pytest.mark.parametrize("futures", [False, True])
def test_overrides_replace_hosts_and_keep_paths(futures: bool) -> None:
    ep = resolve("live", futures, rest_url="http://127.0.0.1:8123/", ws_url="ws://127.0.0.1:8123")
    assert ep.rest_url == "http://127.0.0.1:8123"
    assert ep.ws_url == "ws://127.0.0.1:8123"
    assert ep.api_prefix == ("/fapi/v1" if futures else "/api/v3")
    market = ep.stream_url("market")
    assert market == ("ws://127.0.0.1:8123/market/stream" if futures else "ws://127.0.0.1:8123/stream")


def test_without_overrides_the_table_is_used() -> None:
    assert resolve("testnet", False).rest_url == "https://testnet.binance.vision"
    assert resolve("live", True).rest_url == "https://fapi.binance.com"
    assert resolve("demo", True).rest_url == "https://demo-fapi.binance.com"


def test_futures_streams_split_by_kind_and_spot_has_one_root() -> None:
    fut = HOSTS[("live", True)]
    assert fut.stream_url("public") == "wss://fstream.binance.com/public/stream"
    assert fut.user_stream_url("abc") == "wss://fstream.binance.com/private/ws/abc"
    spot = HOSTS[("live", False)]
    assert spot.stream_url("public") == spot.stream_url("market") == "wss://stream.binance.com:9443/stream"
    assert spot.ws_api_url.endswith("/ws-api/v3")
