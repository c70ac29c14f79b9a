"""A report table keeps the types, units and descriptions its builder gave its columns."""

from __future__ import annotations

from justicegap import render
from justicegap.answers.report import build_report
from justicegap.store import Store


def test_report_table_keeps_its_columns(loaded):
    with Store(read_only=True) as s:
        rt = build_report("Kent", start="2017/18", end="2017/18", offence="rape", store=s).table("charges")
    assert render.kind_of(rt) == "report_table"
    t = render.flatten(rt)
    assert len(t.fields) == len(rt.columns) and len(t.rows) == len(rt.rows)
    for f, c in zip(t.fields, rt.columns):
        assert f.type == {"integer": "integer", "number": "number", "percent": "number"}.get(c.type, "string")
        if c.type == "percent":
            assert f.unit == "proportion"
        if c.type == "integer":
            assert all(v is None or type(v) is int for v in (r[f.name] for r in t.records()))
    assert {c.type for c in rt.columns} >= {"integer", "percent"}  # both conversions were checked
    assert t.metrics == list(rt.metrics) and t.title == rt.title
