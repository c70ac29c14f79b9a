"""The funnel as rows: one per stage, available or not, each with its own unit and kind."""

from __future__ import annotations

from justicegap import metrics, render
from justicegap.answers.funnel import attrition


def test_one_row_per_stage_with_the_stage_figure(loaded):
    fun = attrition(area="Kent", period="2017/18", offence="rape").model_dump()
    t = render.flatten(fun, "attrition")
    rows = {r["stage"]: r for r in t.records()}
    assert list(rows) == [s["id"] for s in fun["stages"]]
    rec = metrics.compute("recorded", area="Kent", period="2017/18", offence="rape")
    assert rows["recorded"]["volume"] == rows["recorded"]["value"] == int(rec.value)
    charged = metrics.compute("charge_rate_cohort", area="Kent", period="2017/18", offence="rape")
    assert (rows["police_charged"]["volume"], rows["police_charged"]["denominator"]) == (int(charged.numerator), int(charged.denominator))
    gone = [r for r in rows.values() if not r["available"]]
    assert gone and all(r["reason"] and r["volume"] is None and r["value"] is None for r in gone)
    assert t.name == "funnel_kent_2017_18_rape" and t.notes == fun["statements"]
