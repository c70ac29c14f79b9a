"""CPS quarterly data summaries: rape-flagged and adult-rape-flagged cases by CPS Area and quarter.

The CPS publishes these as management information, "provisional and subject to change" (no
official statistics). Counts are suspects (pre-charge) and defendants (prosecutions) in cases
carrying the flag, which is applied when the police refer a case for a rape charge and stays
even if the charge is changed or dropped: "rape-flagged convictions" are convictions for any
offence. Each release repeats the three previous quarters, possibly revised: every file is its
own edition and the newest edition is used for each quarter.

No copy of the spreadsheets was available when this reader was written, so it reads the long
layout below (one table per sheet, one row per CPS Area and quarter), recognised by its header:

    Table 2: Rape flagged cases by CPS Area, Q2 2023-24 to Q1 2024-25      <- title (flag, span)
    Source: CPS Case Management Information System. Figures are provisional...
    CPS Area | Quarter | Police referrals | Receipts for a charging decision | Suspects charged |
    No further action | Out of court disposal | Administratively finalised | Completed prosecutions |
    Convictions | Average days to charge | (optional: Flag, Charge rate, Conviction rate ...)
    National | Q2 2023-24 | 1,612 | ...
    Cymru-Wales | Q2 2023-24 | ...

The flag (``rape_flagged`` or ``adult_rape_flagged``) comes from a ``Flag`` column when there is
one, otherwise from the sheet's title or name. Quarters are financial (``Q1 2024-25``,
``2024/25 Q1``, ``Q1 24/25``, ``Apr-Jun 2024``); rolling-year rows (``Q1 2024-25 RYTD``,
``Year ending June 2024``) are kept only where the file does not hold their four quarters (the
counts would be a subtotal of them), except the average days to charge, which cannot be derived.
The national row is stored under England and Wales; rate columns are ignored.
"""

from __future__ import annotations

import calendar
import re

from .. import areas
from ..errors import NotFound
from ..periods import financial_quarter, year_ending
from . import fields

DATASET = "cps_quarterly"
TITLE = "CPS data summary (quarterly data tables)"
HEADER = {
    "area": ("cps area", "area"),
    "quarter": ("quarter", "period", "financial quarter"),
    "referrals": ("police referrals", "referrals", "referrals from the police", "number of police referrals"),
    "charged": ("suspects charged", "charged", "charge", "number of suspects charged"),
    "nfa": ("no further action", "nfa", "decisions not to prosecute (nfa)"),
    "out_of_court": ("out of court disposal", "out of court disposals", "out-of-court disposal", "out-of-court disposals"),
    "admin_finalised_precharge": ("administratively finalised", "admin finalised", "administrative finalisations",
                                  "administratively finalised (pre-charge)", "admin finalised (pre-charge)"),
    "completed_prosecutions": ("completed prosecutions", "prosecutions completed", "number of completed prosecutions"),
    "convictions": ("convictions", "number of convictions"),
}
OPTIONAL = {
    "flag": ("flag", "case flag", "cps flag"),
    "receipts": ("receipts for a charging decision", "receipts", "pre-charge receipts", "charging decision receipts"),
    "days_to_charge_mean": ("average days to charge", "average (mean) days to charge", "mean days to charge",
                            "average days from first submission to charge", "average police and cps time to charge (days)"),
}
MEASURES = ("referrals", "receipts", "charged", "nfa", "out_of_court", "admin_finalised_precharge",
            "completed_prosecutions", "convictions", "days_to_charge_mean")
AVERAGES = ("days_to_charge_mean",)
# One row per Area, flag and quarter; counts never negative; the rate columns are known, not read.
KEY = ("flag", "area", "quarter")
COUNTS = tuple(m for m in MEASURES if m not in AVERAGES)
KNOWN = ("charge rate", "conviction rate", "nfa rate", "no further action rate", "admin finalised rate",
         "administrative finalisation rate", "attrition rate", "percentage charged", "percentage convicted")
NATIONAL = {"national", "total", "englandandwales", "allareas", "allcpsareas", "cpsnational", "cpstotal"}

_MONTH = {m.lower(): i for i, m in enumerate(calendar.month_abbr) if m}
_FY = re.compile(r"(\d{4})\s*[-/]\s*(\d{2}|\d{4})(?!\d)|(?<!\d)(\d{2})\s*/\s*(\d{2})(?!\d)")
_Q = re.compile(r"(?<![a-z])q\s*([1-4])(?!\d)")
_MONTHS = re.compile(r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\s*(?:-|to|–)\s*(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\s*(\d{4})")
_ROLLING = re.compile(r"rolling|rytd|year\s+(?:ending|to)|12\s+months")


def _fy_start(m) -> int | None:
    if m[1]:
        y, nxt = int(m[1]), m[2]
    else:
        y, nxt = 2000 + int(m[3]), m[4]
    return y if int(nxt) % 100 == (y + 1) % 100 else None


def quarter_period(text: str):
    """(Period, rolling?) for a quarter label, or None when it is not one."""
    t = " ".join(str(text or "").lower().split())
    rolling = bool(_ROLLING.search(t))
    mm = _MONTHS.search(t)
    if mm:
        first, last, year = _MONTH[mm[1]], _MONTH[mm[2]], int(mm[3])
        span = (last - first) % 12 + 1
        if span == 3 and first in (1, 4, 7, 10):
            fy = year if first >= 4 else year - 1
            return financial_quarter(fy, (first - 4) % 12 // 3 + 1), False
        if span == 12:
            return year_ending(year, last), True
        return None
    fy, q = _FY.search(t), _Q.search(t)
    if fy and q and _fy_start(fy) is not None:
        p = financial_quarter(_fy_start(fy), int(q[1]))
        return (year_ending(p.end.year, p.end.month), True) if rolling else (p, False)
    m = re.search(r"year\s+(?:ending|to)\s+([a-z]+)\s+(\d{4})", t)
    if m and m[1][:3] in _MONTH:
        return year_ending(int(m[2]), _MONTH[m[1][:3]]), True
    return None


def _quarter_ends(end):
    """The last days of the four quarters of the twelve months ending on ``end``."""
    from datetime import date

    out, y, m = [], end.year, end.month
    for _ in range(4):
        out.append(date(y, m, calendar.monthrange(y, m)[1]))
        y, m = (y, m - 3) if m > 3 else (y - 1, m + 9)
    return out


def _flag_of(text: str | None) -> str | None:
    t = " ".join(str(text or "").lower().replace("-", " ").split())
    if "adult rape" in t:
        return "adult_rape_flagged"
    if "rape" in t:
        return "rape_flagged"
    return None


def area_lookup(name):
    k = areas.key(name)
    if k in NATIONAL:
        return "K04000001"
    for text in (name, f"CPS {name}"):
        try:
            return areas.resolve(text, level="cps_area").code
        except NotFound:
            continue
    return None



def rows(df, ctx=None):
    """The table's rows: footnote lines under it ("Notes:", "Source: ...") have text in the first
    column only."""
    import polars as pl

    measure_cols = [c for c in MEASURES if c in df.columns]
    return df.filter(~(pl.all_horizontal([pl.col(c).is_null() for c in measure_cols]) & pl.col("quarter").is_null()))


def normalise(df, ctx):
    import polars as pl

    measure_cols = [c for c in MEASURES if c in df.columns]
    kept = rows(df)
    notes_rows = df.height - kept.height
    df = kept
    if df.height == 0:
        raise ctx.error("the table has a header row but no data rows")
    if "flag" in df.columns:
        flag = fields.mapped(df, "flag", ctx, _flag_of, "case flag", "expected 'Rape flagged' or 'Adult rape flagged'")
    else:
        found = _flag_of(" ".join(ctx.preamble)) or _flag_of(ctx.sheet)
        if found is None:
            raise ctx.error("cannot tell whether this table is rape-flagged or adult-rape-flagged: neither its title "
                            "nor its sheet name says, and it has no Flag column", 1)
        flag = found
    area = fields.mapped(df, "area", ctx, area_lookup, "CPS Area",
                         "expected a CPS Area (e.g. 'South East', 'Cymru-Wales') or 'National'")
    periods = {}
    for q in df.get_column("quarter").unique().to_list():
        p = quarter_period(q)
        if p is None:
            row = df.filter(pl.col("quarter").is_null() if q is None else pl.col("quarter") == q).get_column("_row")[0]
            raise ctx.error(f"'{q or ''}' is not a financial quarter such as 'Q1 2024-25' (or a rolling year)", row, "quarter")
        periods[q] = p
    quarter = df.get_column("quarter")
    start = quarter.replace_strict({k: v[0].start for k, v in periods.items()}, return_dtype=pl.Date)
    end = quarter.replace_strict({k: v[0].end for k, v in periods.items()}, return_dtype=pl.Date)
    rolling = quarter.replace_strict({k: v[1] for k, v in periods.items()}, return_dtype=pl.Boolean)
    keys = pl.DataFrame({"area": area, "flag": flag if isinstance(flag, pl.Series) else pl.repeat(flag, df.height, eager=True),
                         "start": start, "end": end, "rolling": rolling})
    # a rolling year is dropped (for counts) when its four quarters are all in the file
    quarters = set(keys.filter(~pl.col("rolling")).select("area", "flag", "end").iter_rows())
    covered = [bool(r) and all((a, f, x) in quarters for x in _quarter_ends(e))
               for a, f, s, e, r in keys.iter_rows()]
    covered = pl.Series(covered, dtype=pl.Boolean)
    parts = []
    for measure in measure_cols:
        avg = measure in AVERAGES
        value = fields.numbers(df, measure, ctx, integer=not avg, allow_negative=False)
        keep = value.is_not_null() & (~covered if not avg else pl.repeat(True, df.height, eager=True))
        f = fields.facts(measure=measure, offence=flag, area=area, period_start=start, period_end=end, value=value,
                         flags="mean" if avg else None, row=df.get_column("_row"))
        parts.append(f.filter(keep))
    out = pl.concat(parts)
    notes = ["CPS management information (provisional); counts are suspects and defendants in flagged cases: "
             "the flag stays even when the charge changes"]
    if not isinstance(flag, pl.Series):
        notes.append(f"flag '{flag}' read from the table title or sheet name")
    if int(covered.sum()):
        notes.append(f"{int(covered.sum())} rolling-year rows not stored as counts: their four quarters are in the file")
    if notes_rows:
        notes.append(f"{notes_rows} footnote rows under the table skipped")
    return out, notes
