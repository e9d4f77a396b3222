"""The demo exchange's listing: real-looking symbols with real-looking filters."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class SymbolSpec:
    symbol: str
    base: str
    quote: str
    price: Decimal  # where the walk starts
    tick: Decimal
    step: Decimal
    min_qty: Decimal
    max_qty: Decimal
    min_notional: Decimal
    status: str = "TRADING"
    price_precision: int = 8  # futures only; deliberately not the tick's decimals
    quantity_precision: int = 8


def _d(x: str) -> Decimal:
    return Decimal(x)


# symbol, base, price, spot tick, spot step, spot min notional, fut tick, fut step, fut notional
_MAJORS: tuple[tuple[str, str, str, str, str, str, str, str, str], ...] = (
    ("BTCUSDT", "BTC", "95000", "0.01", "0.00001", "5", "0.10", "0.001", "100"),
    ("ETHUSDT", "ETH", "3300", "0.01", "0.0001", "5", "0.01", "0.001", "20"),
    ("BNBUSDT", "BNB", "640", "0.01", "0.001", "5", "0.010", "0.01", "5"),
    ("SOLUSDT", "SOL", "180", "0.01", "0.001", "5", "0.0100", "1", "5"),
    ("XRPUSDT", "XRP", "2.2", "0.0001", "0.1", "5", "0.0001", "0.1", "5"),
    ("ADAUSDT", "ADA", "0.85", "0.0001", "0.1", "5", "0.00010", "1", "5"),
    ("DOGEUSDT", "DOGE", "0.32", "0.00001", "1", "1", "0.000010", "1", "5"),
    ("LTCUSDT", "LTC", "105", "0.01", "0.001", "5", "0.01", "0.001", "20"),
    ("DOTUSDT", "DOT", "7.5", "0.001", "0.01", "5", "0.001", "0.1", "5"),
    ("LINKUSDT", "LINK", "22", "0.01", "0.01", "5", "0.001", "0.01", "20"),
    ("AVAXUSDT", "AVAX", "38", "0.01", "0.01", "5", "0.0010", "1", "5"),
    ("TRXUSDT", "TRX", "0.25", "0.0001", "0.1", "1", "0.00001", "1", "5"),
    ("MATICUSDT", "MATIC", "0.55", "0.0001", "0.1", "5", "0.0001", "1", "5"),
    ("ATOMUSDT", "ATOM", "9.2", "0.001", "0.01", "5", "0.001", "0.01", "5"),
    ("ETHBTC", "ETH", "0.0347", "0.00001", "0.0001", "0.0001", "0", "0", "0"),
)


def default_symbols(*, futures: bool, extra: int = 0) -> list[SymbolSpec]:
    """The listing of one market. ``extra`` adds synthetic TRADING symbols SYM0001USDT..."""
    specs: list[SymbolSpec] = []
    for sym, base, price, tick, step, notional, ftick, fstep, fnotional in _MAJORS:
        quote = sym[len(base):]
        if futures:
            if ftick == "0":
                continue  # no USD-M contract for cross pairs
            specs.append(
                SymbolSpec(sym, base, quote, _d(price), _d(ftick), _d(fstep), _d(fstep),
                           _d("100000"), _d(fnotional),
                           price_precision=_decimals(_d(ftick)) + 1,
                           quantity_precision=_decimals(_d(fstep)))
            )
        else:
            specs.append(
                SymbolSpec(sym, base, quote, _d(price), _d(tick), _d(step), _d(step),
                           _d("9000"), _d(notional))
            )
    specs.append(
        SymbolSpec("LUNAUSDT", "LUNA", "USDT", _d("0.5"), _d("0.0001"), _d("0.1"), _d("0.1"),
                   _d("90000"), _d("5"), status="BREAK")
    )
    for i in range(1, extra + 1):
        start = Decimal(1 + (i * 37) % 500) / 10
        specs.append(
            SymbolSpec(f"SYM{i:04d}USDT", f"SYM{i:04d}", "USDT", start, _d("0.0001"), _d("0.01"),
                       _d("0.01"), _d("900000"), _d("5"), price_precision=5, quantity_precision=2)
        )
    if futures:
        # Binance's futures pricePrecision is NOT the tick: BTCUSDT ticks 0.10 but reports 2.
        specs = [
            s if s.symbol != "BTCUSDT" else _with_precision(s, 2, 3) for s in specs
        ]
    return specs


def _with_precision(s: SymbolSpec, price_precision: int, quantity_precision: int) -> SymbolSpec:
    from dataclasses import replace

    return replace(s, price_precision=price_precision, quantity_precision=quantity_precision)


def _decimals(d: Decimal) -> int:
    exponent = d.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0
