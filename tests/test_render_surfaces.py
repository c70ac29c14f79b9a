"""One figure, the same rows everywhere: the library's render layer, `justicegap get --format csv`
(the installed script), `justicegap export --format csv`, the API's ?format=csv and the page
download all give identical CSV rows, and those rows hold the figure recomputed from the raw file."""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from justicegap import metrics, render
from justicegap.answers.compare import compare
from test_report import COHORT, RAPE, raw_outcomes

EXE = Path(sys.executable).parent / "justicegap"
FIGURE = {"metric": "charge_rate_cohort", "area": "Kent", "period": "2017/18", "offence": "rape"}
COMPARE = {"metric": "charge_rate_cohort", "level": "pfa", "period": "2017/18", "offence": "rape"}


def _cli(home, *args) -> str:
    p = subprocess.run([str(EXE), *args], capture_output=True, text=True, env={**os.environ, "JUSTICEGAP_HOME": str(home)})
    assert p.returncode == 0, p.stderr
    return p.stdout


def _rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def _exported(home, tmp_path, *args) -> str:
    out = tmp_path / "export"
    _cli(home, "export", *args, "--format", "csv", "--out", str(out))
    [data] = [p for p in out.iterdir() if p.suffix == ".csv"]
    return data.read_text(encoding="utf-8")


def test_one_figure_gives_identical_rows_on_every_surface(loaded, client, tmp_path, shared_data):
    lib = render.write(render.flatten(metrics.compute(FIGURE["metric"], area="Kent", period="2017/18", offence="rape")), "csv")
    lib = lib.decode("utf-8")
    got = {
        "get --format csv": _cli(loaded, "get", "charge_rate_cohort", "--area", "Kent", "--period", "2017/18",
                                 "--offence", "rape", "--format", "csv"),
        "export --format csv": _exported(loaded, tmp_path, "charge_rate_cohort", "--area", "Kent", "--period", "2017/18",
                                         "--offence", "rape"),
        "API ?format=csv": client.get("/api/v1/figure", params={**FIGURE, "format": "csv"}).text,
        "page download": client.get("/download/figure.csv", params={**FIGURE, "area": "E23000032"}).text,
    }
    for surface, text in got.items():
        assert _rows(text) == _rows(lib), surface
    [head, row] = _rows(lib)
    d = dict(zip(head, row))
    cohort = raw_outcomes(shared_data, "Kent", RAPE, COHORT)  # the raw Home Office file, summed here
    assert d["numerator"] == str(cohort["1"]) and d["denominator"] == str(sum(cohort.values()))
    assert float(d["value"]) == pytest.approx(cohort["1"] / sum(cohort.values()))
    assert (d["area_code"], d["period"], d["offence"], d["basis"], d["unit"]) == ("E23000032", "2017/18", "rape",
                                                                                   "recorded_cohort", "offences")
    assert d["edition"].startswith("ho_outcomes-") and d["sentence"] and d["caveats"]


def test_one_comparison_gives_identical_rows_on_every_surface(loaded, client, tmp_path, shared_data):
    lib = render.write(render.flatten(compare("charge_rate_cohort", level="pfa", period="2017/18", offence="rape"),
                                      "comparison"), "csv").decode("utf-8")
    got = {
        "compare --format csv": _cli(loaded, "compare", "charge_rate_cohort", "--level", "pfa", "--period", "2017/18",
                                     "--offence", "rape", "--format", "csv"),
        "export --compare --format csv": _exported(loaded, tmp_path, "--compare", "charge_rate_cohort", "--level", "pfa",
                                                   "--period", "2017/18", "--offence", "rape"),
        "API ?format=csv": client.get("/api/v1/compare", params={**COMPARE, "format": "csv"}).text,
        "page download": client.get("/download/compare.csv", params=COMPARE).text,
    }
    for surface, text in got.items():
        assert _rows(text) == _rows(lib), surface
    rows = list(csv.DictReader(io.StringIO(lib)))
    assert len(rows) == 43
    kent = next(r for r in rows if r["area_name"] == "Kent")
    cohort = raw_outcomes(shared_data, "Kent", RAPE, COHORT)
    assert (kent["numerator"], kent["denominator"]) == (str(cohort["1"]), str(sum(cohort.values())))
    assert float(kent["lower998"]) < float(kent["target"]) < float(kent["upper998"])


def test_funnel_rows_are_the_same_from_the_command_line_the_api_and_the_page(loaded, client):
    params = {"area": "Kent", "period": "2017/18", "offence": "sexual_offences"}
    cli = _cli(loaded, "funnel", "--area", "Kent", "--period", "2017/18", "--offence", "sexual_offences", "--format", "csv")
    api = client.get("/api/v1/funnel", params={**params, "format": "csv"}).text
    page = client.get("/download/funnel.csv", params={**params, "area": "E23000032"}).text
    assert _rows(cli) == _rows(api) == _rows(page)
    assert not re.search(r"(^|,)\d+\.0(,|$)", cli, re.M)  # counts as integers, never 34.0


def test_json_flag_is_format_json(loaded):
    args = ["get", "recorded", "--area", "Kent", "--period", "2017/18"]
    assert _cli(loaded, *args, "--json") == _cli(loaded, *args, "--format", "json")
    p = subprocess.run([str(EXE), *args, "--json", "--format", "csv"], capture_output=True, text=True,
                       env={**os.environ, "JUSTICEGAP_HOME": str(loaded)})
    assert p.returncode != 0 and "--json is --format json" in p.stderr and "Traceback" not in p.stderr
    p = subprocess.run([str(EXE), *args, "--format", "yaml"], capture_output=True, text=True,
                       env={**os.environ, "JUSTICEGAP_HOME": str(loaded)})
    assert p.returncode != 0 and "'yaml'" in p.stderr and "table, json, csv, text" in p.stderr


def test_text_format_prints_the_same_rows_aligned(loaded):
    args = ["get", "recorded", "--area", "Kent", "--period", "2017/18", "--offence", "rape"]
    text = _cli(loaded, *args, "--format", "text").splitlines()
    rows = _rows(_cli(loaded, *args, "--format", "csv"))
    assert text[0].split() == rows[0]
    at = 0
    for c in rows[1]:  # every cell of the csv row, in order, on the text line
        at = text[1].index(c, at) + len(c)
    assert " 2529 " in text[1] and len(text) == 2


def test_trend_rows_name_the_missing_quarters_on_every_surface(loaded, client):
    """A trend with gaps: the library, `trend --format csv` and the page download give the same rows,
    a quarter without a figure being a row with empty values and its reason."""
    from justicegap.answers.trend import trend

    lib = render.write(render.flatten(trend("cps_conviction_rate", area="Kent", offence="sexual_offences"), "series"),
                       "csv").decode("utf-8")
    cli = _cli(loaded, "trend", "cps_conviction_rate", "--area", "Kent", "--offence", "sexual_offences", "--format", "csv")
    page = client.get("/download/trend.csv", params={"metric": "cps_conviction_rate", "area": "E23000032",
                                                    "offence": "sexual_offences"}).text
    assert _rows(cli) == _rows(lib) == _rows(page)
    rows = list(csv.DictReader(io.StringIO(lib)))
    starts = [r["period_start"] for r in rows]
    assert starts == sorted(starts)
    gaps = {r["period"]: r for r in rows if r["reason"]}
    assert list(gaps) == ["2015/16 Q3", "2015/16 Q4", "2017/18 Q1"]
    assert all(r["value"] == r["numerator"] == "" for r in gaps.values())
    after = rows[[r["period"] for r in rows].index("2016/17 Q1")]
    assert after["value"] != "" and after["reason"] == ""
