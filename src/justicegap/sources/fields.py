"""Vectorised checks and conversions shared by the source modules.

Each raises one ``InputError`` naming the file, sheet, row and column of the first bad cell, so a
renamed force or a stray footnote in a count column is found, reported and nothing is loaded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .. import areas, reference
from ..errors import InputError

class Warn(str):
    """A normalisation note that whoever loads the file must also see (it goes into the lineage
    like every note, and into the load's message)."""


MISSING_MARKERS = ("", "..", "-", "--", ":", "[x]", "[z]", "[c]", "[u]", "n/a")


@dataclass
class Context:
    """Where a frame came from, for error messages."""

    file: Path
    sheet: str | None
    headers: dict[str, str]
    preamble: tuple[str, ...] = ()

    def error(self, message: str, row=None, column: str | None = None) -> InputError:
        return InputError(message, file=self.file.name, sheet=self.sheet, row=row,
                          column=self.headers.get(column, column))


def _first(df, mask, column):
    import polars as pl

    bad = df.filter(mask).select("_row", pl.col(column)).row(0)
    return bad[0], bad[1]


def numbers(df, column: str, ctx: Context, *, integer: bool = True, allow_negative: bool = True):
    """A count column as floats: thousands separators and spaces removed, '..' and friends as null
    (an empty cell where the publisher always gives a count is refused earlier, by ``checks``)."""
    import polars as pl

    raw = pl.col(column).str.strip_chars().str.replace_all(r"[,\u00a0 ]", "")
    lowered = raw.str.to_lowercase()
    is_missing = raw.is_null() | lowered.is_in(list(MISSING_MARKERS)) | lowered.str.starts_with("n/a")
    value = pl.when(is_missing).then(None).otherwise(raw).cast(pl.Float64, strict=False)
    checked = df.with_columns(value.alias("__v"), is_missing.alias("__m"))
    bad = (~pl.col("__m")) & pl.col("__v").is_null()
    if checked.select(bad.any()).item():
        row, val = _first(checked, bad, column)
        raise ctx.error(f"'{val}' is not a number", row, column)
    if integer:
        frac = pl.col("__v").is_not_null() & (pl.col("__v") != pl.col("__v").round(0))
        if checked.select(frac.any()).item():
            row, val = _first(checked, frac, column)
            raise ctx.error(f"'{val}' is not a whole number of cases", row, column)
    if not allow_negative:
        neg = pl.col("__v") < 0
        if checked.select(neg.any()).item():
            row, val = _first(checked, neg, column)
            raise ctx.error(f"'{val}' is negative", row, column)
    return checked.get_column("__v")


def mapped(df, column: str, ctx: Context, lookup, what: str, hint: str = ""):
    """Map each distinct value through ``lookup`` (a callable returning None when unknown)."""
    import polars as pl

    values = df.get_column(column).unique().to_list()
    table = {}
    for v in values:
        code = lookup(v) if v is not None else None
        if code is None:
            row = df.filter(pl.col(column).is_null() if v is None else pl.col(column) == v).get_column("_row")[0]
            shown = "(empty)" if v is None else f"'{v}'"
            raise ctx.error(f"unknown {what} {shown}" + (f"; {hint}" if hint else ""), row, column)
        table[v] = code
    return df.get_column(column).replace_strict(table, return_dtype=pl.String)


def force_lookup(levels=("pfa", "btp", "reporting_body", "pfa_group", "nation")):
    """Name -> area code for force names as publishers write them."""
    def look(name):
        try:
            return areas.resolve(name).code if areas.resolve(name).level in levels else None
        except Exception:
            return None
    return look


def force_codes(df, column: str, ctx: Context, levels=("pfa", "btp", "reporting_body")):
    return mapped(df, column, ctx, force_lookup(levels), "force name",
                  "add the spelling to justicegap/reference/area_aliases.csv if it is a known force")


def offence_codes(df, column: str, ctx: Context):
    known = reference.offences()

    def look(code):
        c = str(code).strip().upper() if code is not None else None
        if c in known:
            return c
        alt = {k.upper(): k for k in known}.get(c)
        return alt
    return mapped(df, column, ctx, look, "offence code",
                  "if the Home Office has added it, add it to justicegap/reference/offences.csv (and its family to offence_families.csv)")


def outcome_types(df, column: str, ctx: Context):
    known = reference.outcomes()

    def look(v):
        t = str(v).strip().upper()
        t = t[:-2] if t.endswith(".0") else t
        return t if t in known else None
    return mapped(df, column, ctx, look, "outcome type", "outcome types are 0 to 22, with sub-codes 1A, 2A and 3A")


_FY = re.compile(r"^\s*(\d{4})\s*/\s*(\d{2})\s*$")


def financial_quarters(df, year_col: str, quarter_col: str, ctx: Context):
    """'2017/18' and '1'..'4' (or 'Q1') -> period_start, period_end columns."""
    import polars as pl

    from ..periods import financial_quarter

    key = pl.concat_str([pl.col(year_col).fill_null(""), pl.col(quarter_col).fill_null("")], separator="|")
    keyed = df.select("_row", key.alias("k"), year_col, quarter_col)
    starts, ends = {}, {}
    for k, fy, q in keyed.select("k", year_col, quarter_col).unique().rows():
        m = _FY.match(fy or "")
        qn = str(q or "").strip().upper().removeprefix("Q").removesuffix(".0")
        if not m or (int(m[1]) + 1) % 100 != int(m[2]):
            row = keyed.filter(pl.col("k") == k).get_column("_row")[0]
            raise ctx.error(f"'{fy or ''}' is not a financial year like 2017/18", row, year_col)
        if qn not in ("1", "2", "3", "4"):
            row = keyed.filter(pl.col("k") == k).get_column("_row")[0]
            raise ctx.error(f"'{q or ''}' is not a quarter (1 to 4)", row, quarter_col)
        p = financial_quarter(int(m[1]), int(qn))
        starts[k], ends[k] = p.start, p.end
    keys = keyed.get_column("k")
    return (keys.replace_strict(starts, return_dtype=pl.Date), keys.replace_strict(ends, return_dtype=pl.Date))


FACT_COLUMNS = {
    "measure": "String", "offence": "String", "outcome": "String", "area": "String",
    "period_start": "Date", "period_end": "Date", "sex": "String", "age": "String",
    "ethnicity": "String", "value": "Float64", "flags": "String",
}


def facts(row=None, **columns):
    """A facts frame with every column of the store's fact table, missing ones null; ``row`` (the
    frame's ``_row``) travels as ``_row`` so that the file's checks can name a row, and is dropped
    before the facts are stored."""
    import polars as pl

    n = max(len(v) for v in columns.values() if isinstance(v, pl.Series))
    out = {}
    for name, dtype in FACT_COLUMNS.items():
        v = columns.get(name)
        dt = getattr(pl, dtype)
        if isinstance(v, pl.Series):
            out[name] = v.cast(dt).alias(name)
        else:
            out[name] = pl.repeat(v, n, dtype=dt, eager=True).alias(name)
    if row is not None:
        out["_row"] = row.alias("_row")
    return pl.DataFrame(out)


def combined_codes(offence):
    """The Home Office's combined codes (Homicide's 1/4.1/4.10/4.2), published on several rows of one
    quarter and summed: a source's ``REPEATED`` (every other key is given once)."""
    return offence.str.contains("/", literal=True)
