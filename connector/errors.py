"""Every error the connector raises, in one tree.

::

    BinanceError                    base: catch this to catch everything
    ├── InputError                  bad input, raised before anything is sent
    │   ├── MissingCredentialsError a signed call with no API key/secret
    │   └── FilterError             quantity/price/notional outside the symbol's filters
    ├── ExchangeError               the exchange answered with an error (.code, .msg, .status)
    │   ├── AuthError               -1022, -2014, -2015: bad signature, key, IP or permission
    │   ├── OrderRejectedError      -2010, -2011, -2013, -1013, -4xxx: order refused/unknown
    │   ├── RateLimitError          429 / -1003: slow down (.retry_after seconds)
    │   │   └── IPBannedError       418: banned until .until (epoch seconds)
    │   └── ServerError             5xx, -1000, -1001, -1006, -1007: the exchange failed
    ├── NetworkError                timeout or transport failure; the request may not have arrived
    └── OrderStateUnknownError      an order POST's outcome could not be established
                                    (.client_order_id says which order to look for)

For an exchange error, ``.code`` is Binance's code (an ``int``, e.g. -2010)
and ``.msg`` Binance's own text, verbatim; ``str(error)`` is the sentence for
a trader: our hint, Binance's text and the code ("Order rejected: Account has
insufficient balance for requested action. (code -2010)"). Local errors
(``InputError`` and below) have no code, and ``.msg`` is our sentence. None
ever contains the API key, the secret or a signature.
"""

from __future__ import annotations


class BinanceError(Exception):
    """Base of every error the connector raises.

    ``code`` is Binance's error code when the exchange sent one (e.g. -2010),
    else None; ``msg`` is the exchange's own text (or ours for local errors);
    ``hint`` is the trader's sentence that ``str(error)`` puts before ``msg``.
    """

    def __init__(self, msg: str, *, code: int | None = None, hint: str = "") -> None:
        text = f"{hint}: {msg}" if hint and msg else (hint or msg)
        super().__init__(text if code is None else f"{text} (code {code})")
        self.msg = msg
        self.code = code
        self.hint = hint


class InputError(BinanceError, ValueError):
    """The request was refused locally, before anything was sent."""


class MissingCredentialsError(InputError):
    """A signed endpoint was called without an API key and secret."""


class FilterError(InputError):
    """A quantity, price or notional is outside the symbol's exchange filters."""


class ExchangeError(BinanceError):
    """The exchange answered with an error. ``status`` is the HTTP status (0 for WebSocket)."""

    def __init__(self, msg: str, *, code: int | None = None, status: int = 0,
                 hint: str = "") -> None:
        super().__init__(msg, code=code, hint=hint)
        self.status = status


class AuthError(ExchangeError):
    """Bad signature, API key, IP whitelist or permissions."""


class OrderRejectedError(ExchangeError):
    """The exchange refused an order or a cancel, or does not know the order."""


class RateLimitError(ExchangeError):
    """Too many requests. Wait ``retry_after`` seconds before sending again."""

    def __init__(
        self, msg: str, *, code: int | None = None, status: int = 429, retry_after: float = 0.0,
        hint: str = "",
    ) -> None:
        super().__init__(msg, code=code, status=status, hint=hint)
        self.retry_after = retry_after


class IPBannedError(RateLimitError):
    """The IP is banned (HTTP 418) until ``until`` (seconds since the epoch)."""

    def __init__(
        self, msg: str, *, code: int | None = None, retry_after: float = 0.0, until: float = 0.0,
        hint: str = "",
    ) -> None:
        super().__init__(msg, code=code, status=418, retry_after=retry_after, hint=hint)
        self.until = until


class ServerError(ExchangeError):
    """The exchange failed internally; for an order, the outcome is unknown."""


class NetworkError(BinanceError):
    """A timeout or transport failure: the request may or may not have been processed."""


class OrderStateUnknownError(BinanceError):
    """An order's outcome could not be established even after querying it.

    The order may exist. Look it up by ``client_order_id`` before sending it again.
    """

    def __init__(self, msg: str, *, client_order_id: str, symbol: str = "") -> None:
        super().__init__(msg)
        self.client_order_id = client_order_id
        self.symbol = symbol


__all__ = [
    "AuthError",
    "BinanceError",
    "ExchangeError",
    "FilterError",
    "IPBannedError",
    "InputError",
    "MissingCredentialsError",
    "NetworkError",
    "OrderRejectedError",
    "OrderStateUnknownError",
    "RateLimitError",
    "ServerError",
]
