"""Home Office crime outcomes open data: one workbook per financial year.

Each row carries two different counts, and both are kept:
- ``outcomes_cohort``: the outcome reached so far by the offences *recorded* in that quarter (a
  tracked cohort, as at the edition's extract; type 0 "not yet assigned" exists only here);
- ``outcomes_closed``: outcomes *assigned* during that quarter, whenever the offence was recorded.
Editions of the same year differ (outcomes mature), so every edition is kept.
"""

from __future__ import annotations

from . import fields

DATASET = "ho_outcomes"
TITLE = "Crime outcomes open data"
HEADER = {
    "year": ("financial year",),
    "quarter": ("financial quarter",),
    "force": ("force name",),
    "code": ("offence code",),
    "outcome": ("outcome type",),
    "cohort": ("force outcomes for offences recorded in quarter",
               "number of outcomes for offences that were recorded in the quarter",
               "outcomes for offences recorded in quarter"),
    "closed": ("force outcomes recorded in quarter",
               "number of outcomes for investigations that were closed in the quarter",
               "outcomes recorded in quarter"),
}
OPTIONAL = {"expired": ("offence code expired",)}


def normalise(df, ctx):
    import polars as pl

    start, end = fields.financial_quarters(df, "year", "quarter", ctx)
    base = dict(
        offence=fields.offence_codes(df, "code", ctx),
        outcome=fields.outcome_types(df, "outcome", ctx),
        area=fields.force_codes(df, "force", ctx),
        period_start=start, period_end=end,
    )
    expired = None
    if "expired" in df.columns:
        expired = (df.get_column("expired").str.strip_chars().str.to_lowercase() == "yes").fill_null(False)
        expired = pl.Series("flags", ["expired_code" if e else None for e in expired], dtype=pl.String)
    parts = []
    for measure, column in (("outcomes_cohort", "cohort"), ("outcomes_closed", "closed")):
        value = fields.numbers(df, column, ctx)
        f = fields.facts(measure=measure, value=value, flags=expired, **base)
        parts.append(f.filter(pl.col("value").is_not_null()))
    notes = []
    blank = df.height * 2 - sum(p.height for p in parts)
    if blank:
        notes.append(f"{blank} empty count cells not stored (an empty cell is not a zero)")
    return pl.concat(parts), notes
