"""ONS Police Force Area data tables, Table P1, on the two real first releases, checked against the
workbooks read here with python-calamine; both editions of 2017/18 kept, the newest the default."""

from __future__ import annotations

import pytest

from justicegap import metrics, update
from justicegap.errors import InputError
from justicegap.store import Store

FILES = {"2017/18": "policeforceareatablesyearendingmarch2018v2.xlsx", "2018/19": "policeforceareatablesyeendingmarch2019.xlsx"}


def _raw_p1(path) -> dict[str, float]:
    """Area code -> sexual offences, from the sheet whose name (trailing spaces aside) is Table P1."""
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    rows = wb.get_sheet_by_name(next(n for n in wb.sheet_names if n.strip() == "Table P1")).to_python()
    head = next(i for i, r in enumerate(rows) if r and r[0] == "Area Code")
    col = rows[head].index("Sexual offences")
    return {str(r[0]).strip(): float(r[col]) for r in rows[head + 1:] if str(r[0]).strip()[:3] in ("E23", "W15", "K04")}


@pytest.mark.parametrize("year", list(FILES))
def test_every_force_as_published(loaded_store, shared_data, year):
    raw = _raw_p1(shared_data / "ons" / FILES[year])
    (ed,) = [e for e in loaded_store.editions("ons_pfa_tables") if e.file_name == FILES[year]]
    got = dict(loaded_store.con.execute(
        "select area, value from facts where edition = ? and offence = 'sexual_offences'", [ed.edition]).fetchall())
    assert got == raw and len(got) == 44  # 43 forces and England and Wales (P2, P3 share the header: not read)
    assert str(ed.period_start) == f"{year[:4]}-04-01"


def test_2018_19_sexual_offences_come_from_the_first_release(loaded, shared_data):
    raw = _raw_p1(shared_data / "ons" / FILES["2018/19"])
    fig = metrics.measure("recorded", area="Kent", period="2018/19", offence="sexual_offences")
    assert fig.value == raw["E23000032"] and fig.dataset == "ons_pfa_tables"
    assert any("first release" in c for c in fig.caveats)


def test_a_rate_per_100k_in_a_year_of_first_releases(loaded, shared_data):
    """2018/19 has no Home Office recorded-crime table loaded: the rate per 100,000 divides the ONS
    first release's count by the mid-2018 population, recomputed here from both raw files (a
    fresh-user pass found the rate refused though both were loaded)."""
    import csv
    import gzip

    kent = {"E06000035", "E07000105", "E07000106", "E07000107", "E07000108", "E07000109", "E07000110", "E07000111",
            "E07000112", "E07000113", "E07000114", "E07000115", "E07000116"}
    with gzip.open(shared_data / "ons" / "population-lad-2001-2020.csv.gz", "rt", encoding="utf-8-sig", newline="") as f:
        pop = sum(int(r["population"]) for r in csv.DictReader(f) if r["code"] in kent and r["year"] == "2018")
    count = _raw_p1(shared_data / "ons" / FILES["2018/19"])["E23000032"]
    fig = metrics.measure("recorded_per_100k", area="Kent", period="2018/19", offence="sexual_offences")
    assert (fig.numerator, fig.denominator, fig.dataset) == (count, pop, "ons_pfa_tables")
    assert fig.value == pytest.approx(100_000 * count / pop) and any("first release" in c for c in fig.caveats)


def test_both_2017_18_editions_kept_newest_by_default(loaded, shared_data):
    from justicegap.answers.maturation import maturation

    raw = _raw_p1(shared_data / "ons" / FILES["2017/18"])
    fig = metrics.measure("recorded", area="Sussex", period="2017/18", offence="sexual_offences")
    assert fig.dataset == "ho_pfa" and fig.value != raw["E23000033"]  # the Home Office table revised Sussex
    m = maturation("recorded", area="Sussex", period="2017/18", offence="sexual_offences")
    assert [e["value"] for e in m["editions"]] == [raw["E23000033"], fig.value]
    assert m["summary"].startswith(f"First published as {raw['E23000033']:,.0f} offences") and f"revised to {fig.value:,.0f}" in m["summary"]


def test_rape_in_a_year_without_a_recorded_crime_table_comes_from_the_outcomes_data(loaded, shared_data):
    from officialfiles import sum_counts

    rape = {"19C", "19D", "19E", "19F", "19G", "19H"}
    expected = sum_counts(shared_data / "homeoffice" / "prc-outcomes-2018-19.csv.gz", "Force outcomes for offences recorded in quarter",
                          lambda r: r["Force Name"] == "Kent" and r["Offence Code"] in rape and r["Outcome Type"] not in ("1A", "2A", "3A"))
    fig = metrics.measure("recorded", area="Kent", period="2018/19", offence="rape")
    assert fig.value == expected and fig.dataset == "ho_outcomes"
    assert "Crime outcomes open data" in fig.sentence and any("Counted from the Crime outcomes" in c for c in fig.caveats)


def _p1(tmp_path, rows):
    from officialfiles import write_xlsx

    title = "Table P1:  Police recorded crime by offence group and police force area, number of offences, year ending March 181,2"
    head = ["Area Code", "Area Name", "", "", "Violence against the person", "Sexual offences"]
    return write_xlsx(tmp_path / "p1.xlsx", {"Table P1 ": [[title], [], ["England and Wales"], head, ["", "", "Numbers"], *rows]})


def test_a_bad_count_names_sheet_row_and_column(home, tmp_path, shared_data):
    from justicegap import areas

    rows = [[a.code, a.name, 1.0, None, 5.0, 2.0] for a in areas.all_areas("pfa") if not a.valid_to]
    rows[3][5] = "12x"
    with Store() as s, pytest.raises(InputError) as e:
        update.load_file(s, _p1(tmp_path, rows))
    msg = str(e.value)
    assert "p1.xlsx" in msg and "Table P1" in msg and "Sexual offences" in msg and "'12x' is not a number" in msg
    with Store() as s:
        assert not s.editions("ons_pfa_tables")


def test_a_missing_force_is_an_error(home, tmp_path):
    from justicegap import areas

    rows = [[a.code, a.name, 1.0, None, 5.0, 2.0] for a in areas.all_areas("pfa") if not a.valid_to][1:]
    with Store() as s, pytest.raises(InputError) as e:
        update.load_file(s, _p1(tmp_path, rows))
    assert "no row for police force area" in str(e.value)
