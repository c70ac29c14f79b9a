"""Timeliness as rows: each published average in days, with the defendants behind it as an integer."""

from __future__ import annotations

from justicegap import metrics, render


def test_averages_with_their_defendants(app):
    svc = app.state.service
    r = svc.timeliness("K04000001", "2018/19", "rape")
    t = render.flatten(r, "timeliness")
    rows = t.records()
    assert rows and len(rows) == len(r["rows"])
    with svc.cursor() as s:
        for row in rows:
            f = metrics.compute(row["metric"], area="K04000001", period=row["period"], offence="rape", store=s)
            assert row["value"] == f.value and row["unit"] == "days"
            assert row["defendants"] is None or type(row["defendants"]) is int
    assert any(row["defendants"] for row in rows)
    assert t.notes == [f"{x['name']}: {x['reason']}" for x in r["missing"]]
