"""Numbers as text, one way everywhere: a value is written by its metric's kind, so a ratio is
never shown as a count, nor a rate per 100,000 as a percentage."""

from __future__ import annotations

import math


def whole(x):
    """A count as the whole number it is (the store keeps doubles): 880, not 880.0; anything else
    unchanged (a fraction stays, so a typed model can refuse it)."""
    return int(x) if isinstance(x, float) and x.is_integer() else x


def pct_digits(x, dp: int = 1) -> int:
    """Decimal places for a proportion as a percentage: ``dp`` for ordinary values, more for a small
    non-zero one, so it keeps one significant digit (15 of 59,502 reads 0.03%, never 0.0%)."""
    v = abs(100 * float(x))
    if v == 0 or not math.isfinite(v) or v >= 10 ** -dp:
        return dp
    return max(dp, -math.floor(math.log10(v)))


def pct_number(x, dp: int = 1) -> str:
    """A proportion as a percentage without the sign ('2.2', '0.03'): see :func:`pct_digits`."""
    return f"{100 * x:.{pct_digits(x, dp)}f}"


def pct(x, dp: int = 1) -> str:
    return "n/a" if x is None else f"{pct_number(x, dp)}%"


def num(x) -> str:
    if x is None:
        return "n/a"
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.1f}"


def value_text(kind: str, x, unit: str | None = None) -> str:
    """A figure's value as its kind reads: proportions and ratios as %, rates per 100,000, counts
    (with their unit when given), averages in days."""
    if kind in ("proportion", "ratio"):
        return pct(x)
    if kind == "per_100k":
        return "n/a" if x is None else f"{x:,.1f} per 100,000"
    text = num(x)
    return f"{text} {unit}" if unit and x is not None else text


def p_text(p) -> str:
    """A p-value as reported: 'p = 0.042', and below 0.001 'p < 0.001' (never 'p = 0' or 'p = 0.000':
    a p-value is never zero, only too small to be worth more digits)."""
    if p is None:
        return ""
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def interval(low, high) -> str:
    return "" if low is None or high is None else f"{pct(low)}–{pct(high)}"
