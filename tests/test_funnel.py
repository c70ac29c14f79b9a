"""The attrition funnel: the stages that exist, volumes beside rates, statements where they differ."""

from justicegap.answers.funnel import attrition, calendar_overlap
from justicegap.periods import parse


def test_kent_police_stages(loaded):
    r = attrition(area="Kent", period="2017/18", offence="rape")
    by_id = {s["id"]: s for s in r["stages"]}
    assert by_id["recorded"]["volume"] == 2529 and by_id["recorded"]["unit"] == "offences"
    charged = by_id["police_charged"]
    assert (charged["numerator"], charged["denominator"]) == (42, 2529) and charged["basis"] == "recorded_cohort"
    assert by_id["police_charged_closed"]["basis"] == "closed_in_period"
    groups = {g["group"]: g for g in r["outcome_groups"]}
    assert sum(g["count"] for g in groups.values()) == 2529
    assert groups["charged"]["count"] == 42
    assert any("closed in 2017/18" in s for s in r["statements"])
    for s in r["stages"]:
        assert s["available"] or s["reason"]


def test_stage_periods():
    assert str(calendar_overlap(parse("2017/18"))) == "2017"
    assert str(calendar_overlap(parse("2018/19 Q4"))) == "2019"
