"""Loading records: one transaction, pseudonymised, and every bad input named by file, row and field."""

from __future__ import annotations

import csv
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from justicegap.errors import InputError, JusticegapError
from justicegap.records.load import load_records
from justicegap.store import Store

BIN = Path(sys.executable).parent / "justicegap"


def rows(path: Path) -> list[dict]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def write(path: Path, data: list[dict]) -> None:
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(data[0]))
        w.writeheader()
        w.writerows(data)


def record_tables(home: Path) -> tuple:
    with Store(home / "justicegap.duckdb", read_only=True) as s:
        names = {r[0] for r in s.con.execute("select table_name from information_schema.tables").fetchall()}
        if "rec_offences" not in names:
            return (0, 0, 0)
        return tuple(s.con.execute(f"select count(*) from {t}").fetchone()[0] for t in ("rec_offences", "rec_cps_cases", "rec_loads"))


@pytest.fixture
def bad_copy(synth_kent, tmp_path):
    d = tmp_path / "records"
    shutil.copytree(synth_kent, d)
    return d


def test_loaded_records_are_pseudonymised_and_the_store_says_it_holds_records(records_store, synth_kent):
    from justicegap.records import store as rstore

    assert rstore.has_records(records_store.con)
    raw_ids = [r["record_id"] for r in rows(synth_kent / "offences.csv")[:50]]
    stored = {r[0] for r in records_store.con.execute("select record_id from rec_offences").fetchall()}
    assert len(stored) == len(rows(synth_kent / "offences.csv"))
    assert not stored & set(raw_ids)
    # no raw identifier anywhere in the store: every varchar column of every record table searched
    for table in ("rec_offences", "rec_suspects", "rec_cps_cases", "rec_case_links", "rec_linkage"):
        cols = [r[0] for r in records_store.con.execute(
            "select column_name from information_schema.columns where table_name = ? and data_type = 'VARCHAR'", [table]).fetchall()]
        for c in cols:
            hit = records_store.con.execute(f"select count(*) from {table} where {c} like 'SYN-%'").fetchone()[0]
            assert hit == 0, (table, c)


def test_the_pseudonym_is_the_keyed_hash_of_the_identifier(records_store, records, synth_kent):
    import hashlib
    import hmac

    key = bytes.fromhex((records / "records.key").read_text().strip())
    first = rows(synth_kent / "offences.csv")[0]["record_id"]
    expected = hmac.new(key, f"record\x1f{first}".encode(), hashlib.sha256).hexdigest()[:20]
    assert records_store.con.execute("select count(*) from rec_offences where record_id = ?", [expected]).fetchone()[0] == 1
    assert stat.S_IMODE(os.stat(records / "records.key").st_mode) == 0o600


def test_a_different_key_is_refused_and_nothing_changes(records_copy, synth_kent, tmp_path):
    before = record_tables(records_copy)
    with Store() as s, pytest.raises(JusticegapError, match="not the key"):
        load_records(s, synth_kent, key_file=tmp_path / "other.key")
    assert record_tables(records_copy) == before
    assert not (tmp_path / "other.key").exists()


def test_reloading_the_same_force_replaces_the_earlier_load(records_copy, synth_kent):
    before = record_tables(records_copy)
    with Store() as s:
        r = load_records(s, synth_kent)
    assert r.replaced and r.synthetic
    assert record_tables(records_copy)[:2] == before[:2]


@pytest.mark.parametrize("table,change,field,message", [
    ("offences", lambda r: r.update(offence_code="99Z"), "offence_code", "unknown Home Office offence code '99Z'"),
    ("offences", lambda r: r.update(outcome_type="23", outcome_date=r["date_recorded"]), "outcome_type", "'23' is not one of"),
    ("offences", lambda r: r.update(date_recorded="2019-01-01"), "date_recorded", "after the extract date 2018-06-30"),
    ("offences", lambda r: r.update(outcome_type="15", outcome_date="2017-01-01"), "outcome_date", "before the date the crime was recorded"),
    ("offences", lambda r: r.update(date_offence="31/12/2017"), "date_offence", "not a date"),
    ("cps_cases", lambda r: r.update(record_ids="SYN-K-9999999"), "record_ids", "does not exist in the offences file"),
])
def test_bad_values_name_file_row_and_field_and_store_nothing(loaded_copy, bad_copy, table, change, field, message):
    data = rows(bad_copy / f"{table}.csv")
    change(data[6])
    write(bad_copy / f"{table}.csv", data)
    with Store() as s, pytest.raises(InputError) as e:
        load_records(s, bad_copy)
    assert e.value.file == f"{table}.csv" and e.value.row == 8 and e.value.column == field  # header is row 1
    assert message in str(e.value) and "Nothing was stored" in str(e.value)
    assert record_tables(loaded_copy) == (0, 0, 0)


def test_duplicate_record_id_names_both_rows(loaded_copy, bad_copy):
    data = rows(bad_copy / "offences.csv")
    data[10]["record_id"] = data[3]["record_id"]
    write(bad_copy / "offences.csv", data)
    with Store() as s, pytest.raises(InputError) as e:
        load_records(s, bad_copy)
    assert (e.value.row, e.value.column) == (12, "record_id") and "also on row 5" in str(e.value)


def test_free_text_columns_are_refused(loaded_copy, bad_copy):
    data = rows(bad_copy / "offences.csv")
    for r in data:
        r["notes"] = "victim said ..."
    write(bad_copy / "offences.csv", data)
    with Store() as s, pytest.raises(InputError, match="free text is never stored") as e:
        load_records(s, bad_copy)
    assert e.value.column == "notes"


def test_a_failure_after_validation_leaves_the_store_as_it_was(records_copy, synth_kent, monkeypatch):
    from justicegap.records import store as rstore

    before = record_tables(records_copy)
    real = rstore.save_load

    def failing(con, **kw):
        kw["frames"]["rec_linkage"] = None
        kw["frames"]["rec_case_links"] = kw["frames"]["rec_case_links"].rename({"case_id": "x"})
        return real(con, **kw)
    monkeypatch.setattr(rstore, "save_load", failing)
    with Store() as s, pytest.raises(Exception):
        load_records(s, synth_kent)
    assert record_tables(records_copy) == before


def test_parquet_and_xlsx_files_load_like_csv(loaded_copy, synth_kent, tmp_path):
    import polars as pl

    d = tmp_path / "mixed"
    d.mkdir()
    shutil.copy(synth_kent / "manifest.json", d)
    pl.read_csv(synth_kent / "offences.csv", infer_schema=False).write_parquet(d / "offences.parquet")
    pl.read_csv(synth_kent / "cps_cases.csv", infer_schema=False).write_excel(d / "cps_cases.xlsx")
    with Store() as s:
        r = load_records(s, d)
    assert r.offences == len(rows(synth_kent / "offences.csv"))
    assert r.cps_cases == len(rows(synth_kent / "cps_cases.csv"))
    assert r.suspects == 0


def test_command_line_bad_input_is_one_message(loaded_copy, bad_copy):
    data = rows(bad_copy / "offences.csv")
    data[0]["offence_code"] = "ZZZ"
    write(bad_copy / "offences.csv", data)
    p = subprocess.run([str(BIN), "records", "load", str(bad_copy)], capture_output=True, text=True,
                       env={**os.environ, "JUSTICEGAP_HOME": str(loaded_copy)})
    assert p.returncode == 2
    assert "Traceback" not in p.stderr
    assert "offences.csv, row 2, column 'offence_code': unknown Home Office offence code 'ZZZ'" in " ".join(p.stderr.split())


def test_command_line_load_prints_the_linkage_report(loaded_copy, synth_kent):
    p = subprocess.run([str(BIN), "records", "load", str(synth_kent)], capture_output=True, text=True,
                       env={**os.environ, "JUSTICEGAP_HOME": str(loaded_copy), "COLUMNS": "200"})
    assert p.returncode == 0, p.stderr
    assert "SYNTHETIC" in p.stdout and "Linkage report" in p.stdout and "police_charged_unmatched" in p.stdout
    assert stat.S_IMODE(os.stat(loaded_copy / "records.key").st_mode) == 0o600


def test_every_row_of_every_file_is_stored_once(records_store, synth_kent):
    """Counted from the files themselves: crime records, suspects, CPS cases, and one link per id
    in each case's ';'-separated record_ids."""
    def count(table):
        return records_store.con.execute(f"select count(*) from {table}").fetchone()[0]

    assert count("rec_offences") == len(rows(synth_kent / "offences.csv"))
    assert count("rec_suspects") == len(rows(synth_kent / "suspects.csv"))
    cases = rows(synth_kent / "cps_cases.csv")
    assert count("rec_cps_cases") == len(cases)
    assert count("rec_case_links") == sum(len([x for x in c["record_ids"].split(";") if x.strip()]) for c in cases)
    flagged = records_store.con.execute("select count(*) from rec_offences where synthetic_earlier").fetchone()[0]
    assert flagged == sum(r["synthetic_earlier"] == "true" for r in rows(synth_kent / "offences.csv")) > 0
    by_status = dict(records_store.con.execute("select status, count(*) from rec_offences group by all").fetchall())
    from collections import Counter
    assert by_status == dict(Counter(r["status"] for r in rows(synth_kent / "offences.csv")))


def test_links_and_suspects_carry_the_keyed_hashes_of_their_own_ids(records_store, records, synth_kent):
    """Ids that refer to a crime record are mapped to that record's pseudonym: recomputed here with
    the standard library's HMAC from the raw files."""
    import hashlib
    import hmac

    key = bytes.fromhex((records / "records.key").read_text().strip())

    def h(kind, v):
        return hmac.new(key, f"{kind}\x1f{v}".encode(), hashlib.sha256).hexdigest()[:20]

    links = {(h("case", c["case_id"]), h("record", x.strip())) for c in rows(synth_kent / "cps_cases.csv")
             for x in c["record_ids"].split(";") if x.strip()}
    assert set(records_store.con.execute("select case_id, record_id from rec_case_links").fetchall()) == links
    suspects = {(h("record", s["record_id"]), h("suspect", s["suspect_id"])) for s in rows(synth_kent / "suspects.csv")}
    assert set(records_store.con.execute("select record_id, suspect_id from rec_suspects").fetchall()) == suspects
    offences = {h("record", r["record_id"]) for r in rows(synth_kent / "offences.csv")}
    assert {r[0] for r in records_store.con.execute("select record_id from rec_offences").fetchall()} == offences


def test_a_spreadsheets_midnight_timestamps_are_read_as_dates(loaded_copy, bad_copy):
    data = rows(bad_copy / "offences.csv")
    data[4]["date_recorded"] = data[4]["date_recorded"] + " 00:00:00"
    data[5]["date_reported"] = data[5]["date_reported"] + "T00:00:00.000"
    write(bad_copy / "offences.csv", data)
    with Store() as s:
        r = load_records(s, bad_copy)
    assert r.offences == len(data)
    data[6]["date_offence"] = "2017-02-30"
    write(bad_copy / "offences.csv", data)
    with Store() as s, pytest.raises(InputError) as e:
        load_records(s, bad_copy)
    assert (e.value.row, e.value.column) == (8, "date_offence") and "'2017-02-30' is not a date" in str(e.value)


def test_a_store_made_before_the_earlier_period_flag_gains_its_column(store):
    from justicegap.records import store as rstore

    store.con.execute("create table rec_offences (load_id varchar not null, record_id varchar not null)")
    rstore.ensure(store.con)
    cols = [r[0] for r in store.con.execute("select column_name from information_schema.columns where table_name = 'rec_offences'").fetchall()]
    assert cols == ["load_id", "record_id", "synthetic_earlier"]


def test_records_of_earlier_offences_belong_to_no_periods_crimes(records_store, synth_kent):
    """The synthetic_earlier records carry outcomes assigned in 2017/18 (the closed basis counts
    them) but are left out of every question about the crimes of a period, 2016/17 included."""
    from justicegap.records import scope

    earlier = [r for r in rows(synth_kent / "offences.csv") if r["synthetic_earlier"] == "true"]
    assert any("2016-04-01" <= r["date_recorded"] <= "2017-03-31" for r in earlier)
    assert scope.select(records_store, "Kent", "2016/17").frame.height == 0
    assert scope.select(records_store, "Kent", "2017/18").frame.height == len(rows(synth_kent / "offences.csv")) - len(earlier)
