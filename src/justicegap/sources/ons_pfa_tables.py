"""ONS Police Force Area data tables, Table P1: recorded offences by offence group, for every force
area, region and nation, for one year ending March (the bulletin's first release).

These are earlier editions than the Home Office's open data table for the same year, which
carries later revisions: both are kept, and the Home Office table is preferred where it covers
the year. Only offence groups are published ("Sexual offences" as a whole, no rape split). The
workbook's other tables share P1's header row (P2 is percentage change, P3 rates), so the table
is recognised by its title, which says "number of offences"; they give no facts. Regions and
England and Wales's two countries are not areas justicegap answers for and are not stored; the
England and Wales row is, because it includes British Transport Police, which has no row here.
"""

from __future__ import annotations

import re

from .. import areas
from ..errors import NotFound
from ..periods import financial_year
from . import fields

DATASET = "ons_pfa_tables"
TITLE = "ONS Police Force Area data tables, Table P1 (recorded offences by offence group)"
HEADER = {
    "code": ("area code",),
    "name": ("area name",),
    "sexual": ("sexual offences",),
}
FORBID = ("police force area code", "community safety partnership code")
# One row per area, by code; counts never negative. The other columns of Tables P1 to P3 (which
# share P1's header) are known, not read; their footnote digits are glued on ('harassment5').
KEY = ("code",)
COUNTS = ("sexual",)
KNOWN = ("total recorded crime (excluding fraud)", "violence against the person", "homicide", "violence with injury",
         "violence without injury", "stalking and harassment", "death or serious injury - unlawful driving", "robbery",
         "theft offences", "burglary", "residential burglary", "residental burglary", "non-residential burglary",
         "residential burglary (households)", "vehicle offences", "theft from the person", "bicycle theft",
         "shoplifting", "other theft offences", "all other theft offences", "criminal damage and arson",
         "drug offences", "possession of weapons offences", "public order offences", "miscellaneous crimes",
         "miscellaneous crimes against society", "population figures (mid-) rounded to", "household figures (mid-) rounded to")
FIRST_RELEASE = True  # published with the bulletin, before the Home Office's open data tables of the same year
_TITLE = re.compile(r"Table P1\b.*number of offences.*year ending March (\d{4}|\d{2})", re.I | re.S)
_CODE = re.compile(r"^[EKW]\d{8}$")


def _year(ctx) -> int | None:
    """The year ending March from the title, whose footnote digits are glued on: 'March 181,2,3'
    is 2018, 'March 20191,2' is 2019. None when the sheet is not Table P1 (P2, P3 share its header)."""
    for line in ctx.preamble:
        m = _TITLE.search(line)
        if m:
            digits = m[1]
            return int(digits) if digits.startswith(("19", "20")) and len(digits) == 4 else 2000 + int(digits[:2])
    return None


def rows(df, ctx):
    """The rows of areas (under the title, area-type and 'Numbers' rows); none when the sheet is
    another table with P1's header."""
    import polars as pl

    if _year(ctx) is None:
        return df.clear()
    return df.filter(pl.col("code").str.strip_chars().str.contains(_CODE.pattern).fill_null(False))


def normalise(df, ctx):
    import polars as pl

    year = _year(ctx)
    if year is None:
        return fields.facts(measure=pl.Series([], dtype=pl.String)), [
            f"sheet '{ctx.sheet}' has Table P1's columns but is another table (its title does not say 'number of offences'): not read"]
    period = financial_year(year - 1)
    found = rows(df, ctx)
    if found.height == 0:
        raise ctx.error("no rows with an area code (E23..., W15..., K04...) under the header", None, "code")
    kept, skipped = [], []
    for c in found.get_column("code").str.strip_chars().to_list():
        try:
            level = areas.get(c).level
        except NotFound:
            level = None
        (kept if level in ("pfa", "nation") else skipped).append(c)
    found = found.filter(pl.col("code").str.strip_chars().is_in(kept))
    forces = [a.code for a in areas.all_areas("pfa") if not a.valid_to]
    missing = sorted(set(forces) - set(kept))
    if missing:
        raise ctx.error(f"no row for police force area {missing[0]} ({areas.get(missing[0]).name})", None, "code")
    facts = fields.facts(measure="recorded", offence="sexual_offences", area=found.get_column("code").str.strip_chars(),
                         period_start=period.start, period_end=period.end,
                         value=fields.numbers(found, "sexual", ctx, allow_negative=False))
    notes = [f"period {period} (year ending March {year}) read from the table title",
             f"{len(skipped)} rows for regions and for England and Wales's two countries not stored (not areas answered here)",
             "England and Wales row kept: it includes British Transport Police, which has no row of its own"]
    return facts.filter(pl.col("value").is_not_null()), notes
