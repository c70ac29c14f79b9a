"""ONS mid-year population estimates (real ward and district files in ../shared/data/ons) and
justicegap.population.population_for."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from justicegap import areas, metrics, sources, update
from justicegap.errors import InputError, NotAvailable
from justicegap.population import population_for
from justicegap.store import Store
from storecheck import counts

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
ONS = DATA / "ons"
WARD = {s: ONS / f"population-mid2020-ward-single-year-age-{s}.csv.gz" for s in ("females", "males", "persons")}
SERIES = ONS / "population-lad-2001-2020.csv.gz"
KENT_LADS = ["E06000035", "E07000105", "E07000106", "E07000107", "E07000108", "E07000109", "E07000110", "E07000111",
             "E07000112", "E07000113", "E07000114", "E07000115", "E07000116"]
NORTH_YORKSHIRE_2020 = ["E06000014", "E07000163", "E07000164", "E07000165", "E07000166", "E07000167", "E07000168", "E07000169"]


@pytest.fixture(scope="module")
def pop_store(tmp_path_factory):
    home = tmp_path_factory.mktemp("pop")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JUSTICEGAP_HOME", str(home))
        store = Store(home / "s.duckdb")
        for path in (SERIES, *WARD.values(), DATA / "homeoffice" / "prc-pfa-2017-18.csv.gz"):
            assert update.load_file(store, path)[0].status == "loaded"
        yield store
        store.close()



def parse(path):
    found, near = sources.identify(path)
    assert [m.source for m in found] == ["ons_population"], near
    return sources.parse(found[0])


def stored(store, *, year, codes, sex="null", ages=None, file=None):
    cond = "sex is null" if sex == "null" else f"sex = '{sex}'"
    age = "" if ages is None else f" and age in ({','.join(repr(a) for a in ages)})"
    ed = "" if file is None else f" and edition in (select edition from editions where file_name = '{file}')"
    return store.con.execute(
        f"select sum(value) from facts where dataset = 'ons_population' and period_start = '{year}-06-30' and {cond}{age}{ed}"
        f" and area in ({','.join(repr(c) for c in codes)})").fetchone()[0]


def test_ward_file_summed_to_districts_by_single_year_of_age():
    import polars as pl

    facts, notes = parse(WARD["females"])
    assert facts.height == 331 * 91
    assert set(facts.get_column("sex")) == {"female"}
    assert facts.get_column("age").is_null().sum() == 0 and "90+" in set(facts.get_column("age"))
    assert set(facts.get_column("period_start").cast(str)) == set(facts.get_column("period_end").cast(str)) == {"2020-06-30"}
    # Barking and Dagenham's wards, summed (its first ward alone has 7,722 females)
    bd = facts.filter(pl.col("area") == "E09000002").get_column("value").sum()
    assert bd > 7722 * 10
    assert any("footnote" in n for n in notes) and any("All Ages" in n for n in notes)


def test_persons_are_females_plus_males_and_stored_with_empty_sex():
    import polars as pl

    frames = {s: parse(p)[0].select("area", "age", "value", "sex") for s, p in WARD.items()}
    assert frames["persons"].get_column("sex").is_null().all()
    j = frames["persons"].join(frames["females"], on=["area", "age"], suffix="_f").join(frames["males"], on=["area", "age"], suffix="_m")
    assert j.height == 331 * 91
    assert j.filter(pl.col("value") != pl.col("value_f") + pl.col("value_m")).height == 0
    assert frames["persons"].get_column("value").sum() == 59_719_724


def test_district_series():
    import polars as pl

    facts, _ = parse(SERIES)
    assert facts.height == 331 * 20
    assert "E06000061" in set(facts.get_column("area"))  # published with a trailing no-break space
    assert facts.get_column("age").is_null().all() and facts.get_column("sex").is_null().all()
    durham = facts.filter((pl.col("area") == "E06000047") & (pl.col("period_start") == pl.date(2020, 6, 30)))
    assert durham.get_column("value").to_list() == [533149]


def test_kent_all_ages_and_nearest_year(pop_store):
    p2017 = population_for(pop_store, "Kent", "2017/18")
    assert p2017.year == 2017 and p2017.value == stored(pop_store, year=2017, codes=KENT_LADS)
    assert p2017.note == "ONS mid-2017 population estimate, all ages"
    assert [e.file_name for e in p2017.editions] == [SERIES.name]
    assert len(p2017.districts) == 13
    later = population_for(pop_store, "Kent", "2030")
    assert later.year == 2020 and "nearest to 2030" in later.note
    d = later.to_dict()
    assert d["year"] == 2020 and d["date"] == "2020-06-30" and d["value"] == later.value and d["editions"]


def test_females_aged_16_and_over(pop_store):
    adult = [str(a) for a in range(16, 90)] + ["90+"]
    p = population_for(pop_store, "Kent", "2020", sex="female", ages="16+")
    assert p.value == stored(pop_store, year=2020, codes=KENT_LADS, sex="female", ages=adult)
    assert p.note == "ONS mid-2020 population estimate, females aged 16 and over"
    assert [e.file_name for e in p.editions] == [WARD["females"].name]
    same = population_for(pop_store, "Kent", "2020", sex="female", ages=range(16, 120))
    assert same.value == p.value
    everyone = population_for(pop_store, "Kent", "2020", ages="16+")
    assert [e.file_name for e in everyone.editions] == [WARD["persons"].name]  # persons figures, not F + M
    men = population_for(pop_store, "Kent", "2020", sex="male", ages="16+")
    assert everyone.value == p.value + men.value
    kids = population_for(pop_store, "Kent", "2017/18", ages="0-17")
    assert kids.year == 2020 and "aged 0 to 17" in kids.note and "nearest" in kids.note


def test_areas_made_of_districts(pop_store):
    dg = population_for(pop_store, "Dartford and Gravesham", "2020")
    assert dg.value == stored(pop_store, year=2020, codes=["E07000107", "E07000109"], file=SERIES.name)
    ny = population_for(pop_store, "North Yorkshire", "2020")  # 2020 codes, before the 2023 unitary
    assert ny.value == stored(pop_store, year=2020, codes=NORTH_YORKSHIRE_2020, file=SERIES.name)
    se = population_for(pop_store, "CPS South East", "2020")
    assert se.value == sum(population_for(pop_store, f, "2020").value for f in ("Kent", "Surrey", "Sussex"))
    ew = population_for(pop_store, "England and Wales", "2020")
    assert ew.value == 59_719_724
    # Allerdale: a district until 2023, now a legacy partnership of Cumberland; 2020 figures are on its own code
    allerdale = stored(pop_store, year=2020, codes=["E07000026"], file=SERIES.name)
    assert population_for(pop_store, "Allerdale", "2020").value == allerdale
    assert population_for(pop_store, areas.get("E07000026"), "2020").value == allerdale
    cumberland = population_for(pop_store, "Cumberland", "2020")
    assert cumberland.value == stored(pop_store, year=2020, codes=["E07000026", "E07000028", "E07000029"], file=SERIES.name)


def test_not_available(pop_store, tmp_path, home):
    with pytest.raises(NotAvailable):
        population_for(pop_store, "British Transport Police", "2020")
    with pytest.raises(NotAvailable):
        population_for(pop_store, "CPS London North", "2020")
    empty = Store(tmp_path / "empty.duckdb")
    with pytest.raises(NotAvailable) as e:
        population_for(empty, "Kent", "2020")
    assert "No population estimates are loaded" in str(e.value)


def test_recorded_per_100k(pop_store):
    fig = metrics.compute("recorded_per_100k", area="Kent", period="2017/18", offence="rape", store=pop_store)
    pop = stored(pop_store, year=2017, codes=KENT_LADS)
    assert fig.numerator == 2529 and fig.denominator == pop
    assert fig.value == pytest.approx(100_000 * 2529 / pop)
    assert fig.population["year"] == 2017 and "mid-2017" in fig.sentence


# --- bad input ----------------------------------------------------------------------------------

def ward_text(edit=None):
    lines = gzip.decompress(WARD["females"].read_bytes()).decode("utf-8-sig").splitlines()[:60]
    if edit:
        lines = edit(lines)
    return "\n".join(lines) + "\n"



def _fails(tmp_path, text, name="pop.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    store = Store(tmp_path / "s.duckdb")
    update.load_file(store, SERIES)
    before = counts(store)
    with pytest.raises(InputError) as e:
        update.load_file(store, path)
    assert counts(store) == before
    store.close()
    return e.value


def test_count_not_a_number(tmp_path, home):
    lines = ward_text().splitlines()
    assert lines[5].startswith("E05000026")
    bad = lines[:]
    cells = bad[5].split(",")
    cells[6] = "lots"  # age 0 of the first ward
    bad[5] = ",".join(cells)
    err = _fails(tmp_path, "\n".join(bad) + "\n")
    assert (err.row, err.column) == (6, "0") and "'lots' is not a number" in str(err)


def test_bad_area_code(tmp_path, home):
    def edit(lines):
        lines[6] = lines[6].replace("E09000002", "Barking", 1)
        return lines
    err = _fails(tmp_path, ward_text(edit))
    assert err.row == 7 and err.column == "LA Code (2021 boundaries)" and "'Barking' is not an ONS area code" in str(err)


def test_title_must_say_the_sex_and_year(tmp_path, home):
    def no_sex(lines):
        lines[2] = '"Table SAPE23DT8a: Mid-2020 Population Estimates for 2020 Wards by Single Year of Age"'
        return lines
    err = _fails(tmp_path, ward_text(no_sex))
    assert "females, males or persons" in str(err) and err.file == "pop.csv"

    def no_year(lines):
        lines[2] = '"Table SAPE23DT8a: Population Estimates for 2020 Wards, Females"'
        return lines
    err = _fails(tmp_path, ward_text(no_year))
    assert "mid-year" in str(err)


def test_ages_must_add_up(tmp_path, home):
    def edit(lines):
        lines[5] = lines[5].replace('"7,722"', '"7,999"', 1)
        return lines
    err = _fails(tmp_path, ward_text(edit))
    assert "do not add up" in str(err) and err.column == "All Ages"


def test_renamed_column(tmp_path, home):
    def edit(lines):
        lines[4] = lines[4].replace("All Ages", "Everyone", 1)
        return lines
    err = _fails(tmp_path, ward_text(edit))
    assert "ONS mid-year population estimates" in str(err) and "'all ages'" in str(err)


def test_truncated_gzip(tmp_path, home):
    data = WARD["males"].read_bytes()
    path = tmp_path / "males.csv.gz"
    path.write_bytes(data[: len(data) // 3])
    store = Store(tmp_path / "s.duckdb")
    before = counts(store)
    with pytest.raises(InputError) as e:
        update.load_file(store, path)
    assert Path(str(e.value.file)).name == "males.csv.gz"
    assert counts(store) == before
