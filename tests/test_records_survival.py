"""Kaplan-Meier and cumulative incidence against hand computations, and censoring at the extract date."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from justicegap.records import survival as S


def product_limit(times, observed):
    """The Kaplan-Meier estimate by hand (exact fractions): {event time: S(t)}."""
    s, out = Fraction(1), {}
    for t in sorted(set(t for t, o in zip(times, observed) if o)):
        at_risk = sum(1 for u in times if u >= t)
        d = sum(1 for u, o in zip(times, observed) if u == t and o)
        s *= Fraction(at_risk - d, at_risk)
        out[t] = s
    return out


def aalen_johansen(times, codes, k):
    """Cumulative incidence of cause k by hand: sum over event times of S(t-) * d_k(t) / n(t)."""
    s, cif, out = Fraction(1), Fraction(0), {}
    for t in sorted(set(t for t, c in zip(times, codes) if c)):
        n = sum(1 for u in times if u >= t)
        dk = sum(1 for u, c in zip(times, codes) if u == t and c == k)
        d = sum(1 for u, c in zip(times, codes) if u == t and c)
        cif += s * Fraction(dk, n)
        s *= Fraction(n - d, n)
        out[t] = cif
    return out


def test_kaplan_meier_matches_the_hand_computed_product_limit():
    times = [2, 3, 5, 7, 8, 11, 13]
    observed = [1, 0, 1, 1, 0, 1, 0]
    hand = product_limit(times, observed)
    assert hand == {2: Fraction(6, 7), 5: Fraction(24, 35), 7: Fraction(18, 35), 11: Fraction(9, 35)}
    curve = S.km(np.array(times, float), np.array(observed, bool), "test")
    got = {p.days: p.value for p in curve.points}
    for t, surv in hand.items():
        assert got[t] == pytest.approx(1 - float(surv))
    # S falls to one half or below first at day 11 (S(7) = 18/35 > 1/2)
    assert curve.median_days == 11
    assert (curve.n, curve.events, curve.censored) == (7, 4, 3)


def test_median_not_reached_is_none_not_a_number():
    curve = S.km(np.array([1.0, 2, 3, 4]), np.array([True, False, False, False]), "few events")
    assert curve.median_days is None


def test_cumulative_incidence_matches_the_hand_computed_aalen_johansen():
    times = [1, 2, 3, 4, 5, 6]
    codes = [1, 2, 0, 1, 2, 1]
    hand1 = aalen_johansen(times, codes, 1)
    hand2 = aalen_johansen(times, codes, 2)
    assert hand1[6] == Fraction(11, 18)
    inc = S.incidence(np.array(times, float), np.array(codes), [("a", "cause a"), ("b", "cause b")])
    a, b = inc
    assert a.at_end == pytest.approx(float(hand1[6]))
    assert b.at_end == pytest.approx(float(hand2[6]))
    got = {p.days: p.value for p in a.points}
    for t in (1, 4, 6):
        assert got[t] == pytest.approx(float(hand1[t]))
    # the competing incidences and the still-at-risk share add up to one
    assert a.at_end + b.at_end + float(product_limit(times, [c > 0 for c in codes])[6]) == pytest.approx(1)


def test_open_records_are_censored_at_the_extract_date(records_store):
    """A crime with no outcome at the extract date is never counted as closed: its time is the
    days to the extract date, as censored."""
    import polars as pl

    from justicegap.records import scope

    sc = scope.select(records_store, "Kent", "2017/18")
    rec = sc.recorded
    days, observed = S.durations(rec, "outcome")
    open_mask = (rec["outcome_type"].fill_null("0") == "0").to_numpy()
    assert open_mask.sum() > 0
    assert not observed[open_mask].any()
    expected = (rec.filter(pl.col("outcome_type").fill_null("0") == "0")
                .select((pl.col("extract_date") - pl.col("date_recorded")).dt.total_days())).to_series().to_numpy()
    assert (days[open_mask] == expected).all()
    r = S.survival(records_store, "Kent", "2017/18", event="outcome")
    curve = r.curves[0]
    assert curve.censored == int(open_mask.sum())
    assert curve.points[-1].value < 1  # never every crime closed while some are still open
    assert r.synthetic


def test_survival_rejects_an_unknown_event(records_store):
    from justicegap.errors import InvalidParameter

    with pytest.raises(InvalidParameter, match="^event:"):
        S.survival(records_store, "Kent", "2017/18", event="verdict")
