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


def test_every_force_family_and_year(walk, client):
    forces, families, years = walk
    failures = []
    for year in years:
        for fam in families:
            for code in forces:
                q = {"area": code, "period": year, "offence": fam}
                for url, params in (("/api/v1/funnel", q), ("/api/v1/figure", {**q, "metric": "charge_rate_cohort"}),
                                    ("/api/v1/figure", {**q, "metric": "recorded"}),
                                    (f"/area/{code}", {"period": year, "offence": fam}),
                                    ("/download/outcomes.csv", q)):
                    r = client.get(url, params=params)
                    if r.status_code >= 500 or (url.startswith("/area") and r.status_code != 200):
                        failures.append(f"{url} {params}: {r.status_code}")
                    elif url.startswith("/api") and r.status_code == 200:
                        failures += [f"{url} {params}: {p}" for p in _negative_counts(r.json())]
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
    r = attrition(area=force, period="2017/18", offence=family)
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
