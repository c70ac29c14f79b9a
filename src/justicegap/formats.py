"""Numbers as text, one way everywhere: a value is written by its metric's kind, so a ratio is
never shown as a count, nor a rate per 100,000 as a percentage."""

from __future__ import annotations


def pct(x, dp: int = 1) -> str:
    return "n/a" if x is None else f"{100 * x:.{dp}f}%"


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


def interval(low, high) -> str:
    return "" if low is None or high is None else f"{pct(low)}–{pct(high)}"
