"""Metrics against independent computations from the raw files, SciPy and published figures."""

from __future__ import annotations

from datetime import date

import pytest
from scipy.stats import binomtest

from justicegap import metrics, update
from justicegap.errors import InvalidParameter, NotAvailable, NotFound
from justicegap.store import Store
from officialfiles import real_rows, sum_counts, write_csv

RAPE = {"19C", "19D", "19E", "19F", "19G", "19H"}
COHORT, CLOSED = "Force outcomes for offences recorded in quarter", "Force outcomes recorded in quarter"


def _wilson(k, n):
    ci = binomtest(int(k), int(n)).proportion_ci(method="wilson")
    return ci.low, ci.high


def test_registry_entries_are_complete():
    for mid, m in metrics.registry().items():
        for key in ("name", "stage", "kind", "basis", "unit", "datasets", "levels", "definition", "sentence"):
            assert m.get(key), f"{mid} lacks {key}"
        assert m["unit"] in ("offences", "suspects", "defendants", "days", "people")
        if m["kind"] in ("proportion", "ratio"):
            assert m.get("numerator") and m.get("denominator"), mid


def test_charge_rate_cohort_england_and_wales(loaded, shared_data):
    f = shared_data / "homeoffice" / "prc-outcomes-2017-18.csv.gz"
    num = sum_counts(f, COHORT, lambda r: r["Offence Code"] in RAPE and r["Outcome Type"] == "1")
    den = sum_counts(f, COHORT, lambda r: r["Offence Code"] in RAPE)
    assert (num, den) == (2238, 53931)
    fig = metrics.compute("charge_rate_cohort", area="England and Wales", period="2017/18", offence="rape")
    assert (fig.numerator, fig.denominator) == (num, den)
    assert fig.value == pytest.approx(num / den)
    assert (fig.ci_low, fig.ci_high) == pytest.approx(_wilson(num, den), abs=1e-9)
    d = fig.to_dict()
    for key in ("metric", "area", "period", "offence", "value", "numerator", "denominator", "ci_low", "ci_high",
                "basis", "unit", "edition", "sources", "flags", "caveats", "sentence"):
        assert key in d
    assert d["basis"] == "recorded_cohort" and d["unit"] == "offences"
    assert d["sources"][0]["sha256"] and d["sources"][0]["dataset"] == "ho_outcomes"


def test_kent_sentence(loaded):
    s = metrics.compute("charge_rate_cohort", area="Kent", period="2017/18", offence="rape").sentence
    assert s.startswith("Of the 2,529 rapes recorded by Kent Police in 2017/18, 42 (1.7%, 95% CI 1.2–2.2%) had resulted "
                        "in a charge or summons by the time of this edition.")
    assert "prc-outcomes-2017-18.csv.gz" in s


def test_closed_basis_for_a_calendar_year_uses_its_four_quarters(loaded, shared_data):
    a = shared_data / "homeoffice" / "prc-outcomes-2017-18.csv.gz"
    b = shared_data / "homeoffice" / "prc-outcomes-2018-19.csv.gz"
    assigned = lambda r: r["Offence Code"] in RAPE and r["Outcome Type"] != "0"  # noqa: E731
    q4 = lambda r: r["Financial Quarter"] == "4"  # noqa: E731
    q123 = lambda r: r["Financial Quarter"] in ("1", "2", "3")  # noqa: E731
    charged = (sum_counts(a, CLOSED, lambda r: assigned(r) and q4(r) and r["Outcome Type"] == "1")
               + sum_counts(b, CLOSED, lambda r: assigned(r) and q123(r) and r["Outcome Type"] == "1"))
    total = sum_counts(a, CLOSED, lambda r: assigned(r) and q4(r)) + sum_counts(b, CLOSED, lambda r: assigned(r) and q123(r))
    fig = metrics.measure("charge_rate_closed", area="England and Wales", period="2018", offence="rape")
    assert (fig.numerator, fig.denominator) == (charged, total)
    assert {e.file_name for e in fig.editions} == {"prc-outcomes-2017-18.csv.gz", "prc-outcomes-2018-19.csv.gz"}
    share = metrics.measure("outcome_share_closed", area="England and Wales", period="2018", offence="rape", outcome="18")
    no_suspect = (sum_counts(a, CLOSED, lambda r: assigned(r) and q4(r) and r["Outcome Type"] == "18")
                  + sum_counts(b, CLOSED, lambda r: assigned(r) and q123(r) and r["Outcome Type"] == "18"))
    assert (share.numerator, share.denominator) == (no_suspect, total)


def test_outcome_share_by_group_and_type(loaded, shared_data):
    f = shared_data / "homeoffice" / "prc-outcomes-2018-19.csv.gz"
    kent = lambda r: r["Force Name"] == "Kent" and r["Offence Code"] in RAPE  # noqa: E731
    den = sum_counts(f, COHORT, kent)
    vdns = sum_counts(f, COHORT, lambda r: kent(r) and r["Outcome Type"] in ("14", "16"))
    g = metrics.compute("outcome_share_cohort", area="Kent", period="2018/19", offence="rape", outcome="victim_does_not_support")
    assert (g.numerator, g.denominator) == (vdns, den)
    assert "the victim does not support further police action" in g.sentence
    t14 = metrics.compute("outcome_share_cohort", area="Kent", period="2018/19", offence="rape", outcome="14")
    assert t14.numerator == sum_counts(f, COHORT, lambda r: kent(r) and r["Outcome Type"] == "14")
    pending = metrics.compute("outcome_share_cohort", area="Kent", period="2018/19", offence="rape", outcome="not_yet_assigned")
    assert pending.numerator == sum_counts(f, COHORT, lambda r: kent(r) and r["Outcome Type"] == "0")


def test_charge_ratio_is_labelled_a_ratio(loaded, shared_data):
    f = shared_data / "homeoffice" / "prc-outcomes-2017-18.csv.gz"
    kent = lambda r: r["Force Name"] == "Kent" and r["Offence Code"] in RAPE  # noqa: E731
    fig = metrics.compute("charge_ratio_period", area="Kent", period="2017/18", offence="rape")
    assert fig.numerator == sum_counts(f, CLOSED, lambda r: kent(r) and r["Outcome Type"] == "1")
    assert fig.denominator == sum_counts(f, COHORT, kent)
    assert fig.ci_low is None and fig.to_dict()["basis"] == "same_period_ratio"
    assert "different cases" in fig.sentence


def test_cps_area_sums_its_forces(loaded):
    parts = [metrics.compute("charge_rate_cohort", area=a, period="2017/18", offence="rape") for a in ("Kent", "Surrey", "Sussex")]
    se = metrics.compute("charge_rate_cohort", area="CPS South East", period="2017/18", offence="rape")
    assert se.numerator == sum(p.numerator for p in parts) and se.denominator == sum(p.denominator for p in parts)


def test_low_count_flag(loaded):
    city = metrics.compute("charge_rate_cohort", area="London, City of", period="2017/18", offence="rape")
    assert city.denominator < 30 and "low_count" in city.flags


def test_events_touching():
    from justicegap import areas as A
    from justicegap.periods import parse

    ids = lambda area, period, ds="ho_outcomes", fam="rape": {e["id"] for e in metrics.events_touching(parse(period), A.resolve(area), ds, fam)}  # noqa: E731
    assert "gmp_outcomes_missing" in ids("England and Wales", "2019/20")
    assert "gmp_outcomes_missing" in ids("Greater Manchester", "2020")
    assert "gmp_outcomes_missing" not in ids("Kent", "2019/20")
    assert "outcome_22_introduced" in ids("Kent", "2019/20") and "outcome_22_introduced" not in ids("Kent", "2020/21")
    assert "online_safety_act" in ids("Kent", "2024/25", "ho_pfa", "other_sexual")
    assert "online_safety_act" not in ids("Kent", "2024/25", "ho_pfa", "rape")
    assert "covid_19" in ids("Kent", "2020/21")


def _second_edition(shared_data, tmp_path, moved: int):
    """A later edition of 2017/18 in which ``moved`` of Kent's unassigned rapes were charged."""
    header, rows = real_rows(shared_data / "homeoffice" / "prc-outcomes-2017-18.csv.gz", lambda r: r["Force Name"] == "Kent")
    i_code, i_type, i_cohort = header.index("Offence Code"), header.index("Outcome Type"), header.index(COHORT)
    left = moved
    out = []
    for r in rows:
        r = list(r)
        if r[i_code] == "19C" and r[header.index("Financial Quarter")] == "1":
            if r[i_type] == "0":
                take = min(left, int(r[i_cohort]))
                r[i_cohort] = str(int(r[i_cohort]) - take)
                left -= take
            elif r[i_type] == "1":
                r[i_cohort] = str(int(r[i_cohort]) + moved)
        out.append(r)
    assert left == 0
    return write_csv(tmp_path / "prc-outcomes-2017-18-revised.csv", [header, *out])


def test_editions_and_maturation(loaded_copy, tmp_path, shared_data):
    from justicegap.answers.maturation import maturation

    with Store() as s:
        s.con.execute("update editions set published = date '2018-07-19' where dataset = 'ho_outcomes'")
        update.load_file(s, _second_edition(shared_data, tmp_path, 10), published=date(2019, 7, 18))
    newest = metrics.compute("charge_rate_cohort", area="Kent", period="2017/18", offence="rape")
    assert (newest.numerator, newest.denominator) == (52, 2529)
    first = metrics.compute("charge_rate_cohort", area="Kent", period="2017/18", offence="rape", edition="prc-outcomes-2017-18.csv.gz")
    assert first.numerator == 42
    m = maturation("charge_rate_cohort", area="Kent", period="2017/18", offence="rape")
    assert [e["numerator"] for e in m["editions"]] == [42, 52]
    assert m["editions"][0]["not_yet_assigned"] - m["editions"][1]["not_yet_assigned"] == 10
    # each edition as published; no count derived by subtracting one edition from another
    assert "(42 of 2,529)" in m["summary"] and "(52 of 2,529)" in m["summary"] and "numerator" not in m["change"]
    assert "4.2%" not in m["summary"]
    with pytest.raises(NotFound) as e:
        metrics.compute("charge_rate_cohort", area="Kent", period="2017/18", offence="rape", edition="nope-edition")
    assert "prc-outcomes-2017-18.csv.gz" in str(e.value)


def test_alternate_offence_charges_reported_apart(home, tmp_path, shared_data):
    header, rows = real_rows(shared_data / "homeoffice" / "prc-outcomes-2018-19.csv.gz",
                             lambda r: r["Force Name"] == "Kent" and r["Offence Code"] in RAPE)
    i_type, i_cohort = header.index("Outcome Type"), header.index(COHORT)
    charged = sum(float(r[i_cohort] or 0) for r in rows if r[i_type] == "1")
    alt = [list(r) for r in rows if r[i_type] == "1" and r[i_cohort] not in ("", "0")][:1]
    alt[0][i_type], alt[0][i_cohort], alt[0][i_cohort + 1] = "1A", "2", ""
    with Store() as s:
        update.load_file(s, write_csv(tmp_path / "outcomes.csv", [header, *rows, *alt]))
    fig = metrics.compute("charge_rate_cohort", area="Kent", period="2018/19", offence="rape")
    assert fig.numerator == charged, "1A is inside 1, never added to it"
    assert fig.breakdown["charged_alternate_offence"] == 2
    assert fig.breakdown["charged_same_offence"] == charged - 2


@pytest.mark.parametrize("kwargs,error,needle", [
    (dict(metric_id="charge_rate_cohrt"), NotFound, "charge_rate_cohort"),
    (dict(area="Kentt"), NotFound, "Kent"),
    (dict(offence="rapes"), NotFound, "rape"),
    (dict(period="2017-18"), InvalidParameter, "for the financial year write 2017/18"),
    (dict(metric_id="outcome_share_cohort", outcome="withdrew"), NotFound, "victim_does_not_support"),
    (dict(metric_id="outcome_share_cohort"), InvalidParameter, "needs an outcome"),
    (dict(area="Ashford"), NotAvailable, "police force area only"),
    (dict(period="2019/20"), NotAvailable, "2017/18..2018/19"),
    (dict(period="2017-10..2019-06"), NotAvailable, "April 2019 to June 2019 (2019/20 Q1) is missing"),
])
def test_bad_requests_say_what_is_available(loaded, kwargs, error, needle):
    args = dict(metric_id="charge_rate_cohort", area="Kent", period="2017/18", offence="rape") | kwargs
    with pytest.raises(error) as e:
        metrics.compute(args.pop("metric_id"), **args)
    assert needle in str(e.value)


def test_partial_figure_only_when_asked_and_flagged(loaded):
    fig = metrics.compute("charge_rate_cohort", area="Kent", period="2017-10..2019-06", offence="rape", allow_partial=True)
    assert "partial" in fig.flags and fig.missing["periods"] == "April 2019 to June 2019 (2019/20 Q1)"
    assert fig.caveats[0].startswith("PARTIAL")


def test_local_figures(loaded, shared_data):
    import csv

    with open(shared_data / "ons" / "pfa-tables-ye-jun2025-table-c2-csp.csv", encoding="utf-8") as f:
        rows = list(csv.reader(f))[8:]
    c2 = {r[3]: int(r[13].replace(",", "").strip()) for r in rows if len(r) > 13 and r[3] and r[13].strip()}
    assert metrics.compute("recorded", area="Ashford", period="YE Jun 2025", offence="sexual_offences").value == c2["Ashford"] == 413
    fh = metrics.compute("recorded", area="Shepway", period="YE Jun 2025", offence="sexual_offences")
    assert fh.value == c2["Folkestone and Hythe"] and fh.area.name == "Folkestone and Hythe"
    assert any("Shepway" in c for c in fh.caveats)
    with pytest.raises(NotAvailable, match="does not publish rape"):
        metrics.compute("recorded", area="Ashford", period="YE Jun 2025", offence="rape")
    with pytest.raises(NotAvailable, match="shares one Community Safety Partnership"):
        metrics.compute("recorded", area="Dartford", period="YE Jun 2025", offence="sexual_offences")


def test_rate_per_100k_uses_the_victims_population(loaded, shared_data):
    """Adult female rape per 100,000 women aged 16 and over, from the ONS ward file summed by hand."""
    import csv
    import gzip

    from justicegap import reference

    kent = {r["lad_code"] for r in reference.table("lad_csp_pfa") if r["pfa_code"] == "E23000032"}
    with gzip.open(shared_data / "ons" / "population-mid2020-ward-single-year-age-females.csv.gz", "rt", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    head = next(i for i, r in enumerate(rows) if r and r[0].startswith("Ward Code"))
    ages = rows[head]
    women = sum(int(r[i].replace(",", "")) for r in rows[head + 1:] if len(r) > 4 and r[2] in kent
                for i, a in enumerate(ages) if a.strip() in {*(str(x) for x in range(16, 90)), "90+"})
    rapes = sum_counts(shared_data / "homeoffice" / "prc-pfa-2017-18.csv.gz", "Number of Offences",
                       lambda r: r["Force Name"] == "Kent" and r["Offence Code"] == "19C")
    fig = metrics.compute("recorded_per_100k", area="Kent", period="2017/18", offence="rape_adult_female")
    assert fig.numerator == rapes and fig.denominator == women
    assert fig.value == pytest.approx(100_000 * rapes / women)
    assert "females aged 16 and over" in fig.population["note"] and "mid-2020" in fig.population["note"]
    # the sentence says whom the rate is per
    assert f"{fig.value:,.1f} per 100,000 women aged 16 and over" in fig.sentence and "residents" not in fig.sentence
    child = metrics.compute("recorded_per_100k", area="Kent", period="2017/18", offence="rape_child")
    assert "per 100,000 children aged 0 to 15" in child.sentence
    everyone = metrics.compute("recorded_per_100k", area="Kent", period="2017/18", offence="rape")
    assert "per 100,000 residents (" in everyone.sentence


def test_sub_codes_are_never_added_to_their_parents(home, tmp_path, shared_data):
    """1A rows sit inside type 1: denominators that take every outcome must not count them twice."""
    header, rows = real_rows(shared_data / "homeoffice" / "prc-outcomes-2018-19.csv.gz",
                             lambda r: r["Force Name"] == "Kent" and r["Offence Code"] in RAPE)
    i_type, i_cohort = header.index("Outcome Type"), header.index(COHORT)
    total = sum(float(r[i_cohort] or 0) for r in rows)
    alt = [list(r) for r in rows if r[i_type] == "1" and r[i_cohort] not in ("", "0")][:1]
    alt[0][i_type], alt[0][i_cohort], alt[0][i_cohort + 1] = "1A", "2", ""
    with Store() as s:
        update.load_file(s, write_csv(tmp_path / "outcomes.csv", [header, *rows, *alt]))
    fig = metrics.compute("charge_rate_cohort", area="Kent", period="2018/19", offence="rape")
    assert fig.denominator == total
    share = metrics.compute("outcome_share_cohort", area="Kent", period="2018/19", offence="rape", outcome="1A")
    assert (share.numerator, share.denominator) == (2, total)


def test_a_sub_code_the_edition_does_not_separate_is_not_a_zero(loaded):
    with pytest.raises(NotAvailable, match="does not publish outcome 1A separately"):
        metrics.compute("outcome_share_cohort", area="Kent", period="2017/18", offence="rape", outcome="1A")


def test_rates_per_100k_leave_out_british_transport_police(loaded, shared_data):
    forces = sum_counts(shared_data / "homeoffice" / "prc-pfa-2017-18.csv.gz", "Number of Offences",
                        lambda r: r["Offence Code"] in RAPE and r["Force Name"] not in
                        ("British Transport Police", "Action Fraud", "CIFAS", "UK Finance", "Financial Fraud Action UK"))
    fig = metrics.compute("recorded_per_100k", area="England and Wales", period="2017/18", offence="rape")
    assert fig.numerator == forces
    assert any("British Transport Police" in c for c in fig.caveats)
    assert metrics.compute("recorded", area="England and Wales", period="2017/18", offence="rape").value > forces


def test_a_period_published_whole_is_used_whole():
    from datetime import date

    from justicegap.metrics.data import tile
    from justicegap.periods import parse

    year = parse("2017/18")
    quarter = parse("2017/18 Q1")
    assert tile([(year.start, year.end), (quarter.start, quarter.end)], year) == [(year.start, year.end)]
    assert tile([(quarter.start, quarter.end), (date(2017, 4, 1), date(2017, 4, 30))], quarter) == [(quarter.start, quarter.end)]


def test_why_a_metric_is_not_given_at_a_level(loaded):
    with pytest.raises(NotAvailable, match="no resident population"):
        metrics.compute("recorded_per_100k", area="British Transport Police", period="2017/18", offence="rape")
    with pytest.raises(NotAvailable, match="police outcomes by police force area only"):
        metrics.compute("outcome_share_closed", area="Medway", period="2017/18", offence="rape", outcome="14")


def test_every_metric_says_what_it_is_confused_with():
    """The metric page explains each measure against its neighbours (a link either way counts)."""
    reg = metrics.registry()
    linked = {mid for mid, m in reg.items() if m.get("confused_with")}
    linked |= {c["metric"] for m in reg.values() for c in m.get("confused_with") or []}
    assert set(reg) <= linked, set(reg) - linked
    for m in reg.values():
        for c in m.get("confused_with") or []:
            assert c["metric"] in reg and c["metric"] != m["id"] and len(c["how"]) > 20


def test_how_to_say_a_metric_reads_as_words():
    """`justicegap metrics ID` shows how a figure is said as a pattern in words, never the
    template's field names (a fresh-user pass saw "{denominator_int} {offence_plural}")."""
    import re

    from justicegap.metrics.registry import PLACEHOLDER_WORDS

    for k, m in metrics.registry().items():
        assert set(re.findall(r"\{([a-z_0-9]+)\}", m["sentence"])) <= set(PLACEHOLDER_WORDS), k
        said = metrics.explain(k)["how_to_say"]
        assert "{" not in said and "_" not in said.replace(k, ""), (k, said)
    assert metrics.explain("charge_rate_cohort")["how_to_say"].startswith("Of the [denominator] [offences] recorded by [police force]")


def test_metrics_command_prints_the_pattern(loaded_home):
    from test_cli import run

    out = run("metrics", "charge_rate_cohort", home=loaded_home).stdout
    assert "how to say it: Of the [denominator] [offences]" in out and "{" not in out
    assert out.splitlines()[0].rstrip().endswith("[charge_rate_cohort]")  # the id, not swallowed as markup


def test_reasons_fit_the_metric_and_the_kind_of_area(loaded, client, shared_data):
    """A reporting body is not a police force, and British Transport Police has no residents nor
    partnerships: the reasons and the alternatives say so, and name no outcomes nor partnerships."""
    with pytest.raises(NotAvailable) as e:
        metrics.compute("recorded", area="Action Fraud", period="2017/18", offence="rape")
    assert "outcomes" not in e.value.message and "non-police reporting body" in e.value.message
    assert not any("Community Safety Partnership" in a and "published for" not in a for a in e.value.available)

    with pytest.raises(NotAvailable) as e:
        metrics.compute("recorded_per_100k", area="British Transport Police", period="2017/18", offence="rape")
    assert "no resident population" in e.value.message
    assert e.value.available == ["Offences recorded by the police (a count, without a rate)"]
    # the alternative is real: the count is given, the published one
    btp = sum_counts(shared_data / "homeoffice" / "prc-pfa-2017-18.csv.gz", "Number of Offences",
                     lambda r: r["Offence Code"] in RAPE and r["Force Name"] == "British Transport Police")
    assert metrics.compute("recorded", area="British Transport Police", period="2017/18", offence="rape").value == btp > 0

    r = client.get("/api/v1/figure", params={"metric": "recorded_per_100k", "area": "British Transport Police",
                                             "period": "2017/18", "offence": "rape"})
    assert r.status_code == 409 and r.json()["available"] == ["Offences recorded by the police (a count, without a rate)"]
    assert "Community Safety Partnerships" not in r.json()["message"]

    # an outcomes metric keeps the outcomes reason where it is the reason
    with pytest.raises(NotAvailable, match="publishes police outcomes by police force area only") as e:
        metrics.compute("charge_rate_cohort", area="Ashford", period="2017/18", offence="rape")
    assert e.value.available == ["Kent (the whole force area)"]
