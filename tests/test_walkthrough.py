"""Every force, offence family and loaded financial year through the funnel, the figures, the area
page, its downloads and the API: no error, and no derived count below zero (a published negative
count, a correction, is shown as published and flagged, never summed into a negative figure)."""

from __future__ import annotations

import pytest

COUNT_KEYS = ("count", "numerator", "denominator", "volume")


def _negative_counts(obj, path="") -> list[str]:
    """Paths of counts below zero anywhere in an answer (counts, numerators, volumes, and the values
    of count figures)."""
    out = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k in COUNT_KEYS and isinstance(v, (int, float)) and v < 0:
                out.append(f"{path}.{k}={v}")
            elif k == "value" and obj.get("kind") == "count" and isinstance(v, (int, float)) and v < 0:
                out.append(f"{path}.value={v}")
            else:
                out += _negative_counts(v, f"{path}.{k}")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out += _negative_counts(v, f"{path}[{i}]")
    return out


@pytest.fixture(scope="module")
def walk(loaded_home):
    """(forces, families, financial years the police data hold), read from the reference and the store."""
    from justicegap import areas, reference
    from justicegap.periods import financial_year
    from justicegap.store import Store

    with Store(loaded_home / "justicegap.duckdb", read_only=True) as s:
        years = sorted({r[0] for r in s.con.execute(
            "select distinct extract(year from period_start) - case when extract(month from period_start) < 4 then 1 else 0 end"
            " from coverage where dataset in ('ho_pfa', 'ho_outcomes')").fetchall()})
    forces = [a.code for a in areas.all_areas("pfa") + areas.all_areas("btp")]
    return forces, list(reference.families()), [financial_year(int(y)).label for y in years]


def test_the_walk_covers_what_is_loaded(walk):
    forces, families, years = walk
    assert len(forces) == 44 and "rape" in families and years == ["2017/18", "2018/19"]


def _negative_groups(loaded_home) -> set[tuple[str, str, str]]:
    """(force, family, year) where a police outcome group's published counts add up to less than
    zero (the Home Office's corrections), read from the store: where the funnel used to answer 500."""
    from justicegap.store import Store

    with Store(loaded_home / "justicegap.duckdb", read_only=True) as s:
        rows = s.con.execute(
            "select area, family, y from (select f.area, x.family, o.grp, extract(year from f.period_start)"
            " - case when extract(month from f.period_start) < 4 then 1 else 0 end as y, sum(f.value) v"
            " from facts f join offence_families x on x.code = f.offence join outcome_types o on o.type = f.outcome"
            " where f.dataset = 'ho_outcomes' and f.measure = 'outcomes_cohort' and o.parent is null group by all)"
            " where v < 0").fetchall()
    return {(a, fam, f"{int(y)}/{(int(y) + 1) % 100:02d}") for a, fam, y in rows}


def test_every_force_family_and_year_through_the_library(walk, loaded_store):
    """The funnel's police stages (each a `get`) and its outcome groups for every combination."""
    forces, families, years = walk
    failures = []
    with loaded_store.prefetched():  # the panel engine's memory: the same answers, a few queries
        failures += _library_walk(loaded_store, forces, families, years)
    assert not failures, failures[:20]


def _library_walk(loaded_store, forces, families, years) -> list[str]:
    from justicegap import areas, metrics
    from justicegap.answers.funnel import outcome_groups
    from justicegap.errors import NotAvailable
    from justicegap.periods import parse

    failures = []
    for year in years:
        for fam in families:
            for code in forces:
                area = areas.get(code)
                groups = outcome_groups(loaded_store, area, parse(year), fam)
                failures += [f"{code} {fam} {year} groups: {p}" for p in _negative_counts({"rows": groups.rows})]
                for mid, outcome in (("recorded", None), ("charge_rate_cohort", None), ("charge_rate_closed", None),
                                     ("outcome_share_cohort", "0")):
                    try:
                        fig = metrics.compute(mid, area=area, period=year, offence=fam, outcome=outcome, store=loaded_store,
                                              allow_partial=True)
                    except NotAvailable:
                        continue
                    failures += [f"{code} {fam} {year} {mid}: {p}" for p in _negative_counts(fig.to_dict())]
    return failures


def test_every_area_page_and_the_api(walk, client, loaded_home):
    """The API's funnel and figure and the downloads for every force and year (the families taken in
    turn), the area page for every force (years and families in turn), and all of them for every
    force, family and year where a published negative count makes a group's sum negative."""
    forces, families, years = walk
    api = {(code, families[(i + j) % len(families)], year) for i, code in enumerate(forces) for j, year in enumerate(years)}
    pages = {(code, families[i % len(families)], years[i % len(years)]) for i, code in enumerate(forces)}
    negative = _negative_groups(loaded_home)
    assert {("E23000033", "rape", "2017/18"), ("E23000039", "rape_child", "2017/18")} <= negative  # Sussex, Dorset
    failures = []
    for code, fam, year in sorted(api | negative):
        q = {"area": code, "period": year, "offence": fam}
        for url, params in (("/api/v1/funnel", q), ("/api/v1/figure", {**q, "metric": "charge_rate_cohort"}),
                            ("/download/outcomes.csv", q), ("/download/funnel.xlsx", q)):
            r = client.get(url, params=params)
            if r.status_code >= 500:
                failures.append(f"{url} {params}: {r.status_code}")
            elif url.startswith("/api") and r.status_code == 200:
                failures += [f"{url} {params}: {p}" for p in _negative_counts(r.json())]
    for code, fam, year in sorted(pages | negative):
        r = client.get(f"/area/{code}", params={"period": year, "offence": fam})
        if r.status_code != 200:
            failures.append(f"/area/{code} {fam} {year}: {r.status_code}")
    assert not failures, failures[:20]


@pytest.mark.parametrize("force,family", [("Sussex", "rape"), ("Sussex", "rape_adult_female"),
                                          ("Dorset", "rape"), ("Dorset", "rape_child")])
def test_published_negatives_are_shown_as_published(loaded, shared_data, force, family):
    """The groups the Home Office's negative corrections make negative are blank with the reason,
    which quotes the published cells; the command's library call does not fail."""
    import csv
    import gzip

    from justicegap import reference
    from justicegap.answers.funnel import attrition

    codes = reference.family_codes()[family]
    with gzip.open(shared_data / "homeoffice" / "prc-outcomes-2017-18.csv.gz", "rt", encoding="utf-8") as f:
        published = [r for r in csv.DictReader(f) if r["Force Name"] == force and r["Offence Code"] in codes
                     and r["Outcome Type"] == "0" and int(r["Force outcomes for offences recorded in quarter"] or 0) < 0]
    assert published  # Sussex 19C Q2 -8, Dorset 19D Q1 -3
    r = attrition(area=force, period="2017/18", offence=family).model_dump()
    assert not _negative_counts(r)
    pending = next(g for g in r["outcome_groups"] if g["group"] == "not_yet_assigned")
    assert pending["reason"] and "negative" in pending["reason"]
    shown = {(n["offence"], n["period"], n["published"]) for n in r["published_negatives"] if n["measure"] == "outcomes_cohort"
             and n["outcome"] == "0"}
    assert shown == {(x["Offence Code"], f"2017/18 Q{x['Financial Quarter']}", int(x["Force outcomes for offences recorded in quarter"]))
                     for x in published}
    if pending["count"] is None:
        assert pending["share"] is None and pending["ci_low"] is None
    assert any("negative" in s for s in r["statements"])
