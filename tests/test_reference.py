"""The reference tables: present, sourced, and consistent with one another."""

from datetime import date

import pytest

from justicegap import reference

TABLES = ["offences", "offence_families", "families", "outcomes", "outcome_groups", "areas", "area_members",
          "area_aliases", "lad_csp_pfa", "lad_changes", "events", "sources", "category_families", "undated_files"]


@pytest.mark.parametrize("name", TABLES)
def test_every_table_names_its_source(name):
    line = reference.source_line(name)
    assert len(line) > 40, f"{name}.csv needs a '# source:' line naming where its content comes from"


def test_tables_listed_are_all_the_files():
    assert set(TABLES) == set(reference.names())


def test_families_expand_to_the_issue_definitions():
    fam = reference.family_codes()
    assert fam["rape"] == {"19C", "19D", "19E", "19F", "19G", "19H", "19J", "19K"}
    assert fam["rape_adult"] == {"19C", "19F"}
    assert fam["rape_child"] == {"19D", "19E", "19G", "19H"}
    assert {"17A", "17B", "20A", "20B", "21", "22A", "22B", "23", "70", "71", "72", "73", "88A", "88C", "88D", "88E"} <= fam["other_sexual"]
    assert fam["sexual_offences"] == fam["rape"] | fam["other_sexual"]
    assert not fam["rape"] & fam["other_sexual"]
    offences = reference.offences()
    for codes in fam.values():
        assert codes <= set(offences), "every family code is a known offence code"


def test_outcome_types_and_groups():
    outs = reference.outcomes()
    assert {str(i) for i in range(23)} <= set(outs)
    groups = reference.outcome_groups()
    assert {o["group"] for o in outs.values()} <= set(groups)
    assert [k for k, v in outs.items() if v["group"] == "victim_does_not_support"] == ["14", "16"]
    assert [k for k, v in outs.items() if v["group"] == "evidential_difficulties_victim_supports"] == ["15"]
    assert [k for k, v in outs.items() if v["group"] == "no_suspect"] == ["18"]
    assert [k for k, v in outs.items() if v["group"] == "not_yet_assigned"] == ["0"]
    for sub, parent in (("1A", "1"), ("2A", "2"), ("3A", "3")):
        assert outs[sub]["parent"] == parent and outs[sub]["group"] == outs[parent]["group"]


def test_victim_centred_wording():
    labels = " ".join(o["label"].lower() for o in reference.outcomes().values())
    assert "withdrew" not in labels and "victim declines" not in labels
    assert "the victim does not support" in labels


def test_forces_and_cps_areas():
    areas = reference.table("areas")
    pfa = [a for a in areas if a["level"] == "pfa"]
    assert len(pfa) == 43
    assert all(a["code"][:3] in ("E23", "W15") for a in pfa)
    assert sum(1 for a in areas if a["level"] == "btp") == 1
    current = {a["code"] for a in areas if a["level"] == "cps_area" and not a["valid_to"]}
    assert len(current) == 14
    members = [m for m in reference.table("area_members") if m["parent"] in current]
    covered = [m["child"] for m in members]
    assert len(covered) == len(set(covered)), "a force belongs to one current CPS Area"
    # London North/South are not sums of forces; every other force is in exactly one Area
    assert set(covered) == {a["code"] for a in pfa} - {"E23000001", "E23000034"}
    se = {m["child"] for m in members if m["parent"] == "CPS-SE"}
    assert se == {"E23000032", "E23000031", "E23000033"}
    nation = {m["child"] for m in reference.table("area_members") if m["parent"] == "K04000001"}
    assert nation == {a["code"] for a in pfa} | {"BTP"}


def test_lookup_points_at_known_forces():
    forces = {a["code"] for a in reference.table("areas") if a["level"] == "pfa"}
    rows = reference.table("lad_csp_pfa")
    assert {r["pfa_code"] for r in rows} == forces
    assert any(r["lad_name"] == "Dartford" and r["csp_name"] == "Dartford and Gravesham" for r in rows)


def test_changes_and_events_are_dated():
    for row in reference.table("lad_changes"):
        date.fromisoformat(row["date"])
    shep = [r for r in reference.table("lad_changes") if r["old_name"] == "Shepway"]
    assert shep and shep[0]["old_code"] == shep[0]["new_code"] == "E07000112" and shep[0]["date"] == "2018-04-01"
    ids = set()
    for ev in reference.table("events"):
        start = date.fromisoformat(ev["start"])
        if ev["end"]:
            assert date.fromisoformat(ev["end"]) >= start
        ids.add(ev["id"])
    assert {"recording_integrity", "outcome_21_introduced", "outcome_22_introduced", "gmp_outcomes_missing",
            "devon_cornwall_missing", "covid_19", "online_safety_act"} <= ids


def test_catalogue_rows_have_modules():
    from justicegap import sources

    assert set(sources.modules()) == set(reference.sources())
