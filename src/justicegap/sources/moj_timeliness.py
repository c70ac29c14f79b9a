"""MoJ criminal court timeliness: days from offence to charge, charge to first listing, ... to
completion, for defendants whose cases were completed in the Crown Court, England and Wales.

Two layouts, told apart by their header: one row per calendar ``year`` (rape cases, 2011-2018),
or one row per ``offence`` group for one year (``Sexual offences: All``, ``Sexual offences: All
rape``, ``... Adult rape``, ``... Child rape``, ``Robbery``...). Each row gives ``defendants``
and, for every stage, the mean and median days: measures are named as in the header
(``mean_offence_to_charge_days``, ``median_offence_to_charge_days``, ...) and flagged ``mean``
or ``median``. Means and medians are never added up (the metrics engine uses only the published
row for exactly the area and year asked), and the overlapping offence rows (All rape = Adult +
Child rape) are all kept because an average cannot be derived from its parts; each offence
family matches exactly one row.

The offence-group file does not say which year it covers. The year is read from a ``year``
column, the title above the header, or the file name; failing those, from the reference table
``undated_files.csv``: files the MoJ published without a year in their content, recorded by
SHA-256 with the year given on the publication page.
"""

from __future__ import annotations

import hashlib
import re

from .. import reference
from ..periods import calendar_year
from . import fields

DATASET = "moj_timeliness"
TITLE = "Criminal court statistics: prosecution timeliness (days from offence to completion)"
STAGES = ("offence_to_charge", "charge_to_first_listing", "first_listing_to_completion_at_magistrates_court",
          "sending_to_crown_court_to_main_hearing", "main_hearing_to_completion", "offence_to_completion")
HEADER = {"defendants": ("defendants", "number of defendants")}
for _s in STAGES:
    HEADER[f"mean_{_s}_days"] = (f"mean_{_s}_days",)
    HEADER[f"median_{_s}_days"] = (f"median_{_s}_days",)
OPTIONAL = {"year": ("year",), "offence": ("offence", "offence group", "offence_group")}
# One row per year or per offence group; every figure given (defendants, means, medians), none negative.
KEY = ("year", "offence")
COUNTS = tuple(HEADER)
KNOWN = ()

# The offence groups justicegap has families for; the other groups are stored under their own ids.
FAMILIES = {
    "sexual offences: all": "sexual_offences",
    "sexual offences: all rape": "rape",
    "sexual offences: rape": "rape",
    "rape": "rape",
    "sexual offences: adult rape": "rape_adult",
    "sexual offences: child rape": "rape_child",
}
# SHA-256 of the (uncompressed) text of files that carry no year -> the year their publication
# page gives.
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")


def offence_id(text: str) -> str:
    t = " ".join(str(text).lower().split())
    if t in FAMILIES:
        return FAMILIES[t]
    if t.startswith("all crown court"):
        return "all_offences"
    return re.sub(r"[^a-z0-9]+", "_", t.replace(": all", "")).strip("_")


def _sha256(path) -> str:
    """SHA-256 of the file's text, gzipped or not."""
    import gzip

    h = hashlib.sha256()
    with open(path, "rb") as raw:
        gz = raw.read(2) == b"\x1f\x8b"
    with (gzip.open(path, "rb") if gz else open(path, "rb")) as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _undated_year(ctx) -> tuple[int, str]:
    for where, text in (*(("the title above the table", t) for t in ctx.preamble), ("the file name", ctx.file.name)):
        m = _YEAR.search(text)
        if m:
            return int(m[1]), where
    year = next((int(r["year"]) for r in reference.table("undated_files")
                 if r["dataset"] == DATASET and r["sha256"] == _sha256(ctx.file)), None)
    if year is None:
        raise ctx.error("the file does not say which year it covers (no year column, title or year in the file name); "
                        "rename it with its year, e.g. prosecution-times-2018.csv", None, "year")
    return year, "the MoJ publication page (this file, by its SHA-256, is listed in reference/undated_files.csv)"



def normalise(df, ctx):
    import polars as pl

    if "year" not in df.columns and "offence" not in df.columns:
        raise ctx.error("the table has neither a 'year' nor an 'offence' column, so its rows cannot be told apart", None)
    notes = []
    if "year" in df.columns:
        years = fields.numbers(df, "year", ctx)
        if years.is_null().any():
            row = df.filter(years.is_null()).get_column("_row")[0]
            raise ctx.error("no year in this row", row, "year")
        start = pl.Series([calendar_year(int(y)).start for y in years], dtype=pl.Date)
        end = pl.Series([calendar_year(int(y)).end for y in years], dtype=pl.Date)
    else:
        year, where = _undated_year(ctx)
        p = calendar_year(year)
        start, end = p.start, p.end
        notes.append(f"year {year} taken from {where}: the table has no year column")
    if "offence" in df.columns:
        offence = fields.mapped(df, "offence", ctx, lambda t: offence_id(t) if str(t).strip() else None, "offence group")
    else:
        offence = "rape"
        notes.append("rows are rape cases (the layout with one row per year)")
    parts = []
    for measure in HEADER:
        kind = measure.split("_")[0]
        avg = kind in ("mean", "median")
        value = fields.numbers(df, measure, ctx, integer=not avg, allow_negative=False)
        f = fields.facts(measure=measure, offence=offence, area="K04000001", period_start=start, period_end=end,
                         value=value, flags=kind if avg else None, row=df.get_column("_row"))
        parts.append(f.filter(pl.col("value").is_not_null()))
    notes.append("means and medians flagged 'mean'/'median': never added across offences, areas or years")
    return pl.concat(parts), notes
