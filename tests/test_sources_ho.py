"""The Home Office readers on the real files, on generated files in the official layouts (CSV,
XLSX, ODS), and on every kind of bad input: each gets one clear message and the store is unchanged."""

from __future__ import annotations

from datetime import date


import pytest

from justicegap import metrics, update
from justicegap.errors import NotAvailable
from justicegap.store import Store
from storecheck import counts, load_fails
from officialfiles import PFA_HEADER, real_rows, sum_counts, typed, write_csv, write_xlsx
from odsfile import write_ods

RAPE = {"19C", "19D", "19E", "19F", "19G", "19H", "19J", "19K"}
NOT_FORCES = {"Action Fraud", "CIFAS", "UK Finance", "Financial Fraud Action UK"}


def test_recorded_rape_kent_and_england_and_wales(loaded, shared_data):
    pfa = shared_data / "homeoffice" / "prc-pfa-2017-18.csv.gz"
    kent = sum_counts(pfa, "Number of Offences", lambda r: r["Force Name"] == "Kent" and r["Offence Code"] in RAPE)
    ew = sum_counts(pfa, "Number of Offences", lambda r: r["Force Name"] not in NOT_FORCES and r["Offence Code"] in RAPE)
    assert kent == 2529 and ew == 54045  # the README's facts, and HMIC's Rape Monitoring Group's 54,045
    assert metrics.compute("recorded", area="Kent", period="2017/18", offence="rape").value == kent
    assert metrics.compute("recorded", area="E23000032", period="2017/18", offence="rape").value == kent
    assert metrics.compute("recorded", area="England and Wales", period="2017/18", offence="rape").value == ew


def test_outcomes_keep_both_counts(loaded_store, shared_data):
    path = shared_data / "homeoffice" / "prc-outcomes-2017-18.csv.gz"
    keep = lambda r: r["Force Name"] == "Kent" and r["Offence Code"] in RAPE  # noqa: E731
    cohort = sum_counts(path, "Force outcomes for offences recorded in quarter", keep)
    closed = sum_counts(path, "Force outcomes recorded in quarter", keep)
    got = dict(loaded_store.con.execute(
        "select measure, sum(value) from facts where dataset = 'ho_outcomes' and area = 'E23000032'"
        " and offence in ('19C','19D','19E','19F','19G','19H') and period_start < date '2018-04-01' group by 1").fetchall())
    assert got == {"outcomes_cohort": cohort, "outcomes_closed": closed}
    zero = loaded_store.con.execute("select count(*) from facts where measure = 'outcomes_closed' and outcome = '0'").fetchall()[0][0]
    assert zero == 0  # type 0 exists only in the cohort count


def test_england_and_wales_cohort_is_another_edition(loaded):
    fig = metrics.measure("charge_rate_cohort", area="England and Wales", period="2017/18", offence="rape")
    assert (fig.numerator, fig.denominator) == (2238, 53931)
    assert fig.dataset == "ho_outcomes" and fig.editions[0].file_name == "prc-outcomes-2017-18.csv.gz"


def _pfa_rows(shared_data, force="Kent", limit=None):
    header, rows = real_rows(shared_data / "homeoffice" / "prc-pfa-2017-18.csv.gz",
                             lambda r: r["Force Name"] == force, limit)
    assert header == PFA_HEADER
    return header, rows


def _expected_kent_rape(rows):
    return sum(float(r[7]) for r in rows if r[6] in RAPE)


@pytest.mark.parametrize("fmt", ["xlsx", "ods", "ods-stream", "csv"])
def test_generated_pfa_workbook_one_sheet_per_year(fmt, home, tmp_path, shared_data, monkeypatch):
    header, rows = _pfa_rows(shared_data)
    earlier = [["2016/17", *r[1:]] for r in rows]  # a second year sheet, as in the multi-year workbook
    sheets = {"Notes": [["Police recorded crime open data: Police Force Area tables"], ["See the user guide"]],
              "2016_17": [header, *typed(earlier, [1, 7])], "2017_18": [header, *typed(rows, [1, 7])]}
    if fmt == "xlsx":
        path = write_xlsx(tmp_path / "prc-pfa.xlsx", sheets)
    elif fmt == "csv":
        path = write_csv(tmp_path / "pfa.csv", [header, *rows])
    else:
        path = write_ods(tmp_path / "prc-pfa.ods", sheets, repeat=True)
        if fmt == "ods-stream":
            monkeypatch.setattr("justicegap.readers.STREAM_ODS_BYTES", 0)
    with Store() as s:
        res = update.load_file(s, path)
    assert [r.status for r in res] == ["loaded"]
    want = _expected_kent_rape(rows)
    assert metrics.compute("recorded", area="Kent", period="2017/18", offence="rape").value == want
    if fmt != "csv":
        assert metrics.compute("recorded", area="Kent", period="2016/17", offence="rape").value == want
        with Store(read_only=True) as s:
            assert s.editions()[0].sheets == "2016_17, 2017_18"


def test_generated_outcomes_xlsx_matches_the_csv(home, tmp_path, shared_data):
    header, rows = real_rows(shared_data / "homeoffice" / "prc-outcomes-2018-19.csv.gz",
                             lambda r: r["Force Name"] == "Kent" and r["Offence Code"] in RAPE)
    path = write_xlsx(tmp_path / "outcomes.xlsx", {"Outcomes": [["Crime outcomes open data"], [], header, *typed(rows, [1, 10, 11, 12])]})
    with Store() as s:
        update.load_file(s, path)
    fig = metrics.compute("charge_rate_closed", area="Kent", period="2018/19", offence="rape")
    charged = sum(float(r[12] or 0) for r in rows if r[10] == "1")
    assigned = sum(float(r[12] or 0) for r in rows if r[10] != "0")
    assert (fig.numerator, fig.denominator) == (charged, assigned)


# --- bad input --------------------------------------------------------------------------------

def _counts(s: Store):
    return counts(s, ("facts", "editions", "coverage", "lineage"))


@pytest.fixture
def small_pfa(shared_data, tmp_path):
    header, rows = _pfa_rows(shared_data, limit=40)
    return header, rows


def _fails(loaded_copy, path, *needles):
    with Store() as s:
        err = load_fails(s, path, ("facts", "editions", "coverage", "lineage"))
    msg = str(err)
    assert path.name in msg
    for n in needles:
        assert n in msg, msg
    return err


def test_truncated_workbook(loaded_copy, tmp_path, small_pfa):
    header, rows = small_pfa
    good = write_xlsx(tmp_path / "good.xlsx", {"2017_18": [header, *typed(rows, [1, 7])]})
    bad = tmp_path / "truncated.xlsx"
    bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    _fails(loaded_copy, bad, "truncated or corrupt")


def test_truncated_gzip(loaded_copy, tmp_path, shared_data):
    data = (shared_data / "homeoffice" / "prc-pfa-2017-18.csv.gz").read_bytes()
    bad = tmp_path / "pfa.csv.gz"
    bad.write_bytes(data[: len(data) // 3])
    _fails(loaded_copy, bad, "truncated or corrupt")


def test_renamed_column(loaded_copy, tmp_path, small_pfa):
    header, rows = small_pfa
    renamed = ["Offence Cd" if h == "Offence Code" else h for h in header]
    e = _fails(loaded_copy, write_csv(tmp_path / "renamed.csv", [renamed, *rows]), "offence code", "missing or renamed", "header row 1")
    assert "Police Force Area" in str(e)


def test_missing_column(loaded_copy, tmp_path, small_pfa):
    header, rows = small_pfa
    keep = [i for i, h in enumerate(header) if h != "Number of Offences"]
    _fails(loaded_copy, write_csv(tmp_path / "missing.csv", [[header[i] for i in keep], *[[r[i] for i in keep] for r in rows]]),
           "number of offences")


def test_unknown_force(loaded_copy, tmp_path, small_pfa):
    header, rows = small_pfa
    rows = [list(r) for r in rows]
    rows[5][2] = "Kent Constabulary Area"
    e = _fails(loaded_copy, write_csv(tmp_path / "force.csv", [header, *rows]), "unknown force name 'Kent Constabulary Area'", "row 7", "Force Name")
    assert e.row == 7 and e.column == "Force Name"


def test_unknown_offence_code(loaded_copy, tmp_path, small_pfa):
    header, rows = small_pfa
    rows = [list(r) for r in rows]
    rows[2][6] = "19Z"
    e = _fails(loaded_copy, write_csv(tmp_path / "code.csv", [header, *rows]), "unknown offence code '19Z'", "offences.csv")
    assert (e.row, e.column) == (4, "Offence Code")


def test_count_not_a_number(loaded_copy, tmp_path, small_pfa):
    header, rows = small_pfa
    rows = [list(r) for r in rows]
    rows[10][7] = "12a"
    e = _fails(loaded_copy, write_csv(tmp_path / "count.csv", [header, *rows]), "'12a' is not a number")
    assert (e.row, e.column) == (12, "Number of Offences")
    rows[10][7] = "12.5"
    _fails(loaded_copy, write_csv(tmp_path / "frac.csv", [header, *rows]), "not a whole number")


def test_bad_quarter_and_year(loaded_copy, tmp_path, small_pfa):
    header, rows = small_pfa
    rows = [list(r) for r in rows]
    rows[0][1] = "5"
    _fails(loaded_copy, write_csv(tmp_path / "q.csv", [header, *rows]), "'5' is not a quarter", "row 2")
    rows[0][1], rows[0][0] = "1", "2017-18"
    _fails(loaded_copy, write_csv(tmp_path / "y.csv", [header, *rows]), "'2017-18' is not a financial year")


@pytest.mark.parametrize("content,needle", [
    (b"<!DOCTYPE html><html><body>Service unavailable</body></html>", "HTML or XML page"),
    (b"%PDF-1.4 binary", "a PDF"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, "old binary Excel"),
    (b"PK\x03\x04garbage", "truncated or corrupt"),
    (b"", "empty"),
])
def test_files_of_the_wrong_kind(loaded_copy, tmp_path, content, needle):
    path = tmp_path / "download.xlsx"
    path.write_bytes(content)
    _fails(loaded_copy, path, needle)


def test_unrelated_table_is_skipped_not_loaded(loaded_copy, tmp_path):
    path = write_csv(tmp_path / "other.csv", [["name", "colour"], ["a", "b"]])
    with Store() as s:
        before = _counts(s)
        assert [r.status for r in update.load_file(s, path)] == ["skipped"]
        assert _counts(s) == before


def test_directory_load_reports_the_bad_file_and_loads_the_rest(home, tmp_path, small_pfa):
    header, rows = small_pfa
    d = tmp_path / "in"
    d.mkdir()
    write_csv(d / "good.csv", [header, *rows])
    write_csv(d / "bad.csv", [header, *[[*r[:7], "x"] for r in rows]])
    with Store() as s:
        res = {r.file: r for r in update.load_dir(s, d)}
    assert res["good.csv"].status == "loaded" and res["bad.csv"].status == "failed"
    assert "'x' is not a number" in res["bad.csv"].message and "bad.csv" in res["bad.csv"].message


def test_failure_inside_the_transaction_rolls_back(loaded_copy, tmp_path, small_pfa):
    header, rows = small_pfa
    path = write_csv(tmp_path / "pfa-2.csv", [header, *[["2016/17", *r[1:]] for r in rows]])
    with Store() as s:
        before = _counts(s)
        s.con = _Failing(s.con)
        with pytest.raises(RuntimeError):
            update.load_file(s, path)
        s.con = s.con.inner
        assert _counts(s) == before
    assert not list((loaded_copy / "archive").rglob("pfa-2.csv"))


class _Failing:
    """A connection that fails at the last step of a load (writing the lineage)."""

    def __init__(self, inner):
        self.inner = inner

    def executemany(self, sql, *a, **k):
        if sql.startswith("insert into lineage"):
            raise RuntimeError("disk full")
        return self.inner.executemany(sql, *a, **k)

    def __getattr__(self, name):
        return getattr(self.inner, name)


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_row_numbers_are_the_files_own(loaded_copy, tmp_path, small_pfa, fmt):
    """Readers that start at the first used cell must still name the right row."""
    header, rows = small_pfa
    rows = [list(r) for r in typed(rows, [1, 7])]
    rows[4][7] = "about 12"
    sheet = [[None], [None], [None], ["Police recorded crime by force"], [None], header, *rows]
    path = (write_xlsx(tmp_path / "lead.xlsx", {"Data": sheet}) if fmt == "xlsx"
            else write_ods(tmp_path / "lead.ods", {"Data": sheet}, repeat=True))
    e = _fails(loaded_copy, path, "'about 12' is not a number", "sheet 'Data'")
    assert (e.row, e.column) == (11, "Number of Offences")


def test_quirks_of_the_full_outcomes_editions(home, tmp_path, shared_data):
    """A generated workbook in the official layout with the full editions' quirks: 'not applicable'
    written five ways, the expired flag 'x', a negative correction, a force whose whole year is
    'data not provided', and the later wording of the closed-in-period column."""
    header, rows = real_rows(shared_data / "homeoffice" / "prc-outcomes-2018-19.csv.gz",
                             lambda r: r["Force Name"] in ("Kent", "Surrey") and r["Offence Code"] in RAPE)
    header = [h.replace("Force outcomes recorded in quarter", "Outcomes for investigations closed in the quarter")
              .replace("Force outcomes for offences recorded in quarter", "Outcomes for offences recorded in the quarter")
              for h in header]
    cohort, closed, expired = (header.index(h) for h in ("Outcomes for offences recorded in the quarter",
                                                         "Outcomes for investigations closed in the quarter", "Offence Code Expired"))
    kent = [r for r in rows if r[2] == "Kent"]
    markers = ["NA", "N/A", "N/A - Offence code expired", "N/A - offence code expired", "N/A - data not provided"]
    for r, marker in zip(kent, markers):
        r[cohort] = marker
    kent[5][closed], kent[5][expired] = "-3", "x"
    for r in rows:
        if r[2] == "Surrey":
            r[cohort] = r[closed] = "N/A - data not provided"
    data = typed(rows, [1, 10])
    path = write_xlsx(tmp_path / "outcomes-full.xlsx", {"Outcomes": [["Crime outcomes open data"], [], header, *data]})
    with Store() as s:
        (result,) = update.load_file(s, path)
        stored = s.con.execute("select count(*), count(*) filter (where value = 0) from facts where area = 'E23000032'"
                               " and measure = 'outcomes_cohort'").fetchall()[0]
        neg = s.con.execute("select count(*) from facts where flags like '%negative_published%' and value < 0").fetchall()[0][0]
        mine = s.con.execute("select value, flags from facts where area = 'E23000032' and measure = 'outcomes_closed'"
                             " and offence = ? and outcome = ? and period_start = ?",
                             [kent[5][6], kent[5][10], date(2018, 3 * int(kent[5][1]) + 1, 1)]).fetchall()
        surrey = s.con.execute("select count(*) from facts where area = 'E23000031'").fetchall()[0][0]
        notes = " ".join(str(d) for _, _, d, _ in s.lineage(result.edition))
    expected_zero = sum(1 for r in kent[5:] if r[cohort] in ("0", "0.0"))
    assert stored == (len(kent) - 5, expected_zero)  # the five not-applicable cells are not stored, and are not zeros
    assert mine == [(-3.0, "expired_code;negative_published")]
    published = [v for r in rows for v in (r[cohort], r[closed]) if v.startswith("-")]
    assert neg == len(published) and len(published) > 1  # every published negative kept and flagged
    assert surrey == 0 and "data not provided" in notes and "E23000031" in notes and "negative counts" in notes
    with pytest.raises(NotAvailable):  # Surrey's year is a known gap, not a zero
        metrics.compute("charge_rate_cohort", area="Surrey", period="2018/19", offence="rape")
