"""Published negative counts (the Home Office's outcomes corrections) travel with every figure whose
sums include them, on every surface: the figure's flags and caveats (one figure and the panel behind
comparisons and trends), its CSV and text rows, and the pages. Which figures must carry the flag is
worked out here straight from the real outcomes file, not from the store."""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from justicegap import areas, metrics
from officialfiles import real_rows

EXE = Path(sys.executable).parent / "justicegap"
RAPE = {"19C", "19D", "19E", "19F", "19G", "19H", "19J", "19K"}
FLAG = "negative_published"


@pytest.fixture(scope="module")
def negatives(shared_data) -> dict[str, set[str]]:
    """Force code -> the quarters (1-4) of 2017/18 whose rape cohort counts include a negative one,
    from the real file (every outcome type of the cohort is in the charge rate's denominator)."""
    header, rows = real_rows(shared_data / "homeoffice" / "prc-outcomes-2017-18.csv.gz")
    col = {h: i for i, h in enumerate(header)}
    out: dict[str, set[str]] = {}
    codes = {}
    for r in rows:
        if r[col["Offence Code"]] not in RAPE or r[col["Financial Year"]] != "2017/18":
            continue
        name = r[col["Force Name"]]
        code = codes.setdefault(name, areas.resolve(name).code)
        out.setdefault(code, set())
        if r[col["Force outcomes for offences recorded in quarter"]].strip().startswith("-"):
            assert r[col["Outcome Type"]] in {str(t) for t in range(23)}  # no sub-code row is negative here
            out[code].add(r[col["Financial Quarter"]])
    flagged = {c for c, q in out.items() if q}
    assert "E23000032" in flagged and len(flagged) < len(out)  # Kent has one (-1, 19H, Q2); some forces none
    return out


def _cli(home, *args) -> str:
    p = subprocess.run([str(EXE), *args], capture_output=True, text=True, env={**os.environ, "JUSTICEGAP_HOME": str(home)})
    assert p.returncode == 0, p.stderr
    return p.stdout


def test_one_figure_and_the_panel_carry_the_flag_exactly_where_the_sums_include_negatives(loaded_store, negatives):
    forces = sorted(c for c in negatives if areas.get(c).level == "pfa")
    panel = {cell.area.code: cell.figure for cell in metrics.panel(
        "charge_rate_cohort", areas=[areas.get(c) for c in forces], periods=["2017/18"], offences=["rape"], store=loaded_store)}
    for code in forces:
        fig = metrics.compute("charge_rate_cohort", area=code, period="2017/18", offence="rape", store=loaded_store)
        expected = bool(negatives[code])
        assert (FLAG in fig.flags) == expected == (FLAG in panel[code].flags), code
        assert any("negative numbers" in c for c in fig.caveats) == expected, code
        assert any("negative numbers" in c for c in panel[code].caveats) == expected, code


def test_quarterly_trend_points_carry_the_flag(loaded_store, loaded_home, negatives):
    quarters = [f"2017/18 Q{q}" for q in (1, 2, 3, 4)]
    expected = {f"2017/18 Q{q}": q in negatives["E23000032"] for q in "1234"}
    cells = metrics.panel("charge_rate_cohort", areas=[areas.get("E23000032")], periods=quarters, offences=["rape"],
                          store=loaded_store)
    assert {q: FLAG in c.figure.flags for q, c in zip(quarters, cells)} == expected
    assert expected["2017/18 Q2"]
    rows = csv.DictReader(io.StringIO(_cli(loaded_home, "trend", "charge_rate_cohort", "--area", "Kent", "--format", "csv")))
    assert {r["period"]: FLAG in r["flags"] for r in rows if r["period"] in expected} == expected


def test_csv_and_text_rows_carry_the_flag(loaded_home, negatives):
    """As users get them: the installed script, one figure and the comparison of every force."""
    rows = list(csv.DictReader(io.StringIO(_cli(loaded_home, "compare", "charge_rate_cohort", "--level", "pfa",
                                                 "--period", "2017/18", "--offence", "rape", "--format", "csv"))))
    assert len(rows) >= 40
    for r in rows:
        assert (FLAG in r["flags"].split("; ")) == bool(negatives.get(r["area_code"])), r["area_code"]
        assert ("negative numbers" in r["caveats"]) == bool(negatives.get(r["area_code"]))
    unflagged = next(c for c, q in sorted(negatives.items()) if not q and areas.get(c).level == "pfa")
    for code, expected in (("E23000032", True), (unflagged, False)):
        [row] = csv.DictReader(io.StringIO(_cli(loaded_home, "get", "charge_rate_cohort", "--area", code, "--period",
                                                "2017/18", "--offence", "rape", "--format", "csv")))
        assert (FLAG in row["flags"]) == expected
        text = _cli(loaded_home, "get", "charge_rate_cohort", "--area", code, "--period", "2017/18", "--offence", "rape",
                    "--format", "text")
        assert (FLAG in text and "negative numbers" in text) == expected
        said = " ".join(_cli(loaded_home, "say", "charge_rate_cohort", "--area", code, "--period", "2017/18",
                             "--offence", "rape").split())
        assert ("include negative numbers" in said) == expected


def test_pages_say_it_in_words(client, negatives):
    html = client.get("/compare", params={"metric": "charge_rate_cohort", "level": "pfa", "period": "2017/18",
                                          "offence": "rape"}).text
    rows = dict(re.findall(r'<tr data-code="([^"]+)">(.*?)</tr>', html, re.S))
    checked = 0
    for code, row in rows.items():
        if code in negatives:
            assert ("negative counts the publisher gave as corrections" in row) == bool(negatives[code]), code
            checked += 1
    assert checked >= 40 and FLAG not in html
