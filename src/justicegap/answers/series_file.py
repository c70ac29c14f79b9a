"""A user's own series for ``justicegap evaluate --series FILE.csv``: one row per period.

Columns: ``period`` (``2018-03`` for a month or ``2018 Q1`` for a calendar quarter, one kind per
file), ``count`` (a whole number; empty for a period with no data), and optionally
``denominator`` (the trials a count is a share of) or ``exposure`` (people or other exposure, for
a rate). Periods missing between the first and the last are gaps, as are empty counts: nothing is
filled in. Every bad cell is one message naming the file, row (the file's line number, header
= 1) and column.
"""

from __future__ import annotations

import csv
import math
import re
from pathlib import Path

from ..errors import InputError
from ..periods import Period, calendar_quarter, month
from ..timeseries import Series

COLUMNS = ("period", "count", "denominator", "exposure")
_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_QUARTER = re.compile(r"(\d{4})\s*-?\s*Q([1-4])", re.IGNORECASE)


def _period(text: str, err) -> tuple[str, Period]:
    t = text.strip()
    m = _MONTH.fullmatch(t)
    if m:
        if not 1 <= int(m[2]) <= 12:
            raise err(f"'{text}' is not a month (months are 01 to 12)")
        return "month", month(int(m[1]), int(m[2]))
    q = _QUARTER.fullmatch(t)
    if q:
        return "quarter", calendar_quarter(int(q[1]), int(q[2]))
    raise err(f"'{text}' is not a period: write a month as 2018-03 or a calendar quarter as 2018 Q1")


def _whole(text: str, err, what: str) -> int:
    t = text.strip().replace(",", "")
    try:
        x = float(t)
    except ValueError:
        raise err(f"'{text}' is not a number") from None
    if not math.isfinite(x) or x < 0 or x != int(x):
        raise err(f"'{text}' is not a whole number of {what} (0 or more)")
    return int(x)


def _positive(text: str, err) -> float:
    t = text.strip().replace(",", "")
    try:
        x = float(t)
    except ValueError:
        raise err(f"'{text}' is not a number") from None
    if not math.isfinite(x) or x <= 0:
        raise err(f"'{text}' is not a positive exposure")
    return x


def _next(p: Period, frequency: str) -> Period:
    y, m = p.end.year, p.end.month
    y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return month(y, m) if frequency == "month" else calendar_quarter(y, (m - 1) // 3 + 1)


def read_series(path: str | Path) -> Series:
    """The file as a :class:`Series` over every period from its first to its last row."""
    path = Path(path)
    name = path.name
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError("no such file", file=name) from None
    except IsADirectoryError:
        raise InputError("this is a folder, not a CSV file", file=str(path)) from None
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"cannot be read as UTF-8 text ({type(e).__name__})", file=name) from None
    rows = list(csv.reader(text.splitlines()))
    if not rows or not any(c.strip() for c in rows[0]):
        raise InputError("the file is empty: it needs a header row with period and count", file=name, row=1)
    header = [c.strip().lower() for c in rows[0]]
    for col in ("period", "count"):
        if col not in header:
            raise InputError(f"no '{col}' column (the header is: {', '.join(rows[0])})", file=name, row=1, column=col)
    seen = set()
    for col in header:
        if col in seen and col in COLUMNS:
            raise InputError("this column is given twice", file=name, row=1, column=col)
        seen.add(col)
    if "denominator" in header and "exposure" in header:
        raise InputError("give a denominator (for a proportion) or an exposure (for a rate), not both",
                         file=name, row=1, column="exposure")
    ix = {c: header.index(c) for c in COLUMNS if c in header}
    found: dict[Period, tuple] = {}
    frequency = None
    for line, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue

        def cell(col: str) -> str:
            return row[ix[col]] if ix[col] < len(row) else ""

        def err(col):
            return lambda msg: InputError(msg, file=name, row=line, column=col)

        if not cell("period").strip():
            raise err("period")("no period")
        freq, p = _period(cell("period"), err("period"))
        if frequency is None:
            frequency = freq
        elif freq != frequency:
            raise err("period")(f"'{cell('period')}' is a {freq} but the rows above are {frequency}s: one kind of period per file")
        if p in found:
            raise err("period")(f"{p} is given twice (first at row {found[p][0]})")
        count = None if not cell("count").strip() else _whole(cell("count"), err("count"), "cases")
        den = exp = None
        if "denominator" in ix:
            if cell("denominator").strip():
                den = _whole(cell("denominator"), err("denominator"), "cases")
            elif count is not None:
                raise err("denominator")("a count needs its denominator (or leave both empty for a period with no data)")
            if count is not None and den is not None and count > den:
                raise err("count")(f"the count ({count}) is larger than its denominator ({den})")
        if "exposure" in ix:
            if cell("exposure").strip():
                exp = _positive(cell("exposure"), err("exposure"))
            elif count is not None:
                raise err("exposure")("a count needs its exposure (or leave both empty for a period with no data)")
        found[p] = (line, count, den, exp)
    if not found:
        raise InputError("no data rows under the header", file=name, row=2)
    periods = []
    p = min(found)
    last = max(found)
    while p <= last:
        periods.append(p)
        p = _next(p, frequency)
    get = [found.get(p, (None, None, None, None)) for p in periods]
    return Series(periods, [g[1] for g in get],
                  [g[2] for g in get] if "denominator" in ix else None,
                  [g[3] for g in get] if "exposure" in ix else None,
                  frequency, per=100_000.0 if "exposure" in ix else 1.0)
