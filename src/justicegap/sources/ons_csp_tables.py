"""ONS Police Force Area data tables, Table C2: recorded crime by Community Safety Partnership.

The fallback for local figures when the Home Office CSP table is not loaded. Twelve-month
periods (the period is read from the table's title); one row per force total, then its CSPs,
then an "Unassigned <force>" row, which is kept. Only offence groups are published at this level:
"Sexual offences" as a whole, with no rape split.
"""

from __future__ import annotations

import re

from .. import areas
from ..periods import parse
from . import fields

DATASET = "ons_csp_tables"
TITLE = "ONS Police Force Area data tables, Table C2 (recorded crime by Community Safety Partnership)"
HEADER = {
    "pfa_code": ("police force area code",),
    "pfa_name": ("police force area name",),
    "csp_code": ("community safety partnership code",),
    "csp_name": ("community safety partnership name",),
    "sexual": ("sexual offences",),
}
OPTIONAL = {"total": ("total recorded crime (excluding fraud)", "total recorded crime excluding fraud")}
_PERIOD = re.compile(r"year ending ([a-z]+) (\d{4})", re.I)


def _period(ctx):
    for line in ctx.preamble:
        m = _PERIOD.search(line)
        if m:
            return parse(f"YE {m[1]} {m[2]}")
    raise ctx.error("the title above the table does not say which year it covers ('year ending <month> <year>')", 1)


def normalise(df, ctx):
    import polars as pl

    period = _period(ctx)
    known = {a.code for a in areas.all_areas("pfa")}
    bad = df.filter(~pl.col("pfa_code").str.strip_chars().is_in(list(known)))
    if bad.height:
        raise ctx.error(f"unknown police force area code '{bad.get_column('pfa_code')[0]}'", bad.get_column("_row")[0], "pfa_code")
    pfa = df.get_column("pfa_code").str.strip_chars()
    csp_code = df.get_column("csp_code").str.strip_chars()
    name = df.get_column("csp_name").str.strip_chars().fill_null("")
    is_unassigned = name.str.to_lowercase().str.starts_with("unassigned")
    area = (pl.DataFrame({"pfa": pfa, "csp": csp_code, "u": is_unassigned})
            .select(pl.when(pl.col("u")).then(pl.col("pfa") + ":unassigned")
                    .when(pl.col("csp").is_null()).then(pl.col("pfa"))
                    .otherwise(pl.col("csp"))).to_series())
    unknown = [c for c in area.unique().to_list() if not c.endswith(":unassigned") and c not in known and _missing(c)]
    if unknown:
        row = df.filter(area == unknown[0]).get_column("_row")[0]
        raise ctx.error(f"unknown Community Safety Partnership code '{unknown[0]}'", row, "csp_code")
    parts = [fields.facts(measure="recorded", offence="sexual_offences", area=area, period_start=period.start,
                          period_end=period.end, value=fields.numbers(df, "sexual", ctx))]
    if "total" in df.columns:
        parts.append(fields.facts(measure="recorded", offence="all_excluding_fraud", area=area, period_start=period.start,
                                  period_end=period.end, value=fields.numbers(df, "total", ctx)))
    out = pl.concat(parts).filter(pl.col("value").is_not_null())
    n_un = int(is_unassigned.sum())
    return out, [f"period {period} read from the table title", f"{n_un} 'Unassigned' rows kept"]


def _missing(code: str) -> bool:
    try:
        areas.get(code)
        return False
    except Exception:
        return True
