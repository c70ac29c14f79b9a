"""`justicegap update` end to end: discovery through the GOV.UK Content API, download, identify,
load; and a network failure mid-download, which must leave the store as it was. Everything is
served by a local HTTP server from responses the test writes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from httpserver import Route, serve
from officialfiles import real_rows, typed, write_xlsx
from storecheck import counts
from justicegap.store import Store

EXE = Path(sys.executable).parent / "justicegap"
ASSETS = "https://assets.publishing.service.gov.uk"
PAGE = "/government/statistical-data-sets/police-recorded-crime-and-outcomes-open-data-tables"
FILE = "prc-pfa-mar2013-onwards-tables-290126.xlsx"


def _content(url: str) -> bytes:
    return json.dumps({
        "base_path": PAGE, "schema_name": "statistical_data_set", "title": "Police recorded crime and outcomes open data tables",
        "public_updated_at": "2026-01-29T09:30:00.000+00:00",
        "details": {"attachments": [{"attachment_type": "file", "id": "1", "title": "Police Force Area tables",
                                     "url": url, "filename": FILE,
                                     "content_type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}]},
    }).encode()


@pytest.fixture
def workbook(tmp_path, shared_data) -> bytes:
    header, rows = real_rows(shared_data / "homeoffice" / "prc-pfa-2017-18.csv.gz", lambda r: r["Force Name"] == "Kent")
    return write_xlsx(tmp_path / FILE, {"2017_18": [header, *typed(rows, [1, 7])]}).read_bytes()


def _update(base: str, home: Path, *args):
    env = {**os.environ, "JUSTICEGAP_HOME": str(home), "JUSTICEGAP_GOVUK_BASE": base + "/govuk",
           "JUSTICEGAP_URL_REWRITE": f"{ASSETS}={base}/assets"}
    return subprocess.run([str(EXE), "update", "--source", "ho_pfa", *args], capture_output=True, text=True, env=env)


def test_update_discovers_downloads_and_loads(home, workbook):
    url = f"{ASSETS}/media/69779329/{FILE}"
    routes = {f"/govuk/api/content{PAGE}": Route(_content(url), content_type="application/json"),
              f"/assets/media/69779329/{FILE}": Route(workbook)}
    with serve(routes) as base:
        p = _update(base, home, "--json")
    assert p.returncode == 0, p.stderr
    [result] = json.loads(p.stdout)
    assert result["status"] == "loaded" and result["file"] == FILE
    with Store(read_only=True) as s:
        [ed] = s.editions("ho_pfa")
        assert ed.url == url, "the publisher's address, not the local one"
        assert str(ed.published) == "2026-01-29"
        assert ed.sha256 and (home / "archive" / "ho_pfa" / ed.sha256 / FILE).read_bytes() == workbook
        assert [a for _, a, _, _ in s.lineage(ed.edition)][0] == "retrieved"


def test_network_failure_mid_download_changes_nothing(home, workbook, tmp_path):
    # a first, good load
    url = f"{ASSETS}/media/69779329/{FILE}"
    with serve({f"/govuk/api/content{PAGE}": Route(_content(url), content_type="application/json"),
                f"/assets/media/69779329/{FILE}": Route(workbook)}) as base:
        assert _update(base, home).returncode == 0
    with Store(read_only=True) as s:
        before = counts(s, ("facts", "editions", "coverage", "lineage"))
    # a re-issue whose download keeps breaking off half way
    url2 = f"{ASSETS}/media/99999999/{FILE}"
    broken = Route(workbook + b"x", drop_after=len(workbook) // 2, drop_count=100, honour_range=False)
    with serve({f"/govuk/api/content{PAGE}": Route(_content(url2), content_type="application/json"),
                f"/assets/media/99999999/{FILE}": broken}) as base:
        p = _update(base, home)
    assert p.returncode != 0
    assert url2 in " ".join(p.stderr.split()), p.stderr
    with Store(read_only=True) as s:
        assert counts(s, ("facts", "editions", "coverage", "lineage")) == before
    assert not [f for f in (home / "cache").rglob(FILE) if not f.name.endswith(".part")]


def test_unreachable_publisher_is_one_message(home):
    with serve({}) as base:
        p = _update(base, home)
    assert p.returncode != 0 and "404" in p.stderr and "Traceback" not in p.stderr


# --- a full disk -------------------------------------------------------------------------------

def _two_files(shared_data, tmp_path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("prosecution-times-data.csv.gz", "rape-prosecution-times-data.csv.gz"):
        os.symlink(shared_data / "moj" / name, folder / name)
    return folder


def test_full_disk_while_archiving_is_one_sentence_and_the_next_file_is_tried(home, shared_data, tmp_path, monkeypatch):
    """An injected ENOSPC when the first file is archived: one sentence with the path and the space
    needed; the store unchanged by it; the second file still loaded."""
    import errno
    import shutil

    from justicegap import store as store_module
    from justicegap import update

    real_copy = shutil.copyfile
    failed = []

    def full(src, dst, *a, **k):
        if not failed:
            failed.append(dst)
            raise OSError(errno.ENOSPC, "No space left on device", str(dst))
        return real_copy(src, dst, *a, **k)

    monkeypatch.setattr(store_module.shutil, "copyfile", full)
    with Store() as s:
        results = update.load_dir(s, _two_files(shared_data, tmp_path))
        editions = s.editions()
    first, second = results
    assert first.status == "failed" and second.status == "loaded"
    size = (shared_data / "moj" / first.file).stat().st_size
    assert first.message.startswith(f"no space left on the device holding {failed[0]}: loading {first.file} needs about ")
    assert "free there (" in first.message and first.message.endswith("nothing from it was stored")
    assert first.message.count(". ") == 0, "one sentence"
    amount, unit = first.message.split("needs about ")[1].split()[:2]
    assert float(amount) * {"kB": 1e3, "MB": 1e6, "GB": 1e9}[unit] >= size
    assert [e.file_name for e in editions] == [second.file]
    assert not [p for p in (home / "archive").rglob("*") if p.is_file() and p.name.startswith(first.file)]


def test_full_disk_in_the_store_through_the_command_line(home, shared_data, tmp_path):
    """DuckDB's own "No space left on device" (injected into the installed command's process)."""
    launch = (
        "import sys, duckdb\n"
        "from justicegap import store\n"
        "real = store.Store.load\n"
        "def load(self, **kw):\n"
        "    if kw['file_name'].startswith('prosecution'):\n"
        "        raise duckdb.IOException('IO Error: Could not write file \"x\": No space left on device')\n"
        "    return real(self, **kw)\n"
        "store.Store.load = load\n"
        "from justicegap.cli import main\n"
        "sys.argv = ['justicegap', 'update', '--source-dir', sys.argv[1]]\n"
        "main()\n")
    p = subprocess.run([sys.executable, "-c", launch, str(_two_files(shared_data, tmp_path))],
                       capture_output=True, text=True, env={**os.environ, "JUSTICEGAP_HOME": str(home)})
    assert p.returncode != 0 and "Traceback" not in p.stderr
    err = " ".join(p.stderr.split())
    assert f"error: no space left on the device holding {home}" in err
    assert "loading prosecution-times-data.csv.gz needs about" in err
    assert "rape-prosecution-times-data.csv.gz │ loaded" in p.stdout or "loaded" in p.stdout.split("rape-prosecution")[1][:80]
    with Store(read_only=True) as s:
        assert [e.file_name for e in s.editions()] == ["rape-prosecution-times-data.csv.gz"]


# --- a stalled network ------------------------------------------------------------------------

OUTCOMES = "prc-outcomes-open-data-mar2018-tables-290126.xlsx"


def _content_two(pfa_url: str, outcomes_url: str) -> bytes:
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return json.dumps({
        "base_path": PAGE, "schema_name": "statistical_data_set", "title": "Police recorded crime and outcomes open data tables",
        "public_updated_at": "2026-01-29T09:30:00.000+00:00",
        "details": {"attachments": [
            {"attachment_type": "file", "id": "1", "title": "Police Force Area tables", "url": pfa_url, "filename": FILE, "content_type": xlsx},
            {"attachment_type": "file", "id": "2", "title": "Crime outcomes", "url": outcomes_url, "filename": OUTCOMES, "content_type": xlsx}]},
    }).encode()


def test_stalled_download_is_bounded_and_does_not_lock_the_store(home, workbook, shared_data, tmp_path):
    """One file's server stalls: the update keeps to its deadline, shows the table of what loaded
    and what did not, and never holds the store while it waits (another update loads meanwhile)."""
    import time

    pfa_url, out_url = f"{ASSETS}/media/1/{FILE}", f"{ASSETS}/media/2/{OUTCOMES}"
    stalled = Route(b"never sent", stall=60)
    local = tmp_path / "local"
    local.mkdir()
    os.symlink(shared_data / "moj" / "prosecution-times-data.csv.gz", local / "prosecution-times-data.csv.gz")
    with serve({f"/govuk/api/content{PAGE}": Route(_content_two(pfa_url, out_url), content_type="application/json"),
                f"/assets/media/1/{FILE}": Route(workbook), f"/assets/media/2/{OUTCOMES}": stalled}) as base:
        env = {**os.environ, "JUSTICEGAP_HOME": str(home), "JUSTICEGAP_GOVUK_BASE": base + "/govuk",
               "JUSTICEGAP_URL_REWRITE": f"{ASSETS}={base}/assets", "COLUMNS": "250"}
        started = time.monotonic()
        proc = subprocess.Popen([str(EXE), "update", "--source", "ho_pfa", "--source", "ho_outcomes",
                                 "--timeout", "1", "--deadline", "6"], env=env, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        while not stalled.requests and time.monotonic() - started < 30:
            time.sleep(0.1)
        assert stalled.requests, "the stalled file was never asked for"
        # while the first update waits on the network, the store is free: another update loads
        other = subprocess.run([str(EXE), "update", "--source-dir", str(local), "--json"], env=env, capture_output=True, text=True)
        assert other.returncode == 0, other.stderr
        assert json.loads(other.stdout)[0]["status"] == "loaded"
        out, err = proc.communicate(timeout=60)
        elapsed = time.monotonic() - started
    assert elapsed < 20, f"the update took {elapsed:.0f} s against a 6 s deadline"
    assert proc.returncode != 0 and "Traceback" not in err
    rows = {line.split("│")[1].strip(): line for line in out.splitlines() if line.count("│") > 5}
    assert " loaded " in rows[FILE] and "ho_pfa" in rows[FILE]
    assert " failed " in rows[OUTCOMES]
    assert "deadline" in " ".join(err.split()) and out_url in " ".join(err.split())
    with Store(read_only=True) as s:
        assert sorted(e.dataset for e in s.editions()) == ["ho_pfa", "moj_timeliness"]


def test_offline_is_said_once_with_the_way_to_load_local_copies(home):
    env = {**os.environ, "JUSTICEGAP_HOME": str(home), "JUSTICEGAP_GOVUK_BASE": "http://127.0.0.1:9",
           "JUSTICEGAP_URL_REWRITE": "https://=http://127.0.0.1:9/"}
    p = subprocess.run([str(EXE), "update", "--source", "ho_pfa", "--source", "moj_timeliness", "--source", "cps_quarterly"],
                       capture_output=True, text=True, env=env)
    err = " ".join(p.stderr.split())
    assert p.returncode != 0 and "Traceback" not in p.stderr
    assert err.count("cannot be reached") == 1 and "could not fetch" not in err, err
    assert "justicegap update --source-dir DIR" in err and "make demo SOURCES=DIR" in err


def test_a_folder_with_nothing_to_load_says_so(tmp_path):
    """`update --source-dir` on an empty folder: one sentence and a failing exit, not a blank line
    and success (found by a fresh-user pass); no store is made."""
    import subprocess
    import sys
    from pathlib import Path

    (tmp_path / "empty").mkdir()
    exe = Path(sys.executable).parent / "justicegap"
    p = subprocess.run([str(exe), "update", "--source-dir", str(tmp_path / "empty")], capture_output=True, text=True,
                       env={**__import__("os").environ, "JUSTICEGAP_HOME": str(tmp_path / "home")})
    assert p.returncode == 2 and "--source-dir" in p.stderr and "no publication files" in p.stderr
    assert not (tmp_path / "home" / "justicegap.duckdb").exists()
