"""Exports: csv, parquet, xlsx and json, each with a Frictionless data package validated by frictionless."""

from __future__ import annotations

import csv
import hashlib
import json

import frictionless
import pytest
from typer.testing import CliRunner

from justicegap import metrics
from justicegap.render.datapackage import export
from justicegap.store import Store
from test_report import COHORT, RAPE, raw_outcomes


@pytest.fixture
def figure(loaded):
    return metrics.compute("charge_rate_cohort", area="Kent", period="2017/18", offence="rape")


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx", "json"])
def test_figure_export_is_a_valid_data_package(figure, fmt, tmp_path, shared_data):
    out = export(figure, tmp_path, fmt)
    assert out["data"].exists() and out["data"].suffix == f".{fmt}"
    report = frictionless.validate(str(out["descriptor"]))
    assert report.valid, report.flatten(["type", "message"])
    pkg = json.loads(out["descriptor"].read_text())
    assert pkg["licenses"][0]["name"] == "OGL-UK-3.0" and pkg["licenses"][0]["path"].startswith("https://www.nationalarchives.gov.uk/")
    sha = hashlib.sha256((shared_data / "homeoffice" / "prc-outcomes-2017-18.csv.gz").read_bytes()).hexdigest()
    assert any(s["sha256"] == sha and s["edition"].startswith("ho_outcomes-") for s in pkg["sources"])
    assert pkg["definitions"][0]["metric"] == "charge_rate_cohort" and pkg["definitions"][0]["definition"]
    assert pkg["created"]
    fields = {f["name"]: f for f in pkg["resources"][0]["schema"]["fields"]}
    assert fields["numerator"]["type"] == "integer" and fields["numerator"]["unit"] == "offences"
    assert fields["value"]["type"] == "number" and fields["ci_low"]["unit"] == "proportion"
    assert fields["period_start"]["type"] == "date"
    assert all(f.get("description") for f in fields.values())
    cohort = raw_outcomes(shared_data, "Kent", RAPE, COHORT)
    pkg_rows = frictionless.Package(str(out["descriptor"])).resources[0].read_rows()
    assert pkg_rows[0]["numerator"] == cohort["1"] and pkg_rows[0]["denominator"] == sum(cohort.values())
    assert float(pkg_rows[0]["value"]) == pytest.approx(cohort["1"] / sum(cohort.values()))


def test_compare_funnel_and_report_table_share_one_package(loaded, tmp_path):
    from justicegap.answers.compare import compare
    from justicegap.answers.funnel import attrition
    from justicegap.answers.report import build_report

    c = compare("charge_rate_cohort", level="pfa", period="2017/18", offence="rape").model_dump()
    export(c, tmp_path, "parquet", kind="comparison")
    export(attrition(area="Kent", period="2017/18", offence="rape"), tmp_path, "xlsx", kind="attrition")
    with Store(read_only=True) as s:
        r = build_report("Kent", start="2017/18", end="2017/18", offence="rape", store=s)
    export(r.table("charges"), tmp_path, "csv")
    pkg = json.loads((tmp_path / "datapackage.json").read_text())
    assert len(pkg["resources"]) == 3
    assert frictionless.validate(str(tmp_path / "datapackage.json")).valid
    import pyarrow.parquet as pq

    t = pq.read_table(tmp_path / pkg["resources"][0]["path"])
    assert t.num_rows == len(c["areas"]) and str(t.schema.field("numerator").type) == "int64"
    kent = [r for r in t.to_pylist() if r["area_code"] == "E23000032"][0]
    assert kent["numerator"] == 42 and kent["position"] in ("above", "below", "within")
    with open(tmp_path / pkg["resources"][2]["path"], newline="") as f:
        rows = list(csv.DictReader(f))
    assert {r["metric"] for r in rows} >= {"charge_rate_cohort", "charge_rate_closed", "charge_ratio_period"}
    fields = {f["name"]: f for f in pkg["resources"][2]["schema"]["fields"]}
    assert fields["rate"]["unit"] == "proportion" and fields["numerator"]["type"] == "integer"
    defined = {d["metric"] for d in pkg["definitions"]}
    assert {"charge_rate_cohort", "charge_rate_closed", "recorded"} <= defined


def test_cli_export_three_kinds(loaded, tmp_path):
    from justicegap.cli import app

    run = CliRunner().invoke
    r = run(app, ["export", "charge_rate_closed", "--area", "Kent", "--period", "2017/18", "--format", "csv", "--out", str(tmp_path / "one")])
    assert r.exit_code == 0, r.output
    assert frictionless.validate(str(tmp_path / "one" / "datapackage.json")).valid
    r = run(app, ["export", "--compare", "charge_rate_cohort", "--level", "pfa", "--period", "2018/19", "--format", "xlsx", "--out", str(tmp_path / "cmp")])
    assert r.exit_code == 0, r.output
    assert frictionless.validate(str(tmp_path / "cmp" / "datapackage.json")).valid
    r = run(app, ["export", "--funnel", "--area", "Kent", "--period", "2017/18", "--format", "parquet", "--out", str(tmp_path / "fun")])
    assert r.exit_code == 0, r.output
    assert frictionless.validate(str(tmp_path / "fun" / "datapackage.json")).valid
    (tmp_path / "file").write_text("x")
    r = run(app, ["export", "recorded", "--area", "Kent", "--period", "2017/18", "--out", str(tmp_path / "file")])
    assert r.exit_code != 0 and "is a file" in str(r.exception)
    r = run(app, ["export", "recorded", "--area", "Kent", "--period", "2017/18", "--format", "ods", "--out", str(tmp_path / "x")])
    assert r.exit_code != 0 and "csv, parquet, xlsx, json" in str(r.exception)


def test_funnel_xlsx_dates_are_dates_and_every_value_has_its_kind(loaded, tmp_path):
    from datetime import date, datetime

    import openpyxl

    from justicegap.answers.funnel import attrition

    fun = attrition(area="Kent", period="2017/18", offence="rape").model_dump()
    out = export(fun, tmp_path, "xlsx", kind="attrition")
    pkg = json.loads(out["descriptor"].read_text())
    fields = {f["name"]: f for f in pkg["resources"][0]["schema"]["fields"]}
    assert fields["period_start"]["type"] == "date" and fields["kind"]["type"] == "string"
    ws = openpyxl.load_workbook(out["data"]).active
    rows = list(ws.iter_rows(values_only=True))
    head = rows[0]
    by_stage = {r[head.index("stage")]: dict(zip(head, r)) for r in rows[1:]}
    for s in fun["stages"]:
        row = by_stage[s["id"]]
        for col in ("period_start", "period_end"):
            assert isinstance(row[col], datetime), (col, row[col])
            assert row[col].date() == date.fromisoformat(s["period"][col.split("_")[1]])
        assert row["kind"] == metrics.get(s["metric"])["kind"]
    assert by_stage["recorded"]["kind"] == "count" and by_stage["police_charged"]["kind"] == "proportion"
    assert by_stage["recorded"]["value"] == by_stage["recorded"]["volume"]
    assert 0 < by_stage["police_charged"]["value"] < 1
    assert frictionless.validate(str(out["descriptor"])).valid


def test_package_name_and_title_describe_every_resource(loaded, tmp_path):
    from justicegap.answers.funnel import attrition

    a = export(metrics.compute("charge_rate_cohort", area="Kent", period="2017/18", offence="rape"), tmp_path, "csv")
    one = json.loads(a["descriptor"].read_text())
    assert one["title"] == a["resource"]["title"] and a["resource"]["name"].replace("_", "-") in one["name"]
    b = export(attrition(area="Kent", period="2017/18", offence="rape"), tmp_path, "csv", kind="attrition")
    two = json.loads(b["descriptor"].read_text())
    assert len(two["resources"]) == 2
    for r in two["resources"]:
        assert r["title"] in two["title"]
    assert two["name"] != one["name"] and "2" in two["name"]
    assert frictionless.validate(str(b["descriptor"])).valid
    # exporting the first again: still the two resources, and a title naming both
    export(metrics.compute("charge_rate_cohort", area="Kent", period="2017/18", offence="rape"), tmp_path, "csv")
    again = json.loads(b["descriptor"].read_text())
    assert {r["name"] for r in again["resources"]} == {r["name"] for r in two["resources"]}
    assert all(r["title"] in again["title"] for r in again["resources"]) and again["title"] != one["title"]


def test_rates_per_resident_export_their_limits_per_100000(loaded, tmp_path):
    from justicegap.answers.compare import compare

    c = compare("recorded_per_100k", level="pfa", period="2017/18", offence="rape").model_dump()
    export(c, tmp_path, "csv", kind="comparison")
    pkg = json.loads((tmp_path / "datapackage.json").read_text())
    assert frictionless.validate(str(tmp_path / "datapackage.json")).valid
    fields = {f["name"]: f for f in pkg["resources"][0]["schema"]["fields"]}
    assert {fields[k]["unit"] for k in ("lower998", "upper998", "target")} == {"per 100,000 residents"}
    with open(tmp_path / pkg["resources"][0]["path"], newline="") as f:
        kent = next(r for r in csv.DictReader(f) if r["area_code"] == "E23000032")
    assert float(kent["lower998"]) < float(kent["target"]) < float(kent["upper998"]) < float(kent["value"])


def test_a_second_format_adds_a_resource(loaded, tmp_path):
    """Found by a fresh-user pass: exporting the funnel as xlsx then json left the xlsx on disk but
    dropped it from datapackage.json."""
    from justicegap.answers.funnel import attrition

    fun = attrition(area="Kent", period="2017/18", offence="rape")
    x = export(fun, tmp_path, "xlsx", kind="attrition")
    j = export(fun, tmp_path, "json", kind="attrition")
    package = json.loads(j["descriptor"].read_text())
    paths = sorted(r["path"] for r in package["resources"])
    assert paths == sorted([x["data"].name, j["data"].name]) and len({r["name"] for r in package["resources"]}) == 2
    assert frictionless.validate(str(j["descriptor"])).valid
    export(fun, tmp_path, "json", kind="attrition")  # the same file again replaces its own resource
    assert len(json.loads(j["descriptor"].read_text())["resources"]) == 2
