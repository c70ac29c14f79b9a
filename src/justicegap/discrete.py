"""Binomial and Poisson distribution functions for the funnel limits, in NumPy.

Why not SciPy at run time: ``scipy.stats`` costs about a second to import, and even
``scipy.special`` costs 0.11-0.16 s (SciPy 1.17 clones NumPy's namespace for its array-API layer
as it loads), a quarter of a 43-force ``compare`` on the command line. The probabilities here are
Loader's saddle-point method, the one R's ``dbinom`` and ``dpois`` use ("Fast and accurate
computation of binomial probabilities", 2000): each is accurate to about 1e-12 relative near the
mean; far in a tail, where terms of a million cancel to a few hundred in the exponent, to about
1e-9. A cumulative probability is the sum of the probabilities it covers, added from the side
where they are smallest. ``tests/test_discrete.py`` checks every function against
``scipy.stats``: to 1e-9 relative over a grid of counts and probabilities, to 1e-8 for any count
and mean by Hypothesis (both down to 1e-200), and every quantile exactly. Control limits take a quantile with its cumulative
probability and probability together (:func:`binom_quantile`), from one pass.

Only counts that carry mass are summed: the mean +/- 40 standard deviations and 40 counts, reaching
further where a count further out is asked. What is left out weighs less than 1e-40 (far less
beside the mean), below what a double holds beside the probabilities kept.

Counts may be scalars or arrays; results are float arrays (or NumPy floats for scalar input).
"""

from __future__ import annotations

import math
from functools import lru_cache, partial

import numpy as np

_LN_2PI = math.log(2.0 * math.pi)
# Stirling's error log(n!) - log(sqrt(2 pi n) (n/e)^n) for n = 0..15, where its series is slow
_STIRLERR_SMALL = np.array([0.0] + [math.lgamma(n + 1.0) - (n + 0.5) * math.log(n) + n - 0.5 * _LN_2PI
                                    for n in range(1, 16)])
_S0, _S1, _S2, _S3, _S4 = 1 / 12, 1 / 360, 1 / 1260, 1 / 1680, 1 / 1188
_REACH = 40.0  # standard deviations (and counts) summed beyond what is asked


def _stirlerr(n: np.ndarray) -> np.ndarray:
    small = n <= 15
    out = np.empty(n.shape)
    out[small] = _STIRLERR_SMALL[n[small].astype(int)]
    big = n[~small]
    nn = big * big
    out[~small] = (_S0 - (_S1 - (_S2 - (_S3 - _S4 / nn) / nn) / nn) / nn) / big
    return out


def _bd0(x: np.ndarray, m) -> np.ndarray:
    """x log(x/m) + m - x, written as x log1p(d/m) - d with d = x - m: near the mean the two terms
    nearly cancel, and this way what is lost is a few units of rounding in d (Loader's series in
    d/(x+m) would keep more of a value that is tiny beside the terms it is added to)."""
    x, m = np.broadcast_arrays(np.asarray(x, float), np.asarray(m, float))
    d = x - m
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x > 0, x * np.log1p(d / m), 0.0) - d


def _binom_raw(k: np.ndarray, n: float, p: float) -> np.ndarray:
    """P(X = k) for whole k in 0..n (Loader's dbinom_raw)."""
    q = 1.0 - p
    if p == 0.0 or q == 0.0:
        return (k == (0.0 if p == 0.0 else n)).astype(float)
    out = np.empty(k.shape)
    inner = (k > 0) & (k < n)
    kk = k[inner]
    lc = (_stirlerr(np.array([n]))[0] - _stirlerr(kk) - _stirlerr(n - kk)
          - _bd0(kk, n * p) - _bd0(n - kk, n * q))
    out[inner] = np.exp(lc - 0.5 * (_LN_2PI + np.log(kk) + np.log1p(-kk / n)))
    nn = np.array([n])
    if (k == 0).any():
        out[k == 0] = math.exp(-_bd0(nn, n * q)[0] - n * p if p < 0.1 else n * math.log(q))
    if (k == n).any():
        out[k == n] = math.exp(-_bd0(nn, n * p)[0] - n * q if q < 0.1 else n * math.log(p))
    return out


def _poisson_raw(k: np.ndarray, mu: float) -> np.ndarray:
    """P(X = k) for whole k >= 0 (Loader's dpois_raw)."""
    if mu == 0.0:
        return (k == 0).astype(float)
    out = np.empty(k.shape)
    pos = k > 0
    kk = k[pos]
    out[pos] = np.exp(-_stirlerr(kk) - _bd0(kk, mu)) / np.sqrt(2.0 * math.pi * kk)
    out[~pos] = math.exp(-mu)
    return out


class _Run:
    """Probabilities of the counts a..a+len-1, with their running sums from each side."""

    def __init__(self, a: int, pmf: np.ndarray):
        self.a, self.b, self.pmf = a, a + len(pmf) - 1, pmf
        self.below = np.cumsum(pmf)  # below[i] = P(X <= a + i)
        self.above = np.append(np.cumsum(pmf[::-1])[::-1][1:], 0.0)  # above[i] = P(X > a + i)


class _Dist:
    """One binomial or Poisson distribution. Its central run (the mean +/- 40 standard deviations
    and 40 counts) is built once and answers every count inside it; a count beyond it gets a run
    reaching that far."""

    def __init__(self, raw, mean: float, sd: float, top: float):
        self.raw, self.mean, self.sd, self.top = raw, mean, sd, top
        self.central = self._run(mean, mean)

    def _run(self, k_low: float, k_high: float) -> _Run:
        spread = _REACH * self.sd + _REACH
        a = max(0, math.floor(min(k_low, self.mean) - spread))
        b = min(self.top, math.ceil(max(k_high, self.mean) + spread))
        return _Run(a, self.raw(np.arange(a, b + 1, dtype=float)))

    def run(self, k: np.ndarray) -> _Run:
        low, high = k.min(), k.max()
        if self.central.a <= low and high <= self.central.b:
            return self.central
        return self._run(low, high)

    def _sums(self, k: np.ndarray, below: bool) -> np.ndarray:
        """P(X <= k) (below) or P(X > k): 0 or 1 off the support."""
        out = np.where(k < 0, 0.0 if below else 1.0, 1.0 if below else 0.0)
        inside = (k >= 0) & (k < self.top)
        if inside.any():
            run = self.run(k[inside])
            out[inside] = (run.below if below else run.above)[(k[inside] - run.a).astype(int)]
        return out

    def cdf(self, k: np.ndarray) -> np.ndarray:
        return self._sums(k, below=True)

    def sf(self, k: np.ndarray) -> np.ndarray:
        return self._sums(k, below=False)

    def pmf(self, k: np.ndarray) -> np.ndarray:
        out = np.zeros(k.shape)
        inside = (k >= 0) & (k <= self.top) & (k == np.floor(k))
        if inside.any():
            run = self.run(k[inside])
            out[inside] = run.pmf[(k[inside] - run.a).astype(int)]
        return out

    def ppf(self, q: np.ndarray) -> np.ndarray:
        return self.quantile(q)[0]

    def quantile(self, q: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The smallest k with P(X <= k) >= q, with P(X <= k) and P(X = k)."""
        run = self.central
        i = np.minimum(np.searchsorted(run.below, q, side="left"), len(run.pmf) - 1)
        return (run.a + i).astype(float), run.below[i], run.pmf[i]


def _per_distribution(x, param, make, method: str, whole: bool = True):
    """Broadcast x against the distribution's parameter and answer once per distinct parameter."""
    x, param = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(param, dtype=float))
    if whole:
        x = np.floor(x)
    out = np.empty(x.shape)
    for value in np.unique(param):
        at = param == value
        out[at] = getattr(make(float(value)), method)(x[at])
    return out[()]


def _quantiles(q, param, make) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per distinct parameter: the quantile k of each q, with P(X <= k) and P(X = k) (what control
    limits interpolate between), from one pass over the distribution."""
    q, param = np.broadcast_arrays(np.asarray(q, dtype=float), np.asarray(param, dtype=float))
    out = [np.empty(q.shape) for _ in range(3)]
    for value in np.unique(param):
        at = param == value
        for o, part in zip(out, make(float(value)).quantile(q[at])):
            o[at] = part
    return tuple(o[()] for o in out)


@lru_cache(maxsize=2048)
def _binomial_dist(n: float, p: float) -> _Dist:
    return _Dist(lambda k: _binom_raw(k, n, p), n * p, math.sqrt(n * p * (1.0 - p)), n)


def _binomial(p: float):
    return partial(_binomial_dist, p=float(p))


@lru_cache(maxsize=2048)
def _poisson(mu: float) -> _Dist:
    return _Dist(lambda k: _poisson_raw(k, mu), mu, math.sqrt(mu), math.inf)


def binom_cdf(k, n, p):
    """P(X <= k) for X ~ Binomial(n, p); 0 below 0 and 1 from n up."""
    return _per_distribution(k, n, _binomial(p), "cdf")


def binom_sf(k, n, p):
    """P(X > k) for X ~ Binomial(n, p)."""
    return _per_distribution(k, n, _binomial(p), "sf")


def binom_pmf(k, n, p):
    """P(X = k); 0 off the whole numbers 0..n."""
    return _per_distribution(k, n, _binomial(p), "pmf", whole=False)


def binom_ppf(q, n, p):
    """The smallest k with P(X <= k) >= q, for 0 < q < 1."""
    return _per_distribution(q, n, _binomial(p), "ppf", whole=False)


def binom_quantile(q, n, p):
    """:func:`binom_ppf` with P(X <= k) and P(X = k) at the quantile k, in one pass."""
    return _quantiles(q, n, _binomial(p))


def poisson_quantile(q, mu):
    """:func:`poisson_ppf` with P(X <= k) and P(X = k) at the quantile k, in one pass."""
    return _quantiles(q, mu, _poisson)


def poisson_cdf(k, mu):
    """P(X <= k) for X ~ Poisson(mu)."""
    return _per_distribution(k, mu, _poisson, "cdf")


def poisson_sf(k, mu):
    """P(X > k) for X ~ Poisson(mu)."""
    return _per_distribution(k, mu, _poisson, "sf")


def poisson_pmf(k, mu):
    """P(X = k); 0 off the whole numbers."""
    return _per_distribution(k, mu, _poisson, "pmf", whole=False)


def poisson_ppf(q, mu):
    """The smallest k with P(X <= k) >= q, for 0 < q < 1."""
    return _per_distribution(q, mu, _poisson, "ppf", whole=False)
