"""The command line: JSON shapes, messages and exit statuses, run as a user would run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXE = Path(sys.executable).parent / "justicegap"


def run(*args, home=None, check=True):
    env = {**os.environ, "COLUMNS": "200"}
    if home:
        env["JUSTICEGAP_HOME"] = str(home)
    p = subprocess.run([str(EXE), *map(str, args)], capture_output=True, text=True, env=env)
    if check:
        assert p.returncode == 0, p.stderr
    return p


def test_get_json(loaded_home):
    d = json.loads(run("get", "recorded", "--area", "Kent", "--period", "2017/18", "--offence", "rape", "--json", home=loaded_home).stdout)
    assert d["value"] == 2529 and isinstance(d["value"], int)  # a count is an integer, not 2529.0
    assert d["area"] == {"code": "E23000032", "name": "Kent", "level": "pfa", "parent": None, "note": None}
    assert d["unit"] == "offences" and d["sources"][0]["sha256"] and d["flags"] is not None
    d = json.loads(run("get", "recorded", "--area", "Ashford", "--period", "YE Jun 2025", "--offence", "sexual_offences", "--json", home=loaded_home).stdout)
    assert d["value"] == 413
    d = json.loads(run("get", "charge_rate_cohort", "--area", "e23000032", "--period", "2017/18", "--json", home=loaded_home).stdout)
    assert (d["numerator"], d["denominator"], d["basis"]) == (42, 2529, "recorded_cohort")


def test_get_text_shows_everything_that_travels(loaded_home):
    out = run("get", "charge_rate_cohort", "--area", "Kent", "--period", "2017/18", home=loaded_home).stdout
    for needle in ("1.7%", "Numerator", "Denominator", "recorded_cohort", "offences", "ho_outcomes-", "Of the 2,529 rapes"):
        assert needle in out


@pytest.mark.parametrize("args,code,needle", [
    (["get", "recorded", "--area", "Kentt", "--period", "2017/18"], 3, "closest matches: Kent"),
    (["get", "recorded", "--area", "Kent", "--period", "2017-18"], 2, "2017/18"),
    (["get", "nonsense", "--area", "Kent", "--period", "2017/18"], 3, "unknown metric"),
    (["get", "charge_rate_cohort", "--area", "Ashford", "--period", "2017/18"], 4, "police force area only"),
    (["get", "recorded", "--area", "Kent", "--period", "2017/18", "--offence", "burglary"], 3, "unknown offence family"),
    # what the user typed is shown as typed, never read as terminal markup
    (["get", "recorded", "--area", "[/x]", "--period", "2017/18"], 3, "unknown area '[/x]'"),
    (["get", "recorded", "--area", "[bold]Kent[/bold", "--period", "2017/18"], 3, "'[bold]Kent[/bold'"),
    (["check", "x", "--metric", "charge_rate_cohort", "--area", "Kent", "--period", "2017/18", "--value", "1 in 0"], 2,
     "--value"),
    (["check", "x", "--metric", "charge_rate_cohort", "--area", "Kent", "--period", "2017/18", "--value", "-5"], 2,
     "is negative"),
    (["check", "x", "--metric", "charge_rate_cohort", "--area", "Kent", "--period", "2017/18", "--value", "150%"], 2,
     "more than 100%, which a proportion of cases cannot be"),
    # an argument is named as the usage line names it, not as an option (found by a fresh-user pass)
    (["export", "--area", "Kent", "--period", "2017/18", "--out", "/tmp"], 2, "error: METRIC: give a metric"),
    (["export", "charge_rate_cohort", "--area", "Kent", "--period", "2017/18", "--out", "/proc/justicegap-x"], 2,
     "'/proc/justicegap-x' cannot be written"),
])
def test_errors_are_one_message_and_an_exit_status(loaded_home, args, code, needle):
    p = run(*args, home=loaded_home, check=False)
    assert p.returncode == code and needle in " ".join(p.stderr.split())
    assert "Traceback" not in p.stderr


def test_no_store_yet(home):
    p = run("get", "recorded", "--area", "Kent", "--period", "2017/18", home=home, check=False)
    assert p.returncode != 0 and "justicegap update" in p.stderr


def test_update_bad_file_exits_non_zero(home, tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "pfa.csv").write_text("Financial Year,Financial Quarter,Force Name,Offence Description,Offence Group,"
                               "Offence Subgroup,Offence Code,Number of Offences\n2017/18,1,Kent,x,y,z,19C,lots\n")
    p = run("update", "--source-dir", d, home=home, check=False)
    assert p.returncode == 2 and "pfa.csv" in p.stderr and "'lots' is not a number" in " ".join(p.stderr.split())


def test_sources_areas_metrics(loaded_home):
    eds = json.loads(run("sources", "--json", home=loaded_home).stdout)
    assert {"ho_pfa", "ho_outcomes", "ons_csp_tables"} <= {e["dataset"] for e in eds}
    assert all(len(e["sha256"]) == 64 for e in eds)
    assert all(e["rows"] > 0 for e in eds if e["dataset"].startswith("ho_"))
    table = run("sources", home=loaded_home).stdout
    assert "None" not in table and "(no facts)" in table  # lookups and boundaries cover no period
    lineage = json.loads(run("sources", "--lineage", eds[0]["edition"], "--json", home=loaded_home).stdout)
    assert lineage["lineage"][0]["action"] == "retrieved"
    pfa = json.loads(run("areas", "--level", "pfa", "--json", home=loaded_home).stdout)
    assert len(pfa) == 43
    found = json.loads(run("areas", "--search", "shepway", "--json", home=loaded_home).stdout)
    assert {a["code"] for a in found} >= {"E07000112", "E22000145"}
    listed = json.loads(run("metrics", "--json").stdout)
    assert {"recorded", "charge_rate_cohort", "charge_rate_closed", "charge_ratio_period"} <= {m["id"] for m in listed}
    one = run("metrics", "charge_rate_cohort").stdout
    assert "recorded_cohort" in one and "not to be confused with charge_rate_closed" in one


def test_compare_funnel_maturation(loaded_home, tmp_path):
    svg = tmp_path / "f.svg"
    d = json.loads(run("compare", "charge_rate_cohort", "--level", "pfa", "--period", "2018/19", "--offence", "rape",
                       "--plot", svg, "--json", home=loaded_home).stdout)
    assert len(d["areas"]) == 43 and svg.read_text().startswith("<svg") and d["plot"]["text"]
    p = run("compare", "charge_rate_cohort", "--period", "2018/19", "--plot", tmp_path / "no" / "f.svg", home=loaded_home, check=False)
    assert p.returncode == 2 and "does not exist" in p.stderr
    f = json.loads(run("funnel", "--area", "Kent", "--period", "2017/18", "--offence", "rape", "--json", home=loaded_home).stdout)
    assert f["stages"][0]["volume"] == 2529
    text = run("funnel", "--area", "Kent", "--period", "2017/18", "--offence", "rape", home=loaded_home).stdout
    assert "2,529" in text and "recorded_cohort" in text
    m = json.loads(run("maturation", "charge_rate_cohort", "--area", "Kent", "--period", "2017/18", "--json", home=loaded_home).stdout)
    assert m["editions"][0]["numerator"] == 42


def test_text_output_carries_editions_flags_and_data_breaks(loaded_home):
    """What the JSON holds that must travel with a figure is in the text output too."""
    f = json.loads(run("funnel", "--area", "Kent", "--period", "2017/18", "--offence", "rape", "--json", home=loaded_home).stdout)
    events = {ev["title"] for s in f["stages"] if s["available"] for ev in s["figure"]["events"]}
    assert events
    text = " ".join(run("funnel", "--area", "Kent", "--period", "2017/18", "--offence", "rape", home=loaded_home).stdout.split())
    assert all(f"Data break: {t}:" in text for t in events)

    c = json.loads(run("compare", "charge_rate_cohort", "--period", "2017/18", "--offence", "rape", "--json", home=loaded_home).stdout)
    text = " ".join(run("compare", "charge_rate_cohort", "--period", "2017/18", "--offence", "rape", home=loaded_home).stdout.split())
    assert all(e in text for e in c["editions"]) and "Editions:" in text
    small = [a for a in c["areas"] if "low_count" in a["flags"]]
    assert small and all(a["denominator"] < 30 for a in small)
    row = next(ln for ln in run("compare", "charge_rate_cohort", "--period", "2017/18", "--offence", "rape",
                                home=loaded_home).stdout.splitlines() if small[0]["area"]["name"] in ln)
    assert "low_count" in row

    m = json.loads(run("maturation", "charge_rate_cohort", "--area", "Kent", "--period", "2017/18", "--json", home=loaded_home).stdout)
    assert {ev["id"] for ev in m["events"]} >= {"recording_integrity"}
    text = " ".join(run("maturation", "charge_rate_cohort", "--area", "Kent", "--period", "2017/18", home=loaded_home).stdout.split())
    assert "Data break: Crime recording improvements:" in text

    text = " ".join(run("check", "1.7%", "--metric", "charge_rate_cohort", "--area", "Kent", "--period", "2017/18",
                        "--value", "1.7%", home=loaded_home).stdout.split())
    assert "ho_outcomes-" in text and "Data break: Crime recording improvements:" in text


@pytest.mark.parametrize("args,needle", [
    (["get", "charge_rate_cohort", "--area", "Kent", "--period", "2017/18", "--ofence", "rape"], "No such option: --ofence"),
    (["get", "charge_rate_cohort"], "Missing option '--area'"),
    (["gett"], "No such command 'gett'"),
])
def test_usage_mistakes_print_the_usage_line_and_one_sentence(loaded_home, args, needle):
    """As a user runs it (the installed script): whichever click the installed Typer uses, a usage
    mistake is the usage line and one error line, exit status 2, no traceback box."""
    p = run(*args, home=loaded_home, check=False)
    lines = [x for x in p.stderr.splitlines() if x.strip()]
    assert p.returncode == 2, p.stderr
    assert lines[0].startswith("Usage: justicegap") and len(lines) == 2, p.stderr
    assert lines[1].startswith("error: ") and needle in lines[1]
    assert "Traceback" not in p.stderr and "╭" not in p.stderr and p.stdout == ""


@pytest.mark.parametrize("command,usage", [
    (["get"], "Usage: justicegap get [OPTIONS] METRIC"),
    (["compare"], "Usage: justicegap compare [OPTIONS] METRIC"),
    (["evaluate"], "Usage: justicegap evaluate [OPTIONS] [METRIC]"),
    (["check"], "Usage: justicegap check [OPTIONS] CLAIM"),
    (["records", "load"], "Usage: justicegap records load [OPTIONS] DIRECTORY"),
])
def test_usage_lines_name_arguments_in_capitals(command, usage):
    """Typer writes a required argument as '{metric}', which reads like a placeholder left unfilled."""
    p = run(*command, "--help")
    assert p.stdout.splitlines()[0] == usage
    mistake = run(*command, "--no-such-option", check=False)
    assert mistake.stderr.splitlines()[0] == usage and "{" not in mistake.stderr
    assert p.stdout.split("Arguments:")[1].split()[0] == usage.split()[-1].strip("[]")  # the help names it alike


def test_missing_argument_named_as_in_the_usage_line():
    p = run("get", check=False)
    assert p.returncode == 2 and "error: Missing argument 'METRIC'." in p.stderr


@pytest.mark.parametrize("args,parameter,path", [
    (["export", "charge_rate_cohort", "--area", "Kent", "--period", "2017/18", "--out", "/proc/jg-x"], "--out", "/proc/jg-x"),
    (["report", "--area", "Kent", "--from", "2017/18", "--to", "2017/18", "--out", "/proc/jg-x.xlsx"], "--out", "/proc/jg-x.xlsx"),
    (["compare", "charge_rate_cohort", "--level", "pfa", "--period", "2017/18", "--plot", "/proc/jg-x.svg"], "--plot",
     "/proc/jg-x.svg"),
])
def test_unwritable_output_is_one_sentence_saying_why(loaded_home, args, parameter, path):
    """A folder that exists but takes no file (/proc) is not 'No such file or directory'."""
    p = run(*args, home=loaded_home, check=False)
    err = " ".join(p.stderr.split())
    assert p.returncode == 2 and "Traceback" not in p.stderr and err.count("error:") == 1
    assert (f"error: {parameter}: '{path}' cannot be written: the folder '/proc' does not take new files" in err
            and "No such file" not in err), err
    assert p.stdout == ""  # refused before any work
