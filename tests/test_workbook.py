"""The Excel workbook: real tables, typed cells, the sheets that must travel with the figures."""

from __future__ import annotations

import hashlib

import openpyxl
import pytest

from justicegap.answers.report import build_report
from justicegap.answers.workbook import write_xlsx
from justicegap.store import Store
from test_report import KENT_LOCAL, RAPE, raw_outcomes, raw_pfa, COHORT


@pytest.fixture(scope="module")
def book(loaded_home, tmp_path_factory):
    with Store(loaded_home / "justicegap.duckdb", read_only=True) as s:
        r = build_report("Kent", start="2013/14", end="2022/23", offence="sexual_offences", local_areas=KENT_LOCAL, store=s)
    path = write_xlsx(r, tmp_path_factory.mktemp("wb") / "kent.xlsx")
    return r, openpyxl.load_workbook(path)


def _table(ws):
    assert len(ws.tables) == 1, ws.title
    t = next(iter(ws.tables.values()))
    rows = list(ws[t.ref])
    header = [c.value for c in rows[0]]
    return header, rows[1:]


def test_sheets_and_one_excel_table_each(book):
    r, wb = book
    for name in ("Cover", "Summary", "Recorded by year", "Victims by offence code", "Victims sex x age", "Local areas",
                 "Police outcomes", "Charge rates", "Comparison", "CPS", "Timeliness", "Definitions", "Caveats", "Not available"):
        assert name in wb.sheetnames
    for t in r.tables:
        ws = next(ws for ws in wb.worksheets if ws.cell(1, 1).value == t.title)
        header, rows = _table(ws)
        assert header == [c.name for c in t.columns]
        assert len(rows) == len(t.rows)


def test_numbers_are_numbers(book, shared_data):
    _, wb = book
    header, rows = _table(wb["Charge rates"])
    k = {h: i for i, h in enumerate(header)}
    cohort = raw_outcomes(shared_data, "Kent", RAPE, COHORT)
    row = next(x for x in rows if x[k["Financial year"]].value == "2017/18" and x[k["Offence"]].value == "Rape"
               and x[k["Metric"]].value == "charge_rate_cohort")
    assert isinstance(row[k["Numerator"]].value, int) and row[k["Numerator"]].value == cohort["1"]
    assert isinstance(row[k["Denominator"]].value, int) and row[k["Denominator"]].value == sum(cohort.values())
    rate = row[k["Rate"]]
    assert isinstance(rate.value, float) and "%" in rate.number_format
    assert rate.value == pytest.approx(cohort["1"] / sum(cohort.values()))
    for x in rows:  # never text in a numeric column
        for col in ("Numerator", "Denominator", "Rate", "95% CI low", "95% CI high"):
            assert x[k[col]].value is None or isinstance(x[k[col]].value, (int, float))
    header, rows = _table(wb["Recorded by year"])
    k = {h: i for i, h in enumerate(header)}
    raw = raw_pfa(shared_data, "Kent")
    y = {x[0].value: x for x in rows}
    assert y["2017/18"][k["Rape"]].value == sum(v for (c, _), v in raw.items() if c in RAPE)
    assert isinstance(y["2017/18"][k["Rape"]].value, int)
    assert y["2013/14"][k["Rape"]].value is None and y["2013/14"][k["Status"]].value == "not in the loaded data"


def test_local_areas_sheet(book):
    _, wb = book
    header, rows = _table(wb["Local areas"])
    asked = [n.strip() for x in rows for n in (x[0].value or "").split(";") if n.strip()]
    assert sorted(asked) == sorted(KENT_LOCAL)
    values = [x[4].value for x in rows]
    assert all(isinstance(v, int) for v in values)


def test_cover_names_sources_with_sha256(book, shared_data):
    _, wb = book
    header, rows = _table(wb["Cover"])
    k = {h: i for i, h in enumerate(header)}
    sha = {x[k["File"]].value: x[k["SHA-256"]].value for x in rows}
    for f in ("homeoffice/prc-pfa-2017-18.csv.gz", "homeoffice/prc-outcomes-2017-18.csv.gz", "ons/pfa-tables-ye-jun2025-table-c2-csp.csv"):
        name = f.split("/")[1]
        assert sha[name] == hashlib.sha256((shared_data / f).read_bytes()).hexdigest()
    text = " ".join(str(c.value) for row in wb["Cover"].iter_rows(max_row=20) for c in row if c.value)
    assert "Question as understood" in text and "Kent" in text and "2013/14" in text
    assert "2014/15" in text  # the years missing are on the cover


def test_definitions_caveats_not_available(book):
    r, wb = book
    header, rows = _table(wb["Definitions"])
    defined = {x[0].value for x in rows}
    used = set()
    for name in ("Charge rates", "CPS", "Timeliness"):
        h, rs = _table(wb[name])
        used |= {x[h.index("Metric")].value for x in rs}
    assert used <= defined
    assert all(x[header.index("Definition")].value for x in rows)
    header, rows = _table(wb["Caveats"])
    assert any("COVID-19" in x[1].value for x in rows)
    header, rows = _table(wb["Not available"])
    assert header == ["Part of the question", "Reason", "Who holds it"]
    borough = [x for x in rows if x[0].value.startswith("Conviction rates by local area")]
    assert borough and "Crown Prosecution Service" in borough[0][2].value
    assert len(rows) == len(r.not_available)


def test_derived_table_marked(book):
    _, wb = book
    assert "Derived by justicegap" in wb["Victims sex x age"].cell(2, 1).value
    assert wb["Charge rates"].cell(2, 1).value.startswith("As published")


def test_cover_says_what_small_cell_suppression_did_and_ratios_are_ratios(book):
    r, wb = book
    cover = {row[0].value: row[1].value for row in wb["Cover"].iter_rows(max_row=20, max_col=2) if row[0].value}
    assert cover["Small cells"] == r.small_cells and r.small_cells.startswith("Shown as published: no count is suppressed.")
    header, rows = _table(wb["Charge rates"])
    k = {h: i for i, h in enumerate(header)}
    ratio = [x for x in rows if x[k["Metric"]].value == "charge_ratio_period"]
    assert ratio and all(x[k["Rate"]].value is None and isinstance(x[k["Ratio"]].value, (int, float)) for x in ratio)
    assert all("%" in x[k["Ratio"]].number_format for x in ratio)
