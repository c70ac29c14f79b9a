"""Statistics for comparing areas fairly: intervals, funnel plots and rank uncertainty.

Rates for rape and other sexual offences are small proportions (charge rates of 1-5%) over
denominators that differ a hundredfold between police force areas. A bare league table of such
rates mostly ranks noise, so this module provides the tools we show instead:

* :func:`wilson` - a confidence interval for one proportion that behaves at 0 and 100%.
* :func:`funnel` - Spiegelhalter (2005) funnel-plot control limits around a target, exact binomial
  or adjusted for overdispersion as in the R package FunnelPlotR; :func:`funnel_curve` draws them.
* :func:`rank_intervals` - how uncertain each area's rank is.

Pure functions over numbers. NumPy, and the binomial and Poisson functions (``discrete.py``), are
imported inside the functions that need them: one figure's Wilson interval is plain arithmetic, and
``justicegap get`` does not pay for importing NumPy (about 0.1 s) to give it.
Bad input (negative counts, numerator above denominator...) raises ``ValueError``; callers that
face users should check their data first and raise ``justicegap.errors`` exceptions themselves.

References: Wilson (1927) JASA 22:209-212; Newcombe (1998) Stat Med 17:857-872; Spiegelhalter (2005)
"Funnel plots for comparing institutional performance", Stat Med 24:1185-1202 (doi:10.1002/sim.1970);
DerSimonian & Laird (1986) Control Clin Trials 7:177-188. See docs/methodology-notes.md section 4.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "wilson",
    "exact_limits",
    "normal_limits",
    "multiplicative_limits",
    "additive_limits",
    "z_scores",
    "winsorise",
    "dispersion",
    "tau2",
    "funnel",
    "funnel_curve",
    "rank_intervals",
    "level_key",
]

OVERDISPERSION_METHODS = (None, "multiplicative", "additive")


# --------------------------------------------------------------------------------------------
# helpers


def _z(level: float) -> float:
    """Two-sided standard normal quantile: 1.959964 for 0.95, 3.090232 for 0.998.

    From the standard library, not SciPy: importing scipy.stats costs about a second, and a single
    Wilson interval must not (``justicegap get`` answers in under a second).
    """
    from statistics import NormalDist

    _check_level(level, "level")
    return NormalDist().inv_cdf(1.0 - (1.0 - level) / 2.0)


def _check_level(level: float, name: str) -> None:
    if not (isinstance(level, numbers.Real) and 0.0 < float(level) < 1.0):
        raise ValueError(f"{name} must be a probability strictly between 0 and 1, got {level!r}")


def _check_p0(p0: float, *, open_interval: bool = False) -> float:
    try:
        p = float(p0)
    except (TypeError, ValueError):
        raise ValueError(f"target proportion p0 must be a number, got {p0!r}") from None
    if open_interval and not 0.0 < p < 1.0:
        raise ValueError(
            f"target proportion p0 must be strictly between 0 and 1, got {p0!r}: "
            "a z-score or funnel around 0% or 100% has zero variance")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"target proportion p0 must be between 0 and 1, got {p0!r}")
    return p


def _counts(values, name: str) -> np.ndarray:
    """Whole, non-negative counts as a float array (floats so that arithmetic never overflows)."""
    import numpy as np
    arr = np.asarray(values, dtype=float)
    if arr.size and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite counts, got {values!r}")
    if arr.size and np.any(arr < 0):
        raise ValueError(f"{name} must not be negative, got {values!r}")
    if arr.size and np.any(arr != np.floor(arr)):
        raise ValueError(f"{name} must be whole numbers (counts), got {values!r}")
    return arr


def _areas(r, n) -> tuple[np.ndarray, np.ndarray]:
    import numpy as np
    r_arr = _counts(r, "numerators r")
    n_arr = _counts(n, "denominators n")
    if r_arr.ndim != 1 or n_arr.ndim != 1 or r_arr.shape != n_arr.shape:
        raise ValueError(
            f"numerators and denominators must be two sequences of the same length, "
            f"got {r_arr.shape} and {n_arr.shape}")
    if r_arr.size == 0:
        raise ValueError("no areas given: pass at least one numerator/denominator pair")
    if np.any(n_arr == 0):
        bad = [int(i) for i in np.flatnonzero(n_arr == 0)]
        raise ValueError(f"denominator is 0 for area(s) at position {bad}: leave such areas out")
    if np.any(r_arr > n_arr):
        bad = [int(i) for i in np.flatnonzero(r_arr > n_arr)]
        raise ValueError(f"numerator exceeds denominator for area(s) at position {bad}")
    return r_arr, n_arr


def _scalar_or_array(x: np.ndarray, scalar: bool):
    return float(x) if scalar else x


def level_key(level: float) -> str:
    """Dictionary suffix for a confidence level, so 0.95 -> "95" and 0.998 -> "998"."""
    pct = f"{level * 100:.6f}".rstrip("0").rstrip(".")
    return pct.replace(".", "")


# --------------------------------------------------------------------------------------------
# one proportion


def wilson(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for k successes out of n.

    Used rather than the Wald interval because it stays inside [0, 1] and keeps close to its
    nominal coverage when k is 0, k is n, or the rate is a few per cent (Newcombe 1998).
    Returns ``(nan, nan)`` when n == 0: there is no rate to put an interval round.
    """
    _check_level(confidence, "confidence")
    for name, v in (("k", k), ("n", n)):
        if isinstance(v, bool) or not isinstance(v, numbers.Real):
            raise ValueError(f"{name} must be a whole number, got {v!r}")
        if not math.isfinite(v) or v != math.floor(v):
            raise ValueError(f"{name} must be a whole number, got {v!r}")
        if v < 0:
            raise ValueError(f"{name} must not be negative, got {v!r}")
    if k > n:
        raise ValueError(f"k ({k}) cannot exceed n ({n}): more successes than trials")
    if n == 0:
        return (math.nan, math.nan)
    k, n = float(k), float(n)
    z = _z(confidence)
    p = k / n
    z2n = z * z / n
    centre = (p + z2n / 2.0) / (1.0 + z2n)
    half = z * math.sqrt(p * (1.0 - p) / n + z * z / (4.0 * n * n)) / (1.0 + z2n)
    lo = 0.0 if k == 0 else max(0.0, centre - half)
    hi = 1.0 if k == n else min(1.0, centre + half)
    return (lo, hi)


# --------------------------------------------------------------------------------------------
# control limits


def exact_limits(p0: float, n, level: float, *, interpolate: bool = True):
    """Exact binomial control limits for a proportion, Spiegelhalter (2005) Appendix A.1.1.

    Exact rather than normal limits because charge rates are a few per cent, where the normal
    approximation is skewed the wrong way and its lower limit goes below zero. The binomial
    quantile r_p jumps in whole counts, so the limit is interpolated between r_p - 1 and r_p:
    alpha = (F(r_p) - p) / (F(r_p) - F(r_p - 1)), limit = (r_p - alpha) / n, which gives a
    smooth funnel. ``interpolate=False`` returns the raw quantiles r_p / n.

    ``n`` may be a scalar (returns two floats) or an array of whole numbers > 0 (returns two
    arrays). Limits are clipped to [0, 1]; the interpolated lower limit is often exactly 0 at
    small n.

    Consequences of the interpolation worth knowing: a limit lies up to one count below r_p/n,
    so an area with exactly r_p events counts as outside the upper limit; and when n*p0 is far
    below 1 (e.g. p0 = 1%, n = 1) even the upper limit is 0, so any event at all is outside.
    """
    import numpy as np
    from .discrete import binom_quantile

    p0 = _check_p0(p0)
    _check_level(level, "level")
    scalar = np.ndim(n) == 0
    n_arr = _counts(np.atleast_1d(n), "n")
    if np.any(n_arr == 0):
        raise ValueError("n must be at least 1 for control limits")
    out = []
    for p in ((1.0 - level) / 2.0, 1.0 - (1.0 - level) / 2.0):
        if p0 in (0.0, 1.0):  # degenerate: every area must be exactly p0
            lim = np.full(n_arr.shape, p0)
        else:
            r_p, cdf, pmf = binom_quantile(p, n_arr, p0)
            if interpolate:
                # F(r_p) - F(r_p - 1) is the pmf at r_p; using it directly avoids cancellation.
                alpha = (cdf - p) / pmf
                lim = (r_p - alpha) / n_arr
            else:
                lim = r_p / n_arr
            lim = np.clip(lim, 0.0, 1.0)
        out.append(_scalar_or_array(lim[0] if scalar else lim, scalar))
    return (out[0], out[1])


def _sym_limits(p0: float, half: np.ndarray, scalar: bool):
    import numpy as np
    lo = np.clip(p0 - half, 0.0, 1.0)
    hi = np.clip(p0 + half, 0.0, 1.0)
    if scalar:
        return (float(lo[0]), float(hi[0]))
    return (lo, hi)


def _n_array(n) -> tuple[np.ndarray, bool]:
    import numpy as np
    scalar = np.ndim(n) == 0
    n_arr = np.atleast_1d(np.asarray(n, dtype=float))
    if np.any(~np.isfinite(n_arr)) or np.any(n_arr <= 0):
        raise ValueError(f"n must be positive, got {n!r}")
    return n_arr, scalar


def normal_limits(p0: float, n, level: float):
    """Normal-approximation limits p0 +/- z*sqrt(p0(1-p0)/n), kept for comparison.

    Shown next to the exact limits to make the point that they differ at small n. At low rates
    the lower limit would be negative (e.g. p0 = 5%, n = 100 at 99.8%); it is clipped to 0, as
    the upper is to 1, so a clipped limit is not the formula's value. Scalar or array n.
    """
    import numpy as np
    p0 = _check_p0(p0)
    n_arr, scalar = _n_array(n)
    half = _z(level) * np.sqrt(p0 * (1.0 - p0) / n_arr)
    return _sym_limits(p0, half, scalar)


def multiplicative_limits(p0: float, n, level: float, phi: float):
    """Limits inflated by the dispersion ratio: p0 +/- z*sqrt(phi*p0(1-p0)/n), clipped to [0, 1].

    Spiegelhalter (2005) section 5.1: when areas vary more than chance allows, widening every
    limit by sqrt(phi) stops a funnel from flagging most areas. Applied as given; :func:`funnel`
    decides whether it applies at all (only when phi > 1).
    """
    import numpy as np
    p0 = _check_p0(p0)
    if not (math.isfinite(phi) and phi >= 0):
        raise ValueError(f"phi must be a non-negative number, got {phi!r}")
    n_arr, scalar = _n_array(n)
    half = _z(level) * np.sqrt(phi * p0 * (1.0 - p0) / n_arr)
    return _sym_limits(p0, half, scalar)


def additive_limits(p0: float, n, level: float, tau2: float):
    """Random-effects limits p0 +/- z*sqrt(s^2 + tau^2), s^2 = p0(1-p0)/n, clipped to [0, 1].

    Spiegelhalter (2005) section 5.2: a between-area variance tau^2 is added rather than
    multiplied, so large areas (where s^2 is tiny) are not all flagged for real but modest
    differences, while small areas' limits hardly change.
    """
    import numpy as np
    p0 = _check_p0(p0)
    if not (math.isfinite(tau2) and tau2 >= 0):
        raise ValueError(f"tau2 must be a non-negative number, got {tau2!r}")
    n_arr, scalar = _n_array(n)
    half = _z(level) * np.sqrt(p0 * (1.0 - p0) / n_arr + tau2)
    return _sym_limits(p0, half, scalar)


# --------------------------------------------------------------------------------------------
# overdispersion


def z_scores(r, n, p0: float) -> np.ndarray:
    """Standardised distance of each area from the target, (y - p0)/sqrt(p0(1-p0)/n), y = r/n.

    The raw material for judging whether areas spread more than binomial chance allows.
    Returns an array the length of r.
    """
    import numpy as np
    p0 = _check_p0(p0, open_interval=True)
    r_arr, n_arr = _areas(r, n)
    return (r_arr / n_arr - p0) / np.sqrt(p0 * (1.0 - p0) / n_arr)


def winsorise(z, tail: float = 0.10) -> np.ndarray:
    """Pull z-scores beyond the tail-th and (1-tail)-th percentiles in to those percentiles.

    So that a few genuinely extreme areas (the ones a funnel plot exists to find) do not inflate
    the estimate of overdispersion and so hide themselves (Spiegelhalter 2005 section 5.3).
    Percentiles use linear interpolation between order statistics (NumPy's default "linear",
    the same as R's ``quantile`` type 7 that FunnelPlotR uses): with I values sorted
    z(1) <= ... <= z(I), the q-th percentile is at position h = (I - 1) q counted from 0.
    """
    import numpy as np
    if not 0.0 <= tail < 0.5:
        raise ValueError(f"tail must be in [0, 0.5), got {tail!r}")
    z_arr = np.asarray(z, dtype=float)
    if z_arr.size == 0:
        return z_arr.copy()
    lo, hi = np.percentile(z_arr, [100.0 * tail, 100.0 * (1.0 - tail)], method="linear")
    return np.clip(z_arr, lo, hi)


def dispersion(z_winsorised) -> float:
    """Dispersion ratio phi = mean of the squared (Winsorised) z-scores; phi > 1 is overdispersion.

    Under pure binomial variation each z^2 averages 1, so phi measures how much more the
    areas vary than chance alone would make them.
    """
    import numpy as np
    z_arr = np.asarray(z_winsorised, dtype=float)
    if z_arr.size == 0:
        raise ValueError("dispersion needs at least one z-score")
    return float(np.mean(z_arr * z_arr))


def tau2(phi: float, n, p0: float) -> float:
    """DerSimonian-Laird between-area variance, on the proportion scale.

    tau^2 = max(0, (I*phi - (I - 1)) / (sum w - sum w^2 / sum w)), w_i = 1/s_i^2,
    s_i^2 = p0(1 - p0)/n_i; 0 when I*phi < I - 1. This is the variance of the areas' true
    rates beyond binomial noise, used by the additive adjustment. 0 with a single area.
    """
    import numpy as np
    p0 = _check_p0(p0, open_interval=True)
    n_arr = np.atleast_1d(np.asarray(n, dtype=float))
    if n_arr.size == 0 or np.any(n_arr <= 0):
        raise ValueError(f"tau2 needs positive denominators, got {n!r}")
    return _dl_tau2(phi, n_arr / (p0 * (1.0 - p0)))


def _dl_tau2(phi: float, w: np.ndarray) -> float:
    """The DerSimonian-Laird estimate from phi and the areas' weights w_i = 1/s_i^2, whatever
    the scale (binomial proportions, Poisson rates per head)."""
    i = w.size
    if i * phi < i - 1:
        return 0.0
    denom = w.sum() - (w * w).sum() / w.sum()
    if denom <= 0:  # one area: no between-area variance can be estimated
        return 0.0
    return float(max(0.0, (i * phi - (i - 1)) / denom))


# --------------------------------------------------------------------------------------------
# funnel plot


def _applied_method(overdispersion, phi, tau2_value) -> str:
    """Which limits are drawn. Adjustments only when there is overdispersion to adjust for."""
    if overdispersion not in OVERDISPERSION_METHODS:
        raise ValueError(
            f"overdispersion must be None, 'multiplicative' or 'additive', got {overdispersion!r}")
    if overdispersion == "multiplicative":
        if phi is None:
            raise ValueError("the multiplicative adjustment needs phi")
        return "multiplicative" if phi > 1.0 else "exact"
    if overdispersion == "additive":
        if tau2_value is None:
            raise ValueError("the additive adjustment needs tau2")
        return "additive" if tau2_value > 0.0 else "exact"
    return "exact"


def _limits(method: str, p0: float, n, level: float, phi, tau2_value):
    if method == "multiplicative":
        return multiplicative_limits(p0, n, level, phi)
    if method == "additive":
        return additive_limits(p0, n, level, tau2_value)
    return exact_limits(p0, n, level)


def _check_levels(levels) -> tuple[float, ...]:
    levels = tuple(float(x) for x in levels)
    if not levels:
        raise ValueError("levels must name at least one confidence level")
    for lv in levels:
        _check_level(lv, "each of levels")
    if len({level_key(lv) for lv in levels}) != len(levels):
        raise ValueError(f"levels must be distinct, got {levels!r}")
    return levels


def funnel(r: Sequence[int], n: Sequence[int], *, target: float | None = None,
           overdispersion: str | None = None, levels: Sequence[float] = (0.95, 0.998),
           tail: float = 0.10) -> dict:
    """Compare areas' rates with a target on a funnel plot, instead of ranking them.

    An area is marked only if its rate lies outside the limits that chance (and, if asked for,
    the ordinary spread between areas) would allow at its denominator (Spiegelhalter 2005).

    ``r`` and ``n`` are the areas' numerators and denominators, in the same order; areas with no
    data are left out by the caller (and the caller says so). ``target`` defaults to the pooled
    rate sum(r)/sum(n) and must be strictly between 0 and 1.

    ``overdispersion``:

    * ``None`` - exact binomial limits (:func:`exact_limits`); phi and tau2 are not estimated.
    * ``"multiplicative"`` - phi from the Winsorised z-scores; limits p0 +/- z*sqrt(phi*s^2).
      As in FunnelPlotR, when phi <= 1 (no overdispersion) nothing is inflated and the exact
      limits are used.
    * ``"additive"`` - tau2 (DerSimonian-Laird) from the same phi; limits p0 +/- z*sqrt(s^2 + tau2).
      When tau2 == 0 (I*phi < I - 1, or a single area) the exact limits are used, as
      FunnelPlotR falls back to its unadjusted limits.

    Adjusted limits are normal approximations on the proportion scale (FunnelPlotR itself works
    on the arcsine-square-root scale for proportions), clipped to [0, 1].

    Returns a dict:

    * ``target`` (float), ``phi`` (float, or None when overdispersion is None), ``tau2`` (float,
      or None unless overdispersion is "additive"), ``overdispersion`` (as asked),
      ``method`` ("exact", "multiplicative" or "additive": the limits actually used),
      ``levels`` (tuple of floats), ``tail``;
    * ``areas``: one dict per input area, in input order, with ``r``, ``n``, ``value`` (r/n),
      ``z`` (unadjusted z-score), ``z_adjusted`` (z/sqrt(phi) or (y-p0)/sqrt(s^2+tau2) when an
      adjustment is used, else z), ``lower<k>``/``upper<k>`` for each level (k from
      :func:`level_key`: ``lower95``, ``upper95``, ``lower998``, ``upper998`` by default),
      ``position`` ("within", "above" or "below", against the widest level's limits, 99.8% by
      default) and ``alert`` (the same against the narrowest level's limits, 95% by default).
      With exact limits an area is outside when the binomial tail beyond its count is below
      (1 - level) / 2 (P(X >= r) for above, P(X <= r) for below): the drawn, interpolated line
      is for the eye. With adjusted limits a rate exactly on a limit counts as within.
    """
    import numpy as np
    levels = _check_levels(levels)
    r_arr, n_arr = _areas(r, n)
    p0 = float(r_arr.sum() / n_arr.sum()) if target is None else float(target)
    p0 = _check_p0(p0, open_interval=True)
    if overdispersion not in OVERDISPERSION_METHODS:
        raise ValueError(
            f"overdispersion must be None, 'multiplicative' or 'additive', got {overdispersion!r}")

    y = r_arr / n_arr
    s2 = p0 * (1.0 - p0) / n_arr
    z = (y - p0) / np.sqrt(s2)
    phi = t2 = None
    if overdispersion is not None:
        phi = dispersion(winsorise(z, tail))
        if overdispersion == "additive":
            t2 = tau2(phi, n_arr, p0)
    method = _applied_method(overdispersion, phi, t2)

    if method == "multiplicative":
        z_adj = z / math.sqrt(phi)
    elif method == "additive":
        z_adj = (y - p0) / np.sqrt(s2 + t2)
    else:
        z_adj = z

    limits = {lv: _limits(method, p0, n_arr, lv, phi, t2) for lv in levels}
    tails = None
    if method == "exact":
        from .discrete import binom_cdf, binom_sf

        tails = (binom_sf(r_arr - 1, n_arr, p0), binom_cdf(r_arr, n_arr, p0))  # P(X >= r), P(X <= r)
    areas = _placed(r_arr, n_arr.astype(int), y, z, z_adj, limits, tails, levels)
    return {"target": p0, "phi": phi, "tau2": t2, "overdispersion": overdispersion,
            "method": method, "levels": levels, "tail": tail, "areas": areas}


def _placed(r, n, y, z, z_adj, limits: dict, tails, levels) -> list[dict]:
    """Each area's row of a funnel: its value, z-scores, limits at each level, and its position
    against the widest level (``position``) and the narrowest (``alert``).

    With ``tails`` (P(X >= r), P(X <= r) under the exact distribution) an area is outside when the
    tail beyond its count is under (1 - level)/2, not when it crosses the drawn line: that line is
    interpolated up to one count inside the quantile, so an area at 100% (4 of 4) would always sit
    just outside it. Without, a value beyond a limit is outside and one exactly on it within."""
    def mark(i: int, lv: float) -> str:
        if tails is not None:
            tail_p = (1.0 - lv) / 2.0
            return "above" if tails[0][i] < tail_p else "below" if tails[1][i] < tail_p else "within"
        return "above" if y[i] > limits[lv][1][i] else "below" if y[i] < limits[lv][0][i] else "within"

    areas = []
    for i in range(len(r)):
        area = {"r": int(r[i]), "n": n[i].item(), "value": float(y[i]), "z": float(z[i]), "z_adjusted": float(z_adj[i])}
        for lv in levels:
            key = level_key(lv)
            area[f"lower{key}"], area[f"upper{key}"] = float(limits[lv][0][i]), float(limits[lv][1][i])
        area["position"], area["alert"] = mark(i, max(levels)), mark(i, min(levels))
        areas.append(area)
    return areas


def funnel_curve(p0: float, n_min: float, n_max: float, points: int = 200, *,
                 overdispersion: str | None = None, phi: float | None = None,
                 tau2: float | None = None, levels: Sequence[float] = (0.95, 0.998)) -> dict:
    """The funnel's limit lines, for drawing, by the same rules as :func:`funnel`.

    Pass ``overdispersion`` with the ``phi`` (multiplicative) or ``tau2`` (additive) from a
    :func:`funnel` result; the same fallback to exact limits applies when phi <= 1 or tau2 == 0.

    The denominators are spaced evenly on a log scale from n_min to n_max and rounded to whole
    numbers (exact limits need whole n), so there may be fewer than ``points`` of them.
    Returns a dict with ``target``, ``method`` (limits actually drawn), ``n`` (1-D int array)
    and ``lower<k>``/``upper<k>`` arrays of the same length for each level (e.g. ``lower95``).
    """
    import numpy as np
    levels = _check_levels(levels)
    p0 = _check_p0(p0)
    if not (n_min >= 1 and n_max >= n_min and math.isfinite(n_max)):
        raise ValueError(f"need 1 <= n_min <= n_max, got n_min={n_min!r}, n_max={n_max!r}")
    if int(points) < 2:
        raise ValueError(f"points must be at least 2, got {points!r}")
    method = _applied_method(overdispersion, phi, tau2)
    grid = np.unique(np.round(np.geomspace(n_min, n_max, int(points)))).astype(np.int64)
    out: dict = {"target": p0, "method": method, "n": grid}
    for lv in levels:
        lo, hi = _limits(method, p0, grid, lv, phi, tau2)
        key = level_key(lv)
        out[f"lower{key}"] = np.asarray(lo, dtype=float)
        out[f"upper{key}"] = np.asarray(hi, dtype=float)
    return out


# --------------------------------------------------------------------------------------------
# ranks


def rank_intervals(r: Sequence[int], n: Sequence[int], *, confidence: float = 0.95,
                   simulations: int = 10000, seed: int = 0, poisson: bool = False) -> list[tuple[int, int]]:
    """How uncertain each area's rank is (rank 1 = highest rate), shown instead of a league table.

    Each simulation draws every area's rate from its Jeffreys posterior Beta(r + 1/2, n - r + 1/2)
    and ranks the draws; an area's interval is the central ``confidence`` interval of its
    simulated ranks (lower end: the smallest rank k with P(rank <= k) >= (1 - confidence)/2;
    upper end: the smallest k with P(rank <= k) >= 1 - (1 - confidence)/2). Returns one
    ``(best, worst)`` pair of 1-based ranks per area, in input order, best <= worst. The same
    inputs and seed always give the same result. ``poisson``: ``r`` are counts against populations
    ``n`` (offences per resident), drawn from their Jeffreys posterior Gamma(r + 1/2) / n.
    """
    import numpy as np
    _check_level(confidence, "confidence")
    if int(simulations) < 1:
        raise ValueError(f"simulations must be at least 1, got {simulations!r}")
    if poisson:
        r_arr, (n_arr, _) = _counts(r, "counts r"), _n_array(n)
    else:
        r_arr, n_arr = _areas(r, n)
    rng = np.random.default_rng(seed)
    if poisson:
        draws = rng.gamma(r_arr + 0.5, size=(int(simulations), r_arr.size)) / n_arr
    else:
        draws = rng.beta(r_arr + 0.5, n_arr - r_arr + 0.5, size=(int(simulations), r_arr.size))
    order = np.argsort(-draws, axis=1, kind="stable")
    ranks = np.empty_like(order)
    rows = np.arange(order.shape[0])[:, None]
    ranks[rows, order] = np.arange(1, r_arr.size + 1)
    a = (1.0 - confidence) / 2.0
    lo = np.quantile(ranks, a, axis=0, method="inverted_cdf")
    hi = np.quantile(ranks, 1.0 - a, axis=0, method="inverted_cdf")
    return [(int(x), int(y)) for x, y in zip(lo, hi)]



# --------------------------------------------------------------------------------------------
# funnel plot for rates per head of population


def poisson_limits(rate: float, n, level: float):
    """Exact Poisson control limits for a rate per head at population ``n`` (scalar or array):
    the quantiles of a Poisson count with mean rate*n, interpolated as :func:`exact_limits`
    interpolates binomial ones, divided by n (Spiegelhalter 2005, Appendix A.1.2)."""
    import numpy as np
    from .discrete import poisson_quantile

    _check_level(level, "level")
    if not (math.isfinite(rate) and rate > 0):
        raise ValueError(f"rate must be a positive number, got {rate!r}")
    n_arr, scalar = _n_array(n)
    e = rate * n_arr
    out = []
    for p in ((1.0 - level) / 2.0, 1.0 - (1.0 - level) / 2.0):
        r_p, cdf, pmf = poisson_quantile(p, e)
        alpha = (cdf - p) / pmf
        lim = np.clip((r_p - alpha) / n_arr, 0.0, None)
        out.append(float(lim[0]) if scalar else lim)
    return (out[0], out[1])


def poisson_funnel(o: Sequence[int], n: Sequence[float], *, overdispersion: str | None = None,
                   levels: Sequence[float] = (0.95, 0.998), tail: float = 0.10) -> dict:
    """Compare areas' rates per head of population (offences per resident) with the pooled rate.

    Offences counted against a population are Poisson, not binomial: with the target rate
    lambda = sum(o)/sum(n) an area's count has mean E = lambda*n. Limits are
    :func:`poisson_limits`; with them an area is above (below) when P(X >= o) (P(X <= o)) is under
    (1 - level)/2. ``overdispersion``: "multiplicative" (phi from Winsorised z = (o - E)/sqrt(E),
    limits lambda +/- z*sqrt(phi*lambda/n)) or "additive" (DerSimonian-Laird tau^2 on the rate
    scale with w = n/lambda, limits lambda +/- z*sqrt(lambda/n + tau^2)), falling back to exact
    limits when there is no overdispersion, as :func:`funnel` does.

    Returns the dict :func:`funnel` returns, with ``value`` = o/n (per head) and ``r`` = o.
    """
    import numpy as np
    from .discrete import poisson_cdf, poisson_sf

    levels = _check_levels(levels)
    if overdispersion not in OVERDISPERSION_METHODS:
        raise ValueError(f"overdispersion must be None, 'multiplicative' or 'additive', got {overdispersion!r}")
    o_arr = _counts(o, "o").astype(float)
    n_arr, _ = _n_array(n)
    if o_arr.size != n_arr.size or o_arr.size == 0:
        raise ValueError("o and n must have the same, non-zero length")
    lam = float(o_arr.sum() / n_arr.sum())
    if lam <= 0:
        raise ValueError("the pooled rate is 0: there is nothing to compare")
    e = lam * n_arr
    y, s2 = o_arr / n_arr, lam / n_arr
    z = (o_arr - e) / np.sqrt(e)
    phi = t2 = None
    if overdispersion is not None:
        phi = dispersion(winsorise(z, tail))
        if overdispersion == "additive":
            t2 = _dl_tau2(phi, n_arr / lam)
    method = _applied_method(overdispersion, phi, t2)
    if method == "multiplicative":
        z_adj, var = z / math.sqrt(phi), phi * s2
    elif method == "additive":
        z_adj, var = (y - lam) / np.sqrt(s2 + t2), s2 + t2
    else:
        z_adj, var = z, None
    limits = {}
    for lv in levels:
        if var is None:
            limits[lv] = poisson_limits(lam, n_arr, lv)
        else:
            half = _z(lv) * np.sqrt(var)
            limits[lv] = (np.clip(lam - half, 0.0, None), lam + half)
    tails = (poisson_sf(o_arr - 1, e), poisson_cdf(o_arr, e)) if var is None else None
    areas = _placed(o_arr, n_arr, y, z, z_adj, limits, tails, levels)
    return {"target": lam, "phi": phi, "tau2": t2, "overdispersion": overdispersion, "method": method,
            "levels": levels, "tail": tail, "areas": areas}


def poisson_curve(rate: float, n_min: float, n_max: float, points: int = 200, *,
                  overdispersion: str | None = None, phi: float | None = None, tau2: float | None = None,
                  levels: Sequence[float] = (0.95, 0.998)) -> dict:
    """The limit lines of :func:`poisson_funnel`, for drawing, as :func:`funnel_curve` gives them
    for proportions: populations spaced evenly on a log scale from n_min to n_max."""
    import numpy as np
    levels = _check_levels(levels)
    if not (0 < n_min <= n_max and math.isfinite(n_max)):
        raise ValueError(f"need 0 < n_min <= n_max, got n_min={n_min!r}, n_max={n_max!r}")
    method = _applied_method(overdispersion, phi, tau2)
    grid = np.unique(np.round(np.geomspace(n_min, n_max, int(points))))
    out: dict = {"target": rate, "method": method, "n": grid}
    for lv in levels:
        key = level_key(lv)
        if method == "exact":
            lo, hi = poisson_limits(rate, grid, lv)
        else:
            half = _z(lv) * np.sqrt(phi * rate / grid if method == "multiplicative" else rate / grid + tau2)
            lo, hi = np.clip(rate - half, 0.0, None), rate + half
        out[f"lower{key}"], out[f"upper{key}"] = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
    return out
