"""Numbers as the explanations write them: "12 400", "24.0 %", "3.1×", "38 days"."""

from __future__ import annotations


def num(x: float | None, decimals: int | None = None) -> str:
    if x is None:
        return "n/a"
    if decimals is None:
        decimals = 0 if float(x).is_integer() else 2
    text = f"{x:,.{decimals}f}"
    return text.replace(",", " ")


def money(x: float | None, currency: str | None = None) -> str:
    return num(x, 2) + (f" {currency}" if currency else "")


def pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.1f} %"


def ratio(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2f}×"


def div(a: float | None, b: float | None) -> float | None:
    """a / b, or None when b is 0 or either is missing (never 0, never infinity)."""
    if a is None or b is None or b == 0:
        return None
    return a / b


def pct_of(a: float | None, b: float | None) -> float | None:
    q = div(a, b)
    return None if q is None else q * 100
