"""`update` while `serve` answers (publish.py and the server's snapshots): a live server under
requests while an update loads a new edition; no request fails or waits on the load, every answer
comes from one set of editions, and the server moves to the new edition once it is published."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from officialfiles import PFA_HEADER, real_rows, write_csv
from justicegap import publish
from justicegap.errors import JusticegapError
from justicegap.store import Store

EXE = Path(sys.executable).parent / "justicegap"
RAPE = {"19C", "19D", "19E", "19F", "19G", "19H", "19J", "19K"}
FIGURE = "/api/v1/figure?metric=recorded&area=Kent&period=2017/18&offence=rape"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def reissue(shared_data, tmp_path):
    """A re-issue of the 2017/18 recorded-crime table for Kent with 100 more rapes in Q4 (19C), and
    the Kent rape totals of the real table and of the re-issue, summed from the rows."""
    header, rows = real_rows(shared_data / "homeoffice" / "prc-pfa-2017-18.csv.gz", lambda r: r["Force Name"] == "Kent")
    assert header == PFA_HEADER
    old = sum(int(r[7]) for r in rows if r[6] in RAPE)
    rows = [list(r) for r in rows]
    i = next(i for i, r in enumerate(rows) if r[6] == "19C" and r[1] == "4")
    rows[i][7] = str(int(rows[i][7]) + 100)
    folder = tmp_path / "reissue"
    folder.mkdir()
    write_csv(folder / "prc-pfa-2017-18-reissue.csv", [header, *rows])
    return folder, old, old + 100


def test_update_while_serving(loaded_copy, reissue):
    folder, old, new = reissue
    port = _free_port()
    env = {**os.environ, "JUSTICEGAP_HOME": str(loaded_copy)}
    server = subprocess.Popen([str(EXE), "serve", "--port", str(port), "--log-level", "warning"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    answers, failures, slowest = [], [], [0.0]
    stop = threading.Event()
    try:
        for _ in range(100):
            try:
                if httpx.get(base + FIGURE, timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            pytest.fail("the server did not start: " + server.stderr.read())

        def client():
            with httpx.Client(base_url=base, timeout=30) as c:
                while not stop.is_set():
                    t = time.monotonic()
                    try:
                        r = c.get(FIGURE)
                        e = c.get("/api/v1/editions")
                    except httpx.HTTPError as exc:
                        failures.append(repr(exc))
                        continue
                    slowest[0] = max(slowest[0], time.monotonic() - t)
                    if r.status_code != 200 or e.status_code != 200:
                        failures.append((r.status_code, r.text[:200]))
                        continue
                    d = r.json()
                    answers.append((d["value"], d["edition"], r.headers.get("etag")))

        threads = [threading.Thread(target=client) for _ in range(4)]
        for t in threads:
            t.start()
        time.sleep(1)
        up = subprocess.run([str(EXE), "update", "--source-dir", str(folder), "--json"],
                            env=env, capture_output=True, text=True, timeout=120)
        assert up.returncode == 0, up.stderr  # the server's open store did not stop the update
        [loaded] = json.loads(up.stdout)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not any(a[1] == loaded["edition"] for a in answers[-20:]):
            time.sleep(0.2)
        time.sleep(0.5)
        stop.set()
        for t in threads:
            t.join(timeout=30)
    finally:
        stop.set()
        server.terminate()
        server.wait(timeout=20)
    assert not failures, failures[:5]
    editions = {e: v for v, e, _ in answers}
    assert editions.get(loaded["edition"]) == new, "the server moved to the new edition"
    # every answer is one edition's own figure: never the old edition with the new count, or mixed
    for value, edition, _ in answers:
        assert value == (new if edition == loaded["edition"] else old), (value, edition)
    first_new = next(i for i, a in enumerate(answers) if a[1] == loaded["edition"])
    assert first_new > 0 and answers[first_new - 1][1] != loaded["edition"]
    assert {a[2] for a in answers if a[1] == loaded["edition"]}.isdisjoint({a[2] for a in answers if a[1] != loaded["edition"]}), \
        "an ETag is never shared by two sets of editions"
    assert slowest[0] < 10, f"a request waited {slowest[0]:.1f} s"


def test_one_update_at_a_time(home):
    with publish.loading():
        with pytest.raises(JusticegapError, match="another update is loading"):
            with publish.loading():
                pass


def test_nothing_published_when_nothing_loaded(loaded_copy):
    path = loaded_copy / "justicegap.duckdb"
    before = path.stat().st_ino
    with publish.loading():
        pass
    assert path.stat().st_ino == before
    assert not path.with_name(path.name + ".loading").exists()


def test_a_reader_keeps_its_snapshot_while_a_new_store_is_published(loaded_copy, reissue):
    """A snapshot opened before an update answers from its own editions to the end; the next one
    sees the new edition."""
    from justicegap import update

    folder, _, _ = reissue
    path = loaded_copy / "justicegap.duckdb"
    before = Store.snapshot(path)
    n = len(before.editions())
    with publish.loading() as s:
        [r] = update.load_dir(s, folder)
    assert r.status == "loaded"
    assert len(before.editions()) == n
    after = Store.snapshot(path)
    assert len(after.editions()) == n + 1
    before.close()
    after.close()


def test_get_and_sources_answer_while_an_update_loads(loaded_copy, reissue):
    """During an update (its loads committed to the copy, not yet published), the command line
    reads the store as it was, without waiting; after it, the new edition."""
    from justicegap import update

    folder, old, new = reissue
    env = {**os.environ, "JUSTICEGAP_HOME": str(loaded_copy)}
    get = [str(EXE), "get", "recorded", "--area", "Kent", "--period", "2017/18", "--offence", "rape", "--json"]
    with publish.loading() as s:
        [r] = update.load_dir(s, folder)
        assert r.status == "loaded"
        during = subprocess.run(get, env=env, capture_output=True, text=True, timeout=60)
        listed = subprocess.run([str(EXE), "sources", "--json"], env=env, capture_output=True, text=True, timeout=60)
        assert during.returncode == 0 and listed.returncode == 0, during.stderr + listed.stderr
        assert json.loads(during.stdout)["value"] == old
        assert r.edition not in {e["edition"] for e in json.loads(listed.stdout)}
    after = subprocess.run(get, env=env, capture_output=True, text=True, timeout=60)
    assert json.loads(after.stdout)["value"] == new and json.loads(after.stdout)["edition"] == r.edition
