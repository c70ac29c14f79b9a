"""A comparison as rows: every area's figure with its limits; ranks only when sorted by value."""

from __future__ import annotations

from justicegap import metrics, render
from justicegap.answers.compare import compare


def test_rows_are_the_areas_figures_with_their_limits(loaded):
    c = compare("charge_rate_cohort", level="pfa", period="2017/18", offence="rape").model_dump()
    t = render.flatten(c, "comparison")
    rows = t.records()
    assert [r["area_code"] for r in rows] == [a["area"]["code"] for a in c["areas"]]
    surrey = next(r for r in rows if r["area_name"] == "Surrey")
    f = metrics.compute("charge_rate_cohort", area="Surrey", period="2017/18", offence="rape")
    assert (surrey["numerator"], surrey["denominator"]) == (int(f.numerator), int(f.denominator))
    assert surrey["lower998"] < surrey["target"] < surrey["upper998"] and surrey["position"] in ("above", "below", "within")
    assert all(r["rank"] is None for r in rows)
    ranked = render.flatten(compare("charge_rate_cohort", level="pfa", period="2017/18", offence="rape", sort="value"),
                            "comparison").records()
    assert [r["rank"] for r in ranked] == list(range(1, len(ranked) + 1))
    assert all(r["rank_low"] <= r["rank"] <= r["rank_high"] for r in ranked)
