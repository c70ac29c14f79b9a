"""ONS mid-year population estimates, for rates per 100,000 residents.

Two layouts, told apart by their columns:
- single year of age (``Code``/``LA Code (2021 boundaries)``, ``Name``, ``All Ages``, ``0`` ...
  ``90+``), by ward (table SAPE23DT8a, one file per sex) or by district. Wards are summed to
  their local authority district; the ``All Ages`` column is checked against the ages but not
  stored (it is their total). Rows that are not districts (country, region, county totals in
  the district tables) and the footnotes under the table are skipped. The year ("Mid-2020")
  and the sex ("Females", "Males", "Persons") are read from the title above the table or the
  sheet name.
- a time series ``code, name, year, population`` (all ages, persons).

Every figure is a population on 30 June of its year, stored as a one-day period, by district
code as published (later code changes are followed by ``justicegap.population``).

Sex, one rule that never double counts: a figure for persons is stored with sex empty, female
and male figures with their sex. A persons figure is the sum of the other two, so a sum must
take either the empty-sex rows or the female and male rows, never both;
``justicegap.population.population_for`` takes the persons figures when a year has them and
female plus male otherwise. Ages are single years as text, the last ``90+``; all-ages figures
(the time series) have age empty and are never summed with single-year rows of the same year.
"""

from __future__ import annotations

import re
from datetime import date

from . import fields

DATASET = "ons_population"
TITLE = "ONS mid-year population estimates"
HEADER = {
    "code": ("code", "la code (2021 boundaries)", "la code (2020 boundaries)", "la code (2022 boundaries)",
             "la code (2023 boundaries)", "lad code", "local authority code", "ladcode", "lad20cd", "lad21cd"),
    "name": ("name", "la name (2021 boundaries)", "la name (2020 boundaries)", "la name (2022 boundaries)",
             "la name (2023 boundaries)", "lad name", "local authority name", "ladname", "lad20nm", "lad21nm"),
    "total": ("all ages", "population", "all persons"),
    # Both layouts have two more columns in common places: the series its year and population, the
    # age tables their first two ages. Requiring them lets a renamed column be reported, not
    # skipped; the first text is only the name given in that message.
    "year_or_age_0": ("year (or the single year of age 0)", "year", "mid-year", "0"),
    "population_or_age_1": ("population (or the single year of age 1)", "population", "1"),
}
# a table with an offence column (e.g. the ONS crime severity scores, also "code, name, year")
# is never a population table
FORBID = ("offence_group", "offence group", "offence", "severity_score", "crime severity score")
AGES = [str(a) for a in range(90)] + ["90+"]
OPTIONAL = {"year": ("year", "mid-year"), "ward": ("ward code 1", "ward code", "ward 2020 code")}
OPTIONAL.update({f"age_{a}": (a,) for a in AGES})
# One row per ward (age tables by ward), district (and year, in the series); every population given,
# none negative; the ward's name is known, not read.
KEY = ("ward", "code", "year")
COUNTS = ("total", *(f"age_{a}" for a in AGES))
KNOWN = ("ward name 1", "ward name", "ward 2020 name")
DISTRICT = re.compile(r"^[EW](06|07|08|09)\d{6}$|^W06\d{6}$")
_MID = re.compile(r"mid[- ]?(\d{4})", re.I)


def mid_year(y: int) -> date:
    return date(y, 6, 30)


def _sex(texts) -> str | None | bool:
    """'female' / 'male' / None (persons), or False when no text says."""
    for t in texts:
        t = (t or "").lower()
        if re.search(r"\bfemales?\b", t):
            return "female"
        if re.search(r"\bmales?\b", t):
            return "male"
        if re.search(r"\bpersons\b|\ball people\b", t):
            return None
    return False


def _codes(df):
    return df.get_column("code").str.replace_all("[\u00a0 ]", "").str.strip_chars().str.to_uppercase().fill_null("")



def rows(df, ctx=None):
    """The table's rows: the footnotes under it have no area code and no population."""
    return df.filter(~((_codes(df) == "") & df.get_column("total").is_null()))


def normalise(df, ctx):
    kept = rows(df)
    footnotes = df.height - kept.height
    df = kept
    code = _codes(df)
    if df.height == 0:
        raise ctx.error("no rows with an area code", None, "code")
    bad = df.filter(~code.str.contains(r"^[EWSNK]\d{8}$"))
    if bad.height:
        raise ctx.error(f"'{bad.get_column('code')[0]}' is not an ONS area code", bad.get_column("_row")[0], "code")
    is_lad = code.str.contains(DISTRICT.pattern)
    other = int((~is_lad).sum())
    df, code = df.filter(is_lad), code.filter(is_lad)
    if "year" in df.columns:
        return _series(df, code, ctx, other)
    return _by_age(df, code, ctx, other, footnotes)


def _series(df, code, ctx, other):
    import polars as pl

    years = fields.numbers(df, "year", ctx)
    if years.is_null().any():
        row = df.filter(years.is_null()).get_column("_row")[0]
        raise ctx.error("no year in this row", row, "year")
    day = pl.Series([mid_year(int(y)) for y in years], dtype=pl.Date)
    value = fields.numbers(df, "total", ctx, allow_negative=False)
    facts = fields.facts(measure="population", area=code, period_start=day, period_end=day, value=value,
                         row=df.get_column("_row"))
    notes = ["mid-year (30 June) population, all ages, persons (stored with sex and age empty)"]
    if other:
        notes.append(f"{other} rows for areas other than districts skipped (they are totals of districts)")
    return facts.filter(pl.col("value").is_not_null()), notes


def _by_age(df, code, ctx, other, footnotes):
    import polars as pl

    missing = [a for a in AGES if f"age_{a}" not in df.columns]
    if missing:
        raise ctx.error("the single-year-of-age columns " + ", ".join(f"'{a}'" for a in missing[:5])
                        + (" ..." if len(missing) > 5 else "") + " are missing", None)
    texts = [*ctx.preamble, ctx.sheet or ""]
    m = next((_MID.search(t) for t in texts if _MID.search(t)), None)
    if m is None:
        raise ctx.error("the title above the table does not say which mid-year it is (e.g. 'Mid-2020')", 1)
    sex = _sex(texts)
    if sex is False:
        raise ctx.error("the title above the table does not say whether it counts females, males or persons", 1)
    day = mid_year(int(m[1]))
    ages = {a: fields.numbers(df, f"age_{a}", ctx, allow_negative=False) for a in AGES}
    total = fields.numbers(df, "total", ctx, allow_negative=False)
    wide = pl.DataFrame({"code": code, "total": total, **{a: v for a, v in ages.items()}})
    summed = wide.group_by("code").agg([pl.col(a).sum() for a in ["total", *AGES]])
    off = summed.filter((pl.sum_horizontal(AGES) - pl.col("total")).abs() > 0.5)
    if off.height:
        c = off.get_column("code")[0]
        row = df.filter(code == c).get_column("_row")[0]
        raise ctx.error(f"the ages of district {c} do not add up to its All Ages figure", row, "total")
    long = summed.unpivot(index="code", on=AGES, variable_name="age", value_name="value")
    facts = fields.facts(measure="population", area=long.get_column("code"), period_start=day, period_end=day,
                         sex=sex, age=long.get_column("age"), value=long.get_column("value"))
    notes = [f"mid-{m[1]} population (30 June) of {sex + 's' if sex else 'persons (stored with sex empty)'} by single year of age",
             f"{df.height} rows summed to {summed.height} local authority districts; the All Ages column is their total and not stored"]
    if other:
        notes.append(f"{other} rows for areas other than districts skipped (they are totals of districts)")
    if footnotes:
        notes.append(f"{footnotes} footnote rows under the table skipped")
    return facts, notes
