"""The attrition funnel: the stages that exist, volumes beside rates, statements where they differ."""

import pytest

from justicegap.answers.funnel import attrition, calendar_overlap, statements
from justicegap.errors import NotFound
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


def test_outcome_groups_one_gather_match_the_raw_file(loaded, shared_data, monkeypatch):
    from justicegap import metrics
    from test_report import COHORT, RAPE, raw_outcomes

    computed = []
    real = metrics.compute
    monkeypatch.setattr(metrics, "compute", lambda mid, **kw: computed.append(mid) or real(mid, **kw))
    r = attrition(area="Kent", period="2017/18", offence="rape")
    assert "outcome_share_cohort" not in computed  # one gather for all the groups
    cohort = raw_outcomes(shared_data, "Kent", RAPE, COHORT)
    groups = {g["group"]: g for g in r["outcome_groups"]}
    assert groups["not_yet_assigned"]["count"] == cohort["0"] and groups["charged"]["count"] == cohort["1"]
    for g in r["outcome_groups"]:
        assert set(g) == {"group", "label", "count", "share", "ci_low", "ci_high", "denominator", "basis", "unit", "edition"}
        assert g["denominator"] == sum(cohort.values()) and g["share"] == g["count"] / g["denominator"]
        assert g["ci_low"] <= g["share"] <= g["ci_high"] and g["count"] > 0
        assert g["basis"] == "recorded_cohort" and g["unit"] == "offences" and g["edition"].startswith("ho_outcomes-")


def test_edition_of_another_dataset_falls_back(loaded_store):
    default = attrition(area="Kent", period="2017/18", offence="sexual_offences", store=loaded_store)
    for ds in ("cps_case_outcomes", "ho_pfa"):
        ed = loaded_store.editions(ds)[-1].edition
        r = attrition(area="Kent", period="2017/18", offence="sexual_offences", edition=ed, store=loaded_store)
        assert r["outcome_groups"] == default["outcome_groups"] and r["outcome_groups"]
        used = {s["id"]: s.get("editions") for s in r["stages"]}
        if ds == "ho_pfa":
            assert used["recorded"] == [ed]
    # an outcomes edition is used for the outcome groups: the 2018/19 file holds no 2017/18 offences
    later = next(e.edition for e in loaded_store.editions("ho_outcomes") if "2018" in e.file_name)
    r = attrition(area="Kent", period="2017/18", offence="sexual_offences", edition=later, store=loaded_store)
    assert r["outcome_groups"] == []
    with pytest.raises(NotFound):
        attrition(area="Kent", period="2017/18", offence="rape", edition="no-such-edition", store=loaded_store)


def test_partial_stage_is_called_out(loaded):
    # the CPS monthly files for 2017/18 lack April to June 2017
    r = attrition(area="Kent", period="2017/18", offence="sexual_offences")
    by = {s["id"]: s for s in r["stages"]}
    assert "partial" in by["cps_completed"]["flags"] and by["cps_completed"]["period"]["label"] == "2017/18"
    want = ("'Prosecutions completed' covers only July 2017 to March 2018 (2017/18 Q2..2017/18 Q4) of 2017/18: the data do not cover "
            "April 2017 to June 2017 (2017/18 Q1).")
    assert any(s.startswith(want) for s in r["statements"]), r["statements"]
    assert any(s.startswith("'Prosecutions ending in a conviction' covers only July 2017") for s in r["statements"])
    assert not any("'Offences recorded by the police' covers only" in s for s in r["statements"])
    # statements keep the stage labels as written
    assert any(s.startswith("'Investigations closed in the period that ended in a charge' counts offences") for s in r["statements"])


def test_partial_statement_from_the_stage_alone():
    stage = {"id": "x", "label": "X", "available": True, "flags": ["partial"], "unit": "defendants", "geography": "g", "dataset": "d",
             "basis": "b", "period": {"label": "2017/18"}, "figure": {"missing": {"periods": "April 2017 to June 2017 (2017/18 Q1)"}}}
    assert statements([stage]) == ["'X' covers only part of 2017/18: the data do not cover April 2017 to June 2017 (2017/18 Q1). "
                                   "It is not a whole-period count and cannot be set beside the other stages' figures for the whole period."]
