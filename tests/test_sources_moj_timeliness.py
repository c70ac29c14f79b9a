"""MoJ prosecution timeliness: the real files in ../shared/data/moj."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

from justicegap import metrics, sources, update
from justicegap.errors import InputError, NotAvailable
from storecheck import counts

MOJ = Path(__file__).resolve().parents[2] / "shared" / "data" / "moj"
RAPE = MOJ / "rape-prosecution-times-data.csv.gz"
GROUPS = MOJ / "prosecution-times-data.csv.gz"




@pytest.fixture
def loaded(store):
    # the offence-group file first, so the rape file (covering 2018 as well) is the newer edition
    update.load_file(store, GROUPS)
    update.load_file(store, RAPE)
    return store


def parse(path):
    found, near = sources.identify(path)
    assert [m.source for m in found] == ["moj_timeliness"], near
    return sources.parse(found[0])


def value(facts, measure, offence="rape", year=2018):
    import polars as pl

    hit = facts.filter((pl.col("measure") == measure) & (pl.col("offence") == offence)
                       & (pl.col("period_start") == pl.date(year, 1, 1)))
    assert hit.height == 1
    return hit.get_column("value")[0], hit.get_column("flags")[0]



def test_rape_by_year():
    facts, notes = parse(RAPE)
    assert facts.get_column("period_start").dt.year().unique().sort().to_list() == list(range(2011, 2019))
    assert set(facts.get_column("area")) == {"K04000001"} and set(facts.get_column("offence")) == {"rape"}
    assert value(facts, "defendants") == (2358, None)
    assert value(facts, "median_offence_to_charge_days") == (394.5, "median")
    assert value(facts, "mean_offence_to_charge_days", year=2011)[0] == pytest.approx(1599.133414)
    assert value(facts, "mean_offence_to_charge_days", year=2011)[1] == "mean"
    assert facts.height == 8 * 13


def test_offence_groups_2018():
    facts, notes = parse(GROUPS)
    assert set(facts.get_column("period_start").cast(str)) == {"2018-01-01"}
    assert value(facts, "median_offence_to_charge_days", "sexual_offences") == (341, "median")
    assert value(facts, "defendants", "sexual_offences") == (6587, None)
    assert value(facts, "median_offence_to_charge_days", "rape")[0] == 394.5
    assert value(facts, "defendants", "rape_adult")[0] + value(facts, "defendants", "rape_child")[0] == 2358
    assert value(facts, "defendants", "all_offences")[0] == 71597
    assert value(facts, "defendants", "violence_against_the_person_murder")[0] == 553
    assert any("year 2018" in n for n in notes)


def test_every_average_is_flagged():
    import polars as pl

    for path in (RAPE, GROUPS):
        facts, _ = parse(path)
        avg = facts.filter(pl.col("measure").str.starts_with("mean_") | pl.col("measure").str.starts_with("median_"))
        assert avg.height and avg.get_column("flags").is_in(["mean", "median"]).all()
        assert facts.filter(pl.col("measure") == "defendants").get_column("flags").is_null().all()


def test_medians_through_the_metrics(loaded):
    rape = metrics.measure("median_days_offence_to_charge", area="England and Wales", period="2018", offence="rape", store=loaded)
    assert rape.value == 394.5
    sexual = metrics.measure("median_days_offence_to_charge", area="England and Wales", period="2018",
                             offence="sexual_offences", store=loaded)
    # the newer edition for 2018 (the rape file) has no sexual offences row: the edition that has is used
    assert sexual.value == 341 and [e.file_name for e in sexual.editions] == ["prosecution-times-data.csv.gz"]
    child = metrics.measure("median_days_offence_to_completion", area="England and Wales", period="2018",
                            offence="rape_child", store=loaded)
    assert child.value == 2892
    early = metrics.measure("mean_days_offence_to_charge", area="England and Wales", period="2012", offence="rape", store=loaded)
    assert early.value == pytest.approx(1708.733597) and "1,708.7" in early.sentence


def test_averages_are_never_added(loaded):
    with pytest.raises(NotAvailable) as e:
        metrics.compute("median_days_offence_to_charge", area="England and Wales", period="2016..2017", offence="rape", store=loaded)
    assert "cannot be combined" in str(e.value)
    with pytest.raises(NotAvailable):
        metrics.compute("median_days_offence_to_charge", area="Kent", period="2018", offence="rape", store=loaded)


def test_year_from_the_file_name(tmp_path):
    target = tmp_path / "prosecution-times-2019.csv"
    target.write_bytes(gzip.decompress(GROUPS.read_bytes()))
    facts, notes = parse(target)
    assert set(facts.get_column("period_start").cast(str)) == {"2019-01-01"}
    assert any("file name" in n for n in notes)


def test_undated_unknown_file_is_an_error(tmp_path, store):
    text = gzip.decompress(GROUPS.read_bytes()).decode().replace("Robbery,4610", "Robbery,4611")
    target = tmp_path / "prosecution-times.csv"
    target.write_text(text)
    before = counts(store)
    with pytest.raises(InputError) as e:
        update.load_file(store, target)
    assert e.value.file == "prosecution-times.csv" and e.value.column == "year"
    assert "which year" in str(e.value)
    assert counts(store) == before


def _edited(tmp_path, old, new, name="rape-times.csv"):
    text = gzip.decompress(RAPE.read_bytes()).decode()
    assert old in text
    target = tmp_path / name
    target.write_text(text.replace(old, new, 1))
    return target


def test_count_not_a_number(tmp_path, store):
    target = _edited(tmp_path, "2014,2759,", "2014,about 2700,")
    before = counts(store)
    with pytest.raises(InputError) as e:
        update.load_file(store, target)
    assert (e.value.row, e.value.column) == (5, "defendants") and "'about 2700' is not a number" in str(e.value)
    assert counts(store) == before


def test_renamed_column(tmp_path, store):
    target = _edited(tmp_path, "median_offence_to_charge_days", "median_days_to_charge")
    before = counts(store)
    with pytest.raises(InputError) as e:
        update.load_file(store, target)
    assert "prosecution timeliness" in str(e.value) and "'median_offence_to_charge_days'" in str(e.value)
    assert counts(store) == before


def test_truncated_gzip(tmp_path, store):
    data = GROUPS.read_bytes()
    target = tmp_path / "prosecution-times-2018.csv.gz"
    target.write_bytes(data[: len(data) - 300])
    update.load_file(store, RAPE)
    before = counts(store)
    with pytest.raises(InputError) as e:
        update.load_file(store, target)
    assert Path(str(e.value.file)).name == target.name
    assert any(w in str(e.value) for w in ("truncated", "corrupt", "ended before"))
    assert counts(store) == before


def test_duplicate_year_is_an_error(tmp_path, store):
    text = gzip.decompress(RAPE.read_bytes()).decode()
    last = text.strip().splitlines()[-1]
    target = tmp_path / "rape-times.csv"
    target.write_text(text + last + "\n")
    with pytest.raises(InputError) as e:
        update.load_file(store, target)
    assert e.value.row == 10 and "twice" in str(e.value)


def test_copy_with_a_new_name_is_the_same_edition(tmp_path, store):
    update.load_file(store, RAPE)
    copy = tmp_path / "renamed.csv.gz"
    shutil.copy(RAPE, copy)
    res = update.load_file(store, copy)
    assert [r.status for r in res] == ["already loaded"]
