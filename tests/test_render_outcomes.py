"""Outcome groups as rows: each group's offences summed from the raw Home Office file, the total
as the denominator, counts as integers."""

from __future__ import annotations

from justicegap import reference, render
from justicegap.answers.funnel import attrition
from test_report import COHORT, RAPE, raw_outcomes


def test_groups_are_the_raw_files_counts(loaded, shared_data):
    t = render.flatten(attrition(area="Kent", period="2017/18", offence="rape"), "outcome_groups")
    raw = raw_outcomes(shared_data, "Kent", RAPE, COHORT)
    outs = reference.outcomes()
    rows = {r["group"]: r for r in t.records()}
    assert set(rows) == set(reference.outcome_groups())
    for gid, r in rows.items():
        expected = sum(n for code, n in raw.items() if outs[code]["group"] == gid and not outs[code]["parent"])
        if gid == "diversionary":  # outcome 22, introduced in April 2019: blank with the reason, not a zero
            assert r["offences"] is None and expected == 0 and "did not exist yet" in r["reason"]
            continue
        assert r["offences"] == expected and type(r["offences"]) is int, gid
        assert r["denominator"] == sum(raw.values())
    fields = {f.name: f for f in t.fields}
    assert fields["offences"].unit == "offences" and fields["share"].unit == "proportion"
    assert not any("partial" in (r["flags"] or "") for r in rows.values())  # 2017/18 is held whole


def test_a_period_held_in_part_flags_every_row(loaded):
    """Calendar 2017 is held only from April (the outcomes data start with 2017/18): every group's
    row says partial, in the download as in the funnel's stages (a fresh-user pass found the rows
    unflagged, labelled "2017")."""
    fun = attrition(area="Kent", period="2017", offence="rape")
    assert "partial" in next(s for s in fun.stages if s.id == "recorded").flags
    rows = render.flatten(fun, "outcome_groups").records()
    assert rows and all("partial" in (r["flags"] or "") for r in rows)
