"""The two ways the store answers the metrics' questions give the same answers: directly
(``Facts``) and from memory, each read once (``Prefetched``); the golden figures
(tests/test_golden.py) check the same for every figure, one at a time and as a panel."""

from __future__ import annotations

from datetime import date

from justicegap.store.facts import Facts, Prefetched


def test_population_questions_agree_and_are_asked_once(loaded_store):
    direct, memory = Facts(loaded_store.con), Prefetched(loaded_store.con)
    variants = direct.population_variants("ons_population")
    assert set(variants) == set(memory.population_variants("ons_population")) and variants
    day, edition = date(2018, 6, 30), next(v[3] for v in variants if v[0] == date(2018, 6, 30) and v[1] is None)
    assert sorted(direct.population_areas((edition,), day)) == sorted(memory.population_areas((edition,), day))
    by_area = direct.population_by_area(edition, day, None, None)
    assert by_area == memory.population_by_area(edition, day, None, None) and by_area["E07000105"] > 0
    asked = memory.queries
    for _ in range(3):  # a panel of 299 partnerships asks these once, not once per partnership
        memory.population_variants("ons_population")
        memory.population_by_area(edition, day, None, None)
    assert memory.queries == asked


def test_fact_questions_agree(loaded_store):
    direct, memory = Facts(loaded_store.con), Prefetched(loaded_store.con)
    start, end = date(2017, 4, 1), date(2018, 3, 31)
    assert sorted(direct.spans("ho_outcomes", "outcomes_cohort", start, end)) == \
        sorted(memory.spans("ho_outcomes", "outcomes_cohort", start, end))
    assert direct.areas_present("ho_pfa", "recorded") == memory.areas_present("ho_pfa", "recorded")
    assert direct.offences_held("ho_pfa") == memory.offences_held("ho_pfa")
