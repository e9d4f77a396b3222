"""A DemoExchange in its own process, as a real exchange is to the app.

    with DemoProcess(extra_symbols=200, walk=False) as demo:
        demo.rest_url, demo.ws_url, demo.ws_api_url

The benchmarks measure the client's process; an exchange sharing it would bill its
own work (signatures, JSON, klines) to the client and stall the client's event loop.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
from pathlib import Path

import orjson


class DemoProcess:
    def __init__(self, *, extra_symbols: int = 0, walk: bool = True) -> None:
        self.args = [sys.executable, __file__, "--extra-symbols", str(extra_symbols)]
        if not walk:
            self.args.append("--no-walk")
        self._proc: subprocess.Popen[str] | None = None
        self.rest_url = self.ws_url = self.ws_api_url = ""

    def __enter__(self) -> DemoProcess:
        self._proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, text=True)
        assert self._proc.stdout is not None
        urls = orjson.loads(self._proc.stdout.readline())
        self.rest_url, self.ws_url, self.ws_api_url = urls["rest"], urls["ws"], urls["ws_api"]
        return self

    def __exit__(self, *exc: object) -> None:
        if self._proc is not None:
            self._proc.terminate()
            self._proc.wait(10)


async def _serve(extra_symbols: int, walk: bool) -> None:
    from connector.demo import DemoExchange

    async with DemoExchange(extra_symbols=extra_symbols, walk=walk) as demo:
        print(orjson.dumps({"rest": demo.rest_url, "ws": demo.ws_url,
                            "ws_api": demo.ws_api_url}).decode(), flush=True)
        await asyncio.Event().wait()


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script
    parser = argparse.ArgumentParser()
    parser.add_argument("--extra-symbols", type=int, default=0)
    parser.add_argument("--no-walk", action="store_true")
    args = parser.parse_args()
    asyncio.run(_serve(args.extra_symbols, not args.no_walk))


if __name__ == "__main__":
    main()
