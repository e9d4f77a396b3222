"""Request signing checks, exactly as Binance does them."""

from __future__ import annotations

import hashlib
import hmac


def sign(secret: str, payload: str) -> str:
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


def verify_signature(secret: str, payload: str, signature: str) -> bool:
    """Constant-time check of a hex HMAC-SHA256 ``signature`` over ``payload``."""
    return hmac.compare_digest(sign(secret, payload), signature.lower())


def strip_signature(raw: str) -> tuple[str, str | None]:
    """Split the raw (still percent-encoded) string into what was signed and the signature."""
    kept: list[str] = []
    signature: str | None = None
    for part in raw.split("&") if raw else []:
        if part.startswith("signature="):
            signature = part[len("signature="):]
        else:
            kept.append(part)
    return "&".join(kept), signature
