"""Reconciliation: synthetic Kent records show no difference; one altered record shows in its cell."""

from __future__ import annotations

import shutil

from justicegap.records.load import load_records
from justicegap.records.reconcile import CAUSES, reconcile
from justicegap.store import Store

from test_records_load import rows, write


def test_synthetic_kent_reconciles_with_no_difference(records_store):
    r = reconcile(records_store, "Kent", "2017/18", offence="rape")
    assert r.differences == 0
    assert r.synthetic
    assert r.edition_file == "prc-outcomes-2017-18.csv.gz"
    # every published cell but the one the Home Office published as -1 is matched exactly
    odd = [c for c in r.cells if c.difference]
    assert [(c.quarter, c.offence, c.outcome, c.published) for c in odd] == [("2017/18 Q2", "19H", "0", -1)]
    assert odd[0].likely_cause == CAUSES["negative"] and r.unreproducible == 1
    assert sum(c.published for c in r.cells if c.outcome != "1A") == 2529  # Kent rape 2017/18, README of the data


def test_all_sexual_offences_reconcile_too(records_store):
    r = reconcile(records_store, "Kent", "2017/18")
    assert r.differences == 0 and r.records_total > 6000


def test_altered_records_show_in_the_right_cells_with_their_causes(loaded_copy, synth_kent, tmp_path):
    d = tmp_path / "altered"
    shutil.copytree(synth_kent, d)
    data = rows(d / "offences.csv")
    a = next(r for r in data if r["offence_code"] == "19C" and r["outcome_type"] == "16" and r["date_recorded"] < "2017-07-01")
    a["outcome_type"] = "15"  # Q1: outcome recorded differently
    b = next(r for r in data if r["offence_code"] == "19C" and r["outcome_type"] == "18" and "2017-10-01" <= r["date_recorded"] < "2018-01-01")
    b["offence_code"] = "19F"  # Q3: reclassified
    write(d / "offences.csv", data)
    with Store() as s:
        load_records(s, d)
        r = reconcile(s, "Kent", "2017/18", offence="rape")
    diff = {(c.quarter, c.offence, c.outcome): (c.difference, c.likely_cause) for c in r.cells if c.difference and c.published >= 0}
    assert diff == {
        ("2017/18 Q1", "19C", "16"): (-1, CAUSES["outcome_changed"]),
        ("2017/18 Q1", "19C", "15"): (1, CAUSES["outcome_changed"]),
        ("2017/18 Q3", "19C", "18"): (-1, CAUSES["reclassified"]),
        ("2017/18 Q3", "19F", "18"): (1, CAUSES["reclassified"]),
    }
    assert r.differences == 4


def test_a_cancelled_record_shows_as_cancellation(loaded_copy, synth_kent, tmp_path):
    d = tmp_path / "cancelled"
    shutil.copytree(synth_kent, d)
    data = rows(d / "offences.csv")
    charged = {x["record_ids"] for x in rows(d / "cps_cases.csv")}
    a = next(r for r in data if r["offence_code"] == "19D" and r["outcome_type"] == "14" and r["record_id"] not in charged
             and r["date_recorded"] >= "2018-01-01")
    a.update(status="cancelled", status_reason="A", status_date=a["date_recorded"], outcome_type="", outcome_date="",
             support_withdrawn_date="")
    write(d / "offences.csv", data)
    with Store() as s:
        load_records(s, d)
        r = reconcile(s, "Kent", "2017/18", offence="rape")
    diff = [(c.quarter, c.offence, c.outcome, c.difference, c.likely_cause) for c in r.cells if c.difference and c.published >= 0]
    assert diff == [("2017/18 Q4", "19D", "14", -1, CAUSES["cancelled"])]


def test_synthetic_kent_reconciles_on_the_closed_basis_too(records_store, shared_data):
    """Outcomes assigned in each quarter (whenever the crime was recorded) against the edition's
    'Force outcomes recorded in quarter': only the two cells published as -1 differ."""
    from test_records_synth import CLOSED, published_kent

    r = reconcile(records_store, "Kent", "2017/18", basis="closed")
    assert r.differences == 0 and r.unreproducible == 2
    odd = {(c.quarter, c.offence, c.outcome, c.published, c.difference) for c in r.cells if c.difference}
    assert odd == {("2017/18 Q4", "21", "12", -1, 1), ("2017/18 Q4", "71", "1", -1, 1)}
    assert r.records_total == sum(published_kent(shared_data, CLOSED).values())
    assert "outcomes recorded in quarter" in r.basis


def test_one_altered_record_shows_in_the_right_cell_on_both_bases(loaded_copy, synth_kent, tmp_path):
    d = tmp_path / "altered-both"
    shutil.copytree(synth_kent, d)
    data = rows(d / "offences.csv")
    # recorded in Q1, outcome 16 assigned in Q2: now outcome 15
    a = next(r for r in data if r["offence_code"] == "19C" and r["outcome_type"] == "16"
             and "2017-04-01" <= r["date_recorded"] < "2017-07-01" and "2017-07-01" <= r["outcome_date"] < "2017-10-01")
    a["outcome_type"] = "15"
    # recorded before Q3, outcome 18 assigned in Q3: now dated in Q4 (the cohort cannot see this)
    b = next(r for r in data if r["offence_code"] == "19D" and r["outcome_type"] == "18"
             and r["date_recorded"] < "2017-10-01" and "2017-10-01" <= r["outcome_date"] < "2018-01-01")
    b["outcome_date"] = "2018-01-15"
    write(d / "offences.csv", data)
    with Store() as s:
        load_records(s, d)
        cohort = reconcile(s, "Kent", "2017/18", offence="rape")
        closed = reconcile(s, "Kent", "2017/18", offence="rape", basis="closed")

    def differing(r):
        return {(c.quarter, c.offence, c.outcome): (c.difference, c.likely_cause) for c in r.cells
                if c.difference and c.published >= 0}
    assert differing(cohort) == {("2017/18 Q1", "19C", "16"): (-1, CAUSES["outcome_changed"]),
                                 ("2017/18 Q1", "19C", "15"): (1, CAUSES["outcome_changed"])}
    assert differing(closed) == {
        ("2017/18 Q2", "19C", "16"): (-1, CAUSES["outcome_changed"]),
        ("2017/18 Q2", "19C", "15"): (1, CAUSES["outcome_changed"]),
        ("2017/18 Q3", "19D", "18"): (-1, CAUSES["outcome_quarter"]),
        ("2017/18 Q4", "19D", "18"): (1, CAUSES["outcome_quarter"]),
    }


def test_an_unknown_basis_is_refused(records_store):
    import pytest

    from justicegap.errors import InvalidParameter

    with pytest.raises(InvalidParameter, match="^basis: 'open' is not a basis"):
        reconcile(records_store, "Kent", "2017/18", basis="open")


def test_the_api_and_the_command_line_give_the_closed_basis(records_copy):
    """/api/v1/records/reconcile?basis=closed (analysts, audited) and `records reconcile --basis
    closed` (the installed command) say what the library says."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from fastapi.testclient import TestClient

    from justicegap.records import access
    from justicegap.server import create_app

    with Store() as s:
        token = access.add_token(s, "Ana Lyst")
        want = reconcile(s, "Kent", "2017/18", basis="closed")
    app = create_app(records_copy / "justicegap.duckdb", warm=False)
    try:
        client = TestClient(app, raise_server_exceptions=False)
        url = "/api/v1/records/reconcile?area=Kent&period=2017/18&basis=closed"
        assert client.get(url).status_code == 401
        r = client.get(url, headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200 and r.json()["records_total"] == want.records_total and r.json()["basis"] == want.basis
        assert client.get(url.replace("closed", "open"), headers={"Authorization": f"Bearer {token}"}).status_code == 422
    finally:
        app.state.service.close()
    assert "basis=closed" in (records_copy / "records-audit.log").read_text()
    p = subprocess.run([str(Path(sys.executable).parent / "justicegap"), "records", "reconcile", "--area", "Kent",
                        "--period", "2017/18", "--basis", "closed"], capture_output=True, text=True,
                       env={**os.environ, "JUSTICEGAP_HOME": str(records_copy), "COLUMNS": "200"})
    assert p.returncode == 0, p.stderr
    assert f"{want.records_total:,} outcomes assigned in the period" in p.stdout and "0 cell(s) differ; 2 cell(s)" in p.stdout
