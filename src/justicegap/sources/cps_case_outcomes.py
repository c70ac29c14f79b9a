"""CPS case outcomes by principal offence category: one CSV per month of finalisations.

Counts are defendants whose prosecution the CPS completed in the month, by the principal offence
category of the case: for each category the number convicted and the number unsuccessful
(completed prosecutions = convictions + unsuccessful). Cases administratively finalised (an
unexecuted warrant, a defendant who cannot be traced...) get no principal offence category, so
the CPS publishes them once, for all categories together, as "Admin Finalised Unsuccessful": they
are stored as ``admin_finalised`` under offence ``all_offences`` and are not inside any category's
``unsuccessful`` count. "Sexual Offences" includes rape; there is no rape split in these files.

Rows: ``National`` (stored under England and Wales), 41 police force areas and ``Metropolitan and
City`` (the two London forces together). The first column, the area, has no header, so the file is
recognised by its count columns. The month is not in the file at all: the CPS publishes one file
per month and names it by the month (``2018-03.csv``, ``Principal_Offence_Category_March_2018.csv``),
so the month is read from the file name and a name without one is an error. The percentage
columns are ignored (a quirk: the admin-finalised one is headed "Percentage of L Motoring
Offences Unsuccessful"), but checked against the counts and any disagreement noted.
"""

from __future__ import annotations

import calendar
import re

from ..periods import month
from . import fields

DATASET = "cps_case_outcomes"
TITLE = "CPS case outcomes by principal offence category (monthly)"

CATEGORIES = {
    "homicide": "Homicide",
    "offences_against_the_person": "Offences Against The Person",
    "sexual_offences": "Sexual Offences",
    "burglary": "Burglary",
    "robbery": "Robbery",
    "theft_and_handling": "Theft And Handling",
    "fraud_and_forgery": "Fraud And Forgery",
    "criminal_damage": "Criminal Damage",
    "drugs_offences": "Drugs Offences",
    "public_order_offences": "Public Order Offences",
    "all_other_offences_excluding_motoring": "All Other Offences (excluding Motoring)",
    "motoring_offences": "Motoring Offences",
}
OUTCOMES = {"convictions": "Convictions", "unsuccessful": "Unsuccessful"}

HEADER = {"area": ("", "area", "police force area", "force")}
OPTIONAL = {}
for _cat, _label in CATEGORIES.items():
    for _measure, _word in OUTCOMES.items():
        HEADER[f"{_cat}.{_measure}"] = (f"number of {_label} {_word}".lower(),)
        OPTIONAL[f"{_cat}.{_measure}.pct"] = (f"percentage of {_label} {_word}".lower(),)
HEADER["admin_finalised"] = ("number of admin finalised unsuccessful",)
OPTIONAL["admin_finalised.pct"] = ("percentage of admin finalised unsuccessful", "percentage of l motoring offences unsuccessful")
# One row per area (the month is the file's); every count given, none negative; every column is read.
KEY = ("area",)
COUNTS = tuple(c for c in HEADER if c != "area")
KNOWN = ()

_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
_MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})
_ISO = re.compile(r"(?<!\d)((?:19|20)\d{2})[-_. ]?(0[1-9]|1[0-2])(?!\d)")
_NAMED = re.compile(r"(?<![a-z])(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")[a-z]*[-_. ]*((?:19|20)?\d{2})(?!\d)", re.I)


def file_month(ctx):
    """The month a file covers, from its name: '2018-03', '201803', 'March_2018', 'mar-18'."""
    name = ctx.file.name
    m = _ISO.search(name)
    if m:
        return month(int(m[1]), int(m[2]))
    m = _NAMED.search(name)
    if m:
        year = int(m[2]) if len(m[2]) == 4 else 2000 + int(m[2])
        return month(year, _MONTHS[m[1].lower()])
    raise ctx.error("the month is not in the file: the CPS publishes one file per month named by the month "
                    "(e.g. 2018-03.csv or Principal_Offence_Category_March_2018.csv), and this file name has none; "
                    "rename the file with its month")


def _check_percentages(df, ctx, counts) -> int:
    """Published percentages that disagree with the counts by more than 0.1 point (or are unreadable)."""
    import polars as pl

    bad = 0
    for cat in CATEGORIES:
        total = counts[f"{cat}.convictions"] + counts[f"{cat}.unsuccessful"]
        for measure in OUTCOMES:
            col = f"{cat}.{measure}.pct"
            if col not in df.columns:
                continue
            text = df.get_column(col).str.strip_chars().str.strip_chars_end("%")
            pct = text.cast(pl.Float64, strict=False)
            expected = pl.Series([100 * n / t if t else None for n, t in zip(counts[f"{cat}.{measure}"], total)], dtype=pl.Float64)
            frame = pl.DataFrame({"t": text, "p": pct, "e": expected})
            bad += frame.filter(
                (pl.col("e").is_not_null() & (pl.col("p").is_null() | ((pl.col("p") - pl.col("e")).abs() > 0.1)))
                | (pl.col("e").is_null() & pl.col("p").is_not_null() & (pl.col("p") != 0))
            ).height
    return bad


def _blank_to_null(df):
    """Cells as text with surrounding spaces removed and empty cells as null, whatever the reader gives."""
    import polars as pl

    return df.with_columns([pl.col(c).str.strip_chars().replace("", None) for c in df.columns if c != "_row"])


def normalise(df, ctx):
    import polars as pl

    period = file_month(ctx)
    df = _blank_to_null(df)
    area = fields.force_codes(df, "area", ctx, levels=("pfa", "pfa_group", "nation"))
    counts = {}
    for col in COUNTS:
        value = fields.numbers(df, col, ctx, allow_negative=False)
        if value.is_null().any():
            row = df.filter(value.is_null()).get_column("_row")[0]
            raise ctx.error(f"'{df.filter(value.is_null()).get_column(col)[0]}' is not a count: these files give every count", row, col)
        counts[col] = value
    row = df.get_column("_row")
    parts = []
    for cat in CATEGORIES:
        for measure in OUTCOMES:
            parts.append(fields.facts(measure=measure, offence=cat, area=area, period_start=period.start,
                                      period_end=period.end, value=counts[f"{cat}.{measure}"], row=row))
    parts.append(fields.facts(measure="admin_finalised", offence="all_offences", area=area, period_start=period.start,
                              period_end=period.end, value=counts["admin_finalised"], row=row))
    notes = [f"month {period} taken from the file name (the CPS publishes one file per month, named by the month; the month is not in the file)",
             "admin finalised cases stored once for all offence categories (offence all_offences): they have no principal offence category"]
    bad = _check_percentages(df, ctx, counts)
    if bad:
        notes.append(f"{bad} published percentages disagree with the counts by more than 0.1 point; the counts are used")
    return pl.concat(parts), notes
