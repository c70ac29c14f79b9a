"""Home Office police recorded crime by Community Safety Partnership (offence-code level).

One row per force, CSP, financial quarter and offence code; the real workbook's XML is over a
gigabyte, so ``readers`` streams it. Rows for records a force could not place in a CSP are kept
under the force's "Unassigned" pseudo-area so that CSPs plus unassigned add up to the force.
"""

from __future__ import annotations

from .. import areas
from . import fields

DATASET = "ho_csp"
TITLE = "Police recorded crime by Community Safety Partnership, open data table"
HEADER = {
    "year": ("financial year",),
    "quarter": ("financial quarter",),
    "force": ("force name",),
    "csp": ("csp name", "community safety partnership name", "community safety partnership"),
    "code": ("offence code",),
    "count": ("number of offences",),
}
OPTIONAL = {"csp_code": ("csp code", "community safety partnership code")}
KNOWN = ("offence description", "offence group", "offence subgroup")
KEY = ("force", "csp", "year", "quarter", "code")
COUNTS = ("count",)
NEGATIVE = "adjustment"
NEGATIVE_BOUNDED = True


REPEATED = fields.combined_codes


def unassigned_code(force_code: str) -> str:
    """The pseudo-area of a force's records not assigned to any CSP."""
    return f"{force_code}:unassigned"


def csp_lookup(force_of_row: dict):
    def look(name):
        key = areas.key(name)
        if key.startswith("unassigned"):
            force = force_of_row.get(name)
            return unassigned_code(force) if force else None
        try:
            a = areas.resolve(name, level="csp")
        except Exception:
            return None
        return a.code
    return look


def _known_csp_code(code):
    code = (code or "").strip()
    try:
        return code if areas.get(code).level == "csp" else None
    except Exception:
        return None


def normalise(df, ctx):
    import polars as pl

    start, end = fields.financial_quarters(df, "year", "quarter", ctx)
    force = fields.force_codes(df, "force", ctx, levels=("pfa",))
    if "csp_code" in df.columns and df.get_column("csp_code").is_not_null().all():
        csp = fields.mapped(df, "csp_code", ctx, _known_csp_code, "Community Safety Partnership code")
    else:
        firsts = dict(df.select(pl.col("csp"), force.alias("f")).unique("csp").rows())
        csp = fields.mapped(df, "csp", ctx, csp_lookup(firsts), "Community Safety Partnership",
                            "add the spelling to justicegap/reference/area_aliases.csv")
    parent_of = {c: areas.get(c).parent for c in csp.unique().to_list()}  # millions of rows, a few hundred CSPs
    parents = csp.replace_strict(parent_of, return_dtype=pl.String)
    wrong = df.filter(parents != force)
    if wrong.height:
        col = "csp_code" if "csp_code" in df.columns else "csp"
        raise ctx.error(f"'{wrong.get_column(col)[0]}' is a Community Safety Partnership of another force, not of "
                        f"'{wrong.get_column('force')[0]}'", wrong.get_column("_row")[0], col)
    facts = fields.facts(measure="recorded", offence=fields.offence_codes(df, "code", ctx), area=csp,
                         period_start=start, period_end=end, value=fields.numbers(df, "count", ctx),
                         row=df.get_column("_row"))
    unassigned = facts.filter(pl.col("area").str.ends_with(":unassigned")).height
    return facts, [f"{unassigned} rows for records not assigned to a CSP kept as '<force> unassigned'"] if unassigned else []
