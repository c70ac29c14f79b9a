"""What cannot be answered, said plainly: forces published only together, the periods an edition
or a dataset really holds, outcome types that did not exist yet, empty denominators; and caveats
that apply to the figure's own data. Checked against the raw files in ../shared/data."""

from __future__ import annotations

import csv
import re
from datetime import date

import pytest

from justicegap import areas as A
from justicegap import metrics, reference
from justicegap.errors import NotAvailable
from justicegap.periods import parse
from officialfiles import real_rows, sum_counts

CPS = "cps/case-outcomes-by-principal-offence"
CLOSED = "Force outcomes recorded in quarter"
RAPE = {"19C", "19D", "19E", "19F", "19G", "19H"}


def _cps_row(shared_data, month: str, name: str) -> dict:
    with open(shared_data / CPS / f"{month}.csv", newline="", encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            if row[""] == name:
                return row
    raise AssertionError(f"{name} not in {month}.csv")


def _group_of(code: str) -> A.Area:
    """The published group containing ``code``, found from the reference (not from the code)."""
    return next(a for a in A.all_areas("pfa_group") if code in a.members)


# --- 1. forces the CPS publishes only together ----------------------------------------------------

@pytest.mark.parametrize("area,period", [("Metropolitan Police", "2018-03"), ("City of London", "2017/18")])
@pytest.mark.parametrize("allow_partial", [False, True])
def test_force_published_only_in_a_group_says_so(loaded, area, period, allow_partial):
    force = A.resolve(area)
    group = _group_of(force.code)
    with pytest.raises(NotAvailable) as e:
        metrics.compute("cps_conviction_rate", area=area, period=period, offence="sexual_offences", allow_partial=allow_partial)
    text = str(e.value)
    partner = next(A.get(c).name for c in group.members if c != force.code)
    assert f"only together with {partner}" in text
    assert "missing" not in text and "cover only part" not in text
    assert any(group.name in a for a in e.value.available)


def test_the_group_itself_matches_the_raw_row(loaded, shared_data):
    force = A.resolve("Metropolitan Police")
    group = _group_of(force.code)
    row = _cps_row(shared_data, "2018-03", "Metropolitan and City")
    conv = int(row["Number of Sexual Offences Convictions"])
    unsucc = int(row["Number of Sexual Offences Unsuccessful"])
    fig = metrics.compute("cps_conviction_rate", area=group.name, period="2018-03", offence="sexual_offences")
    assert (fig.numerator, fig.denominator) == (conv, conv + unsucc)
    assert "partial" not in fig.flags and "no_denominator" not in fig.flags


def test_a_force_published_on_its_own_is_unaffected(loaded, shared_data):
    # the Home Office publishes the Metropolitan Police alone: the group rule is the dataset's, not the name's
    f = shared_data / "homeoffice" / "prc-outcomes-2017-18.csv.gz"
    den = sum_counts(f, "Force outcomes for offences recorded in quarter",
                     lambda r: r["Force Name"] == "Metropolitan Police" and r["Offence Code"] in RAPE)
    fig = metrics.compute("charge_rate_cohort", area="Metropolitan Police", period="2017/18", offence="rape")
    assert fig.denominator == den


def test_compare_gives_the_same_reason_for_both_forces(loaded):
    from justicegap.answers.compare import compare

    r = compare("cps_conviction_rate", level="pfa", period="2018-03", offence="sexual_offences").model_dump()
    reasons = {x["area"]["code"]: x["reason"] for x in r["excluded"]}
    group = _group_of(A.resolve("Metropolitan Police").code)
    for code in group.members:
        assert "only together with" in reasons[code] and "missing" not in reasons[code]
        assert group.name in reasons[code]


# --- 2. what is available instead ------------------------------------------------------------------

def test_named_edition_says_what_it_covers(loaded_store, shared_data):
    ed = next(e for e in loaded_store.editions("ho_outcomes") if "2018-19" in e.file_name)
    header, rows = real_rows(shared_data / "homeoffice" / ed.file_name)
    years = {r[header.index("Financial Year")] for r in rows}
    assert len(years) == 1  # the raw file: one financial year
    with pytest.raises(NotAvailable) as e:
        metrics.compute("charge_rate_cohort", area="Kent", period="2017/18", edition=ed.edition, store=loaded_store)
    avail = " ".join(e.value.available)
    assert ed.edition in avail and avail.endswith(f"covers only {years.pop()}")
    assert "2017/18" not in avail


def test_available_periods_are_in_the_published_periods(loaded, shared_data):
    import gzip

    with gzip.open(shared_data / "moj" / "rape-prosecution-times-data.csv.gz", "rt", encoding="utf-8") as fh:
        years = sorted(int(r["year"]) for r in csv.DictReader(fh))
    with pytest.raises(NotAvailable) as e:
        metrics.compute("median_days_offence_to_charge", area="England and Wales", period="2017/18")
    avail = " ".join(e.value.available)
    assert avail.endswith(f"{years[0]}..{years[-1]}")  # calendar years, as published
    assert not re.search(r"Q[1-4]|/\d\d", avail)       # never relabelled as financial quarters or years
    assert "2017 and 2018" in e.value.message            # the published periods around the one asked


def test_financial_quarters_are_named_as_financial_years(loaded):
    with pytest.raises(NotAvailable) as e:
        metrics.compute("charge_rate_cohort", area="Kent", period="2019/20")
    assert e.value.available == ["Crime outcomes open data: 2017/18..2018/19"]


# --- 4. texts that agree with the computation ------------------------------------------------------

def test_cps_conviction_rate_leaves_admin_finalisations_out_and_says_so(loaded, shared_data):
    row = _cps_row(shared_data, "2018-03", "Kent")
    conv, unsucc = int(row["Number of Sexual Offences Convictions"]), int(row["Number of Sexual Offences Unsuccessful"])
    admin = int(row["Number of Admin Finalised Unsuccessful"])
    fig = metrics.compute("cps_conviction_rate", area="Kent", period="2018-03", offence="sexual_offences")
    assert (fig.numerator, fig.denominator) == (conv, conv + unsucc) and admin > 0
    d = fig.to_dict()
    assert "not counted" in d["denominator_definition"]
    assert not re.search(r"acquittals and administrative finalisations\)", d["denominator_definition"])
    assert not any(c.startswith("Rape figures") for c in fig.caveats)  # sexual offences from the monthly files
    assert any("no rape split" in c for c in fig.caveats)


def test_conditional_caveats_follow_dataset_and_offence():
    m = metrics.get("cps_conviction_rate")
    rape_q = metrics.conditional_caveats(m, {"cps_quarterly"}, "rape")
    sex_m = metrics.conditional_caveats(m, {"cps_case_outcomes"}, "sexual_offences")
    assert any("rape-flagged" in c for c in rape_q) and not any("rape-flagged" in c for c in sex_m)
    assert metrics.conditional_caveats(m, {"cps_quarterly"}, "sexual_offences") == []
    assert set(rape_q) | set(sex_m) <= set(metrics.explain("cps_conviction_rate")["caveats"])


def test_registry_bases_are_declared():
    from importlib import resources

    text = resources.files("justicegap.metrics").joinpath("registry.toml").read_text(encoding="utf-8")
    allowed = set(re.search(r"^# basis: (.*)$", text, re.MULTILINE).group(1).split(" | "))
    for mid, m in metrics.registry().items():
        assert m["basis"] in allowed, mid
        assert m.get("numerator_basis", m["basis"]) in allowed, mid
        for c in m.get("caveats_when", []):
            assert c["text"] and set(c.get("datasets", [])) <= set(m["datasets"]), mid
            assert set(c.get("families", [])) <= set(reference.families()), mid


# --- 6. outcome types that did not exist yet -------------------------------------------------------

def _introduced(event_id: str) -> date:
    return date.fromisoformat(next(ev["start"] for ev in reference.table("events") if ev["id"] == event_id))


@pytest.mark.parametrize("outcome,event,period", [("22", "outcome_22_introduced", "2017/18"),
                                                   ("22", "outcome_22_introduced", "2018/19"),
                                                   ("diversionary", "outcome_22_introduced", "2017/18"),
                                                   ("21", "outcome_21_introduced", "2015")])
def test_outcome_before_it_existed_is_not_a_zero(loaded, outcome, event, period):
    start = _introduced(event)
    assert parse(period).end < start
    with pytest.raises(NotAvailable) as e:
        metrics.compute("outcome_share_cohort", area="Kent", period=period, outcome=outcome)
    assert "did not exist yet" in e.value.message and f"{start:%B %Y}" in e.value.message


def test_outcome_22_absent_from_the_raw_file_before_it_existed(shared_data):
    f = shared_data / "homeoffice" / "prc-outcomes-2018-19.csv.gz"
    assert sum_counts(f, "Force outcomes for offences recorded in quarter", lambda r: r["Outcome Type"] == "22") == 0


def test_outcome_21_after_it_existed_is_measured(loaded, shared_data):
    f = shared_data / "homeoffice" / "prc-outcomes-2017-18.csv.gz"
    num = sum_counts(f, "Force outcomes for offences recorded in quarter",
                     lambda r: r["Force Name"] == "Kent" and r["Offence Code"] in RAPE and r["Outcome Type"] == "21")
    fig = metrics.compute("outcome_share_cohort", area="Kent", period="2017/18", outcome="21")
    assert fig.numerator == num


def test_period_spanning_an_introduction_carries_the_event():
    evs = metrics.events_touching(parse("2019-01..2019-06"), A.resolve("Kent"), "ho_outcomes", "rape")
    assert "outcome_22_introduced" in {ev["id"] for ev in evs}


# --- 8. an empty denominator -----------------------------------------------------------------------

def test_zero_denominator_says_there_is_no_figure(loaded, shared_data):
    f = shared_data / "homeoffice" / "prc-outcomes-2017-18.csv.gz"
    closed = sum_counts(f, CLOSED, lambda r: r["Force Name"] == "London, City of" and r["Offence Code"] in RAPE
                        and r["Financial Quarter"] == "1")
    assert closed == 0
    fig = metrics.compute("charge_rate_closed", area="City of London", period="2017/18 Q1", offence="rape")
    assert fig.denominator == 0 and fig.value is None and "no_denominator" in fig.flags
    text = " ".join(fig.caveats)
    assert "nothing is in the denominator" in text
    assert "Low count" not in text and "see the interval" not in text and "low_count" not in fig.flags
