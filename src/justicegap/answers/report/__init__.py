"""Answers people ask for: one report holding every figure the published data support for an
area, a run of years and an offence family, at the finest level each is published, and saying
plainly what cannot be answered, why, and who holds it.

A :class:`Report` is plain data (the question as understood, typed tables, sentences, definitions,
caveats, what is not available, the editions used); :mod:`.workbook` and :mod:`.html` only lay it
out. Nothing is filled in: a year the data lack is listed as missing; a figure published only for
a larger area is given for that area and labelled so.
"""

from ...model.report import Column, Report, Table
from .build import build_report
from .common import latest_financial_year
from .notes import newcombe_difference
from .sections import _code_counts, _victim_crosstab  # noqa: F401  (the tests check these tables' rules directly)

__all__ = ["Column", "Report", "Table", "build_report", "latest_financial_year", "newcombe_difference"]
