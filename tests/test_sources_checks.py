"""What a file must satisfy before it becomes an edition (sources/checks.py): files in the Home
Office's official layout made from real Kent rows, each spoiled one way, loaded as users load them.
Every refusal names the file, row and column, and the store is unchanged."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from justicegap import metrics, update
from justicegap.store import Store
from officialfiles import PFA_HEADER, real_rows, write_csv
from storecheck import counts, load_fails

EXE = Path(sys.executable).parent / "justicegap"
RAPE = {"19C", "19D", "19E", "19F", "19G", "19H", "19J", "19K"}
TABLES = ("facts", "editions", "coverage", "lineage")


@pytest.fixture
def kent(shared_data):
    """The real Kent rows of the 2017/18 recorded-crime table, and their rape total (independently summed)."""
    header, rows = real_rows(shared_data / "homeoffice" / "prc-pfa-2017-18.csv.gz", lambda r: r["Force Name"] == "Kent")
    assert header == PFA_HEADER
    total = sum(int(r[7]) for r in rows if r[6] in RAPE)
    assert total == 2529
    return header, rows, total


def _rape_row(rows, quarter="1", code="19C") -> int:
    return next(i for i, r in enumerate(rows) if r[6] == code and r[1] == quarter)


def _cli(home: Path, *args):
    env = {**os.environ, "JUSTICEGAP_HOME": str(home)}
    return subprocess.run([str(EXE), *args], capture_output=True, text=True, env=env)


def _kent_rape(home: Path) -> float:
    p = _cli(home, "get", "recorded", "--area", "Kent", "--period", "2017/18", "--offence", "rape", "--json")
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)["value"]


def test_duplicated_row_is_refused_through_the_command_line(loaded_copy, kent, tmp_path):
    header, rows, total = kent
    i = _rape_row(rows)
    folder = tmp_path / "in"
    folder.mkdir()
    write_csv(folder / "prc-pfa-2017-18.csv", [header, *rows[: i + 1], rows[i], *rows[i + 1:]])
    with Store(read_only=True) as s:
        before = counts(s, TABLES)
    p = _cli(loaded_copy, "update", "--source-dir", str(folder))
    assert p.returncode != 0 and "Traceback" not in p.stderr
    err = " ".join(p.stderr.split())
    # the header is line 1: the original is row i + 2, the repeat row i + 3
    assert f"file prc-pfa-2017-18.csv, row {i + 3}: this row repeats row {i + 2}" in err, err
    assert "Offence Code 19C" in err and "Force Name Kent" in err
    with Store(read_only=True) as s:
        assert counts(s, TABLES) == before
    assert _kent_rape(loaded_copy) == total == 2529


def test_missing_count_is_refused(loaded_copy, kent, tmp_path):
    header, rows, _ = kent
    i = _rape_row(rows, "3")
    spoiled = [list(r) for r in rows]
    spoiled[i][7] = ""
    path = write_csv(tmp_path / "pfa.csv", [header, *spoiled])
    with Store() as s:
        err = load_fails(s, path, TABLES)
    assert (err.file, err.row, err.column) == ("pfa.csv", i + 2, "Number of Offences")
    assert "the count is missing" in str(err) and "not a zero" in str(err)


def test_negative_count_beyond_what_it_adjusts_is_refused(loaded_copy, kent, tmp_path):
    header, rows, _ = kent
    i = _rape_row(rows, "1")  # the first quarter: nothing earlier in the file for it to adjust
    spoiled = [list(r) for r in rows]
    spoiled[i][7] = "-470"
    path = write_csv(tmp_path / "pfa.csv", [header, *spoiled])
    with Store() as s:
        err = load_fails(s, path, TABLES)
    assert (err.row, err.column) == (i + 2, "Number of Offences")
    assert "'-470'" in str(err) and "below zero" in str(err)
    assert _kent_rape(loaded_copy) == 2529


def test_small_negative_adjustment_is_kept_and_flagged(home, kent, tmp_path):
    """The Home Office publishes small negative quarterly counts (36 in the real 2017/18 table,
    down to -45): they are adjustments, kept as published, flagged and reported."""
    header, rows, total = kent
    i = _rape_row(rows, "4")
    spoiled = [list(r) for r in rows]
    old = int(spoiled[i][7])
    spoiled[i][7] = "-2"
    path = write_csv(tmp_path / "pfa.csv", [header, *spoiled])
    with Store() as s:
        [r] = update.load_file(s, path)
        flagged = s.con.execute("select area, offence, value from facts where flags like '%negative_published%'").fetchall()
    negatives = [(r[6], float(r[7])) for r in spoiled if r[7].startswith("-")]  # Kent's own, and ours
    assert r.status == "loaded" and ("19C", -2.0) in negatives
    assert f"{len(negatives)} negative count(s) kept as published" in r.message
    assert sorted((o, v) for _, o, v in flagged) == sorted(negatives) and {a for a, _, _ in flagged} == {"E23000032"}
    assert metrics.compute("recorded", area="Kent", period="2017/18", offence="rape").value == total - old - 2


def test_real_negative_counts_are_flagged(loaded_load, loaded_store, shared_data):
    """Every negative count of the real files is kept and flagged: counted straight from the files."""
    _, results = loaded_load
    path = shared_data / "homeoffice" / "prc-pfa-2017-18.csv.gz"
    _, rows = real_rows(path)
    negatives = sum(1 for r in rows if r[7].startswith("-"))
    stored = loaded_store.con.execute("select count(*) from facts where dataset = 'ho_pfa' and value < 0"
                                      " and flags like '%negative_published%'").fetchone()[0]
    assert negatives == stored == 36
    [pfa] = [r for r in results if r.file == "prc-pfa-2017-18.csv.gz"]
    assert pfa.message.startswith("36 negative count(s) kept as published")


def test_unexpected_column_is_reported(home, kent, tmp_path):
    header, rows, total = kent
    path = write_csv(tmp_path / "pfa.csv", [[*header, "Notes"], *[[*r, "x"] for r in rows]])
    with Store() as s:
        [r] = update.load_file(s, path)
    assert r.status == "loaded"
    assert "column(s) 'Notes' are not in the publisher's layout and were not read" in r.message


def test_corrupt_zip_is_refused(home, kent, tmp_path):
    header, rows, _ = kent
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("pfa.csv", "\n".join(",".join(r) for r in [header, *rows]))
    path = tmp_path / "pfa.zip"
    path.write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    with Store() as s:
        err = load_fails(s, path, TABLES)
    assert "truncated or corrupt" in str(err) and "pfa.zip" in str(err)


def test_zip_member_archived_as_the_original_zip(home, kent, tmp_path):
    header, rows, total = kent
    text = io.StringIO()
    csv.writer(text).writerows([header, *rows])
    path = tmp_path / "pfa-tables.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("pfa.csv", text.getvalue())
    with Store() as s:
        [r] = update.load_file(s, path)
        [ed] = s.editions("ho_pfa")
    assert r.status == "loaded" and r.file == "pfa-tables.zip!pfa.csv"
    archived = Path(ed.archive_path)
    assert archived.name == "pfa-tables.zip" and archived.read_bytes() == path.read_bytes()
    assert archived.parent.name == hashlib.sha256(path.read_bytes()).hexdigest()
    assert ed.size == path.stat().st_size
    assert metrics.compute("recorded", area="Kent", period="2017/18", offence="rape").value == total


@pytest.fixture(scope="module")
def zip_bomb(tmp_path_factory) -> Path:
    """A few megabytes of zip holding a 1.5 GB recorded-crime CSV (one real-looking row repeated)."""
    path = tmp_path_factory.mktemp("bomb") / "prc-pfa-bomb.zip"
    line = b"2017/18,1,Kent,Rape of a female aged 16 and over,Sexual offences,Rape offences,19C,470\n"
    chunk = line * ((8 << 20) // len(line))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        with z.open("pfa.csv", "w", force_zip64=True) as out:
            out.write((",".join(PFA_HEADER) + "\n").encode())
            for _ in range(1_500_000_000 // len(chunk)):
                out.write(chunk)
    return path


def test_zip_expanding_to_gigabytes_is_refused_unread(loaded_copy, zip_bomb, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    os.symlink(zip_bomb, folder / zip_bomb.name)
    with Store(read_only=True) as s:
        before = counts(s, TABLES)
    # A small launcher runs the command and reports its child's peak memory: a child forked straight
    # from pytest would inherit pytest's own peak in its figure.
    launch = ("import resource, subprocess, sys; p = subprocess.run(sys.argv[1:]); "
              "print(p.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    p = subprocess.run([sys.executable, "-c", launch, str(EXE), "update", "--source-dir", str(folder)],
                       env={**os.environ, "JUSTICEGAP_HOME": str(loaded_copy)}, capture_output=True, text=True)
    status, peak_kib = map(int, p.stdout.split()[-2:])
    stderr = p.stderr
    assert status != 0 and "Traceback" not in stderr
    err = " ".join(stderr.split())
    with zipfile.ZipFile(zip_bomb) as z:
        declared = sum(i.file_size for i in z.infolist())
    assert declared > 1_490_000_000
    assert (f"file {zip_bomb.name}: the archive expands to {declared / 1e9:,.2f} GB from "
            f"{zip_bomb.stat().st_size / 1e6:,.1f} MB") in err and "it was not read" in err, err
    assert peak_kib < 400 * 1024, f"peak {peak_kib} KiB: the archive was read"
    with Store(read_only=True) as s:
        assert counts(s, TABLES) == before
    assert not list((loaded_copy / "archive").rglob("*bomb*"))


def test_gzip_expanding_far_beyond_its_size_is_refused(home, tmp_path):
    line = b"2017/18,1,Kent,Rape of a female aged 16 and over,Sexual offences,Rape offences,19C,470\n"
    path = tmp_path / "pfa.csv.gz"
    with gzip.open(path, "wb", compresslevel=1) as f:
        f.write((",".join(PFA_HEADER) + "\n").encode())
        chunk = line * ((4 << 20) // len(line))
        for _ in range(200_000_000 // len(chunk)):
            f.write(chunk)
    with Store() as s:
        err = load_fails(s, path, TABLES)
    assert "pfa.csv.gz" in str(err) and "times its size" in str(err) and "it was not read" in str(err)
