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
# One row per force total, partnership or unassigned row; a row gives all its counts or none (the
# publisher leaves a force's "Unassigned" row blank when it has nothing unassigned); the other
# offence groups are known, not read.
KEY = ("pfa_code", "csp_code", "csp_name")
COUNTS = ("sexual", "total")
COUNT_CELLS = "all_or_none"
KNOWN = ("local authority code", "local authority name", "violence against the person", "homicide",
         "death or serious injury caused by illegal driving", "violence with injury", "violence without injury",
         "stalking and harassment", "robbery", "theft offences", "burglary", "residential burglary",
         "non-residential burglary", "vehicle offences", "theft from the person", "bicycle theft", "shoplifting",
         "all other theft offences", "criminal damage and arson", "drug offences", "possession of weapons offences",
         "public order offences", "miscellaneous crimes against society")
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
    placed, notes = _blocks(df)
    kinds = pl.Series([k for _, k in placed])
    block = pl.Series([b for b, _ in placed])
    csp_code = df.get_column("csp_code").str.strip_chars()
    area = (pl.DataFrame({"b": block, "k": kinds, "csp": csp_code})
            .select(pl.when(pl.col("k") == "unassigned").then(pl.col("b") + ":unassigned")
                    .when(pl.col("k") == "total").then(pl.col("b"))
                    .otherwise(pl.col("csp"))).to_series())
    unknown = [c for c in area.filter(kinds == "csp").unique().to_list() if c not in known and _missing(c)]
    if unknown:
        row = df.filter(area == unknown[0]).get_column("_row")[0]
        raise ctx.error(f"unknown Community Safety Partnership code '{unknown[0]}'", row, "csp_code")
    values = {"sexual_offences": fields.numbers(df, "sexual", ctx)}
    if "total" in df.columns:
        values["all_excluding_fraud"] = fields.numbers(df, "total", ctx)
    rows = pl.DataFrame({"area": area, "block": block, "kind": kinds, "name": df.get_column("csp_name"), **values})
    for name, b in rows.filter(pl.col("kind") == "part").select("name", "block").rows():
        notes.append(f"'{name}' ({areas.get(b).name}) has no partnership code: a part of the force's total row, "
                     "not added to it and not stored on its own")
    without_total = sorted(set(block) - set(rows.filter(pl.col("kind") == "total").get_column("block")))
    force_rows = []
    for b in without_total:
        inside = rows.filter((pl.col("block") == b) & pl.col("kind").is_in(["csp", "unassigned"]))
        force_rows.append(inside.select(pl.lit(b).alias("area"), *[pl.col(c).sum() for c in values]))
        notes.append(f"{areas.get(b).name} has no total row: its figure is the sum of its {inside.height} partnership row(s)")
    kept = rows.filter(pl.col("kind") != "part").select("area", *values)
    if force_rows:
        kept = pl.concat([kept, *force_rows])
    parts = [fields.facts(measure="recorded", offence=offence, area=kept.get_column("area"), period_start=period.start,
                          period_end=period.end, value=kept.get_column(offence)) for offence in values]
    out = pl.concat(parts).filter(pl.col("value").is_not_null())
    n_un = int((kinds == "unassigned").sum())
    return out, [f"period {period} read from the table title", f"{n_un} 'Unassigned' rows kept", *notes]


_NOTE = re.compile(r"\s*\[note \d+\]", re.I)


def _blocks(df):
    """Each row's force and kind (total, csp, unassigned or part), by the force block it sits in.

    The table is one block per force: its total row (no partnership code or name), its
    partnerships, an "Unassigned <force>" row, and sometimes a part with no partnership code
    (Greater Manchester's "Manchester Airport"), which the force total already includes. A row's
    force is its block's, whatever code the row carries ("Unassigned Gwent" carries South Wales's
    code). City of London has no total row, only its one partnership row: a block also starts where
    both the force name and code change.
    """
    out, notes, block_code, block_name = [], [], None, None
    for row, pfa, pfa_name, csp, name in df.select("_row", "pfa_code", "pfa_name", "csp_code", "csp_name").rows():
        pfa, pfa_name = pfa.strip(), _NOTE.sub("", pfa_name or "").strip()
        kind = ("total" if not csp and not name else "unassigned" if (name or "").lower().startswith("unassigned")
                else "csp" if csp else "part")
        if kind == "total" or block_code is None or (pfa_name != block_name and pfa != block_code):
            block_code, block_name = pfa, pfa_name
        if kind == "unassigned" and pfa != block_code:
            notes.append(f"row {row}: '{name}' carries force code {pfa} but sits in the {block_name} block: "
                         f"assigned to {block_name} ({block_code})")
        out.append((block_code, kind))
    return out, notes


def _missing(code: str) -> bool:
    try:
        areas.get(code)
        return False
    except Exception:
        return True
