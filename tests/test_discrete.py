"""The funnel's binomial and Poisson functions agree with scipy.stats, the reference they replace."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats as ref

from justicegap import discrete as d

N = np.array([1, 2, 7, 40, 250, 1_000, 9_999, 70_000])
P = [1e-4, 0.013, 0.054, 0.3, 0.5, 0.97]
# tail probabilities below 1e-200 are compared absolutely: Boost underflows to 0 where scipy.special still counts
Q = [0.001, 0.025, 0.3, 0.975, 0.999]  # not 0.5: Binomial(7, 0.5) has F(3) = 0.5 exactly (see discrete.py)


@pytest.mark.parametrize("p", P)
def test_binomial_matches_scipy_stats(p):
    for n in N:
        k = np.arange(-2, n + 3)
        np.testing.assert_allclose(d.binom_cdf(k, n, p), ref.binom.cdf(k, n, p), rtol=1e-9, atol=1e-200)
        np.testing.assert_allclose(d.binom_sf(k, n, p), ref.binom.sf(k, n, p), rtol=1e-9, atol=1e-200)
        np.testing.assert_allclose(d.binom_pmf(k, n, p), ref.binom.pmf(k, n, p), rtol=1e-8, atol=1e-200)
        for q in Q:
            k = ref.binom.ppf(q, n, p)
            assert d.binom_ppf(q, n, p) == k, (q, n, p)
            got = d.binom_quantile(q, n, p)
            assert got[0] == k
            np.testing.assert_allclose(got[1:], (ref.binom.cdf(k, n, p), ref.binom.pmf(k, n, p)), rtol=1e-9)


@pytest.mark.parametrize("mu", [1e-3, 0.4, 3.0, 47.5, 880.0, 30_000.0])
def test_poisson_matches_scipy_stats(mu):
    k = np.arange(-2, int(mu + 12 * np.sqrt(mu)) + 5)
    np.testing.assert_allclose(d.poisson_cdf(k, mu), ref.poisson.cdf(k, mu), rtol=1e-9, atol=1e-200)
    np.testing.assert_allclose(d.poisson_sf(k, mu), ref.poisson.sf(k, mu), rtol=1e-9, atol=1e-200)
    np.testing.assert_allclose(d.poisson_pmf(k, mu), ref.poisson.pmf(k, mu), rtol=1e-8, atol=1e-200)
    for q in Q:
        m = ref.poisson.ppf(q, mu)
        assert d.poisson_ppf(q, mu) == m, (q, mu)
        got = d.poisson_quantile(q, mu)
        assert got[0] == m
        np.testing.assert_allclose(got[1:], (ref.poisson.cdf(m, mu), ref.poisson.pmf(m, mu)), rtol=1e-9)


@settings(max_examples=300, deadline=None)
@given(n=st.integers(1, 200_000), p=st.floats(1e-5, 1 - 1e-5), q=st.floats(1e-6, 1 - 1e-6))
def test_quantiles_match_scipy_stats_anywhere(n, p, q):
    k = ref.binom.ppf(q, n, p)
    # away from exact ties (q equal to a cumulative probability, e.g. q = 0.5 = F(58) for n = 117,
    # p = 0.5), where the two implementations' last bit decides and Boost's own policy differs
    assume(min(abs(ref.binom.cdf(k - 1, n, p) - q), abs(ref.binom.cdf(k, n, p) - q)) > 1e-9)
    assert d.binom_ppf(q, n, p) == k
    m = ref.poisson.ppf(q, n * p)
    assume(min(abs(ref.poisson.cdf(m - 1, n * p) - q), abs(ref.poisson.cdf(m, n * p) - q)) > 1e-9)
    assert d.poisson_ppf(q, n * p) == m


def test_arrays_of_areas():
    """The funnel passes one count and one denominator per area."""
    n = np.array([120, 880, 4_000])
    r = np.array([3, 20, 150])
    np.testing.assert_allclose(d.binom_sf(r - 1, n, 0.03), ref.binom.sf(r - 1, n, 0.03), rtol=1e-9)
    np.testing.assert_array_equal(d.binom_ppf(0.975, n, 0.03), ref.binom.ppf(0.975, n, 0.03))
    k, cdf, pmf = d.binom_quantile(0.025, n, 0.03)
    np.testing.assert_array_equal(k, ref.binom.ppf(0.025, n, 0.03))
    np.testing.assert_allclose(cdf, ref.binom.cdf(k, n, 0.03), rtol=1e-9)
    np.testing.assert_allclose(pmf, ref.binom.pmf(k, n, 0.03), rtol=1e-9)


@settings(max_examples=300, deadline=None)
@given(n=st.integers(1, 100_000), p=st.floats(1e-6, 1 - 1e-6), u=st.floats(0, 1))
def test_probabilities_match_scipy_stats_anywhere(n, p, u):
    """Any count, however far in either tail (to 1e-200), and any Poisson mean: to 1e-8 relative.
    Far in a tail both implementations lose digits in the exponent (terms of a million cancel to
    a few hundred); CI's Hypothesis found 1.9e-9 between them at 2.5e-155, so 1e-9 is the grid's
    bound (test_binomial_matches_scipy_stats), not this one's."""
    k = np.floor(u * (n + 2)) - 1
    mu = n * p
    for ours, theirs in ((d.binom_cdf(k, n, p), ref.binom.cdf(k, n, p)), (d.binom_sf(k, n, p), ref.binom.sf(k, n, p)),
                         (d.binom_pmf(k, n, p), ref.binom.pmf(k, n, p)), (d.poisson_cdf(k, mu), ref.poisson.cdf(k, mu)),
                         (d.poisson_sf(k, mu), ref.poisson.sf(k, mu)), (d.poisson_pmf(k, mu), ref.poisson.pmf(k, mu))):
        np.testing.assert_allclose(ours, theirs, rtol=1e-8, atol=1e-200)


def test_certain_outcomes():
    """p of 0 or 1 puts all the mass on one count."""
    k = np.arange(-1, 6)
    np.testing.assert_array_equal(d.binom_pmf(k, 4, 0.0), ref.binom.pmf(k, 4, 0.0))
    np.testing.assert_array_equal(d.binom_pmf(k, 4, 1.0), ref.binom.pmf(k, 4, 1.0))
    np.testing.assert_array_equal(d.binom_cdf(k, 4, 1.0), ref.binom.cdf(k, 4, 1.0))
