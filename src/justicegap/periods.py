"""Periods as people write them, resolved to exact date ranges.

Every figure is for a closed range of days. Data arrive in financial quarters (Home Office),
months (CPS), calendar years (MoJ) and twelve-month periods (ONS); a requested period is answered
only by pieces that tile it exactly, so nothing is silently summed over a different span.

Accepted forms: ``2017/18`` (financial year), ``2017/18 Q4`` (financial quarter), ``2018``
(calendar year), ``2018 Q1`` (calendar quarter), ``YE Jun 2025`` or ``year ending June 2025``
(twelve months ending), ``2018-03`` (month), and ranges ``A..B`` of any of these (from the start of
``A`` to the end of ``B``).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from .errors import InvalidParameter

FORMS = ("2017/18", "2017/18 Q4", "2018", "2018 Q1", "YE Jun 2025", "2018-03", "2017-04..2018-03",
         "2013/14..2022/23")

_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m}
_MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_name) if m})
_MONTHS["sept"] = 9


@dataclass(frozen=True, order=True)
class Period:
    start: date
    end: date
    label: str = ""
    kind: str = "range"

    def __str__(self) -> str:
        return self.label or f"{self.start.isoformat()}..{self.end.isoformat()}"

    @property
    def long(self) -> str:
        """The label as it reads in a sentence ('the year ending June 2025', 'March 2018')."""
        if self.kind == "year_ending":
            return f"the year ending {calendar.month_name[self.end.month]} {self.end.year}"
        if self.kind == "month":
            return f"{calendar.month_name[self.start.month]} {self.start.year}"
        if self.kind == "financial_quarter":
            return (f"{self.label} ({calendar.month_name[self.start.month]} to "
                    f"{calendar.month_name[self.end.month]} {self.end.year})")
        if self.kind == "range":
            return f"{self.start:%B %Y} to {self.end:%B %Y}".replace(" 0", " ")
        return str(self)

    def contains(self, other: "Period") -> bool:
        return self.start <= other.start and other.end <= self.end

    def overlaps(self, start: date, end: date | None) -> bool:
        return start <= self.end and (end is None or end >= self.start)

    def months(self) -> list["Period"]:
        out, d = [], self.start
        while d <= self.end:
            out.append(month(d.year, d.month))
            d = _add_months(d, 1)
        return out

    def to_dict(self) -> dict:
        return {"label": str(self), "start": self.start.isoformat(), "end": self.end.isoformat(),
                "kind": self.kind}


def _add_months(d: date, n: int) -> date:
    y, m = divmod(d.month - 1 + n, 12)
    return date(d.year + y, m + 1, 1)


def _month_end(y: int, m: int) -> date:
    return date(y, m, calendar.monthrange(y, m)[1])


def month(y: int, m: int) -> Period:
    return Period(date(y, m, 1), _month_end(y, m), f"{y:04d}-{m:02d}", "month")


def financial_year(y: int) -> Period:
    """The financial year starting in April of ``y`` (2017 -> 2017/18)."""
    return Period(date(y, 4, 1), date(y + 1, 3, 31), f"{y}/{(y + 1) % 100:02d}", "financial_year")


def financial_quarter(y: int, q: int) -> Period:
    if q not in (1, 2, 3, 4):
        raise InvalidParameter("period", f"quarter must be 1 to 4, not {q}")
    start = _add_months(date(y, 4, 1), 3 * (q - 1))
    end = _add_months(start, 3) - timedelta(days=1)
    return Period(start, end, f"{financial_year(y).label} Q{q}", "financial_quarter")


def calendar_year(y: int) -> Period:
    return Period(date(y, 1, 1), date(y, 12, 31), str(y), "calendar_year")


def calendar_quarter(y: int, q: int) -> Period:
    start = date(y, 3 * (q - 1) + 1, 1)
    return Period(start, _add_months(start, 3) - timedelta(days=1), f"{y} Q{q}", "calendar_quarter")


def year_ending(y: int, m: int) -> Period:
    end = _month_end(y, m)
    start = _add_months(date(y, m, 1), -11)
    return Period(start, end, f"YE {calendar.month_abbr[m]} {y}", "year_ending")


def _fy_start(text: str) -> int:
    a, b = text.split("/")
    y = int(a)
    if int(b) != (y + 1) % (100 if len(b) == 2 else 10000):
        raise InvalidParameter("period", f"'{text}' is not a financial year (the second year must follow the first, as in 2017/18)")
    return y


_PATTERNS = [
    (re.compile(r"(\d{4})/(\d{2}|\d{4})\s*q([1-4])"), lambda m: financial_quarter(_fy_start(f"{m[1]}/{m[2]}"), int(m[3]))),
    (re.compile(r"(?:fy\s*)?(\d{4})/(\d{2}|\d{4})"), lambda m: financial_year(_fy_start(f"{m[1]}/{m[2]}"))),
    (re.compile(r"(\d{4})\s*q([1-4])"), lambda m: calendar_quarter(int(m[1]), int(m[2]))),
    (re.compile(r"(\d{4})-(\d{1,2})"), lambda m: month(int(m[1]), _check_month(int(m[1]), int(m[2])))),
    (re.compile(r"(?:ye|year\s+ending|year\s+to|12\s+months\s+(?:ending|to))\s+([a-z]+)\.?\s+(\d{4})"),
     lambda m: year_ending(int(m[2]), _month_name(m[1]))),
    (re.compile(r"(\d{4})"), lambda m: calendar_year(int(m[1]))),
]


def _check_month(y: int, m: int) -> int:
    if not 1 <= m <= 12:
        hint = f"; for the financial year write {y}/{m:02d}" if m == (y + 1) % 100 else ""
        raise InvalidParameter("period", f"'{y}-{m:02d}' is not a month (months are 01 to 12){hint}. Accepted forms: " + ", ".join(FORMS))
    return m


def _month_name(text: str) -> int:
    try:
        return _MONTHS[text.lower()]
    except KeyError:
        raise InvalidParameter("period", f"'{text}' is not a month name (write Jun or June)") from None


def _single(text: str) -> Period:
    t = " ".join(text.strip().lower().split())
    for pattern, build in _PATTERNS:
        m = pattern.fullmatch(t)
        if m:
            try:
                p = build(m)
            except ValueError:  # a year Python's dates cannot hold, such as 0000
                raise InvalidParameter("period", f"'{text}' is outside the years the data could cover") from None
            if not 1990 <= p.start.year <= 2100:
                raise InvalidParameter("period", f"'{text}' is outside the years the data could cover")
            return p
    raise InvalidParameter("period", f"'{text}' is not a period; accepted forms: "
                           + ", ".join(FORMS))


def parse(text: str | Period) -> Period:
    """Resolve what the user typed to a :class:`Period`; raises ``InvalidParameter`` naming the forms."""
    if isinstance(text, Period):
        return text
    if text is None or not str(text).strip():
        raise InvalidParameter("period", "no period given; accepted forms: " + ", ".join(FORMS))
    if ".." in text:
        a, b = (s.strip() for s in text.split("..", 1))
        pa, pb = _single(a), _single(b)
        if pb.end < pa.start:
            raise InvalidParameter("period", f"'{text}' ends before it starts")
        return Period(pa.start, pb.end, f"{pa}..{pb}", "range")
    return _single(text)


def between(start: str | Period, end: str | Period) -> Period:
    """The window from ``start`` to ``end``; a malformed end names its own parameter (``from``,
    ``to``), not the ``period`` neither command nor query has."""
    a, b = _named("from", start), _named("to", end)
    if b.end < a.start:
        raise InvalidParameter("to", f"'{b}' is before '{a}'")
    return Period(a.start, b.end, f"{a}..{b}", "range")


def _named(name: str, text: str | Period) -> Period:
    try:
        return parse(text)
    except InvalidParameter as e:
        raise InvalidParameter(name, e.message) from None


def financial_years(period: Period) -> list[Period]:
    """The whole financial years inside ``period`` (for year-by-year tables)."""
    y = period.start.year if period.start.month >= 4 else period.start.year - 1
    out = []
    while True:
        fy = financial_year(y)
        if fy.start > period.end:
            return out
        if period.contains(fy):
            out.append(fy)
        y += 1


def describe(start: date, end: date) -> str:
    """A readable label for an arbitrary span: a quarter, a month, a year, or a range of them."""
    for p in _candidates(start):
        if p.start == start and p.end == end:
            return p.label
    last = date(end.year, end.month, 1)
    for unit in (_financial_year_of, quarter_of, lambda d: month(d.year, d.month)):
        a, b = unit(start), unit(last)
        if a.start == start and b.end == end:
            return f"{a.label}..{b.label}"
    return f"{start.isoformat()}..{end.isoformat()}"


def _financial_year_of(d: date) -> Period:
    return financial_year(d.year if d.month >= 4 else d.year - 1)


def quarter_of(d: date) -> Period:
    """The financial quarter containing ``d``."""
    fy = d.year if d.month >= 4 else d.year - 1
    return financial_quarter(fy, (d.month - 4) % 12 // 3 + 1)


def _candidates(start: date):
    yield month(start.year, start.month)
    yield quarter_of(start)
    yield _financial_year_of(start)
    yield calendar_year(start.year)
    end_month = _add_months(start, 11)
    yield year_ending(end_month.year, end_month.month)


def gaps(period: Period, spans: list[tuple[date, date]]) -> list[tuple[date, date]]:
    """The parts of ``period`` that ``spans`` (non-overlapping) do not cover."""
    out, cursor = [], period.start
    for s, e in sorted(spans):
        if s > cursor:
            out.append((cursor, min(s - timedelta(days=1), period.end)))
        cursor = max(cursor, e + timedelta(days=1))
        if cursor > period.end:
            break
    if cursor <= period.end:
        out.append((cursor, period.end))
    return out
