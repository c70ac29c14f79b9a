"""A cohort's maturation as rows: one per edition, each the figure that edition gives on its own."""

from __future__ import annotations

import csv
import io

from test_cli import run
from test_report import COHORT, _rows


def _kent_rape_charged(shared_data) -> tuple[int, int]:
    """Kent's rapes recorded in 2017/18 and those charged (outcome type 1), counted from the raw outcomes file."""
    from test_report import RAPE

    num = den = 0
    for r in _rows(shared_data / "homeoffice" / "prc-outcomes-2017-18.csv.gz"):
        if r["Force Name"] == "Kent" and r["Offence Code"] in RAPE:
            v = int(r[COHORT] or 0)
            den += v
            if r["Outcome Type"] == "1":
                num += v
    return num, den


def test_maturation_csv_is_each_editions_figure(loaded_home, shared_data):
    """``maturation --format csv`` gives one row per edition through the render layer, with counts
    a recount of the raw file agrees with, as --format text does aligned and --json gives whole."""
    args = ("maturation", "charge_rate_cohort", "--area", "Kent", "--period", "2017/18")
    rows = list(csv.DictReader(io.StringIO(run(*args, "--format", "csv", home=loaded_home).stdout)))
    doc = __import__("json").loads(run(*args, "--json", home=loaded_home).stdout)
    assert len(rows) == len(doc["editions"]) >= 1
    for row, e in zip(rows, doc["editions"]):
        assert row["edition"] == e["edition"] and row["file"] == e["file"]
        assert (int(row["numerator"]), int(row["denominator"])) == (e["numerator"], e["denominator"])
        assert float(row["not_yet_assigned_share"]) == e["not_yet_assigned_share"]
    first = rows[0]
    assert first["file"] == "prc-outcomes-2017-18.csv.gz"
    num, den = _kent_rape_charged(shared_data)
    assert (int(first["numerator"]), int(first["denominator"])) == (num, den)
    text = run(*args, "--format", "text", home=loaded_home).stdout.splitlines()
    assert text[0].split() == list(rows[0])
    p = run(*args, "--format", "xml", home=loaded_home, check=False)
    assert p.returncode == 2 and "--format: 'xml'" in p.stderr


def test_offence_help_lists_every_family(shared_data):
    """The --offence help is the reference table's families, read here from the file itself."""
    from importlib.resources import files

    text = (files("justicegap") / "reference" / "families.csv").read_text()
    families = [r["family"] for r in csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))]
    assert "rape_adult_female" in families and "rape_adult_male" in families
    for command in (["get"], ["compare"], ["report"], ["records", "survival"]):
        helptext = " ".join(run(*command, "--help").stdout.split())
        assert ", ".join(families) in helptext, command
