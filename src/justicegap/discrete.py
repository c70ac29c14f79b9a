"""Binomial and Poisson distribution functions for the funnel limits, from ``scipy.special``.

Why not ``scipy.stats``: importing it costs about a second (its ~100 distributions are built at
import), which a 43-force ``compare`` on the command line must not pay. ``scipy.special`` holds the
same incomplete beta and gamma functions that ``scipy.stats.binom`` and ``scipy.stats.poisson``
call; the quantiles follow their ``_ppf`` (the continuous inverse, then a step down where the
cumulative probability already reaches ``q``). ``tests/test_discrete.py`` checks every function
against ``scipy.stats`` over a grid of counts and probabilities. (For the binomial, scipy.stats now
calls Boost through private names; the public ``bdtr`` agrees to about 1e-15, which can move a
quantile by one only where ``q`` equals a cumulative probability exactly, never at the funnel's
levels.)

Counts may be scalars or arrays; results are float arrays (or floats for scalar input).
"""

from __future__ import annotations

import numpy as np


def _special():
    import scipy.special

    return scipy.special


def binom_cdf(k, n, p):
    """P(X <= k) for X ~ Binomial(n, p); 0 below 0 and 1 from n up."""
    sp = _special()
    k, n = np.floor(np.asarray(k, dtype=float)), np.asarray(n, dtype=float)
    return np.where(k < 0, 0.0, np.where(k >= n, 1.0, sp.bdtr(np.clip(k, 0, None), n.astype(np.int64), p)))


def binom_sf(k, n, p):
    """P(X > k) for X ~ Binomial(n, p)."""
    sp = _special()
    k, n = np.floor(np.asarray(k, dtype=float)), np.asarray(n, dtype=float)
    return np.where(k < 0, 1.0, np.where(k >= n, 0.0, sp.bdtrc(np.clip(k, 0, None), n.astype(np.int64), p)))


def binom_pmf(k, n, p):
    """P(X = k), from log-gamma terms: direct, so no cancellation between two cumulative values."""
    sp = _special()
    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    inside = (k >= 0) & (k <= n)
    kk = np.clip(k, 0, n)
    log = (sp.gammaln(n + 1) - sp.gammaln(kk + 1) - sp.gammaln(n - kk + 1)
           + sp.xlogy(kk, p) + sp.xlog1py(n - kk, -p))
    return np.where(inside, np.exp(log), 0.0)


def binom_ppf(q, n, p):
    """The smallest k with P(X <= k) >= q, for 0 < q < 1."""
    sp = _special()
    n = np.asarray(n, dtype=float)
    k = np.ceil(sp.bdtrik(q, n, p))
    below = np.maximum(k - 1, 0)
    return np.minimum(np.where(binom_cdf(below, n, p) >= q, below, k), n)


def poisson_cdf(k, mu):
    """P(X <= k) for X ~ Poisson(mu)."""
    sp = _special()
    k = np.floor(np.asarray(k, dtype=float))
    return np.where(k < 0, 0.0, sp.pdtr(np.clip(k, 0, None), mu))


def poisson_sf(k, mu):
    """P(X > k) for X ~ Poisson(mu)."""
    sp = _special()
    k = np.floor(np.asarray(k, dtype=float))
    return np.where(k < 0, 1.0, sp.pdtrc(np.clip(k, 0, None), mu))


def poisson_pmf(k, mu):
    """P(X = k), from log-gamma terms."""
    sp = _special()
    k = np.asarray(k, dtype=float)
    kk = np.clip(k, 0, None)
    return np.where(k >= 0, np.exp(sp.xlogy(kk, mu) - mu - sp.gammaln(kk + 1)), 0.0)


def poisson_ppf(q, mu):
    """The smallest k with P(X <= k) >= q, for 0 < q < 1."""
    sp = _special()
    k = np.ceil(sp.pdtrik(q, mu))
    below = np.maximum(k - 1, 0)
    return np.where(poisson_cdf(below, mu) >= q, below, k)
