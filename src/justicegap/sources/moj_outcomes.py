"""MoJ Criminal Justice System statistics quarterly: Outcomes by Offence data (CSVs in a zip).

Counts are defendants dealt with at court, by their principal offence at each stage (the
offence with the heaviest penalty), so proceeded-against and convicted counts for one offence are
not the same people: a defendant prosecuted for rape and convicted of sexual assault is under
rape when proceeded against and under sexual assault when convicted. ``proceeded_against`` is
defendants whose proceedings at magistrates' courts completed in the period; ``convicted`` and
``sentenced`` are defendants found guilty / sentenced at either court in the period.

The police force area is the area OF THE COURT that dealt with the case, not where the offence
happened or which force investigated it. Defendants whose area is "Not known" cannot be placed
and are not stored (a note gives their number). Periods are calendar quarters when the file has
a quarter column, else calendar years.

Two layouts are read, told apart by their columns (both with ``Police Force Area``, ``Year`` or
``Year of Appearance``, ``Offence`` (detailed offence, led by its offence code), ``Sex``, ``Age
Group`` and optionally ``Quarter``, ``Age Range``, ``Ethnicity``, ``Offence Group``):
- count columns ``Proceeded against``, ``Convicted``, ``Sentenced``;
- the data-tool extract seen in 2017-2020 files: ``Court Type``, ``Convicted/Not Convicted``,
  ``Sentenced/Not Sentenced`` flags and a ``Count`` per row: proceeded against = rows at the
  magistrates' court, convicted / sentenced = rows flagged so. Finer columns (outcome, sentence,
  sentence length, type of defendant) are summed over.
The sentencing-outcomes CSV in the same zip (``Sentence Outcome`` column) is not read: its
sentenced count repeats this one's.

Values lose their ordering prefix ("01: Female" -> female). The offence is stored as the Home
Office offence code when the detailed offence starts with one (19C, 17A, 88A: the offence
families then match it), otherwise as ``moj:<code>``.
"""

from __future__ import annotations

import re

from .. import reference
from . import fields

DATASET = "moj_outcomes"
TITLE = "Criminal Justice System statistics: Outcomes by Offence data"
HEADER = {
    "pfa": ("police force area", "police force area of court", "pfa"),
    "year": ("year", "year of appearance", "calendar year"),
    "offence": ("offence", "detailed offence", "offence description"),
    "sex": ("sex", "gender"),
    "age": ("age group", "age band"),
}
OPTIONAL = {
    "quarter": ("quarter", "calendar quarter"),
    "age_range": ("age range",),
    "ethnicity": ("ethnicity", "ethnic group", "ethnicity (self-defined)", "ethnicity (officer-observed)"),
    "group": ("offence group",),
    "code": ("offence code", "detailed offence code", "ho offence code"),
    "court": ("court type",),
    "convicted_flag": ("convicted/not convicted",),
    "sentenced_flag": ("sentenced/not sentenced",),
    "count": ("count", "number of defendants", "defendants"),
    "proceeded_against": ("proceeded against", "prosecuted", "number proceeded against"),
    "convicted": ("convicted", "found guilty", "number convicted"),
    "sentenced": ("sentenced", "number sentenced"),
    # the data-tool extract's finer columns, summed over: read only so that they are part of the key
    "defendant_type": ("type of defendant",),
    "offence_type": ("offence type",),
    "result": ("outcome",),
    "sentence": ("detailed sentence",),
    "sentence_length": ("custodial sentence length",),
}
FORBID = ("sentence outcome",)
MEASURES = ("proceeded_against", "convicted", "sentenced")
# A row is identified by every column that tells it apart (those present): in the data-tool extract
# that includes the finer columns its count is split by. Counts are never negative.
KEY = ("pfa", "year", "quarter", "group", "offence", "code", "sex", "age", "age_range", "ethnicity", "court",
       "convicted_flag", "sentenced_flag", "defendant_type", "offence_type", "result", "sentence", "sentence_length")
COUNTS = ("count", *MEASURES)
KNOWN = ()  # every column of both layouts is read
UNKNOWN_AREA = {"notknown", "unknown", "notstated"}
_PREFIX = re.compile(r"^\s*\d+\s*[:.]\s*")
_CODE = re.compile(r"^\s*(\d{1,3}[A-Za-z]?(?:\.\d+)?|[A-Za-z]\d+[A-Za-z]?)\b\s*(.*)$")


def clean(text) -> str | None:
    """'01: Female' -> 'female'; empty -> None."""
    if text is None:
        return None
    t = _PREFIX.sub("", str(text)).strip().lower()
    return t or None


def _sex(text) -> str | None:
    t = clean(text)
    if t in (None, "not known", "not stated", "unknown"):
        return "not_known" if t else None
    if t in ("female", "male"):
        return t
    return "other"


def offence_value(text) -> str | None:
    """A detailed offence or an offence code -> the Home Office code, or 'moj:<code>'."""
    if text is None or not str(text).strip():
        return None
    m = _CODE.match(str(text))
    token = m[1] if m else str(text).strip()
    code = token.upper().lstrip("0") or "0"
    known = reference.offences()
    if code in known:
        return code
    return "moj:" + (token.upper() if m else re.sub(r"[^a-z0-9]+", "_", token.lower()).strip("_"))


def _each(series, fn, dtype=None):
    """``fn`` applied to each distinct value (the files have millions of rows, few distinct values)."""
    import polars as pl

    dtype = dtype or pl.String
    table = {v: fn(v) for v in series.unique().to_list()}
    return series.replace_strict(table, return_dtype=dtype)


def _periods(df, ctx):
    import polars as pl

    from ..periods import calendar_quarter, calendar_year

    years = fields.numbers(df, "year", ctx)
    if years.is_null().any():
        row = df.filter(years.is_null()).get_column("_row")[0]
        raise ctx.error("no year in this row", row, "year")
    quarters = df.get_column("quarter") if "quarter" in df.columns else pl.Series([None] * df.height, dtype=pl.String)
    keys = pl.DataFrame({"y": years, "q": quarters, "_row": df.get_column("_row")})
    spans = {}
    for y, text, row in keys.unique(["y", "q"], keep="first", maintain_order=True).rows():  # a few distinct pairs
        if "quarter" not in df.columns:
            spans[(y, text)] = calendar_year(int(y))
            continue
        t = clean(text) or ""
        m = re.search(r"([1-4])", t)
        q = int(m[1]) if m else {"jan": 1, "apr": 2, "jul": 3, "oct": 4}.get(t[:3])
        if q is None:
            raise ctx.error(f"'{text or ''}' is not a calendar quarter (Q1 to Q4)", row, "quarter")
        spans[(y, text)] = calendar_quarter(int(y), q)
    ps = [spans[k] for k in zip(years.to_list(), quarters.to_list())]
    return (pl.Series([p.start for p in ps], dtype=pl.Date), pl.Series([p.end for p in ps], dtype=pl.Date))


def _measures(df, ctx):
    """proceeded_against, convicted, sentenced per row, from count columns or flags and a count."""
    import polars as pl

    if all(m in df.columns for m in MEASURES):
        return {m: fields.numbers(df, m, ctx, allow_negative=False) for m in MEASURES}, "count columns"
    need = ("count", "court", "convicted_flag")
    missing = [OPTIONAL[c][0] for c in need if c not in df.columns]
    if missing:
        have = [OPTIONAL[m][0] for m in MEASURES if m not in df.columns]
        raise ctx.error("neither the count columns (missing: " + ", ".join(f"'{c}'" for c in have) +
                        ") nor the court and conviction flags with a count (missing: " +
                        ", ".join(f"'{c}'" for c in missing) + ") are in the table", None)
    count = fields.numbers(df, "count", ctx, allow_negative=False)
    magistrates = _each(df.get_column("court"), lambda t: "magistrates" in (clean(t) or ""), pl.Boolean)
    convicted = _each(df.get_column("convicted_flag"), lambda t: clean(t) == "convicted", pl.Boolean)
    zero = pl.lit(0.0)
    frame = pl.DataFrame({"n": count, "m": magistrates, "c": convicted})
    out = {"proceeded_against": frame.select(pl.when(pl.col("m")).then(pl.col("n")).otherwise(zero)).to_series(),
           "convicted": frame.select(pl.when(pl.col("c")).then(pl.col("n")).otherwise(zero)).to_series()}
    if "sentenced_flag" in df.columns:
        sentenced = _each(df.get_column("sentenced_flag"), lambda t: clean(t) == "sentenced", pl.Boolean)
        out["sentenced"] = pl.DataFrame({"n": count, "s": sentenced}).select(
            pl.when(pl.col("s")).then(pl.col("n")).otherwise(zero)).to_series()
    return out, "court type and conviction flags with a count per row"



def normalise(df, ctx):
    import polars as pl

    from .. import areas

    unknown = _each(df.get_column("pfa"), lambda t: t is not None and areas.key(t) in UNKNOWN_AREA, pl.Boolean)
    values, how = _measures(df, ctx)
    dropped = {m: v.filter(unknown).sum() for m, v in values.items()}
    keep = ~unknown
    df = df.filter(keep)
    values = {m: v.filter(keep) for m, v in values.items()}
    if df.height == 0:
        raise ctx.error("no rows with a known police force area", None, "pfa")
    area = fields.force_codes(df, "pfa", ctx, levels=("pfa", "pfa_group"))
    start, end = _periods(df, ctx)
    source = "code" if "code" in df.columns else "offence"
    offence = fields.mapped(df, source, ctx, offence_value, "offence")
    age = _each(df.get_column("age_range" if "age_range" in df.columns else "age"), clean)
    eth = (_each(df.get_column("ethnicity"), clean) if "ethnicity" in df.columns
           else pl.repeat(None, df.height, dtype=pl.String, eager=True))
    sex = _each(df.get_column("sex"), _sex)
    grain = pl.DataFrame({"area": area, "period_start": start, "period_end": end, "offence": offence, "sex": sex,
                          "age": age, "ethnicity": eth, **values})
    summed = grain.group_by(["area", "period_start", "period_end", "offence", "sex", "age", "ethnicity"]).agg(
        [pl.col(m).sum() for m in values])
    parts = [fields.facts(measure=m, value=summed.get_column(m), **{c: summed.get_column(c) for c in
             ("area", "period_start", "period_end", "offence", "sex", "age", "ethnicity")}) for m in values]
    out = pl.concat(parts)
    notes = [f"measures from {how}",
             "the police force area is the area of the court that dealt with the case, not where the offence happened",
             "counts are defendants by principal offence at each stage: proceeded-against and convicted are not the same people"]
    if int(unknown.sum()):
        notes.append(f"{int(unknown.sum())} rows with police force area 'Not known' not stored ("
                     + ", ".join(f"{m} {v:,.0f}" for m, v in dropped.items()) + "); England and Wales sums leave them out")
    if "group" in df.columns:
        sexual = _each(df.get_column("group"), lambda t: "sexual" in (clean(t) or ""), pl.Boolean)
        odd = offence.filter(sexual & offence.str.starts_with("moj:")).unique()
        if odd.len():
            notes.append(f"{odd.len()} offences in the sexual offences group have no Home Office code ("
                         + ", ".join(sorted(odd.to_list())[:10]) + "): stored under their MoJ code and in no offence family "
                         "unless reference/category_families.csv maps them")
    return out, notes
