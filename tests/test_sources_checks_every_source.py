"""Every source is checked before its file becomes an edition (sources/checks.py): a copy of a real
file from ../shared/data (or, where none exists, a file in the publisher's official layout),
written here and spoiled one way: a row given twice, a count left empty, a negative count, a column
the layout does not have. The unspoiled copy loads; the spoiled one is refused naming the file, row
and column, and the store is unchanged (or, for an extra column, it loads with a warning naming the
file and the column)."""

from __future__ import annotations

import csv
import gzip
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

import pytest

from justicegap import reference, sources, update
from justicegap.store import Store
from storecheck import load_fails

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
EXE = Path(sys.executable).parent / "justicegap"
TABLES = ("facts", "editions", "coverage", "lineage")


@lru_cache(maxsize=None)
def _records(path: Path) -> tuple[tuple[str, ...], ...]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8-sig", newline="") as f:
        return tuple(tuple(r) for r in csv.reader(f))


def real(rel: str, header_at: int = 0, keep=lambda r: True):
    """(preamble + header, data rows) of a real CSV, the data rows filtered by ``keep`` (a dict per row)."""
    def make():
        recs = _records(DATA / rel)
        head = [list(r) for r in recs[: header_at + 1]]
        header = head[-1]
        rows = [list(r) for r in recs[header_at + 1:] if keep(dict(zip(header, r)))]
        return head, rows
    return make


def _csp_rows():
    """The Home Office CSP table's layout (no real copy here): Kent's partnerships, two codes, four quarters."""
    head = [["Financial Year", "Financial Quarter", "Force Name", "CSP Name", "Offence Description", "Offence Group",
             "Offence Subgroup", "Offence Code", "Number of Offences"]]
    csps = sorted({r["csp_name"] for r in reference.table("lad_csp_pfa") if r["pfa_code"] == "E23000032"})
    rows = [["2017/18", str(q), "Kent", c, "Rape of a female aged 16 and over", "Sexual offences", "Rape", code, str(i + q)]
            for i, c in enumerate(csps) for q in (1, 2, 3, 4) for code in ("19C", "20A")]
    return head, rows


CPS_Q_AREAS = ["National", "Cymru-Wales", "East Midlands", "East of England", "London North", "London South",
               "Mersey-Cheshire", "North East", "North West", "South East", "South West", "Thames and Chiltern", "Wessex",
               "West Midlands", "Yorkshire and Humberside"]


def _cps_quarterly_rows():
    """The CPS quarterly data summary's layout (no real copy here): title, source line, header, Areas."""
    head = [["Table 2: Rape flagged cases by CPS Area, Q1 2024-25"],
            ["Source: CPS Case Management Information System. Figures are provisional and subject to change."],
            ["CPS Area", "Quarter", "Police referrals", "Suspects charged", "No further action", "Out of court disposal",
             "Administratively finalised", "Charge rate", "Completed prosecutions", "Convictions"]]
    rows = [[a, "Q1 2024-25", str(100 + i), str(40 + i), str(15 + i), "1", str(20 + i), "..", str(50 + i), str(30 + i)]
            for i, a in enumerate(CPS_Q_AREAS)]
    return head, rows


def _moj_outcomes_rows():
    """The MoJ Outcomes by Offence layout with count columns (no real copy here)."""
    head = [["Year", "Quarter", "Police Force Area", "Offence Group", "Offence", "Sex", "Age Group", "Ethnicity",
             "Proceeded against", "Convicted", "Sentenced"]]
    rows = [["2017", q, force, "02: Sexual offences", "19C Rape of a female aged 16 or over", sex, "03: Adults", "01: White",
             str(10 + i), str(4 + i % 3), str(3 + i % 3)]
            for i, (q, force, sex) in enumerate((q, f, s) for q in ("Q1", "Q2") for f in ("Kent", "Surrey", "Sussex")
                                                 for s in ("01: Female", "02: Male"))]
    return head, rows


@dataclass
class Case:
    source: str
    file: str
    make: Callable  # -> (preamble + header, data rows)
    target: Callable[[dict], bool]  # the data row to spoil
    count: str | None  # the header of the count column to spoil (None: the source has no counts)
    negative: str = "refused"  # or "flagged" (the publisher's corrections), "bounded" (adjustments)
    blank: tuple[str, ...] = ()  # for "missing": the count cells emptied (default: ``count``)


CASES = [
    Case("ho_pfa", "prc-pfa-kent.csv", real("homeoffice/prc-pfa-2017-18.csv.gz", keep=lambda r: r["Force Name"] == "Kent"),
         lambda r: r["Offence Code"] == "19C" and r["Financial Quarter"] == "1", "Number of Offences", "bounded"),
    Case("ho_outcomes", "prc-outcomes-kent.csv",
         real("homeoffice/prc-outcomes-2018-19.csv.gz", keep=lambda r: r["Force Name"] == "Kent"),
         lambda r: r["Offence Code"] == "19C" and r["Outcome Type"] == "1" and r["Financial Quarter"] == "2",
         "Force outcomes for offences recorded in quarter", "flagged",
         blank=("Force outcomes for offences recorded in quarter", "Force outcomes recorded in quarter")),
    Case("ho_csp", "prc-csp-kent.csv", _csp_rows, lambda r: r["CSP Name"] == "Ashford" and r["Offence Code"] == "19C",
         "Number of Offences", "bounded"),
    Case("cps_case_outcomes", "2018-03.csv", real("cps/case-outcomes-by-principal-offence/2018-03.csv"),
         lambda r: r[""] == "Kent", "Number of Sexual Offences Convictions"),
    Case("cps_quarterly", "cps-data-summary-q1-2024-25.csv", _cps_quarterly_rows,
         lambda r: r["CPS Area"] == "South East", "Suspects charged"),
    Case("moj_outcomes", "outcomes-by-offence-2017.csv", _moj_outcomes_rows,
         lambda r: r["Police Force Area"] == "Kent" and r["Quarter"] == "Q2" and r["Sex"] == "01: Female", "Convicted"),
    Case("moj_timeliness", "rape-prosecution-times.csv", real("moj/rape-prosecution-times-data.csv.gz"),
         lambda r: r["year"] == "2017", "defendants"),
    Case("moj_timeliness", "prosecution-times-2018.csv", real("moj/prosecution-times-data.csv.gz"),
         lambda r: r["offence"] == "Sexual offences: All rape", "median_offence_to_charge_days"),
    Case("ons_population", "population-lad.csv", real("ons/population-lad-2001-2020.csv.gz"),
         lambda r: r["code"] == "E07000105" and r["year"] == "2018", "population"),
    Case("ons_population", "population-mid2020-ward-females.csv",
         real("ons/population-mid2020-ward-single-year-age-females.csv.gz", header_at=4),
         lambda r: r["Ward Code 1"] == "E05000026", "30"),
    Case("ons_csp_tables", "table-c2-csp.csv", real("ons/pfa-tables-ye-jun2025-table-c2-csp.csv", header_at=7),
         lambda r: r["Community Safety\nPartnership name"] == "Ashford", "Sexual offences"),
    Case("ons_geography", "lookup-lad-csp-pfa.csv", real("ons/lookup-lad24-csp24-pfa24.csv"),
         lambda r: r["ltla24_name"] == "Ashford", None),
]


def _spoil(case: Case, kind: str):
    """(records, the spoiled row's number in the file, the row it repeats)."""
    head, rows = case.make()
    header = head[-1]
    i = next(n for n, r in enumerate(rows) if case.target(dict(zip(header, r))))
    # rows are numbered by line from 1, the header and the lines above it included (a header cell
    # may hold a line break)
    number = sum(1 + sum(cell.count("\n") for cell in r) for r in [*head, *rows[:i]]) + 1
    rows = [list(r) for r in rows]
    if kind == "duplicate":
        rows.insert(i + 1, list(rows[i]))
        return [*head, *rows], number + 1, number
    if kind == "extra":
        head = [*head[:-1], [*header, "Notes"]]
        return [*head, *[[*r, "checked"] for r in rows]], None, None
    col = header.index(case.count)
    if kind == "missing":
        for name in case.blank or (case.count,):
            rows[i][header.index(name)] = ""
    else:
        rows[i][col] = "-5"
    return [*head, *rows], number, None


def _write(path: Path, records) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(records)
    return path


PARAMS = [pytest.param(c, k, id=f"{c.source}-{c.file}-{k}")
          for c in CASES for k in ("duplicate", "missing", "negative", "extra") if c.count or k in ("duplicate", "extra")]


@pytest.mark.parametrize("case,kind", PARAMS)
def test_spoiled_copy_of_each_source(home, tmp_path, case, kind):
    head, rows = case.make()
    clean = _write(tmp_path / f"clean-{case.file}", [*head, *rows])
    records, row, repeats = _spoil(case, kind)
    path = _write(tmp_path / case.file, records)
    with Store() as s:
        [ok] = update.load_file(s, clean)  # the unspoiled copy loads: no false refusal
        assert (ok.status, ok.dataset) == ("loaded", case.source) and "not in the publisher's layout" not in ok.message
        if kind == "extra":
            [r] = update.load_file(s, path)
            assert (r.status, r.dataset) == ("loaded", case.source)
            assert f"file {case.file}" in r.message and "column(s) 'Notes' are not in the publisher's layout" in r.message
            return
        if kind == "negative" and case.negative == "flagged":
            [r] = update.load_file(s, path)
            assert r.status == "loaded" and "negative count(s) kept as published" in r.message
            flags = s.con.execute("select flags from facts where edition = ? and value < 0 and offence = '19C' and outcome = '1'",
                                  [r.edition]).fetchall()
            assert flags and all("negative_published" in f for (f,) in flags)
            assert not s.con.execute("select count(*) from facts where value < 0 and flags not like '%negative_published%'").fetchone()[0]
            return
        err = load_fails(s, path, TABLES)
    assert (err.file, err.row) == (case.file, row), str(err)
    text = str(err)
    assert text.startswith(f"file {case.file}, row {row}")
    if kind == "duplicate":  # the key's fields are named with their values
        assert f"repeats row {repeats} (" in text and err.column is None
    elif kind == "missing":
        assert err.column.split() == (case.blank or (case.count,))[0].split()
        assert "the count is missing" in text and "not a zero" in text
    else:
        assert err.column and err.column.split() == case.count.split()
        assert "'-5'" in text and ("below zero" in text if case.negative == "bounded" else "is negative" in text)


def test_every_source_declares_what_is_checked():
    """The checker reads these from every source: none can skip a check by leaving one out."""
    for sid, mod in sources.modules().items():
        assert isinstance(mod.KEY, tuple) and isinstance(mod.COUNTS, tuple) and isinstance(mod.KNOWN, tuple), sid
        assert mod.KEY, sid
        assert set(mod.COUNTS) <= set(mod.HEADER) | set(getattr(mod, "OPTIONAL", {})), sid
        assert set(mod.KEY) <= set(mod.HEADER) | set(getattr(mod, "OPTIONAL", {})), sid


def _p1_book(tmp_path, kind):
    """The ONS Table P1 workbook (2019), with Kent's row spoiled ``kind``: (path, Kent's row, sexual column)."""
    import openpyxl

    src = DATA / "ons" / "policeforceareatablesyeendingmarch2019.xlsx"
    book = openpyxl.load_workbook(src)
    ws = next(w for w in book.worksheets if w.title.strip() == "Table P1")
    header = [c.value for c in ws[5]]
    col = next(i for i, v in enumerate(header, 1) if str(v or "").strip().lower() == "sexual offences")
    row = next(r[0].row for r in ws.iter_rows() if r[0].value == "E23000032")
    if kind == "duplicate":
        values = [c.value for c in ws[row]]
        ws.insert_rows(row + 1)
        for j, v in enumerate(values, 1):
            ws.cell(row + 1, j, v)
    elif kind == "missing":
        ws.cell(row, col).value = None
    elif kind == "negative":
        ws.cell(row, col, -5)
    path = tmp_path / "policeforceareatables-p1.xlsx"
    book.save(path)
    return path, row, header[col - 1]


@pytest.mark.parametrize("kind", ["duplicate", "missing", "negative"])
def test_ons_pfa_tables_workbook_spoiled(home, tmp_path, kind):
    path, row, sexual = _p1_book(tmp_path, kind)
    with Store() as s:
        [ok] = update.load_file(s, DATA / "ons" / "policeforceareatablesyeendingmarch2019.xlsx")
        assert ok.status == "loaded"
        err = load_fails(s, path, TABLES)
    assert (err.file, err.sheet.strip(), err.row) == (path.name, "Table P1", row + (kind == "duplicate"))
    if kind == "duplicate":
        assert f"repeats row {row} (Area Code E23000032" in str(err)
    else:
        assert err.column == sexual and ("the count is missing" if kind == "missing" else "'-5' is negative") in str(err)


def test_geojson_feature_given_twice_is_refused(home, tmp_path):
    data = json.loads((DATA / "ons" / "boundaries-pfa-dec2020-buc.geojson").read_text())
    n = len(data["features"])
    data["features"].append(data["features"][0])
    path = tmp_path / "boundaries-pfa.geojson"
    path.write_text(json.dumps(data))
    with Store() as s:
        err = load_fails(s, path, TABLES)
    assert (err.file, err.row) == (path.name, n + 1) and "repeats feature 1 (" in str(err)


def _cli(home: Path, *args):
    return subprocess.run([str(EXE), *args], capture_output=True, text=True,
                          env={**os.environ, "JUSTICEGAP_HOME": str(home)})


def test_spoiled_cps_file_refused_through_the_command_line(tmp_path):
    """As users load files: the installed script, a folder holding a good month and a spoiled one."""
    home = tmp_path / "home"
    folder = tmp_path / "in"
    folder.mkdir()
    head, rows = real("cps/case-outcomes-by-principal-offence/2018-03.csv")()
    _write(folder / "2018-02.csv", [list(r) for r in _records(DATA / "cps/case-outcomes-by-principal-offence/2018-02.csv")])
    first = _cli(home, "update", "--source-dir", str(folder))
    assert first.returncode == 0, first.stderr
    before = _cli(home, "sources", "--json").stdout
    for kind in ("duplicate", "missing", "negative"):
        (folder / "2018-02.csv").unlink(missing_ok=True)
        case = CASES[3]
        records, row, _ = _spoil(case, kind)
        _write(folder / "2018-03.csv", records)
        p = _cli(home, "update", "--source-dir", str(folder))
        err = " ".join(p.stderr.split())
        assert p.returncode != 0 and "Traceback" not in p.stderr
        assert f"file 2018-03.csv, row {row}" in err, err
        if kind != "duplicate":
            assert "column 'Number of Sexual Offences Convictions'" in err, err
        assert _cli(home, "sources", "--json").stdout == before


def test_same_figure_under_two_spellings_is_refused(home, tmp_path):
    """Two rows whose key cells differ only in how the force is written ('Kent', 'Kent Police') give
    the same figure: refused once the names are resolved, naming both rows."""
    head, rows = CASES[0].make()
    header = head[-1]
    i = next(n for n, r in enumerate(rows) if CASES[0].target(dict(zip(header, r))))
    again = list(rows[i])
    again[header.index("Force Name")] = "Kent Police"
    path = _write(tmp_path / "prc-pfa-kent.csv", [*head, *rows, again])
    with Store() as s:
        err = load_fails(s, path, TABLES)
    assert err.row == len(rows) + 2 and f"repeats row {i + 2} (Force Name Kent," in str(err) and "same figure" in str(err)
