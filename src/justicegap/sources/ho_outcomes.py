"""Home Office crime outcomes open data: one workbook per financial year.

Each row carries two different counts, and both are kept:
- ``outcomes_cohort``: the outcome reached so far by the offences *recorded* in that quarter (a
  tracked cohort, as at the edition's extract; type 0 "not yet assigned" exists only here);
- ``outcomes_closed``: outcomes *assigned* during that quarter, whenever the offence was recorded.
Editions of the same year differ (outcomes mature), so every edition is kept.

The full editions have quirks the reader survives: "not applicable" written five ways (``NA``,
``N/A``, ``N/A - Offence code expired`` in either case, ``N/A - data not provided``), none of them a
zero; a force marked "data not provided" for a whole year (a known gap: nothing is stored, so the
force's months are missing, not zero); the expired-code flag written ``Yes`` or ``x``; negative
counts, the Home Office's corrections, kept as published and flagged ``negative_published``; and
later wording of the closed-in-period count ("Outcomes for investigations closed in the quarter").
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
               "outcomes for offences recorded in quarter", "outcomes for offences recorded in the quarter"),
    "closed": ("force outcomes recorded in quarter",
               "number of outcomes for investigations that were closed in the quarter",
               "outcomes recorded in quarter", "outcomes for investigations closed in the quarter"),
}
OPTIONAL = {"expired": ("offence code expired",)}
KNOWN = ("offence description", "offence group", "offence subgroup", "outcome description", "outcome group")
# One row per force, quarter, offence code and outcome; negative counts are the Home Office's
# corrections of outcomes counted before (kept and flagged).
KEY = ("force", "year", "quarter", "code", "outcome")
# A row gives at least one of its two counts: the closed-in-period count is empty for outcome 0
# (not yet assigned exists only in the cohort) and, rarely, one of the two is left empty.
COUNTS = ("cohort", "closed")
COUNT_CELLS = "any"
NEGATIVE = "correction"


_NOT_APPLICABLE = r"(?i)^(na|n/a)(\s*-.*)?$"
_NOT_PROVIDED = r"(?i)data not provided"


def normalise(df, ctx):
    import polars as pl

    start, end = fields.financial_quarters(df, "year", "quarter", ctx)
    area = fields.force_codes(df, "force", ctx)
    base = dict(
        offence=fields.offence_codes(df, "code", ctx),
        outcome=fields.outcome_types(df, "outcome", ctx),
        area=area, period_start=start, period_end=end,
    )
    notes = []
    expired = pl.Series("e", [False] * df.height)
    if "expired" in df.columns:
        expired = df.get_column("expired").str.strip_chars().str.to_lowercase().is_in(["yes", "x", "y"]).fill_null(False)
    not_provided = pl.Series("np", [False] * df.height)
    parts = []
    for measure, column in (("outcomes_cohort", "cohort"), ("outcomes_closed", "closed")):
        raw = df.get_column(column).str.strip_chars()
        not_provided = not_provided | raw.str.contains(_NOT_PROVIDED).fill_null(False)
        cleaned = df.with_columns(pl.when(raw.str.contains(_NOT_APPLICABLE).fill_null(False)).then(None).otherwise(raw).alias(column))
        value = fields.numbers(cleaned, column, ctx)
        flags = pl.DataFrame({"e": expired, "n": (value < 0).fill_null(False)}).select(
            pl.when(pl.col("e") & pl.col("n")).then(pl.lit("expired_code;negative_published"))
            .when(pl.col("e")).then(pl.lit("expired_code"))
            .when(pl.col("n")).then(pl.lit("negative_published"))).to_series()
        f = fields.facts(measure=measure, value=value, flags=flags, row=df.get_column("_row"), **base)
        negatives = int((value < 0).sum())
        if negatives:
            notes.append(f"{negatives} negative counts in '{ctx.headers.get(column, column)}' kept as published (the publisher's "
                         "corrections), flagged negative_published")
        parts.append(f.filter(pl.col("value").is_not_null()))
    blank = df.height * 2 - sum(p.height for p in parts)
    if blank:
        notes.append(f"{blank} empty or not-applicable count cells not stored (not a zero)")
    if not_provided.any():
        gaps = (pl.DataFrame({"area": area, "s": start, "np": not_provided})
                .group_by("area", "s").agg(pl.col("np").all().alias("all"), pl.col("np").any().alias("any"))
                .filter(pl.col("any")).sort("area", "s"))
        for code, s, whole in gaps.select("area", "s", "all").rows():
            notes.append(f"{code}: 'data not provided' for the quarter from {s} ({'every row' if whole else 'some rows'}): "
                         "a known gap, nothing stored for it (not a zero)")
    return pl.concat(parts), notes
