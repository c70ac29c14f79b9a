"""Fair comparison: every force with its interval and funnel position, checked independently."""

from __future__ import annotations

import pytest
from scipy.stats import binom

from justicegap.answers import plots
from justicegap.answers.compare import compare
from justicegap.errors import InvalidParameter, NotAvailable
from officialfiles import real_rows

RAPE = {"19C", "19D", "19E", "19F", "19G", "19H"}
COHORT = "Force outcomes for offences recorded in quarter"


@pytest.fixture(scope="module")
def by_force(shared_data):
    """Per-force charged and recorded rapes in 2018/19, straight from the CSV."""
    header, rows = real_rows(shared_data / "homeoffice" / "prc-outcomes-2018-19.csv.gz", lambda r: r["Offence Code"] in RAPE)
    f, t, c = header.index("Force Name"), header.index("Outcome Type"), header.index(COHORT)
    out: dict[str, list[float]] = {}
    for r in rows:
        if r[c]:
            entry = out.setdefault(r[f], [0.0, 0.0])
            entry[1] += float(r[c])
            if r[t] == "1":
                entry[0] += float(r[c])
    return out


def test_every_force_with_limits_and_position(loaded, by_force):
    r = compare("charge_rate_cohort", level="pfa", period="2018/19", offence="rape").model_dump()
    names = [a["area"]["name"] for a in r["areas"]]
    assert len(names) == 43 and names == sorted(names), "in name order: no league table"
    forces = {k: v for k, v in by_force.items() if k != "British Transport Police"}
    assert r["target_numerator"] == sum(v[0] for v in forces.values())
    assert r["target_denominator"] == sum(v[1] for v in forces.values())
    p0 = r["target"]
    for a in r["areas"]:
        key = {"London, City of": "London, City of", "Devon and Cornwall": "Devon and Cornwall"}.get(a["area"]["name"], a["area"]["name"])
        k, n = forces[key]
        assert (a["numerator"], a["denominator"]) == (k, n)
        # exact binomial quantiles bracket the interpolated limits (Spiegelhalter 2005, appendix A.1.1)
        lo_q, hi_q = binom.ppf(0.001, int(n), p0) / n, binom.ppf(0.999, int(n), p0) / n
        assert lo_q - 1 / n - 1e-12 <= a["lower998"] <= lo_q + 1e-12
        assert hi_q - 1 / n - 1e-12 <= a["upper998"] <= hi_q + 1e-12
        # marked by the binomial tails beyond the area's count, not by the interpolated line
        expected = "above" if binom.sf(k - 1, int(n), p0) < 0.001 else "below" if binom.cdf(k, int(n), p0) < 0.001 else "within"
        assert a["position"] == expected
        for key in ("ci_low", "ci_high", "basis", "unit", "edition", "sentence"):
            assert a[key] is not None
    assert r["areas"][0]["rank"] is None
    assert r["summary"].startswith("Charge rate (offences recorded in the period), rape, 2018/19, by police force area "
                                   "(basis: offences recorded in the period, followed to the date of the edition "
                                   "(the Home Office's headline basis)): of 43 areas")


def test_sorting_gives_rank_intervals(loaded):
    r = compare("charge_rate_cohort", level="pfa", period="2018/19", offence="rape", sort="value").model_dump()
    values = [a["value"] for a in r["areas"]]
    assert values == sorted(values, reverse=True)
    for a in r["areas"]:
        assert a["rank_low"] <= a["rank"] <= a["rank_high"]
    assert any(a["rank_high"] - a["rank_low"] >= 5 for a in r["areas"])


def test_overdispersion_widens_limits(loaded):
    plain = compare("charge_rate_cohort", level="pfa", period="2018/19", offence="rape").model_dump()
    adj = compare("charge_rate_cohort", level="pfa", period="2018/19", offence="rape", overdispersion="multiplicative").model_dump()
    assert adj["phi"] > 1 and adj["method"] == "multiplicative"
    for a, b in zip(plain["areas"], adj["areas"]):
        if a["denominator"] > 500:
            assert b["upper998"] - b["lower998"] > a["upper998"] - a["lower998"]
    add = compare("charge_rate_cohort", level="pfa", period="2018/19", offence="rape", overdispersion="additive").model_dump()
    assert add["tau2"] > 0
    assert sum(a["position"] != "within" for a in adj["areas"]) <= sum(a["position"] != "within" for a in plain["areas"])


def test_cps_areas_keep_london_together(loaded):
    r = compare("charge_rate_cohort", level="cps_area", period="2018/19", offence="rape").model_dump()
    names = {a["area"]["name"] for a in r["areas"]}
    assert "Metropolitan Police and City of London" in names and "CPS London North" not in names
    assert len(r["areas"]) == 13


def test_bad_comparisons(loaded):
    with pytest.raises(InvalidParameter):
        compare("charge_rate_cohort", level="county", period="2018/19")
    with pytest.raises(InvalidParameter):
        compare("charge_rate_cohort", level="pfa", period="2018/19", overdispersion="huge")
    with pytest.raises(NotAvailable, match="police force area"):
        compare("charge_rate_cohort", level="csp", period="2018/19")


@pytest.mark.parametrize("suffix,check", [
    (".svg", lambda b: b.startswith(b"<svg") and b"Kent" in b and b"Durham" in b),
    (".png", lambda b: b[:8] == b"\x89PNG\r\n\x1a\n" and len(b) > 20_000),
    (".html", lambda b: b"vega" in b.lower() and b"Kent" in b and b"cdn.jsdelivr" not in b),
])
def test_plot_files(loaded, tmp_path, suffix, check):
    r = compare("charge_rate_cohort", level="pfa", period="2017/18", offence="rape").model_dump()
    path = plots.write(plots.funnel_plot(r), tmp_path / f"funnel{suffix}")
    assert check(path.read_bytes())
    spec = plots.funnel_plot(r)
    assert "Crime recording improvements" in " ".join(spec["title"]["subtitle"]), "the data breaks are noted"
    assert "Funnel plot" in plots.funnel_plot_text(r)


def test_plot_path_checked_first(tmp_path):
    with pytest.raises(InvalidParameter, match="svg, .png or .html"):
        plots.check_path(tmp_path / "x.gif")
    with pytest.raises(InvalidParameter, match="does not exist"):
        plots.check_path(tmp_path / "missing" / "x.svg")


def test_areas_with_missing_forces_are_left_out_of_the_target(loaded_copy):
    """A CPS Area missing one of its forces is not pooled as if whole: it is listed with the reason."""
    from justicegap.store import Store

    with Store() as s:
        s.con.execute("delete from coverage where dataset = 'ho_outcomes' and area = 'E23000031'")  # Surrey
        s.con.execute("delete from facts where dataset = 'ho_outcomes' and area = 'E23000031'")
    r = compare("charge_rate_cohort", level="cps_area", period="2018/19", offence="rape").model_dump()
    assert "CPS South East" not in {a["area"]["name"] for a in r["areas"]}
    [se] = [e for e in r["excluded"] if e["area"]["name"] == "CPS South East"]
    assert "Surrey has no data for April 2018 to March 2019 (2018/19)" in se["reason"]
    assert r["target_denominator"] == sum(a["denominator"] for a in r["areas"])


def test_cps_areas_say_london_is_one_area_for_police_data(loaded):
    r = compare("charge_rate_cohort", level="cps_area", period="2018/19", offence="rape").model_dump()
    names = {a["area"]["name"] for a in r["areas"]}
    assert "Metropolitan Police and City of London" in names and not {"CPS London North", "CPS London South"} & names
    assert any("CPS London North and CPS London South are not compared separately" in c for c in r["caveats"])
    assert "by CPS Area" in r["summary"]


def test_rates_per_resident_get_poisson_limits(loaded, by_force):
    from scipy.stats import poisson

    r = compare("recorded_per_100k", level="pfa", period="2017/18", offence="rape").model_dump()
    assert len(r["areas"]) == 43 and r["method"] == "exact"
    counts = {a["area"]["name"]: a["numerator"] for a in r["areas"]}
    pops = {a["area"]["name"]: a["denominator"] for a in r["areas"]}
    lam = sum(counts.values()) / sum(pops.values())
    assert r["target"] == pytest.approx(lam * 100_000)
    for a in r["areas"]:
        o, n = a["numerator"], a["denominator"]
        assert a["value"] == pytest.approx(o / n * 100_000)
        hi_q = poisson.ppf(0.999, lam * n)
        assert (hi_q - 1) / n * 100_000 - 1e-9 <= a["upper998"] <= hi_q / n * 100_000 + 1e-9
        want = "above" if poisson.sf(o - 1, lam * n) < 0.001 else "below" if poisson.cdf(o, lam * n) < 0.001 else "within"
        assert a["position"] == want
    kent = next(a for a in r["areas"] if a["area"]["name"] == "Kent")
    assert kent["numerator"] == 2529 and kent["position"] == "above"
    assert any("exact Poisson" in c for c in r["caveats"])
    assert any("overdispersion" in c for c in r["caveats"])  # many areas outside: said, with the remedy
    adj = compare("recorded_per_100k", level="pfa", period="2017/18", offence="rape", overdispersion="multiplicative").model_dump()
    assert adj["method"] == "multiplicative" and adj["phi"] > 1
    assert sum(a["position"] != "within" for a in adj["areas"]) < sum(a["position"] != "within" for a in r["areas"])
    ranked = compare("recorded_per_100k", level="pfa", period="2017/18", offence="rape", sort="value").model_dump()
    assert all(x["rank_low"] <= x["rank"] <= x["rank_high"] for x in ranked["areas"])


def test_per_resident_funnel_plot(loaded, tmp_path):
    from justicegap.answers import plots

    r = compare("recorded_per_100k", level="pfa", period="2017/18", offence="rape").model_dump()
    spec = plots.funnel_plot(r)
    y = spec["layer"][0]["encoding"]["y"]
    assert y["title"] == "Rate per 100,000 residents" and y["axis"]["format"] != ".1%"
    limits = [v["limit"] for v in spec["layer"][0]["data"]["values"]]
    assert 90 < sorted(limits)[len(limits) // 2] < 100 and "92.0 per 100,000" in spec["title"]["subtitle"][1]  # per 100,000, not per head
    assert "92.0 per 100,000" in plots.funnel_plot_text(r)
    svg = tmp_path / "p.svg"
    plots.write(spec, svg)
    assert svg.read_text().startswith("<svg")


def test_a_typed_result(loaded):
    """The library returns the model itself, the API's response model."""
    from justicegap.model.comparison import Comparison

    r = compare("charge_rate_cohort", level="pfa", period="2018/19", offence="rape")
    assert isinstance(r, Comparison) and all(isinstance(a.numerator, int) for a in r.areas)


def _cps_sexual_offences(shared_data, months) -> dict[str, int]:
    """Sexual offences finalised (convictions + unsuccessful) per row of the CPS monthly files."""
    import csv

    out: dict[str, int] = {}
    for month in months:
        with open(shared_data / "cps" / "case-outcomes-by-principal-offence" / f"{month}.csv", newline="") as f:
            rows = csv.reader(f)
            head = next(rows)
            conv, unsucc = head.index("Number of Sexual Offences Convictions"), head.index("Number of Sexual Offences Unsuccessful")
            for r in rows:
                if r and r[0]:
                    out[r[0]] = out.get(r[0], 0) + int(r[conv].replace(",", "")) + int(r[unsucc].replace(",", ""))
    return out


def test_totals_note_says_what_really_makes_the_totals_differ(loaded, shared_data):
    """CPS data have no British Transport Police: the national total differs from the forces' by the
    "Metropolitan and City" row, left out of a force comparison; Home Office data count BTP."""
    months = [f"2016-{m:02d}" for m in range(4, 13)] + [f"2017-{m:02d}" for m in range(1, 4)]
    raw = _cps_sexual_offences(shared_data, months)
    forces = sum(v for k, v in raw.items() if k not in ("National", "Metropolitan and City"))
    r = compare("cps_conviction_rate", level="pfa", period="2016/17", offence="sexual_offences").model_dump()
    [note] = [c for c in r["caveats"] if "add up to" in c]
    assert r["target_denominator"] == forces
    assert f"add up to {forces:,} defendants: 41 of the 43 police force areas." in note
    assert (f"The England and Wales figure ({raw['National']:,}) also counts Metropolitan Police and City of London "
            f"({raw['Metropolitan and City']:,} defendants together)") in note
    assert raw["National"] - forces == raw["Metropolitan and City"]
    assert "British Transport Police" not in note

    ho = compare("charge_rate_cohort", level="pfa", period="2018/19", offence="rape").model_dump()
    [note] = [c for c in ho["caveats"] if "add up to" in c]
    assert f"add up to {ho['target_denominator']:,} offences: the 43 police force areas." in note
    assert "also counts British Transport Police" in note and "left out" not in note


def test_no_area_has_a_figure_one_reason_with_its_own_alternatives(loaded, shared_data):
    """Every area refused: one sentence with the first area's reason and how many share it, the first
    error's alternatives and holder as data, never other errors' sentences as alternatives."""
    years = sorted(p.name[len("prc-outcomes-"):-len(".csv.gz")].replace("-", "/")
                   for p in (shared_data / "homeoffice").glob("prc-outcomes-*.csv.gz"))
    assert "2019/20" not in years
    with pytest.raises(NotAvailable) as e:
        compare("charge_rate_cohort", level="pfa", period="2019/20", offence="rape")
    err = e.value
    assert err.message.startswith("No police force area has charge rate (offences recorded in the period) for 2019/20: "
                                  "no loaded data cover 2019/20 for charge rate (offences recorded in the period) in "
                                  "Avon and Somerset (the same for 42 of the 43 police force areas).")
    assert err.available == [f"Crime outcomes open data: {years[0]}..{years[-1]}"]
    assert str(err).count("Available instead") == 1 and "Bedfordshire" not in str(err)

    with pytest.raises(NotAvailable) as e:
        compare("cps_conviction_rate", level="pfa", period="2016/17", offence="rape")
    err = e.value
    assert str(err).count("does not publish rape separately") == 1 and str(err).count("Available instead") == 1
    assert "(the same for 41 of the 43 police force areas)" in err.message and err.available == ["Sexual offences"]
    assert err.message.count("only together with") == 1  # the Metropolitan Police and the City of London: one reason


def test_no_area_has_a_figure_through_the_command_line(loaded_home):
    import json

    from test_cli import run

    p = run("compare", "charge_rate_cohort", "--level", "pfa", "--period", "2019/20", "--json", home=loaded_home, check=False)
    assert p.returncode == 4 and "Traceback" not in p.stderr
    err = json.loads(p.stdout or p.stderr)["error"]
    assert err["code"] == "not_available" and len(err["alternatives"]) == 1
    assert err["message"].count("Available instead") == 1


def test_a_rate_per_resident_names_its_population(loaded):
    """A comparison of adult female rape per 100,000 says what it divides by (women aged 16 and
    over) and which estimate (mid-2020, the nearest loaded to 2017/18), not "residents"."""
    from justicegap.answers.compare import compare

    c = compare("recorded_per_100k", level="cps_area", period="2017/18", offence="rape_adult_female")
    target = next(x for x in c.caveats if x.startswith("Target:"))
    assert f"of {c.target_denominator:,} women aged 16 and over" in target
    assert c.target_denominator == sum(a.denominator for a in c.areas)
    notes = {a.population["note"] for a in c.areas}
    assert f"Population: {'; '.join(sorted(notes))}." in c.caveats and all("mid-2020" in n for n in notes)


def test_summary_words_fit_what_was_found(loaded):
    """Nothing outside the limits reads "all N areas are within", not "0 are above and 0 below";
    names the ONS writes inverted ("Bristol, City of") are listed with semicolons, so each reads
    as one name."""
    from justicegap.answers.compare import compare

    c = compare("cps_conviction_rate", level="cps_area", period="2016/17", offence="sexual_offences", overdispersion="multiplicative")
    assert not [a for a in c.areas if a.position in ("above", "below")] and len(c.areas) == 13
    assert "all 13 areas are within limits widened for overdispersion (multiplicative)" in c.summary and "0 are above" not in c.summary
    c = compare("recorded_per_100k", level="csp", period="YE Jun 2025", offence="sexual_offences")
    above = [a.area.name for a in c.areas if a.position == "above"]
    assert "Bristol, City of" in above and f"({'; '.join(above)})" in c.summary
