"""API keys in the OS keyring, one entry per environment and market.

Where no keyring backend works, keys live in memory for this session only and
the settings dialog says so. Keys are never written to any file by us.
"""

from __future__ import annotations

import contextlib

import keyring
import keyring.backend
import keyring.errors

SERVICE = "starlight"


class SecretStore:
    def __init__(self) -> None:
        self._session: dict[tuple[str, str], tuple[str, str]] = {}
        self.error = ""

    @property
    def persistent(self) -> bool:
        """Whether a real keyring backend is available (checked each time: tests swap it)."""
        backend = keyring.get_keyring()
        try:
            priority = float(backend.priority)
        except Exception:
            priority = 1.0
        return priority > 0

    def get(self, env: str, market: str) -> tuple[str, str]:
        if (env, market) in self._session:
            return self._session[(env, market)]
        if not self.persistent:
            return "", ""
        try:
            key = keyring.get_password(SERVICE, f"{env}-{market}-key") or ""
            secret = keyring.get_password(SERVICE, f"{env}-{market}-secret") or ""
        except (keyring.errors.KeyringError, RuntimeError) as exc:
            self.error = f"Keyring unavailable ({type(exc).__name__})"
            return "", ""
        return key, secret

    def set(self, env: str, market: str, key: str, secret: str) -> bool:
        """Store the pair; returns False when it could only be kept for this session."""
        if self.persistent:
            try:
                for name, value in ((f"{env}-{market}-key", key),
                                    (f"{env}-{market}-secret", secret)):
                    if value:
                        keyring.set_password(SERVICE, name, value)
                    else:
                        with contextlib.suppress(keyring.errors.PasswordDeleteError):
                            keyring.delete_password(SERVICE, name)
                self._session.pop((env, market), None)
                return True
            except (keyring.errors.KeyringError, RuntimeError) as exc:
                self.error = f"Keyring unavailable ({type(exc).__name__})"
        self._session[(env, market)] = (key, secret)
        return False


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring backend that forgets everything at exit (tests, benchmarks, kiosks)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)
