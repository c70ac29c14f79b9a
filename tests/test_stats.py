"""Tests for justicegap.stats, each against an independent computation.

Sources of expected values: published test vectors (methodology notes section 4.2, Newcombe 1998),
SciPy's own implementations (binomtest, binom.ppf), a brute-force binomial sum written here with
math.comb, and hand arithmetic with plain Python on a small made-up set of areas.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binom, binomtest

from justicegap import stats

Z95 = 1.959964  # standard normal 97.5% point, as used by FunnelPlotR
Z998 = 3.090232  # standard normal 99.9% point


# ---------------------------------------------------------------------------------------------
# wilson


@pytest.mark.parametrize("k, n, low, high", [
    (81, 263, 0.255289, 0.366210),  # Newcombe (1998) worked example
    (0, 20, 0.000000, 0.161125),
    (1130, 70633, 0.015099, 0.016950),
    (134, 4227, 0.026830, 0.037423),
])
def test_wilson_published_vectors(k, n, low, high):
    lo, hi = stats.wilson(k, n)
    assert lo == pytest.approx(low, abs=5e-7)
    assert hi == pytest.approx(high, abs=5e-7)


@st.composite
def k_and_n(draw):
    n = draw(st.integers(min_value=1, max_value=10**6))
    k = draw(st.one_of(st.just(0), st.just(n), st.integers(min_value=0, max_value=n)))
    return k, n


@settings(max_examples=300, deadline=None)
@given(k_and_n(), st.sampled_from([0.80, 0.90, 0.95, 0.99, 0.998]))
def test_wilson_matches_scipy(kn, confidence):
    k, n = kn
    ci = binomtest(k, n).proportion_ci(confidence_level=confidence, method="wilson")
    lo, hi = stats.wilson(k, n, confidence)
    assert lo == pytest.approx(ci.low, rel=1e-9, abs=1e-12)
    assert hi == pytest.approx(ci.high, rel=1e-9, abs=1e-12)
    assert 0.0 <= lo <= k / n <= hi <= 1.0


def test_wilson_edges():
    assert stats.wilson(0, 20)[0] == 0.0
    assert stats.wilson(20, 20)[1] == 1.0
    lo, hi = stats.wilson(0, 0)
    assert math.isnan(lo) and math.isnan(hi)


@pytest.mark.parametrize("k, n, match", [
    (-1, 10, "negative"),
    (3, -1, "negative"),
    (11, 10, "exceed"),
    (1, 0, "exceed"),
    (1.5, 10, "whole"),
])
def test_wilson_rejects_bad_counts(k, n, match):
    with pytest.raises(ValueError, match=match):
        stats.wilson(k, n)


def test_wilson_rejects_bad_confidence():
    with pytest.raises(ValueError, match="confidence"):
        stats.wilson(1, 10, confidence=95)


# ---------------------------------------------------------------------------------------------
# exact binomial limits


def brute_exact(p0, n, level):
    """Spiegelhalter (2005) A.1.1 by summing binomial terms one at a time (no SciPy)."""
    out = []
    for p in ((1 - level) / 2, 1 - (1 - level) / 2):
        cum = 0.0
        for r in range(n + 1):
            pmf = math.exp(math.lgamma(n + 1) - math.lgamma(r + 1) - math.lgamma(n - r + 1)
                           + r * math.log(p0) + (n - r) * math.log1p(-p0))
            cum += pmf
            if cum >= p:
                alpha = (cum - p) / pmf
                out.append(min(1.0, max(0.0, (r - alpha) / n)))
                break
    return tuple(out)


@pytest.mark.parametrize("p0, n", [(0.05, 20), (0.05, 100), (0.03, 350), (0.3, 57), (0.016, 1000)])
@pytest.mark.parametrize("level", [0.95, 0.998])
def test_exact_limits_match_brute_force(p0, n, level):
    lo, hi = stats.exact_limits(p0, n, level)
    blo, bhi = brute_exact(p0, n, level)
    assert lo == pytest.approx(blo, abs=1e-9)
    assert hi == pytest.approx(bhi, abs=1e-9)


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=0.001, max_value=0.999), st.integers(min_value=1, max_value=20000),
       st.sampled_from([0.95, 0.998]))
def test_exact_limits_properties(p0, n, level):
    lo, hi = stats.exact_limits(p0, n, level)
    assert 0.0 <= lo <= hi <= 1.0
    # The un-interpolated limits are SciPy's binomial quantiles over n.
    a = (1 - level) / 2
    q_lo, q_hi = binom.ppf(a, n, p0), binom.ppf(1 - a, n, p0)
    raw = stats.exact_limits(p0, n, level, interpolate=False)
    assert raw[0] == pytest.approx(q_lo / n, abs=1e-12)
    assert raw[1] == pytest.approx(q_hi / n, abs=1e-12)
    # Interpolation moves a limit down by less than one count: r_p - 1 < n * limit <= r_p
    # (unless it was clipped at 0).
    for lim, q in ((lo, q_lo), (hi, q_hi)):
        assert n * lim <= q + 1e-9
        assert lim == 0.0 or n * lim > q - 1 - 1e-9
    # Once the binomial is not degenerate, the limits bracket the target.
    if n * p0 * (1 - p0) >= 1:
        assert lo < p0 < hi


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=0.005, max_value=0.995), st.integers(min_value=5, max_value=5000),
       st.sampled_from([0.95, 0.998]))
def test_exact_limits_narrow_as_n_grows(p0, n, level):
    if n * p0 * (1 - p0) < 1:
        n = math.ceil(1 / (p0 * (1 - p0)))
    lo1, hi1 = stats.exact_limits(p0, n, level)
    lo4, hi4 = stats.exact_limits(p0, 4 * n, level)
    assert hi4 - lo4 < hi1 - lo1
    assert hi4 < hi1


def test_exact_limits_vectorised_and_monotone_on_a_grid():
    ns = np.array([10, 30, 100, 300, 1000, 3000, 10000, 30000])
    lo, hi = stats.exact_limits(0.04, ns, 0.998)
    assert lo.shape == hi.shape == ns.shape
    assert np.all(np.diff(hi - lo) < 0)
    for i, n in enumerate(ns):
        assert (lo[i], hi[i]) == pytest.approx(stats.exact_limits(0.04, int(n), 0.998), abs=1e-15)


def test_exact_close_to_normal_for_large_n():
    # Methodology notes 4.1: p0 = 5%, n = 1000 -> 95% 3.65%-6.35%, 99.8% 2.87%-7.13% (normal).
    nlo, nhi = stats.normal_limits(0.05, 1000, 0.95)
    assert (round(nlo, 4), round(nhi, 4)) == (0.0365, 0.0635)
    nlo, nhi = stats.normal_limits(0.05, 1000, 0.998)
    assert (round(nlo, 4), round(nhi, 4)) == (0.0287, 0.0713)
    for level, (low, high) in ((0.95, (0.0365, 0.0635)), (0.998, (0.0287, 0.0713))):
        elo, ehi = stats.exact_limits(0.05, 1000, level)
        assert elo == pytest.approx(low, abs=0.001)
        assert ehi == pytest.approx(high, abs=0.001)
    # Far in the tails the exact limits are skewed upwards, as a binomial with p0 < 1/2 is.
    elo, ehi = stats.exact_limits(0.05, 1000, 0.998)
    assert ehi - 0.05 > 0.05 - elo


def test_small_n_normal_lower_limit_is_negative_but_exact_is_not():
    # p0 = 5%, n = 100: 0.05 - 3.090232 * sqrt(0.05 * 0.95 / 100) = 0.05 - 0.0673 < 0
    assert 0.05 - Z998 * math.sqrt(0.05 * 0.95 / 100) < 0
    nlo, _ = stats.normal_limits(0.05, 100, 0.998)
    assert nlo == 0.0  # clipped
    elo, ehi = stats.exact_limits(0.05, 100, 0.998)
    assert elo >= 0.0
    # the normal 95% limits of the notes: 0.73%-9.27%
    lo95, hi95 = stats.normal_limits(0.05, 100, 0.95)
    assert (round(lo95, 4), round(hi95, 4)) == (0.0073, 0.0927)


# ---------------------------------------------------------------------------------------------
# funnel: a small example worked by hand
#
# Eight made-up areas. Six cluster round 5%, two are extreme and large.
N = [400, 400, 400, 400, 200, 200, 2000, 2000]
R = [20, 18, 22, 20, 9, 11, 200, 0]


def hand_example():
    # pooled target: (20+18+22+20+9+11+200+0) / (400*4 + 200*2 + 2000*2) = 300 / 6000
    p0 = 300 / 6000
    pq = p0 * (1 - p0)  # 0.0475
    y = [0.05, 0.045, 0.055, 0.05, 0.045, 0.055, 0.10, 0.0]
    s2 = [pq / 400] * 4 + [pq / 200] * 2 + [pq / 2000] * 2
    z = [(y[i] - p0) / math.sqrt(s2[i]) for i in range(8)]
    # By hand: z = 0, -0.4588, +0.4588, 0, -0.3244, +0.3244, +10.26, -10.26
    # Sorted (0-based): [A8, A2, A5, A1, A4, A6, A3, A7]
    # 10th percentile, linear (R type 7): h = (8 - 1) * 0.1 = 0.7 -> z(A8) + 0.7 (z(A2) - z(A8))
    # 90th percentile: h = 7 * 0.9 = 6.3 -> z(A3) + 0.3 (z(A7) - z(A3))
    lo = z[7] + 0.7 * (z[1] - z[7])
    hi = z[2] + 0.3 * (z[6] - z[2])
    zw = list(z)
    zw[7] = lo  # A8 pulled in
    zw[6] = hi  # A7 pulled in; every other z lies between lo and hi
    phi = (zw[0] ** 2 + zw[1] ** 2 + zw[2] ** 2 + zw[3] ** 2 + zw[4] ** 2 + zw[5] ** 2
           + zw[6] ** 2 + zw[7] ** 2) / 8
    # DerSimonian-Laird: w = n / pq
    sum_w = (4 * 400 + 2 * 200 + 2 * 2000) / pq
    sum_w2 = (4 * 400 ** 2 + 2 * 200 ** 2 + 2 * 2000 ** 2) / pq ** 2
    tau2 = max(0.0, (8 * phi - 7) / (sum_w - sum_w2 / sum_w))
    return {"p0": p0, "y": y, "s2": s2, "z": z, "lo": lo, "hi": hi, "zw": zw, "phi": phi,
            "tau2": tau2}


def test_hand_example_sanity():
    h = hand_example()
    # Rough numbers worked on paper, to make sure the hand computation is itself right.
    assert h["z"][1] == pytest.approx(-0.4588, abs=1e-4)
    assert h["z"][4] == pytest.approx(-0.3244, abs=1e-4)
    assert h["z"][6] == pytest.approx(10.2598, abs=1e-4)
    assert h["lo"] == pytest.approx(-3.3991, abs=1e-4)
    assert h["phi"] == pytest.approx(2.9674, abs=1e-4)
    assert h["tau2"] == pytest.approx(1.7488e-4, rel=1e-3)


def test_overdispersion_pieces_against_hand_example():
    h = hand_example()
    z = stats.z_scores(R, N, h["p0"])
    assert z == pytest.approx(h["z"], rel=1e-12, abs=1e-12)
    zw = stats.winsorise(z, 0.10)
    assert zw == pytest.approx(h["zw"], rel=1e-12, abs=1e-12)
    phi = stats.dispersion(zw)
    assert phi == pytest.approx(h["phi"], rel=1e-12)
    assert stats.tau2(phi, N, h["p0"]) == pytest.approx(h["tau2"], rel=1e-9)


def test_tau2_zero_when_not_overdispersed():
    # I = 8, phi = 0.8: 8 * 0.8 = 6.4 < 7 -> 0
    assert stats.tau2(0.8, N, 0.05) == 0.0
    # exactly I*phi = I - 1 gives 0 too; slightly above gives a small positive value
    assert stats.tau2(7 / 8, N, 0.05) == pytest.approx(0.0, abs=1e-18)
    assert stats.tau2(0.9, N, 0.05) > 0.0
    assert stats.tau2(5.0, [100], 0.05) == 0.0  # one area: nothing between areas


EXPECTED_MARKS = {
    # area: (alert vs 95%, position vs 99.8%); the six round 5% are within everywhere
    **{i: ("within", "within") for i in range(6)},
    6: ("above", "above"),
    7: ("below", "below"),
}


def test_funnel_multiplicative_against_hand_example():
    h = hand_example()
    out = stats.funnel(R, N, overdispersion="multiplicative")
    assert out["target"] == pytest.approx(0.05, abs=1e-15)
    assert out["phi"] == pytest.approx(h["phi"], rel=1e-12)
    assert out["tau2"] is None
    assert out["method"] == "multiplicative"
    assert len(out["areas"]) == 8
    for i, area in enumerate(out["areas"]):
        assert area["value"] == pytest.approx(h["y"][i], abs=1e-15)
        assert area["z"] == pytest.approx(h["z"][i], abs=1e-12)
        assert area["z_adjusted"] == pytest.approx(h["z"][i] / math.sqrt(h["phi"]), abs=1e-12)
        half95 = Z95 * math.sqrt(h["phi"] * h["s2"][i])
        half998 = Z998 * math.sqrt(h["phi"] * h["s2"][i])
        assert area["lower95"] == pytest.approx(max(0.0, 0.05 - half95), abs=1e-7)
        assert area["upper95"] == pytest.approx(0.05 + half95, abs=1e-7)
        assert area["lower998"] == pytest.approx(max(0.0, 0.05 - half998), abs=1e-7)
        assert area["upper998"] == pytest.approx(0.05 + half998, abs=1e-7)
        assert (area["alert"], area["position"]) == EXPECTED_MARKS[i], i


def test_funnel_additive_against_hand_example():
    h = hand_example()
    out = stats.funnel(R, N, overdispersion="additive")
    assert out["phi"] == pytest.approx(h["phi"], rel=1e-12)
    assert out["tau2"] == pytest.approx(h["tau2"], rel=1e-9)
    assert out["method"] == "additive"
    for i, area in enumerate(out["areas"]):
        sd = math.sqrt(h["s2"][i] + h["tau2"])
        assert area["z"] == pytest.approx(h["z"][i], abs=1e-12)
        assert area["z_adjusted"] == pytest.approx((h["y"][i] - 0.05) / sd, abs=1e-9)
        assert area["lower95"] == pytest.approx(max(0.0, 0.05 - Z95 * sd), abs=1e-7)
        assert area["upper95"] == pytest.approx(0.05 + Z95 * sd, abs=1e-7)
        assert area["lower998"] == pytest.approx(max(0.0, 0.05 - Z998 * sd), abs=1e-7)
        assert area["upper998"] == pytest.approx(0.05 + Z998 * sd, abs=1e-7)
        assert (area["alert"], area["position"]) == EXPECTED_MARKS[i], i
    # the additive limits for the big areas are much wider than their binomial ones ...
    big = out["areas"][6]
    assert big["upper998"] - 0.05 > 2 * Z998 * math.sqrt(h["s2"][6])
    # ... but A7 (10%) is still clearly above: by hand 0.05 + 3.09 * 0.01410 = 0.0936
    assert big["upper998"] == pytest.approx(0.0936, abs=1e-4)


def test_funnel_exact_marks_and_limits():
    out = stats.funnel(R, N)
    assert out["method"] == "exact" and out["phi"] is None and out["tau2"] is None
    for i, area in enumerate(out["areas"]):
        for level, key in ((0.95, "95"), (0.998, "998")):
            lo, hi = brute_exact(0.05, N[i], level)
            assert area["lower" + key] == pytest.approx(lo, abs=1e-9)
            assert area["upper" + key] == pytest.approx(hi, abs=1e-9)
        assert (area["alert"], area["position"]) == EXPECTED_MARKS[i], i


def test_funnel_alert_only_between_the_two_levels():
    # target 5%, n = 1000: normal limits 95% 3.65-6.35%, 99.8% 2.87-7.13% (notes 4.1); the exact
    # ones are within 0.1 percentage point (test above). Rates chosen >= 0.25 pp from any limit.
    n = [1000] * 5
    r = [50, 67, 90, 15, 34]
    expected = [("within", "within"), ("above", "within"), ("above", "above"),
                ("below", "below"), ("below", "within")]
    out = stats.funnel(r, n, target=0.05)
    assert out["target"] == 0.05
    assert [(a["alert"], a["position"]) for a in out["areas"]] == expected


def test_no_overdispersion_falls_back_to_exact_limits():
    # Every area exactly at the target: all z = 0, phi = 0, tau2 = 0.
    r, n = [5, 10, 20], [100, 200, 400]
    for od in ("multiplicative", "additive"):
        out = stats.funnel(r, n, overdispersion=od)
        assert out["phi"] == 0.0
        assert out["method"] == "exact"
        if od == "additive":
            assert out["tau2"] == 0.0
        for i, area in enumerate(out["areas"]):
            lo, hi = brute_exact(0.05, n[i], 0.998)
            assert area["lower998"] == pytest.approx(lo, abs=1e-9)
            assert area["upper998"] == pytest.approx(hi, abs=1e-9)
            assert area["position"] == "within"


def test_funnel_custom_levels_and_keys():
    out = stats.funnel(R, N, levels=(0.9, 0.99))
    area = out["areas"][0]
    assert {"lower90", "upper90", "lower99", "upper99"} <= set(area)
    assert "lower95" not in area
    assert area["lower99"] < area["lower90"] < 0.05 < area["upper90"] < area["upper99"]


@pytest.mark.parametrize("kwargs, match", [
    ({"r": [1, 2], "n": [10]}, "same length"),
    ({"r": [11], "n": [10]}, "exceeds"),
    ({"r": [0], "n": [0]}, "denominator is 0"),
    ({"r": [-1], "n": [10]}, "negative"),
    ({"r": [], "n": []}, "no areas"),
    ({"r": [0, 0], "n": [10, 10]}, "strictly between"),
    ({"r": [1, 2], "n": [10, 10], "overdispersion": "both"}, "overdispersion"),
])
def test_funnel_rejects_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        stats.funnel(**kwargs)


# ---------------------------------------------------------------------------------------------
# funnel_curve


def test_funnel_curve_multiplicative_by_hand():
    phi = 2.5
    c = stats.funnel_curve(0.05, 50, 5000, points=50, overdispersion="multiplicative", phi=phi)
    assert c["method"] == "multiplicative"
    ns = c["n"]
    assert ns[0] == 50 and ns[-1] == 5000 and np.all(np.diff(ns) > 0)
    assert len(ns) == len(c["lower95"]) == len(c["upper998"]) <= 50
    for i, n in enumerate(ns):
        half = Z998 * math.sqrt(phi * 0.0475 / int(n))
        assert c["upper998"][i] == pytest.approx(0.05 + half, abs=1e-7)
        assert c["lower998"][i] == pytest.approx(max(0.0, 0.05 - half), abs=1e-7)


def test_funnel_curve_exact_and_fallbacks():
    c = stats.funnel_curve(0.05, 20, 2000, points=30)
    assert c["method"] == "exact"
    for i, n in enumerate(c["n"]):
        lo, hi = brute_exact(0.05, int(n), 0.95)
        assert c["lower95"][i] == pytest.approx(lo, abs=1e-9)
        assert c["upper95"][i] == pytest.approx(hi, abs=1e-9)
    assert np.all(c["lower998"] <= c["lower95"]) and np.all(c["upper95"] <= c["upper998"])
    assert stats.funnel_curve(0.05, 20, 2000, overdispersion="multiplicative",
                              phi=0.9)["method"] == "exact"
    assert stats.funnel_curve(0.05, 20, 2000, overdispersion="additive",
                              tau2=0.0)["method"] == "exact"
    with pytest.raises(ValueError, match="phi"):
        stats.funnel_curve(0.05, 20, 2000, overdispersion="multiplicative")


# ---------------------------------------------------------------------------------------------
# rank_intervals


def point_ranks(r, n):
    rates = [ri / ni for ri, ni in zip(r, n)]
    order = sorted(range(len(rates)), key=lambda i: -rates[i])
    ranks = [0] * len(rates)
    for pos, i in enumerate(order):
        ranks[i] = pos + 1
    return ranks


RANK_R = [30, 22, 41, 10, 55, 8, 600]
RANK_N = [1000, 900, 1100, 500, 1300, 700, 2000]  # last one: 30%, far above the rest (1-6%)


def test_rank_intervals_clear_leader_and_point_ranks():
    iv = stats.rank_intervals(RANK_R, RANK_N, simulations=5000, seed=1)
    assert len(iv) == len(RANK_R)
    assert iv[6] == (1, 1)
    for (best, worst), point in zip(iv, point_ranks(RANK_R, RANK_N)):
        assert 1 <= best <= point <= worst <= len(RANK_R)
    # the middle areas overlap, so at least one interval spans more than one rank
    assert any(best < worst for best, worst in iv[:6])


def test_rank_intervals_deterministic_for_a_seed():
    a = stats.rank_intervals(RANK_R, RANK_N, simulations=2000, seed=42)
    b = stats.rank_intervals(RANK_R, RANK_N, simulations=2000, seed=42)
    assert a == b
    # ... and the seed is what fixes them: with few simulations, other seeds give other answers.
    few = [stats.rank_intervals(RANK_R[:6], RANK_N[:6], simulations=12, seed=s) for s in range(8)]
    assert few[3] == stats.rank_intervals(RANK_R[:6], RANK_N[:6], simulations=12, seed=3)
    assert len({tuple(x) for x in few}) > 1


def jeffreys_p_first(ra, na, rb, nb):
    """P(theta_a > theta_b) for independent Jeffreys posteriors, by numerical integration."""
    from scipy import integrate
    from scipy.stats import beta

    a = beta(ra + 0.5, na - ra + 0.5)
    b = beta(rb + 0.5, nb - rb + 0.5)
    return integrate.quad(lambda t: a.pdf(t) * b.cdf(t), 0, 1, points=[ra / na, rb / nb],
                          limit=200)[0]


@pytest.mark.parametrize("confidence", [0.95, 0.80])
@pytest.mark.parametrize("ra, na, rb, nb", [
    (30, 1000, 20, 1000),  # P(A first) about 0.924
    (4, 11, 0, 4),  # about 0.930 with the Jeffreys prior, 0.872 with a uniform one
])
def test_rank_intervals_two_areas_against_integration(confidence, ra, na, rb, nb):
    # Two areas: A is first with probability p, B with 1 - p (numerical integration, no sampling).
    p = jeffreys_p_first(ra, na, rb, nb)
    a = (1 - confidence) / 2
    # p must be clear of the thresholds by many Monte Carlo standard errors (about 0.003 here)
    assert min(abs(p - a), abs(p - (1 - a)), abs(1 - p - a), abs(1 - p - (1 - a))) > 0.02
    # central interval: lower = smallest k with P(rank <= k) >= a, upper likewise for 1 - a
    exp_a = (1 if p >= a else 2, 1 if p >= 1 - a else 2)
    exp_b = (1 if 1 - p >= a else 2, 1 if 1 - p >= 1 - a else 2)
    got = stats.rank_intervals([ra, rb], [na, nb], confidence=confidence, seed=7)
    assert got == [exp_a, exp_b]


def test_rank_intervals_two_identical_areas_are_undistinguishable():
    # By symmetry each of two identical areas is first half the time: interval (1, 2).
    assert stats.rank_intervals([10, 10], [100, 100]) == [(1, 2), (1, 2)]


def test_rank_intervals_rejects_bad_input():
    with pytest.raises(ValueError, match="exceeds"):
        stats.rank_intervals([5, 20], [10, 10])


def _tail_at_least(r: int, n: int, p: float) -> float:
    """P(X >= r) for X ~ Binomial(n, p), summed term by term (no SciPy)."""
    return sum(math.comb(n, k) * p ** k * (1 - p) ** (n - k) for k in range(r, n + 1))


def test_small_areas_at_100_percent_are_within_when_chance_allows():
    # CPS conviction rates, March 2018: small forces with 4 of 4, 6 of 6, 9 of 9 beside bigger ones
    r = [4, 6, 9, 8, 80, 60, 300]
    n = [4, 6, 9, 8, 100, 90, 380]
    out = stats.funnel(r, n)
    p0 = sum(r) / sum(n)
    for area in out["areas"][:4]:
        assert area["value"] == 1.0
        assert _tail_at_least(area["n"], area["n"], p0) > 0.025  # ordinary: P(all convicted) is large
        assert area["position"] == "within" and area["alert"] == "within"
    # and the classification follows the exact tails wherever they are decisive
    for area in out["areas"]:
        above = _tail_at_least(area["r"], area["n"], p0)
        below = 1 - _tail_at_least(area["r"] + 1, area["n"], p0)
        want = "above" if above < 0.001 else "below" if below < 0.001 else "within"
        assert area["position"] == want, area


def test_exact_marks_agree_with_the_tails_everywhere():
    import itertools

    for n, p0 in itertools.product((1, 2, 5, 13, 40), (0.02, 0.3, 0.77)):
        rs = list(range(n + 1))
        out = stats.funnel(rs, [n] * len(rs), target=p0)
        for area in out["areas"]:
            hi = _tail_at_least(area["r"], n, p0)
            lo = 1 - _tail_at_least(area["r"] + 1, n, p0)
            assert area["alert"] == ("above" if hi < 0.025 else "below" if lo < 0.025 else "within"), (n, p0, area)


def _poisson_cdf(k: int, mean: float) -> float:
    """P(X <= k), X ~ Poisson(mean), by summing the terms in logs (no SciPy)."""
    return math.fsum(math.exp(j * math.log(mean) - mean - math.lgamma(j + 1)) for j in range(k + 1))


def test_poisson_funnel_marks_by_the_poisson_tails():
    # recorded offences against populations: one small area with few offences, one high, one low
    o = [3, 40, 260, 80, 900, 1200]
    n = [20_000, 100_000, 900_000, 1_000_000, 6_000_000, 8_000_000]
    out = stats.poisson_funnel(o, n)
    lam = sum(o) / sum(n)
    assert out["target"] == pytest.approx(lam, rel=1e-12) and out["method"] == "exact"
    for a, oi, ni in zip(out["areas"], o, n):
        mean = lam * ni
        assert a["value"] == pytest.approx(oi / ni) and a["z"] == pytest.approx((oi - mean) / math.sqrt(mean))
        above, below = 1 - _poisson_cdf(oi - 1, mean), _poisson_cdf(oi, mean)
        for key, level in (("position", 0.998), ("alert", 0.95)):
            tail = (1 - level) / 2
            assert a[key] == ("above" if above < tail else "below" if below < tail else "within"), (oi, ni, key)
        # the drawn limits lie within one count (per head) of the Poisson quantiles
        q_hi = next(k for k in range(10 * int(mean) + 50) if _poisson_cdf(k, mean) >= 0.999)
        assert q_hi / ni - 1 / ni - 1e-12 <= a["upper998"] <= q_hi / ni + 1e-12
    marks = [a["position"] for a in out["areas"]]
    assert marks[1] == "above" and "below" in marks


def test_poisson_funnel_overdispersion():
    o = [3, 40, 260, 80, 900, 1200]
    n = [20_000, 100_000, 900_000, 1_000_000, 6_000_000, 8_000_000]
    lam = sum(o) / sum(n)
    z = [(oi - lam * ni) / math.sqrt(lam * ni) for oi, ni in zip(o, n)]
    phi = float(np.mean(stats.winsorise(z) ** 2))
    m = stats.poisson_funnel(o, n, overdispersion="multiplicative")
    assert m["phi"] == pytest.approx(phi) and m["method"] == "multiplicative"
    for a, ni in zip(m["areas"], n):
        assert a["upper998"] == pytest.approx(lam + Z998 * math.sqrt(phi * lam / ni))
    w = [ni / lam for ni in n]
    t2 = max(0.0, (len(o) * phi - (len(o) - 1)) / (sum(w) - sum(x * x for x in w) / sum(w)))
    a = stats.poisson_funnel(o, n, overdispersion="additive")
    assert a["tau2"] == pytest.approx(t2) and a["method"] == "additive"
    assert a["areas"][0]["upper95"] == pytest.approx(lam + Z95 * math.sqrt(lam / n[0] + t2))
    with pytest.raises(ValueError):
        stats.poisson_funnel([0, 0], [10, 20])
