"""API keys in the OS keyring, one entry per environment and market.

Keyring backends may block (D-Bus, a locked wallet prompting for a password), so every
keyring call runs in the loop's executor: the one documented exception to "no threads".
Where no keyring backend works, keys live in memory for this session only and the settings
dialog says so. Keys are never written to any file by us.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Generic, TypeVar

import keyring
import keyring.backend
import keyring.errors

SERVICE = "starlight"
Pair = tuple[str, str]  # (environment, market)
T = TypeVar("T")


class _Sealed(Generic[T]):
    """What crosses the executor: its repr shows nothing (qasync logs every result)."""

    __slots__ = ("value",)

    def __init__(self, value: T) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "<sealed>"


# One plain worker thread for the app's life: keyring calls run one at a time (backends are
# not all thread-safe), and no QThread-based executor (qasync's default, one per loop) is
# left to be garbage-collected while its threads still run.
_KEYRING_THREAD = ThreadPoolExecutor(max_workers=1, thread_name_prefix="keyring")


async def _off_loop(call: Callable[[], T]) -> T:
    sealed = await asyncio.get_running_loop().run_in_executor(_KEYRING_THREAD,
                                                              lambda: _Sealed(call()))
    return sealed.value


class SecretStore:
    def __init__(self) -> None:
        self._session: dict[Pair, Pair] = {}
        self.error = ""

    async def warm_up(self) -> None:
        """Let keyring find its backend (it may probe D-Bus) off the loop, once, at start;
        afterwards ``persistent`` is a memory read."""
        await _off_loop(keyring.get_keyring)

    @property
    def persistent(self) -> bool:
        """Whether a real keyring backend is available (checked each time: tests swap it)."""
        backend = keyring.get_keyring()
        try:
            priority = float(backend.priority)
        except Exception:
            priority = 1.0
        return priority > 0

    async def get(self, env: str, market: str) -> Pair:
        return (await self.load([(env, market)]))[(env, market)]

    async def load(self, pairs: Iterable[Pair]) -> dict[Pair, Pair]:
        """The key pairs of several environments in one trip to the executor."""
        wanted = list(pairs)
        found = {p: self._session[p] for p in wanted if p in self._session}
        missing = [p for p in wanted if p not in found]
        if missing and self.persistent:
            try:
                found.update(await _off_loop(lambda: {p: _read(*p) for p in missing}))
            except (keyring.errors.KeyringError, RuntimeError) as exc:
                self.error = f"Keyring unavailable ({type(exc).__name__})"
        return {p: found.get(p, ("", "")) for p in wanted}

    async def set(self, env: str, market: str, key: str, secret: str) -> bool:
        """Store the pair; returns False when it could only be kept for this session."""
        if self.persistent:
            try:
                await _off_loop(lambda: _write(env, market, key, secret))
                self._session.pop((env, market), None)
                return True
            except (keyring.errors.KeyringError, RuntimeError) as exc:
                self.error = f"Keyring unavailable ({type(exc).__name__})"
        self._session[(env, market)] = (key, secret)
        return False


def _read(env: str, market: str) -> Pair:
    return (keyring.get_password(SERVICE, f"{env}-{market}-key") or "",
            keyring.get_password(SERVICE, f"{env}-{market}-secret") or "")


def _write(env: str, market: str, key: str, secret: str) -> None:
    for name, value in ((f"{env}-{market}-key", key), (f"{env}-{market}-secret", secret)):
        if value:
            keyring.set_password(SERVICE, name, value)
        else:
            with contextlib.suppress(keyring.errors.PasswordDeleteError):
                keyring.delete_password(SERVICE, name)


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring backend that forgets everything at exit (tests, benchmarks, kiosks)."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # keyring's base is untyped
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)
