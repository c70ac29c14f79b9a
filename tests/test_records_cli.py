"""The record commands as users run them: the installed script in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent / "justicegap"


def run(home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, timeout=600,
                          env={**os.environ, "JUSTICEGAP_HOME": str(home), "COLUMNS": "200"})


def test_reconcile_survival_and_measures_json(records_copy, tmp_path):
    r = run(records_copy, "records", "reconcile", "--area", "Kent", "--period", "2017/18", "--offence", "rape", "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["differences"] == 0 and d["synthetic"] is True
    r = run(records_copy, "records", "survival", "--area", "Kent", "--period", "2017/18", "--event", "outcome",
            "--plot", str(tmp_path / "km.svg"))
    assert r.returncode == 0, r.stderr
    assert "SYNTHETIC" in r.stdout and "Kaplan-Meier" in r.stdout
    assert "SYNTHETIC RECORDS" in (tmp_path / "km.svg").read_text()
    r = run(records_copy, "records", "measures", "--area", "Kent", "--period", "2017/18", "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert set(d) == {"charge_rate", "status", "withdrawal", "attrition"}
    assert d["charge_rate"]["follow_up_days"] == 365 and d["charge_rate"]["extract_date"] == "2018-06-30"


def test_measures_keep_reasons_apart_from_statuses(records_copy):
    """The status shares are of every record, the Counting Rules reasons' of the cancelled and
    transferred ones: two tables, each saying what its shares are of (a fresh-user pass found the
    reasons in the status table's column)."""
    st = json.loads(run(records_copy, "records", "measures", "--area", "Kent", "--period", "2017/18", "--json").stdout)["status"]
    gone = sum(s["count"] for s in st["statuses"] if s["key"] != "recorded")
    assert st["reasons_of"] == gone > 0 and sum(r["count"] for r in st["reasons"]) <= gone
    assert all(r["share"] == pytest.approx(r["count"] / gone) for r in st["reasons"])
    assert sum(s["count"] for s in st["statuses"]) == st["total"]
    text = run(records_copy, "records", "measures", "--area", "Kent", "--period", "2017/18").stdout
    status, rest = text.split(f"Status of the {st['total']:,} crime records", 1)[1].split(f"Why the {gone:,} cancelled or transferred", 1)
    for r in st["reasons"]:
        if r["count"]:
            assert r["label"][:30] not in status and r["label"][:30] in rest


def test_bad_parameters_are_one_message(records_copy, tmp_path):
    for args, needle in [
        (("records", "survival", "--area", "Kent", "--period", "2017/18", "--event", "verdict"), "--event"),
        (("records", "survival", "--area", "Kent", "--period", "2017/18", "--plot", str(tmp_path / "k.gif")), "--plot"),
        (("records", "measures", "--area", "Kent", "--period", "2019/20"), "--period"),
        (("records", "reconcile", "--area", "Surrey", "--period", "2017/18"), "No case records are loaded for Surrey"),
        (("records", "sample", "--area", "Kent", "--period", "2017/18", "--size", "5", "--by", "notes", "--out", str(tmp_path / "s.xlsx")), "--by"),
        (("records", "load", str(tmp_path / "missing")), "not a folder of record files"),
        (("synth", "--area", "Kent", "--period", "2017/18", "--out", str(tmp_path / "s"), "--extract-date", "2018-02-30"), "--extract-date"),
    ]:
        r = run(records_copy, *args)
        assert r.returncode != 0, args
        assert needle in r.stderr and "Traceback" not in r.stderr, (args, r.stderr)


def test_refusals_name_forces_and_say_records_are_held_not_published(records_home, synth_kent, tmp_path):
    """The words a fresh user met: the forces missing by name (not code); case records held by the
    force and its CPS Area, never published; a follow-up no crime could have had is refused, with
    the longest one, counted here from the synthetic file, instead of 'Of the 0 crimes ...'."""
    import csv
    from datetime import date

    r = run(records_home, "records", "measures", "--area", "CPS South East", "--period", "2017/18")
    err = " ".join(r.stderr.split())
    assert r.returncode == 4 and "missing: Surrey, Sussex." in err and "E23000031" not in err and "E23000033" not in err
    r = run(records_home, "synth", "--area", "Ashford", "--period", "2017/18", "--out", str(tmp_path / "a"))
    err = " ".join(r.stderr.split())
    assert r.returncode == 4 and "published" not in err.replace("never published", "")
    assert "held by each police force (and its CPS Area)" in err and "Kent Police and CPS South East" in err
    extract = date.fromisoformat(json.loads((synth_kent / "manifest.json").read_text())["extract_date"])
    with open(synth_kent / "offences.csv", newline="") as f:
        first = min(date.fromisoformat(x["date_recorded"]) for x in csv.DictReader(f)
                    if x["status"] == "recorded" and "2017-04-01" <= x["date_recorded"] <= "2018-03-31")
    longest = (extract - first).days
    r = run(records_home, "records", "measures", "--area", "Kent", "--period", "2017/18", "--follow-up", "5000")
    err = " ".join(r.stderr.split())
    assert r.returncode == 2 and r.stdout == "" and err.count("error:") == 1 and "Traceback" not in r.stderr
    assert "--follow-up" in err and f"the longest any had is {longest} days" in err
    r = run(records_home, "records", "measures", "--area", "Kent", "--period", "2017/18", "--follow-up", str(longest), "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["charge_rate"]["denominator"] > 0


def test_token_is_printed_once_and_audit_is_empty_at_first(records_copy):
    r = run(records_copy, "records", "token", "--user", "Ana")
    assert r.returncode == 0 and r.stdout.strip().splitlines()[-1].startswith("jg_")
    r = run(records_copy, "audit")
    assert r.returncode == 0 and "No record-level requests yet" in r.stdout


def test_synth_json(loaded, tmp_path):
    r = run(loaded, "synth", "--area", "Kent", "--period", "2017/18", "--offence", "rape", "--out", str(tmp_path / "k"), "--json")
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert d["synthetic"] is True and d["offences"] > 2530 and d["extract_date"] == "2018-06-30"


@pytest.mark.parametrize("out", ["/etc/passwd", "/proc/x"])
def test_synth_to_a_path_it_cannot_write(loaded_home, out):
    """One sentence naming --out, not a traceback (found by a fresh-user pass)."""
    p = run(loaded_home, "synth", "--area", "Kent", "--period", "2017/18", "--out", out)
    assert p.returncode == 2 and "--out" in p.stderr and "Traceback" not in p.stderr and len(p.stderr.strip().splitlines()) == 1
