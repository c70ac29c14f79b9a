"""CPS case outcomes by principal offence category: the real monthly CSVs in ../shared/data/cps."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from justicegap import metrics, sources, update
from justicegap.errors import InputError, NotAvailable
from justicegap.store import Store
from storecheck import counts

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
CPS = DATA / "cps" / "case-outcomes-by-principal-offence"
MONTHS = sorted(p.stem for p in CPS.glob("*.csv"))


@pytest.fixture
def real_store(loaded_load):
    """Every real data file loaded, as `justicegap update --source-dir` would (the session's load)."""
    home, results = loaded_load
    with Store(home / "justicegap.duckdb", read_only=True) as store:
        yield store, results


def parse(path):
    found, near = sources.identify(path)
    assert [m.source for m in found] == ["cps_case_outcomes"], near
    return sources.parse(found[0])



def rows_of(path):
    return path.read_text(encoding="utf-8-sig").splitlines()


def test_march_2018_national_sexual_offences():
    import polars as pl

    facts, notes = parse(CPS / "2018-03.csv")
    nat = facts.filter((pl.col("area") == "K04000001") & (pl.col("offence") == "sexual_offences"))
    got = dict(zip(nat.get_column("measure"), nat.get_column("value")))
    assert got == {"convictions": 880, "unsuccessful": 287}
    assert round(880 / (880 + 287), 3) == 0.754
    admin = facts.filter((pl.col("measure") == "admin_finalised") & (pl.col("area") == "K04000001"))
    assert admin.get_column("value").to_list() == [963] and admin.get_column("offence").to_list() == ["all_offences"]
    assert set(nat.get_column("period_start").cast(str)) == {"2018-03-01"}
    assert set(nat.get_column("period_end").cast(str)) == {"2018-03-31"}
    assert any("file name" in n for n in notes)


def test_every_month_has_43_areas_and_12_categories():
    import polars as pl

    assert "2014-01" in MONTHS and "2018-03" in MONTHS  # LF files (to 2015-09) and CRLF ones
    for stem in MONTHS:
        facts, _ = parse(CPS / f"{stem}.csv")
        assert facts.get_column("area").n_unique() == 43  # National, 41 forces, Metropolitan and City
        cats = facts.filter(pl.col("measure") == "convictions").get_column("offence").unique().to_list()
        assert len(cats) == 12 and "sexual_offences" in cats and "all_other_offences_excluding_motoring" in cats
        assert facts.filter(pl.col("measure") == "admin_finalised").height == 43


def test_publisher_spellings_resolve():
    import polars as pl

    facts, _ = parse(CPS / "2018-03.csv")
    areas = set(facts.get_column("area"))
    # Dyfed Powys, GreaterManchester, Devon and Cornwall, Metropolitan and City
    assert {"W15000004", "E23000005", "E23000035", "E23000001+E23000034", "K04000001"} <= areas
    assert "E23000001" not in areas and "BTP" not in areas
    gm = facts.filter((pl.col("area") == "E23000005") & (pl.col("offence") == "sexual_offences")
                      & (pl.col("measure") == "convictions"))
    assert gm.get_column("value").to_list() == [92]


def test_national_row_equals_sum_of_areas():
    import polars as pl

    facts, _ = parse(CPS / "2018-03.csv")
    sexual = facts.filter((pl.col("offence") == "sexual_offences") & (pl.col("measure") == "convictions"))
    national = sexual.filter(pl.col("area") == "K04000001").get_column("value").sum()
    parts = sexual.filter(pl.col("area") != "K04000001").get_column("value").sum()
    assert national == parts == 880


def test_month_from_other_file_names(tmp_path):
    target = tmp_path / "Principal_Offence_Category_March_2018.csv"
    shutil.copy(CPS / "2018-03.csv", target)
    facts, _ = parse(target)
    assert set(facts.get_column("period_start").cast(str)) == {"2018-03-01"}
    short = tmp_path / "poc-mar-18.csv"
    shutil.copy(CPS / "2018-03.csv", short)
    assert set(parse(short)[0].get_column("period_start").cast(str)) == {"2018-03-01"}


def test_file_name_without_month_is_an_error(tmp_path, home):
    target = tmp_path / "case_outcomes.csv"
    shutil.copy(CPS / "2018-03.csv", target)
    store = Store(tmp_path / "s.duckdb")
    before = counts(store)
    with pytest.raises(InputError) as e:
        update.load_file(store, target)
    assert e.value.file == "case_outcomes.csv"
    assert "month" in str(e.value) and "file name" in str(e.value)
    assert counts(store) == before


def test_percentages_disagreeing_are_noted_not_fatal(tmp_path):
    lines = rows_of(CPS / "2018-03.csv")
    lines[1] = lines[1].replace("880,75.4%", "880,70.4%", 1)
    target = tmp_path / "2018-03.csv"
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    facts, notes = parse(target)
    assert facts.height == 1075
    assert any("1 published percentages disagree" in n for n in notes)


def _broken(tmp_path, old, new, line=None):
    lines = rows_of(CPS / "2018-03.csv")
    idx = [line] if line is not None else range(len(lines))
    for i in idx:
        if old in lines[i]:
            lines[i] = lines[i].replace(old, new, 1)
            break
    else:
        raise AssertionError(f"{old!r} not found")
    target = tmp_path / "2018-03.csv"
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


def test_non_numeric_count_names_row_and_column(tmp_path, home):
    target = _broken(tmp_path, "Kent,7,63.6%,4,36.4%,272", "Kent,7,63.6%,4,36.4%,lots")
    store = Store(tmp_path / "s.duckdb")
    before = counts(store)
    with pytest.raises(InputError) as e:
        update.load_file(store, target)
    err = e.value
    assert err.file == "2018-03.csv" and err.row == 21
    assert err.column == "Number of Offences Against The Person Convictions"
    assert "'lots' is not a number" in str(err)
    assert counts(store) == before


def test_unknown_area_names_row_and_column(tmp_path, home):
    target = _broken(tmp_path, "Kent,", "Atlantis,")
    store = Store(tmp_path / "s.duckdb")
    before = counts(store)
    with pytest.raises(InputError) as e:
        update.load_file(store, target)
    assert e.value.file == "2018-03.csv" and e.value.row == 21
    assert e.value.column == ""  # the area column has no header in these files
    assert "unknown force name 'Atlantis'" in str(e.value) and "row 21" in str(e.value)
    assert counts(store) == before


def test_renamed_column_says_which_source_and_column(tmp_path, home):
    target = _broken(tmp_path, "Number of Sexual Offences Convictions", "Number of Sex Convictions", line=0)
    store = Store(tmp_path / "s.duckdb")
    before = counts(store)
    with pytest.raises(InputError) as e:
        update.load_file(store, target)
    msg = str(e.value)
    assert "CPS case outcomes by principal offence category" in msg
    assert "'number of sexual offences convictions'" in msg and "missing or renamed" in msg
    assert counts(store) == before


def test_truncated_file_is_an_error_and_loads_nothing(tmp_path, home):
    text = (CPS / "2018-03.csv").read_text(encoding="utf-8-sig")
    cut = text[: text.index("Wiltshire") + 40]  # the last row stops part way
    target = tmp_path / "2018-03.csv"
    target.write_text(cut, encoding="utf-8")
    store = Store(tmp_path / "s.duckdb")
    update.load_file(store, CPS / "2018-02.csv")
    before = counts(store)
    with pytest.raises(InputError) as e:
        update.load_file(store, target)
    assert e.value.row == 44 and "truncated" in str(e.value)
    assert counts(store) == before


def test_real_store_loaded_every_cps_month(real_store):
    store, results = real_store
    cps = [r for r in results if r.dataset == "cps_case_outcomes"]
    assert len(cps) == len(MONTHS) and all(r.status == "loaded" and r.rows == 1075 for r in cps), \
        [(r.file, r.status, r.rows) for r in cps if r.rows != 1075]
    assert not [r for r in results if r.status == "failed"]


def test_conviction_rate_england_and_wales_march_2018(real_store):
    store, _ = real_store
    fig = metrics.measure("cps_conviction_rate", area="England and Wales", period="2018-03",
                          offence="sexual_offences", store=store)
    assert (fig.numerator, fig.denominator) == (880, 1167)
    assert round(fig.value, 3) == 0.754
    assert fig.dataset == "cps_case_outcomes" and "provisional" in fig.flags
    assert "880 (75.4%" in fig.sentence and "March 2018" in fig.sentence
    assert [e.file_name for e in fig.editions] == ["2018-03.csv"]


def test_cps_south_east_is_kent_surrey_sussex(real_store):
    store, _ = real_store
    se = metrics.measure("cps_conviction_rate", area="CPS South East", period="2018-03", offence="sexual_offences", store=store)
    parts = [metrics.measure("cps_conviction_rate", area=a, period="2018-03", offence="sexual_offences", store=store)
             for a in ("Kent", "Surrey", "Sussex")]
    assert se.numerator == sum(p.numerator for p in parts) == 22 + 17 + 29
    assert se.denominator == sum(p.denominator for p in parts) == 33 + 19 + 40
    assert sorted(se.gathered.areas_used) == ["E23000031", "E23000032", "E23000033"]


def test_financial_year_2016_17_is_complete(real_store):
    store, _ = real_store
    fig = metrics.measure("cps_conviction_rate", area="England and Wales", period="2016/17", offence="sexual_offences", store=store)
    monthly = store.con.execute(
        "select sum(value) filter (where measure = 'convictions'), sum(value) from facts where dataset = 'cps_case_outcomes'"
        " and area = 'K04000001' and offence = 'sexual_offences' and period_start >= '2016-04-01' and period_end <= '2017-03-31'"
    ).fetchone()
    assert (fig.numerator, fig.denominator) == monthly
    assert len(fig.editions) == 12 and "partial" not in fig.flags


def test_missing_months_give_not_available_then_a_flagged_partial_figure(real_store):
    store, _ = real_store
    # April to June 2017 were not published in this series
    with pytest.raises(NotAvailable) as e:
        metrics.measure("cps_conviction_rate", area="England and Wales", period="2017/18", offence="sexual_offences", store=store)
    assert "April 2017 to June 2017 (2017/18 Q1) is missing" in str(e.value)
    with pytest.raises(NotAvailable) as e:
        metrics.measure("cps_conviction_rate", area="England and Wales", period="2016", offence="sexual_offences", store=store)
    assert "February 2016 to March 2016 is missing" in str(e.value)
    fig = metrics.measure("cps_conviction_rate", area="England and Wales", period="2017/18", offence="sexual_offences",
                          store=store, allow_partial=True)
    assert "partial" in fig.flags and fig.missing["periods"] == "April 2017 to June 2017 (2017/18 Q1)"
    nine = store.con.execute(
        "select sum(value) from facts where dataset = 'cps_case_outcomes' and area = 'K04000001' and measure = 'convictions'"
        " and offence = 'sexual_offences' and period_start between '2017-07-01' and '2018-03-01'").fetchone()[0]
    assert fig.numerator == nine and len(fig.editions) == 9


def test_no_rape_split_in_the_monthly_files(real_store):
    store, _ = real_store
    with pytest.raises(NotAvailable) as e:
        metrics.compute("cps_conviction_rate", area="England and Wales", period="2018-03", offence="rape", store=store)
    assert "does not publish rape separately" in str(e.value)


def test_completed_prosecutions_from_monthly_files(real_store):
    store, _ = real_store
    fig = metrics.measure("cps_completed_prosecutions", area="England and Wales", period="2018-03",
                          offence="sexual_offences", store=store)
    assert fig.value == 1167 and fig.dataset == "cps_case_outcomes"


def test_lf_months_with_undefined_percentages_load():
    """The 2014-01..2015-09 files: LF line endings, '-' where a percentage is undefined (nothing
    finalised). Every count is read as published, checked against the raw file read here."""
    import csv

    import polars as pl

    early = [m for m in MONTHS if m <= "2015-09"]
    assert early and all(b"\r\n" not in (CPS / f"{m}.csv").read_bytes() for m in early)
    for stem in (early[0], early[-1]):
        with open(CPS / f"{stem}.csv", encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
        col = rows[0].index("Number of Sexual Offences Convictions")
        national = next(r for r in rows if r[0] == "National")
        facts, _ = parse(CPS / f"{stem}.csv")
        got = facts.filter((pl.col("measure") == "convictions") & (pl.col("offence") == "sexual_offences")
                           & (pl.col("area") == "K04000001")).get_column("value").to_list()
        assert got == [float(national[col].replace(",", ""))]
        assert any("-" in r for r in rows[1:])  # the undefined percentage the reader must pass over
