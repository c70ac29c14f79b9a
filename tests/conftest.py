"""Shared fixtures: the real published data beside the project, and stores loaded from it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data: real slices of the Home Office, ONS, CPS and MoJ publications."""
    assert (SHARED / "README.md").exists(), f"the shared data folder is missing: {SHARED}"
    return SHARED


@pytest.fixture(scope="session")
def loaded_load(tmp_path_factory, shared_data):
    """Everything in ../shared/data loaded once per session, as `justicegap update --source-dir`
    would: (home, results of the load)."""
    from justicegap import update
    from justicegap.store import Store

    home = tmp_path_factory.mktemp("loaded-home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JUSTICEGAP_HOME", str(home))
        with Store(home / "justicegap.duckdb") as store:
            results = update.load_dir(store, shared_data)
    failed = [r for r in results if r.status == "failed"]
    assert not failed, failed
    return home, results


@pytest.fixture(scope="session")
def loaded_home(loaded_load) -> Path:
    """A justicegap home whose store holds everything in ../shared/data.

    Read-only for tests: a test that writes uses ``loaded_copy``.
    """
    return loaded_load[0]


@pytest.fixture
def loaded(loaded_home, monkeypatch) -> Path:
    """Point justicegap at the shared loaded store (JUSTICEGAP_HOME)."""
    monkeypatch.setenv("JUSTICEGAP_HOME", str(loaded_home))
    return loaded_home


@pytest.fixture
def loaded_copy(loaded_home, tmp_path, monkeypatch) -> Path:
    """A private copy of the loaded store, for tests that load more or change it."""
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(loaded_home / "justicegap.duckdb", home / "justicegap.duckdb")
    monkeypatch.setenv("JUSTICEGAP_HOME", str(home))
    return home


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """An empty justicegap home."""
    h = tmp_path / "empty-home"
    h.mkdir()
    monkeypatch.setenv("JUSTICEGAP_HOME", str(h))
    return h


@pytest.fixture
def loaded_store(loaded):
    """A read-only connection to the shared loaded store."""
    from justicegap.store import Store

    with Store(read_only=True) as s:
        yield s


@pytest.fixture
def store(home):
    """A new, empty store in an empty home."""
    from justicegap.store import Store

    with Store(home / "justicegap.duckdb") as s:
        yield s


@pytest.fixture(scope="session")
def app(loaded_home):
    """The HTTP API and dashboard over the loaded store."""
    from justicegap.server import create_app

    app = create_app(loaded_home / "justicegap.duckdb", warm=False)
    yield app
    app.state.service.close()


@pytest.fixture(scope="session")
def client(app):
    from fastapi.testclient import TestClient

    return TestClient(app, raise_server_exceptions=False)


# --- local mode (case records) ---------------------------------------------------------------

@pytest.fixture(scope="session")
def synth_kent(loaded_home, tmp_path_factory) -> Path:
    """SYNTHETIC Kent 2017/18 sexual-offence records (seed 1), written once per session."""
    from justicegap.records.synth import synthesise
    from justicegap.store import Store

    out = tmp_path_factory.mktemp("synth") / "kent"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JUSTICEGAP_HOME", str(loaded_home))
        with Store(loaded_home / "justicegap.duckdb", read_only=True) as s:
            synthesise(s, "Kent", "2017/18", out, seed=1)
    return out


@pytest.fixture(scope="session")
def records_home(loaded_home, synth_kent, tmp_path_factory) -> Path:
    """A copy of the loaded store with the synthetic Kent records loaded (key file in the home).
    Read-only for tests: a test that writes uses ``records_copy``."""
    from justicegap.records.load import load_records
    from justicegap.store import Store

    home = tmp_path_factory.mktemp("records-home")
    shutil.copy(loaded_home / "justicegap.duckdb", home / "justicegap.duckdb")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JUSTICEGAP_HOME", str(home))
        mp.delenv("JUSTICEGAP_RECORDS_KEY", raising=False)
        with Store(home / "justicegap.duckdb") as s:
            load_records(s, synth_kent)
    return home


@pytest.fixture
def records(records_home, monkeypatch) -> Path:
    monkeypatch.setenv("JUSTICEGAP_HOME", str(records_home))
    monkeypatch.delenv("JUSTICEGAP_RECORDS_KEY", raising=False)
    return records_home


@pytest.fixture
def records_store(records):
    from justicegap.store import Store

    with Store(read_only=True) as s:
        yield s


@pytest.fixture
def records_copy(records_home, tmp_path, monkeypatch) -> Path:
    """A private copy of ``records_home`` (store and key), for tests that write."""
    home = tmp_path / "records-home"
    shutil.copytree(records_home, home)
    monkeypatch.setenv("JUSTICEGAP_HOME", str(home))
    monkeypatch.delenv("JUSTICEGAP_RECORDS_KEY", raising=False)
    return home


@pytest.fixture(scope="session")
def south_east(loaded_home, synth_kent, tmp_path_factory):
    """A store with the synthetic records of the three forces of CPS South East (Kent, Surrey,
    Sussex): (home, an analyst's token, the folder each force's records came from)."""
    from justicegap.records import access
    from justicegap.records.load import load_records
    from justicegap.records.synth import synthesise
    from justicegap.store import Store

    base = tmp_path_factory.mktemp("south-east")
    home = base / "home"
    home.mkdir()
    shutil.copy(loaded_home / "justicegap.duckdb", home / "justicegap.duckdb")
    folders = {"Kent": synth_kent}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JUSTICEGAP_HOME", str(home))
        mp.delenv("JUSTICEGAP_RECORDS_KEY", raising=False)
        with Store(home / "justicegap.duckdb") as s:
            for force in ("Surrey", "Sussex"):
                folders[force] = base / force.lower()
                synthesise(s, force, "2017/18", folders[force], seed=2)
            for folder in folders.values():
                load_records(s, folder)
            token = access.add_token(s, "Ana Lyst")
    return home, token, folders


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium (never a browser download), one per browser test module."""
    from browsing import launched

    yield from launched()
