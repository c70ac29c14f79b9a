"""The attrition funnel: the stages that exist, volumes beside rates, statements where they differ."""

import pytest

from justicegap import reference
from justicegap.answers.funnel import attrition, calendar_overlap, statements
from justicegap.errors import NotFound
from justicegap.periods import parse


def test_kent_police_stages(loaded):
    r = attrition(area="Kent", period="2017/18", offence="rape").model_dump()
    by_id = {s["id"]: s for s in r["stages"]}
    assert by_id["recorded"]["volume"] == 2529 and by_id["recorded"]["unit"] == "offences"
    charged = by_id["police_charged"]
    assert (charged["numerator"], charged["denominator"]) == (42, 2529) and charged["basis"] == "recorded_cohort"
    assert by_id["police_charged_closed"]["basis"] == "closed_in_period"
    groups = {g["group"]: g for g in r["outcome_groups"]}
    assert set(groups) == set(reference.outcome_groups())  # every group, zeros included: a zero is data
    assert sum(g["count"] for g in groups.values() if g["count"] is not None) == 2529
    assert groups["diversionary"]["count"] is None and "did not exist yet" in groups["diversionary"]["reason"]  # outcome 22
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
    r = attrition(area="Kent", period="2017/18", offence="rape").model_dump()
    assert "outcome_share_cohort" not in computed  # one gather for all the groups
    cohort = raw_outcomes(shared_data, "Kent", RAPE, COHORT)
    groups = {g["group"]: g for g in r["outcome_groups"]}
    assert set(groups) == set(reference.outcome_groups())  # every group, zeros included: a zero is data
    assert groups["not_yet_assigned"]["count"] == cohort["0"] and groups["charged"]["count"] == cohort["1"]
    for g in r["outcome_groups"]:
        assert set(g) == {"group", "label", "count", "share", "ci_low", "ci_high", "denominator", "basis", "unit", "edition", "reason",
                          "flags"}
        types = [o["type"] for o in reference.table("outcomes") if o["group"] == g["group"] and not o["parent"]]
        if g["group"] == "diversionary":  # outcome 22, introduced in April 2019: no rows, blank, not zero
            assert g["count"] is None and g["share"] is None and not any(t in cohort for t in types)
            continue
        assert g["denominator"] == sum(cohort.values()) and g["share"] == g["count"] / g["denominator"]
        assert g["ci_low"] <= g["share"] <= g["ci_high"] and g["count"] == sum(cohort.get(t, 0) for t in types)
        assert g["basis"] == "recorded_cohort" and g["unit"] == "offences" and g["edition"].startswith("ho_outcomes-")


def test_edition_of_another_dataset_falls_back(loaded_store):
    default = attrition(area="Kent", period="2017/18", offence="sexual_offences", store=loaded_store).model_dump()
    for ds in ("cps_case_outcomes", "ho_pfa"):
        ed = loaded_store.editions(ds)[-1].edition
        r = attrition(area="Kent", period="2017/18", offence="sexual_offences", edition=ed, store=loaded_store).model_dump()
        assert r["outcome_groups"] == default["outcome_groups"] and r["outcome_groups"]
        used = {s["id"]: s.get("editions") for s in r["stages"]}
        if ds == "ho_pfa":
            assert used["recorded"] == [ed]
    # an outcomes edition is used for the outcome groups: the 2018/19 file holds no 2017/18 offences
    later = next(e.edition for e in loaded_store.editions("ho_outcomes") if "2018" in e.file_name)
    r = attrition(area="Kent", period="2017/18", offence="sexual_offences", edition=later, store=loaded_store).model_dump()
    assert r["outcome_groups"] == []
    with pytest.raises(NotFound):
        attrition(area="Kent", period="2017/18", offence="rape", edition="no-such-edition", store=loaded_store)


def test_partial_stage_is_called_out(loaded):
    # the CPS monthly files for 2017/18 lack April to June 2017
    r = attrition(area="Kent", period="2017/18", offence="sexual_offences").model_dump()
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


# --- what each row says it counts --------------------------------------------------------------------

def test_a_stage_volume_carries_the_basis_of_its_count(loaded):
    """A stage's volume is its numerator: it carries the basis the registry gives a count of that
    measure (defendants convicted are completed in the period), never a same-period ratio's."""
    from justicegap import metrics

    reg = metrics.registry()
    counts = {}
    for m in reg.values():
        if m["kind"] == "count":
            for ds in m["datasets"]:
                counts[(ds, m["value"]["measure"] if isinstance(m["value"]["measure"], str) else None)] = m["basis"]
    r = attrition(area="Kent", period="2017/18", offence="sexual_offences").model_dump()
    checked = 0
    for s in r["stages"]:
        m = reg[s["metric"]]
        assert s["rate_basis"] == m["basis"]
        if m["kind"] in ("proportion", "ratio"):
            measure = m["numerator_term"]["measure"]
            matches = {counts[(ds, measure)] for ds in m["datasets"] if (ds, measure) in counts}
            if matches:
                assert s["basis"] in matches, s["id"]
                checked += 1
            assert s["basis"] != "same_period_ratio", s["id"]
    convicted = next(s for s in r["stages"] if s["id"] == "moj_convicted")
    assert convicted["basis"] == reg["moj_convicted"]["basis"] and convicted["rate_basis"] == "same_period_ratio"
    assert checked >= 2


def test_geography_says_how_the_area_was_made(loaded):
    from justicegap import areas as A

    se = A.resolve("CPS South East")
    r = attrition(area=se.name, period="2017/18", offence="sexual_offences").model_dump()
    police = [s for s in r["stages"] if s.get("available") and s["stage"] == "police"]
    assert police
    for s in police:
        assert s["geography"].startswith("CPS Area") and f"sum of {len(se.members)} police force areas" in s["geography"]
    group = next(a for a in A.all_areas("pfa_group") if A.resolve("Metropolitan Police").code in a.members)
    kent = attrition(area="Kent", period="2017/18", offence="sexual_offences").model_dump()
    for s in kent["stages"]:
        if s.get("available"):
            assert s["geography"] == "police force area" and group.name not in s["geography"], s["id"]
            assert "Metropolitan" not in s["geography"]
    nation = attrition(area="England and Wales", period="2016/17", offence="sexual_offences").model_dump()
    cps = [s for s in nation["stages"] if s.get("available") and s["dataset"] == "cps_case_outcomes"]
    assert cps and all(s["geography"] == "England and Wales" for s in cps)  # the CPS's national row, no group used
    met = attrition(area=group.name, period="2016/17", offence="sexual_offences").model_dump()
    cps = [s for s in met["stages"] if s.get("available") and s["dataset"] == "cps_case_outcomes"]
    assert cps and all(f"{group.name} published together" in s["geography"] for s in cps)


def test_small_outcome_shares_are_not_shown_as_zero(loaded, shared_data):
    from decimal import ROUND_HALF_EVEN, Decimal

    from justicegap.formats import pct
    from officialfiles import sum_counts

    f = shared_data / "homeoffice" / "prc-outcomes-2018-19.csv.gz"
    rape = {"19C", "19D", "19E", "19F", "19G", "19H"}
    col = "Force outcomes for offences recorded in quarter"
    formal = sum_counts(f, col, lambda r: r["Offence Code"] in rape and r["Outcome Group"] == "Out-of-court (formal)")
    total = sum_counts(f, col, lambda r: r["Offence Code"] in rape)
    r = attrition(area="England and Wales", period="2018/19", offence="rape").model_dump()
    row = next(g for g in r["outcome_groups"] if g["group"] == "out_of_court_formal")
    assert (row["count"], row["denominator"]) == (formal, total) and 0 < formal / total < 0.001
    # one significant digit, rounded independently
    share = Decimal(formal) / Decimal(total) * 100
    expect = share.quantize(Decimal(1).scaleb(share.adjusted()), rounding=ROUND_HALF_EVEN)
    assert pct(row["share"]) == f"{expect}%"
    for g in r["outcome_groups"]:
        assert pct(g["ci_high"]) not in ("0.0%", "0.00%", "0%")  # even a zero count has a non-zero upper limit (or none)
        if g["count"] is None:  # outcome 22 before April 2019: blank with the reason, never 0
            assert g["share"] is None and g["ci_low"] is None and "did not exist yet" in g["reason"]
        elif g["count"]:
            assert pct(g["share"]) not in ("0.0%", "0.00%", "0%")
        else:
            assert pct(g["share"]) == "0.0%"  # a true zero is shown as one


def test_a_typed_result(loaded):
    from justicegap.model.attrition import Attrition

    r = attrition(area="Kent", period="2017/18", offence="rape")
    assert isinstance(r, Attrition) and r.area.name == "Kent" and r.stages[0].available


def test_a_period_nothing_covers_is_refused_on_the_command_line(loaded, loaded_home):
    """A funnel with no figure at any stage is one NotAvailable (exit 4, as any figure the data do
    not cover), naming the period and what is held instead; the library's funnel of empty stages
    (which the pages show beside what is held) is still there without refuse_empty."""
    import json

    from justicegap.errors import NotAvailable
    from test_cli import run

    empty = attrition(area="Kent", period="2030/31", offence="rape")
    assert empty.stages and not any(s.available for s in empty.stages)
    with pytest.raises(NotAvailable) as e:
        attrition(area="Kent", period="2030/31", offence="rape", refuse_empty=True)
    assert e.value.parameter == "period" and "Crime outcomes open data: 2017/18..2018/19" in e.value.available
    p = run("funnel", "--area", "Kent", "--period", "2030/31", home=loaded_home, check=False)
    assert p.returncode == 4 and p.stdout == ""
    assert " ".join(p.stderr.split()).startswith("error: No data are loaded for 2030/31 that give any stage of the funnel for Kent (rape)")
    err = json.loads(run("funnel", "--area", "Kent", "--period", "2030/31", "--json", home=loaded_home, check=False).stderr)["error"]
    assert err["code"] == "not_available" and err["parameter"] == "--period" and err["alternatives"] == e.value.available
    # a period with figures is answered as before
    ok = run("funnel", "--area", "Kent", "--period", "2017/18", "--json", home=loaded_home)
    assert any(s["available"] for s in json.loads(ok.stdout)["stages"])
