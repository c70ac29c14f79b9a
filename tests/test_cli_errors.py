"""Errors on the command line: when JSON output is asked for (--json, --format json), the error is
one JSON object on stderr, built from the library's error data, with the exit status text mode gives."""

from __future__ import annotations

import json

import pytest

from test_cli import run

KEYS = {"code", "message", "parameter", "alternatives", "holder"}


def json_error(p, extra=()) -> dict:
    """The one JSON object on stderr (nothing on stdout: a script reading it gets no half answer)."""
    assert p.stdout == ""
    assert "Traceback" not in p.stderr
    doc = json.loads(p.stderr)
    assert set(doc) == {"error"} and set(doc["error"]) == KEYS | set(extra)
    return doc["error"]


def test_unknown_area(loaded_home):
    p = run("get", "recorded", "--area", "Kentt", "--period", "2017/18", "--json", home=loaded_home, check=False)
    e = json_error(p)
    assert p.returncode == 3
    assert e["code"] == "unknown_area" and e["parameter"] == "--area" and e["holder"] is None
    assert "Kent (police force area)" in e["alternatives"]
    # the sentence text mode prints, worded for the command line (its action names a command)
    text = run("get", "recorded", "--area", "Kentt", "--period", "2017/18", home=loaded_home, check=False)
    assert " ".join(text.stderr.split()) == "error: " + e["message"]
    assert "justicegap areas --search 'Kentt'" in e["message"]


def test_period_not_held(loaded_home):
    p = run("get", "recorded", "--area", "Kent", "--period", "2030/31", "--format", "json", home=loaded_home, check=False)
    e = json_error(p)
    assert p.returncode == 4 and e["code"] == "not_available"
    assert e["message"].startswith("No loaded data cover 2030/31")
    # what is loaded instead, as the store holds it: the police outcomes cover 2017/18 and 2018/19
    assert "Crime outcomes open data: 2017/18..2018/19" in e["alternatives"]


@pytest.mark.parametrize("fmt", [["--format=json"], ["-f", "json"], ["-f", "JSON"]])
def test_malformed_period_names_the_flag(loaded_home, fmt):
    p = run("get", "recorded", "--area", "Kent", "--period", "2017-18", *fmt, home=loaded_home, check=False)
    e = json_error(p)
    assert p.returncode == 2 and e["code"] == "invalid_parameter" and e["parameter"] == "--period"
    assert e["message"].startswith("--period: '2017-18' is not a month")


def test_unknown_option_is_a_usage_error(loaded_home):
    p = run("get", "recorded", "--area", "Kent", "--period", "2017/18", "--bogus", "--json", home=loaded_home, check=False)
    e = json_error(p)
    assert p.returncode == 2
    assert e == {"code": "usage", "message": "No such option: --bogus. See 'justicegap get --help'.",
                 "parameter": "--bogus", "alternatives": [], "holder": None}


@pytest.mark.parametrize("args,parameter", [
    (["get", "recorded", "--period", "2017/18"], "--area"),  # a missing option, named by its long form
    (["trend", "recorded", "--area", "Kent", "--quarters", "0"], "--quarters"),  # out of click's range
    (["get", "--area", "Kent", "--period", "2017/18"], "METRIC"),  # an argument, as the usage line names it
    (["nosuch"], None),
])
def test_usage_errors_name_the_parameter_click_knows(loaded_home, args, parameter):
    p = run(*args, "--json", home=loaded_home, check=False)
    e = json_error(p)
    assert p.returncode == 2 and e["code"] == "usage" and e["parameter"] == parameter


def test_comparison_not_available(loaded_home):
    p = run("compare", "charge_rate_cohort", "--level", "csp", "--period", "2017/18", "--json", home=loaded_home, check=False)
    e = json_error(p)
    assert p.returncode == 4 and e["code"] == "not_available"
    assert "cannot be compared across Community Safety Partnerships" in e["message"]


def test_holder_of_data_not_published(loaded_home):
    p = run("get", "charge_rate_cohort", "--area", "Ashford", "--period", "2017/18", "--json", home=loaded_home, check=False)
    e = json_error(p)
    assert p.returncode == 4 and e["holder"].startswith("Kent Police holds case-level outcomes")
    assert e["alternatives"] == ["Kent (the whole force area)"]


def test_no_store_yet(home):
    p = run("sources", "--json", home=home, check=False)
    e = json_error(p)
    assert p.returncode == 1 and e["code"] is None and "justicegap update" in e["message"]


def test_failed_load_is_one_object(home, tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "pfa.csv").write_text("Financial Year,Financial Quarter,Force Name,Offence Description,Offence Group,"
                               "Offence Subgroup,Offence Code,Number of Offences\n2017/18,1,Kent,x,y,z,19C,lots\n")
    p = run("update", "--source-dir", d, "--json", home=home, check=False)
    assert p.returncode == 2
    [result] = json.loads(p.stdout)  # the results still go to stdout, the failure among them
    assert result["status"] == "failed"
    e = json.loads(p.stderr)["error"]
    assert "pfa.csv" in e["message"] and "'lots' is not a number" in e["message"]


def test_text_mode_is_unchanged(loaded_home):
    p = run("get", "recorded", "--area", "Kent", "--period", "2017/18", "--bogus", home=loaded_home, check=False)
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr.splitlines() == ["Usage: justicegap get [OPTIONS] METRIC",
                                     "error: No such option: --bogus. See 'justicegap get --help'."]
    p = run("get", "recorded", "--area", "Kent", "--period", "2017-18", home=loaded_home, check=False)
    assert p.returncode == 2 and p.stderr.startswith("error: --period: '2017-18' is not a month")
    with pytest.raises(json.JSONDecodeError):
        json.loads(p.stderr)


def test_json_is_read_from_the_command_line():
    from justicegap.cli.errors import wants_json

    assert wants_json(["get", "x", "--json"]) and wants_json(["get", "--format=json"]) and wants_json(["-f", "json"])
    assert not wants_json(["get", "--format", "csv"]) and not wants_json(["get", "--format"])
    assert not wants_json(["say", "--", "--json"])  # after --, an argument, not an option
    # export's --format is the format of the files it writes: what it prints stays text
    assert not wants_json(["export", "x", "--format", "json", "--out", "d"]) and wants_json(["export", "--json"])


def test_export_writing_json_files_words_its_errors_as_text(loaded_home, tmp_path):
    p = run("export", "--area", "Kent", "--period", "2017/18", "--format", "json", "--out", tmp_path, home=loaded_home, check=False)
    assert p.returncode == 2 and p.stderr.startswith("error: METRIC: give a metric")


@pytest.mark.parametrize("args,code,parameter", [
    (["get", "charge_rate_cohort", "--area", "Narnia", "--period", "2017/18"], "unknown_area", "--area"),
    (["get", "nosuchmetric", "--area", "Kent", "--period", "2017/18"], "unknown_metric", "METRIC"),
    (["get", "charge_rate_cohort", "--area", "Kent", "--period", "2017/18", "--offence", "rapee"], "unknown_offence_family", "--offence"),
    (["get", "charge_rate_cohort", "--area", "Kent", "--period", "2017/18", "--edition", "xx"], "unknown_edition", "--edition"),
    (["get", "outcome_share_cohort", "--area", "Kent", "--period", "2017/18", "--outcome", "99"], "unknown_outcome", "--outcome"),
    (["get", "charge_rate_cohort", "--area", "Kent", "--period", "2017"], "partial_period", "--period"),
    (["areas", "--level", "xyz"], "unknown_area_level", "--level"),
    # check takes its metric as an option: the same library error names that option
    (["check", "Only 1.3% of rapes were charged", "--metric", "nosuch", "--value", "1.3", "--area", "Kent",
      "--period", "2017/18"], "unknown_metric", "--metric"),
])
def test_an_unknown_name_names_its_parameter(loaded_home, args, code, parameter):
    p = run(*args, "--json", home=loaded_home, check=False)
    e = json_error(p)
    assert e["code"] == code and e["parameter"] == parameter, e


def test_an_unknown_name_carries_its_closest_matches(loaded_home):
    e = json_error(run("get", "charge_rate_cohort", "--area", "Kent", "--period", "2017/18", "--offence", "rapee", "--json",
                       home=loaded_home, check=False))
    from justicegap import reference

    assert e["alternatives"] and "rape" in e["alternatives"] and set(e["alternatives"]) <= set(reference.families())


def test_a_bad_file_has_a_code_and_its_place(loaded_home, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("month,count\n2016-01,12\n2016-02,lots\n")
    p = run("evaluate", "--series", bad, "--intervention", "2016-02", "--json", home=loaded_home, check=False)
    e = json_error(p, extra={"file", "sheet", "row", "column"})
    assert p.returncode == 2 and e["code"] == "bad_input"
    assert e["file"] == "bad.csv" and e["column"] is not None and e["row"] is not None
    assert str(e["row"]) in e["message"] and e["column"] in e["message"]


def test_a_missing_value_points_to_its_commands_help(loaded_home):
    e = json_error(run("get", "charge_rate_cohort", "--json", "--area", home=loaded_home, check=False))
    assert e["parameter"] == "--area" and e["message"].endswith("See 'justicegap get --help'.")
    p = run("get", "charge_rate_cohort", "--area", home=loaded_home, check=False)
    assert p.returncode == 2 and "See 'justicegap get --help'." in p.stderr


def test_a_mistyped_command_carries_the_close_ones(loaded_home):
    e = json_error(run("gett", "charge_rate_cohort", "--json", home=loaded_home, check=False))
    assert "Did you mean 'get'?" in e["message"] and e["alternatives"] == ["get"]


@pytest.mark.parametrize("args,flag", [
    (["get", "charge_rate_cohort", "--area", "Kent", "--area", "Sussex", "--period", "2017/18"], "--area"),
    (["get", "charge_rate_cohort", "-a", "Kent", "--area=Sussex", "--period", "2017/18"], "--area"),  # short and long forms
    (["get", "charge_rate_cohort", "--area", "Kent", "--period", "2017/18", "--period", "2018/19"], "--period"),
    (["export", "charge_rate_cohort", "--area", "Kent", "--area", "Sussex", "--period", "2017/18", "--out", "OUT"], "--area"),
    (["records", "survival", "--area", "Kent", "--area", "Sussex"], "--area"),  # a command of a sub-group
])
def test_an_option_of_one_value_given_twice_is_refused(loaded_home, tmp_path, args, flag):
    """Not the last one silently (the API refuses a repeated parameter too)."""
    args = [str(tmp_path / "out") if a == "OUT" else a for a in args]
    p = run(*args, home=loaded_home, check=False)
    assert p.returncode == 2 and p.stdout == ""
    assert f"error: {flag} given more than once. See 'justicegap {' '.join(args[:2] if args[0] == 'records' else args[:1])} --help'." in p.stderr
    if args[0] != "export":  # export has no --json
        e = json_error(run(*args, "--json", home=loaded_home, check=False))
        assert e["code"] == "usage" and e["parameter"] == flag


def test_an_option_that_takes_several_values_still_does(home, tmp_path):
    """update --source is a list: given twice, both are kept (the load then stops at the empty folder)."""
    p = run("update", "--source-dir", tmp_path, "--source", "ho_pfa", "--source", "ho_outcomes", home=home, check=False)
    assert "more than once" not in p.stderr and "--source-dir" in p.stderr
    p = run("update", "--source-dir", tmp_path, "--source-dir", tmp_path, home=home, check=False)
    assert p.returncode == 2 and "--source-dir given more than once" in p.stderr


def test_an_option_followed_by_another_option_has_no_value(loaded_home):
    """`--offence --json` gives --offence no value: a usage error naming --offence (exit 2), in
    JSON since --json was asked, not an unknown offence called '--json' (found by a fresh-user
    pass); a flag followed by an option is fine."""
    p = run("get", "charge_rate_cohort", "--area", "Kent", "--period", "2017/18", "--offence", "--json", home=loaded_home, check=False)
    e = json_error(p)
    assert p.returncode == 2 and e["code"] == "usage" and e["parameter"] == "--offence" and "requires an argument" in e["message"]
    ok = run("get", "charge_rate_cohort", "--area", "Kent", "--period", "2017/18", "--json", "--offence", "rape", home=loaded_home)
    assert json.loads(ok.stdout)["numerator"] == 42


@pytest.mark.parametrize("args, parameter", [
    (("get", "cps_conviction_rate", "--area", "Kent", "--period", "2015-06..2016-06", "--offence", "rape"), "--offence"),
    (("get", "charge_rate_cohort", "--area", "Kent", "--period", "2019/20"), "--period"),
])
def test_a_refusal_caused_by_one_value_names_it(loaded_home, args, parameter):
    """Not available because of the offence asked (the CPS publish no rape figure) or the period
    (none loaded): the JSON error names that option (a fresh-user pass found it null)."""
    p = run(*args, "--json", home=loaded_home, check=False)
    e = json_error(p)
    assert p.returncode == 4 and e["code"] == "not_available" and e["parameter"] == parameter
