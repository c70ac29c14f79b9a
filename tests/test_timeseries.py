"""Segmented regression (justicegap.timeseries) against the literature and independent computations.

The reference example is Lopez Bernal, Cummins and Gasparrini (2017), "Interrupted time series
regression for the evaluation of public health interventions: a tutorial", Int J Epidemiol
46(1):348-355: the Sicily smoking ban (tests/data/sicily.csv, see tests/data/README.md). The
published estimates (the paper and its published R code, Rcode.R: models 1 to 3) are given to
three decimals, and are asserted to that precision.
"""

from __future__ import annotations

import csv
import math
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from justicegap import timeseries as T
from justicegap.errors import NotAvailable
from justicegap.periods import calendar_quarter, month

SICILY = Path(__file__).parent / "data" / "sicily.csv"
BAN = date(2005, 1, 10)


def sicily() -> T.Series:
    rows = list(csv.DictReader(SICILY.open()))
    assert len(rows) == 59
    return T.Series([month(int(r["year"]), int(r["month"])) for r in rows], [int(r["aces"]) for r in rows],
                    exposures=[float(r["stdpop"]) for r in rows], per=1e5)


def r3(x: float) -> float:
    return round(x, 3)


# --- the published worked example ----------------------------------------------------------------

def test_sicily_intervention_month_is_the_first_coded_one():
    s = sicily()
    rows = list(csv.DictReader(SICILY.open()))
    k = T.first_after(s, BAN)
    assert [int(r["smokban"]) for r in rows] == [0] * k + [1] * (59 - k)
    assert s.periods[k].label == "2005-01"


def test_sicily_model1_poisson_step_change_reproduces_published_rate_ratio():
    # model1: glm(aces ~ offset(log(stdpop)) + smokban + time, family=poisson): RR 0.894 (0.865 to 0.925)
    s = sicily()
    f = T.fit(s, T.first_after(s, BAN), impact="level", overdispersion=False)
    lc = f.ratio("level")
    assert (r3(lc.estimate), r3(lc.ci_low), r3(lc.ci_high)) == (0.894, 0.865, 0.925)
    assert f.scale == 1.0


def test_sicily_model2_quasi_poisson_widens_the_interval_as_published():
    # model2: family=quasipoisson: RR 0.894 (0.839 to 0.953)
    s = sicily()
    f = T.fit(s, T.first_after(s, BAN), impact="level")
    lc = f.ratio("level")
    assert (r3(lc.estimate), r3(lc.ci_low), r3(lc.ci_high)) == (0.894, 0.839, 0.953)
    # the quasi-likelihood scale is Pearson's chi-squared over the residual df, recomputed here
    mu = np.exp(_sicily_design() @ f.params + np.log([e for e in s.exposures]))
    y = np.array(s.counts, dtype=float)
    assert f.scale == pytest.approx(((y - mu) ** 2 / mu).sum() / (59 - 3), rel=1e-9)


def _sicily_design():
    t = np.arange(1, 60, dtype=float)
    return np.column_stack([np.ones(59), t, (t >= 37).astype(float)])


def test_sicily_model3_seasonally_adjusted_reproduces_published_estimates():
    # model3: + harmonic(month, 2, 12), quasipoisson: RR 0.885 (0.839 to 0.933); trend exp(12 b_time) = 1.067 a year
    s = sicily()
    f = T.fit(s, T.first_after(s, BAN), seasonality="harmonic", impact="level")
    lc = f.ratio("level")
    assert (r3(lc.estimate), r3(lc.ci_low), r3(lc.ci_high)) == (0.885, 0.839, 0.933)
    assert r3(f.ratio("time", 12).estimate) == 1.067
    assert r3(f.scale) == 2.262
    assert f.names == ["const", "time", "level", "sin1", "cos1", "sin2", "cos2"]


def test_sicily_slope_change_term_matches_the_papers_interaction():
    # model4 adds I(time - 36):smokban. Our slope term counts from the first month after (time - 37), so the
    # slope coefficient is the same and our level change is the paper's plus one month of the new slope.
    s = sicily()
    f = T.fit(s, T.first_after(s, BAN), seasonality="harmonic")
    import statsmodels.api as sm

    X = _sicily_design()
    t = X[:, 1]
    mth = np.array([p.start.month for p in s.periods], dtype=float)
    harm = np.column_stack([fn(2 * np.pi * k * mth / 12) for k in (1, 2) for fn in (np.sin, np.cos)])
    X4 = np.column_stack([X, (t - 36) * X[:, 2], harm])
    r = sm.GLM(np.array(s.counts, float), X4, family=sm.families.Poisson(), offset=np.log(s.exposures)).fit()
    assert f.params[f.index("slope")] == pytest.approx(r.params[3], rel=1e-6)
    assert f.params[f.index("level")] == pytest.approx(r.params[2] + r.params[3], rel=1e-6)


# --- independent computations ---------------------------------------------------------------------

def _binomial_series(n=48, gaps=(), seed=3) -> T.Series:
    rng = np.random.default_rng(seed)
    periods = [month(2014 + i // 12, i % 12 + 1) for i in range(n)]
    den = rng.integers(40, 90, n)
    t = np.arange(n)
    p = 1 / (1 + np.exp(-(0.4 + 0.01 * t + 0.3 * (t >= 24))))
    cnt = rng.binomial(den, p)
    return T.Series(periods, [None if i in gaps else int(c) for i, c in enumerate(cnt)],
                    [None if i in gaps else int(d) for i, d in enumerate(den)])


def test_binomial_fit_matches_maximum_likelihood_and_pearson_scale_computed_here():
    from scipy.optimize import minimize

    s = _binomial_series()
    k = 24
    f = T.fit(s, k)
    t = np.arange(1, 49, dtype=float)
    post = (t >= 25).astype(float)
    X = np.column_stack([np.ones(48), t, post, np.where(post > 0, t - 25, 0)])
    y, n = np.array(s.counts, float), np.array(s.denominators, float)

    def nll(b):
        eta = X @ b
        return -(y * eta - n * np.logaddexp(0, eta)).sum()

    b = minimize(nll, np.zeros(4), method="BFGS", options={"gtol": 1e-10}).x
    assert f.params == pytest.approx(b, abs=1e-5)
    p = 1 / (1 + np.exp(-(X @ b)))
    phi = (((y - n * p) ** 2) / (n * p * (1 - p))).sum() / (48 - 4)
    assert f.scale == pytest.approx(phi, rel=1e-4)
    cov = np.linalg.inv(X.T @ (X * (n * p * (1 - p))[:, None])) * phi
    assert f.se("level") == pytest.approx(math.sqrt(cov[2, 2]), rel=1e-4)
    assert f.ratio("level").estimate == pytest.approx(math.exp(b[2]), rel=1e-5)
    assert f.ratio("slope", 12).estimate == pytest.approx(math.exp(12 * b[3]), rel=1e-5)


def test_newey_west_is_the_bartlett_sandwich_computed_here():
    s = sicily()
    k = T.first_after(s, BAN)
    f = T.fit(s, k, errors="newey-west", impact="level")
    assert f.hac_lags == math.floor(4 * (59 / 100) ** (2 / 9))
    X = _sicily_design()
    y = np.array(s.counts, float)
    mu = np.exp(X @ f.params + np.log(s.exposures))
    bread = np.linalg.inv(X.T @ (X * mu[:, None]))
    g = X * (y - mu)[:, None]
    S = g.T @ g
    for lag in range(1, f.hac_lags + 1):
        G = g[lag:].T @ g[:-lag]
        S += (1 - lag / (f.hac_lags + 1)) * (G + G.T)
    V = bread @ S @ bread
    assert f.se("level") == pytest.approx(math.sqrt(V[2, 2]), rel=1e-6)
    assert f.se("time") == pytest.approx(math.sqrt(V[1, 1]), rel=1e-6)


def test_ljung_box_is_computed_as_the_formula_says():
    from scipy.stats import chi2

    s = sicily()
    f = T.fit(s, T.first_after(s, BAN), impact="level")
    e = f.pearson - f.pearson.mean()
    n, h = len(e), f.autocorrelation.lags
    assert h == min(12, n // 5)
    r = [(e[k:] * e[:-k]).sum() / (e * e).sum() for k in range(1, h + 1)]
    q = n * (n + 2) * sum(rk ** 2 / (n - k) for k, rk in enumerate(r, start=1))
    assert f.autocorrelation.statistic == pytest.approx(q, rel=1e-9)
    assert f.autocorrelation.p_value == pytest.approx(chi2.sf(q, h), rel=1e-9)
    # the unadjusted Sicily model leaves the seasonal cycle in its residuals: autocorrelated
    assert f.autocorrelation.suggests_newey_west


# --- gaps, seasonality, refusals -------------------------------------------------------------------

def test_gaps_are_left_out_and_time_keeps_counting_across_them():
    import statsmodels.api as sm

    gaps = (5, 6, 30)
    s = _binomial_series(gaps=gaps)
    f = T.fit(s, 24)
    assert f.n_used == 48 - len(gaps)
    keep = [i for i in range(48) if i not in gaps]
    t = np.arange(1, 49, dtype=float)[keep]
    post = (t >= 25).astype(float)
    X = np.column_stack([np.ones(len(t)), t, post, np.where(post > 0, t - 25, 0)])
    y = np.array([s.counts[i] for i in keep], float)
    n = np.array([s.denominators[i] for i in keep], float)
    r = sm.GLM(np.column_stack([y, n - y]), X, family=sm.families.Binomial()).fit()
    assert f.params == pytest.approx(r.params, rel=1e-8)
    pred = T.predictions(s, f, 24, "none")
    assert all(np.isfinite(pred["fitted"]))  # the model line runs through the gaps; no observed value is invented
    assert [s.value(i) for i in gaps] == [None, None, None]


def test_month_indicators_match_a_formula_fit():
    import pandas as pd
    import statsmodels.formula.api as smf
    import statsmodels.api as sm

    s = _binomial_series(n=60)
    f = T.fit(s, 30, seasonality="month")
    df = pd.DataFrame({"y": s.counts, "n": s.denominators, "t": np.arange(1, 61), "m": [p.start.month for p in s.periods]})
    df["post"] = (df.t >= 31).astype(float)
    df["slope"] = np.where(df.post > 0, df.t - 31, 0)
    df["fail"] = df.n - df.y
    r = smf.glm("y + fail ~ t + post + slope + C(m)", df, family=sm.families.Binomial()).fit()
    assert f.params[f.index("level")] == pytest.approx(r.params["post"], rel=1e-7)
    assert f.params[f.index("slope")] == pytest.approx(r.params["slope"], rel=1e-7)
    assert [nm for nm in f.names if nm.startswith("month")] == [f"month{m}" for m in range(2, 13)]


def test_harmonic_terms_for_quarters_leave_out_the_sine_that_is_always_zero():
    periods = [calendar_quarter(2010 + i // 4, i % 4 + 1) for i in range(20)]
    names, cols = T.season_columns(periods, "quarter", "harmonic")
    assert names == ["sin1", "cos1", "cos2"]
    assert cols[:4, 2].tolist() == pytest.approx([-1, 1, -1, 1])


def test_fewer_than_eight_points_on_either_side_is_refused_with_the_counts():
    # eleven calendar months before the intervention, four of them gaps: seven points, refused
    s = _binomial_series(gaps=(3, 4, 5, 6))
    with pytest.raises(NotAvailable, match=r"7 observed months before the intervention and 37 after; at least 8"):
        T.check_points(s, 11)
    s2 = _binomial_series()
    T.check_points(s2, 8)  # exactly eight before: allowed
    T.check_points(s2, 40)  # exactly eight after: allowed
    with pytest.raises(NotAvailable, match="41 observed months before the intervention and 7 after"):
        T.check_points(s2, 41)


def test_comparative_model_finds_no_difference_between_a_series_and_its_scaled_copy():
    s = sicily()
    copy = T.Series(s.periods, list(s.counts), exposures=[2 * e for e in s.exposures], per=1e5)
    k = T.first_after(s, BAN)
    f = T.comparative(s, copy, k)
    assert f.ratio("group").estimate == pytest.approx(2.0, rel=1e-8)
    for term in ("group:level", "group:slope", "group:time"):
        assert f.ratio(term).estimate == pytest.approx(1.0, abs=1e-8)


def test_pooled_series_adds_areas_and_keeps_any_gap():
    a = _binomial_series(seed=1, gaps=(3,))
    b = _binomial_series(seed=2, gaps=(9,))
    p = T.pooled([a, b])
    assert p.counts[0] == a.counts[0] + b.counts[0]
    assert p.denominators[0] == a.denominators[0] + b.denominators[0]
    assert p.counts[3] is None and p.counts[9] is None
