"""``python -m connector.demo --port 8123``: run the demo exchange until Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from . import DEMO_API_KEY, DEMO_API_SECRET, DemoExchange


async def _serve(port: int, extra_symbols: int) -> None:
    async with DemoExchange(port=port, extra_symbols=extra_symbols) as ex:
        print(f"Starlight DemoExchange\n  REST       {ex.rest_url}\n  streams    {ex.ws_url}"
              f"\n  WS API     {ex.ws_api_url}\n  futures ws {ex.futures_ws_url}"
              f"\n  API key    {DEMO_API_KEY}\n  API secret {DEMO_API_SECRET}", flush=True)
        await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m connector.demo",
                                     description="Binance-compatible demo exchange on loopback")
    parser.add_argument("--port", type=int, default=8123)
    parser.add_argument("--extra-symbols", type=int, default=0)
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.port, args.extra_symbols))


if __name__ == "__main__":
    main()
