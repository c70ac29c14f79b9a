"""A trend as rows: each quarter's row is that quarter's figure, computed on its own."""

from __future__ import annotations

from justicegap import metrics, render


def test_each_quarter_is_its_own_figure(app):
    svc = app.state.service
    trend = svc.trend("charge_rate_cohort", "Kent", "rape")
    t = render.flatten(trend, "series")
    rows = t.records()
    assert len(rows) == len(trend["points"]) + len(trend["missing"]) and len(trend["points"]) > 4
    with svc.cursor() as s:
        for r in rows[-3:]:
            f = metrics.measure("charge_rate_cohort", area="Kent", period=r["period"], offence="rape", store=s)
            assert (r["numerator"], r["denominator"]) == (int(f.numerator), int(f.denominator))
            assert r["period_start"] == f.period.start.isoformat() and r["edition"] == f.edition
    assert {f.name: f.unit for f in t.fields}["value"] == "proportion"
    assert t.notes == [f"{e['title']} ({e['start']}): {e['description']}" for e in trend["events"]]
