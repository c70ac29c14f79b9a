"""Home Office police recorded crime, Police Force Area open data tables.

A multi-year workbook, one sheet per financial year (or one CSV per year), one row per force,
quarter and offence code. Counts are offences. Non-police reporting bodies (Action Fraud, CIFAS,
UK Finance) are kept under their own codes and never counted in force or national totals.
"""

from __future__ import annotations

from . import fields

DATASET = "ho_pfa"
TITLE = "Police recorded crime, Police Force Area open data table"
HEADER = {
    "year": ("financial year",),
    "quarter": ("financial quarter",),
    "force": ("force name",),
    "code": ("offence code",),
    "count": ("number of offences",),
}
FORBID = ("csp name", "community safety partnership", "outcome type")
# The publisher's other columns (labels of the code): known, not read, never reported as unexpected.
KNOWN = ("offence description", "offence group", "offence subgroup")
# One row per force, quarter and offence code; the Home Office publishes small negative counts
# (a quarter's adjustment of offences recorded earlier), which are kept and flagged.
KEY = ("force", "year", "quarter", "code")
COUNTS = ("count",)
NEGATIVE = "adjustment"
NEGATIVE_BOUNDED = True


REPEATED = fields.combined_codes


def normalise(df, ctx):
    start, end = fields.financial_quarters(df, "year", "quarter", ctx)
    return fields.facts(
        measure="recorded",
        offence=fields.offence_codes(df, "code", ctx),
        area=fields.force_codes(df, "force", ctx),
        period_start=start, period_end=end,
        value=fields.numbers(df, "count", ctx),
        row=df.get_column("_row"),
    ), []
