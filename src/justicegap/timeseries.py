"""Interrupted time series: segmented regression on a monthly or quarterly series, with the
comparisons and checks that keep a before-and-after claim honest.

A series is a run of calendar periods; a period with no data is a gap and stays one (its row is
left out of the fit, never filled, and the time index keeps counting across it). The model is a
generalised linear model (statsmodels) for the counts themselves:

* a proportion (count of ``denominator`` trials): binomial, logit link, so effects are odds ratios;
* a count, or a rate over an ``exposure`` (people, cases): Poisson, log link, log exposure as the
  offset, so effects are rate ratios;

both with the quasi-likelihood scale (Pearson chi-squared over the residual degrees of freedom,
as R's quasipoisson and quasibinomial) unless told otherwise, so overdispersion widens the intervals. Terms: the
pre-intervention trend, the level change at the first period after the intervention and the
change in trend from there; seasonality by two sine-cosine pairs (``harmonic``, as
``tsModel::harmonic(month, 2, 12)``) or by month (or quarter) indicators. Residual autocorrelation
is tested (Ljung-Box on the Pearson residuals); ``errors='newey-west'`` gives autocorrelation-
robust (HAC, Bartlett kernel) intervals.

References: Lopez Bernal, Cummins and Gasparrini (2017) "Interrupted time series regression for the
evaluation of public health interventions: a tutorial", Int J Epidemiol 46(1):348-355; Newey and
West (1987, 1994); Ljung and Box (1978); Linden (2015) on comparative interrupted time series.
statsmodels is imported inside the functions: ``justicegap get`` never loads it.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from statistics import NormalDist

import numpy as np

from .errors import NotAvailable
from .periods import Period

MIN_POINTS = 8
SEASONALITY = ("none", "harmonic", "month")
ERRORS = ("model", "newey-west")
IMPACTS = ("level_and_slope", "level")
Z95 = NormalDist().inv_cdf(0.975)
AUTOCORRELATION_ALPHA = 0.05


@dataclass
class Series:
    """Counts by calendar period, every period of the window listed (``None`` counts are gaps).

    ``denominators`` make it a proportion (binomial), ``exposures`` a rate (Poisson with an
    offset); neither, a count. ``per`` scales a rate for display (per 100,000 people)."""

    periods: list[Period]
    counts: list[int | None]
    denominators: list[int | None] | None = None
    exposures: list[float | None] | None = None
    frequency: str = "month"
    per: float = 1.0
    flags: list[list[str]] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return "proportion" if self.denominators is not None else "rate" if self.exposures is not None else "count"

    @property
    def periods_per_year(self) -> int:
        return 12 if self.frequency == "month" else 4

    def observed(self, i: int) -> bool:
        if self.counts[i] is None:
            return False
        if self.denominators is not None:
            return bool(self.denominators[i])  # nothing in the denominator: no proportion to model
        if self.exposures is not None:
            return self.exposures[i] is not None and self.exposures[i] > 0
        return True

    def value(self, i: int) -> float | None:
        """The observed value as shown: a proportion, a rate (times ``per``) or a count."""
        if not self.observed(i):
            return None
        if self.denominators is not None:
            return self.counts[i] / self.denominators[i]
        if self.exposures is not None:
            return self.per * self.counts[i] / self.exposures[i]
        return float(self.counts[i])


@dataclass
class Ratio:
    """An effect on the ratio scale with its 95% interval (and the Wald p-value)."""

    estimate: float
    ci_low: float
    ci_high: float
    p_value: float | None

    @property
    def excludes_one(self) -> bool:
        return self.ci_low > 1 or self.ci_high < 1


@dataclass
class Autocorrelation:
    test: str
    lags: int
    statistic: float
    p_value: float

    @property
    def suggests_newey_west(self) -> bool:
        return self.p_value < AUTOCORRELATION_ALPHA


@dataclass
class Fit:
    """A fitted segmented regression: coefficients, their covariance, and how to predict."""

    family: str
    names: list[str]
    params: np.ndarray
    cov: np.ndarray
    scale: float
    errors: str
    hac_lags: int | None
    n_used: int
    rows: list[int]
    pearson: np.ndarray
    autocorrelation: Autocorrelation | None
    deviance: float
    df_resid: float

    def index(self, name: str) -> int:
        return self.names.index(name)

    def se(self, name: str) -> float:
        i = self.index(name)
        return float(math.sqrt(max(self.cov[i, i], 0.0)))

    def ratio(self, name: str, multiplier: float = 1.0) -> Ratio:
        """exp(multiplier x coefficient) with its Wald interval: a level change, or a trend per year."""
        b, s = float(self.params[self.index(name)]) * multiplier, self.se(name) * multiplier
        return Ratio(math.exp(b), math.exp(b - Z95 * s), math.exp(b + Z95 * s), _p(b, s))

    def linear(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The linear predictor and its standard error at the rows of ``X``."""
        eta = X @ self.params
        se = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", X, self.cov, X), 0.0))
        return eta, se

    def inverse_link(self, eta):
        return 1 / (1 + np.exp(-eta)) if self.family == "binomial" else np.exp(eta)


def _p(estimate: float, se: float) -> float | None:
    """Two-sided Wald p-value (erfc keeps small p-values from rounding to 0)."""
    return math.erfc(abs(estimate / se) / math.sqrt(2)) if se > 0 else None


def first_after(series: Series, when) -> int:
    """Index of the first period after the intervention: the period containing ``when`` (a date),
    so a ban from 10 January 2005 makes January 2005 the first month after."""
    for i, p in enumerate(series.periods):
        if p.end >= when:
            return i
    return len(series.periods)


def counts_around(series: Series, k: int) -> tuple[int, int]:
    """(points observed before, points observed after) the intervention at index ``k``."""
    obs = [series.observed(i) for i in range(len(series.periods))]
    return sum(obs[:k]), sum(obs[k:])


def check_points(series: Series, k: int, what: str = "the series") -> None:
    """Refuse a fit with fewer than MIN_POINTS observed points on either side, saying why."""
    before, after = counts_around(series, k)
    if before < MIN_POINTS or after < MIN_POINTS:
        raise NotAvailable(
            f"Too few points to evaluate {what}: {before} observed {_unit(series, before)} before the intervention and "
            f"{after} after; at least {MIN_POINTS} are needed on each side to separate a change from the trend "
            "and from chance (gaps are not filled in).",
            available=["a longer window", "an intervention date with more data on both sides"])


def _unit(series: Series, n: int) -> str:
    word = "month" if series.frequency == "month" else "quarter"
    return word if n == 1 else word + "s"


# --- the design -------------------------------------------------------------------------------

def _season_position(p: Period, frequency: str) -> int:
    return p.start.month if frequency == "month" else (p.start.month - 1) // 3 + 1


def season_columns(periods: list[Period], frequency: str, seasonality: str) -> tuple[list[str], np.ndarray]:
    """Seasonal terms: two sine-cosine pairs of the yearly cycle, or one indicator per month (or
    quarter) after the first. Columns that are constant in this design (the second sine of a
    quarterly cycle is zero at every quarter) are left out."""
    if seasonality not in SEASONALITY:
        raise ValueError(f"seasonality must be one of {SEASONALITY}")
    cycle = 12 if frequency == "month" else 4
    pos = np.array([_season_position(p, frequency) for p in periods], dtype=float)
    names, cols = [], []
    if seasonality == "harmonic":
        for k in (1, 2):
            for fn, label in ((np.sin, "sin"), (np.cos, "cos")):
                col = fn(2 * np.pi * k * pos / cycle)
                if np.ptp(np.round(col, 12)) > 0:
                    names.append(f"{label}{k}")
                    cols.append(col)
    elif seasonality == "month":
        label = "month" if frequency == "month" else "quarter"
        for m in range(2, cycle + 1):
            names.append(f"{label}{m}")
            cols.append((pos == m).astype(float))
    return names, (np.column_stack(cols) if cols else np.empty((len(periods), 0)))


def design(series: Series, k: int, seasonality: str, impact: str = "level_and_slope",
           *, after: np.ndarray | None = None) -> tuple[list[str], np.ndarray]:
    """Columns: const, time (periods since the window's start, gaps counted), level (1 from the
    first period after), slope (periods since the first period after, 0 before), seasonal terms.
    ``after`` overrides the level indicator (a counterfactual sets it to 0)."""
    n = len(series.periods)
    t = np.arange(1, n + 1, dtype=float)
    post = (np.arange(n) >= k).astype(float) if after is None else after
    names = ["const", "time", "level"]
    cols = [np.ones(n), t, post]
    if impact == "level_and_slope":
        names.append("slope")
        cols.append(np.where(post > 0, t - (k + 1), 0.0))
    s_names, s_cols = season_columns(series.periods, series.frequency, seasonality)
    X = np.column_stack([*cols, s_cols]) if s_names else np.column_stack(cols)
    return names + s_names, X


def _endog(series: Series, rows: list[int]):
    y = np.array([series.counts[i] for i in rows], dtype=float)
    if series.denominators is not None:
        n = np.array([series.denominators[i] for i in rows], dtype=float)
        return np.column_stack([y, n - y]), None
    if series.exposures is not None:
        return y, np.log(np.array([series.exposures[i] for i in rows], dtype=float))
    return y, None


def hac_lags(n: int) -> int:
    """Newey and West's (1994) rule for the Bartlett kernel's bandwidth: floor(4 (n/100)^(2/9))."""
    return max(1, int(math.floor(4 * (n / 100) ** (2 / 9))))


def _glm(endog, X, offset, family: str):
    import statsmodels.api as sm

    fam = sm.families.Binomial() if family == "binomial" else sm.families.Poisson()
    return sm.GLM(endog, X, family=fam, offset=offset)


def _fit_glm(model, errors: str, overdispersion: bool, lags: int | None, hac_kwds: dict | None = None):
    from statsmodels.tools.sm_exceptions import PerfectSeparationError, PerfectSeparationWarning

    kw: dict = {}
    if errors == "newey-west":
        if hac_kwds:
            kw.update(cov_type="hac-panel", cov_kwds={**hac_kwds, "maxlags": lags})
        else:
            kw.update(cov_type="HAC", cov_kwds={"maxlags": lags})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PerfectSeparationWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
            res = model.fit()
            if overdispersion:
                # Pearson chi-squared over the residual df, computed here: statsmodels' scale="X2"
                # misweights a binomial model given as (successes, failures).
                res = model.fit(scale=float(res.pearson_chi2 / res.df_resid), **kw)
            elif kw:
                res = model.fit(**kw)
    except (PerfectSeparationError, PerfectSeparationWarning, np.linalg.LinAlgError, ValueError) as e:
        raise NotAvailable(f"The segmented regression could not be fitted to this series ({type(e).__name__}: "
                           "every case in some periods had the same outcome, or the terms cannot be told apart).") from None
    if not np.all(np.isfinite(res.params)) or not np.all(np.isfinite(res.bse)):
        raise NotAvailable("The segmented regression did not converge on this series (the counts are too few or too "
                           "extreme for the model).")
    return res


def ljung_box(resid: np.ndarray, frequency: str) -> Autocorrelation | None:
    """Ljung-Box test of the Pearson residuals in time order, up to a year of lags (or a fifth of
    the points, if fewer)."""
    from statsmodels.stats.diagnostic import acorr_ljungbox

    n = len(resid)
    lags = min(12 if frequency == "month" else 4, max(1, n // 5))
    if n <= lags + 1 or not np.ptp(resid) > 0:
        return None
    out = acorr_ljungbox(resid, lags=[lags], return_df=True)
    return Autocorrelation("Ljung-Box", lags, float(out["lb_stat"].iloc[0]), float(out["lb_pvalue"].iloc[0]))


def fit(series: Series, k: int, *, seasonality: str = "none", errors: str = "model", impact: str = "level_and_slope",
        overdispersion: bool = True, rows: list[int] | None = None) -> Fit:
    """Segmented regression of ``series`` with the intervention before period index ``k``.

    ``rows`` restricts the fit to some periods (a placebo inside the pre-period); gaps are always
    left out. ``overdispersion=False`` fixes the scale at 1 (a plain Poisson or binomial model)."""
    if errors not in ERRORS:
        raise ValueError(f"errors must be one of {ERRORS}")
    if impact not in IMPACTS:
        raise ValueError(f"impact must be one of {IMPACTS}")
    names, X = design(series, k, seasonality, impact)
    use = [i for i in (rows if rows is not None else range(len(series.periods))) if series.observed(i)]
    keep = [j for j in range(X.shape[1]) if j < 3 or np.ptp(X[use, j]) > 0 or names[j] == "const"]
    names, X = [names[j] for j in keep], X[:, keep]
    if len(use) <= len(names):
        raise NotAvailable(f"Too few points ({len(use)}) for a model with {len(names)} terms.")
    endog, offset = _endog(series, use)
    family = "binomial" if series.denominators is not None else "poisson"
    lags = hac_lags(len(use)) if errors == "newey-west" else None
    res = _fit_glm(_glm(endog, X[use], offset, family), errors, overdispersion, lags)
    pearson = np.asarray(res.resid_pearson, dtype=float)
    return Fit(family, names, np.asarray(res.params, dtype=float), np.asarray(res.cov_params(), dtype=float),
               float(res.scale), errors, lags, len(use), use, pearson, ljung_box(pearson, series.frequency),
               float(res.deviance), float(res.df_resid))


def predictions(series: Series, f: Fit, k: int, seasonality: str, impact: str = "level_and_slope") -> dict[str, np.ndarray]:
    """Fitted values and the counterfactual (no level or slope change) with its 95% band, at every
    period of the window (gaps included: a line may be drawn through them; no point is)."""
    names, X = design(series, k, seasonality, impact)
    X = X[:, [names.index(nm) for nm in f.names]]
    eta, _ = f.linear(X)
    _, Xcf = design(series, k, seasonality, impact, after=np.zeros(len(series.periods)))
    Xcf = Xcf[:, [names.index(nm) for nm in f.names]]
    eta_cf, se_cf = f.linear(Xcf)
    scale = series.per if series.kind == "rate" else 1.0
    return {"fitted": scale * f.inverse_link(eta), "counterfactual": scale * f.inverse_link(eta_cf),
            "cf_low": scale * f.inverse_link(eta_cf - Z95 * se_cf), "cf_high": scale * f.inverse_link(eta_cf + Z95 * se_cf)}


def points_change(series: Series, f: Fit, k: int, seasonality: str, impact: str = "level_and_slope") -> Ratio | None:
    """For a proportion: fitted minus counterfactual at the first period after, in proportion
    units (a difference of percentage points / 100), with a delta-method 95% interval."""
    if f.family != "binomial" or k >= len(series.periods):
        return None
    names, X = design(series, k, seasonality, impact)
    cols = [names.index(nm) for nm in f.names]
    x1 = X[k, cols]
    x0 = x1.copy()
    for nm in ("level", "slope"):
        if nm in f.names:
            x0[f.names.index(nm)] = 0.0
    p1, p0 = f.inverse_link(x1 @ f.params), f.inverse_link(x0 @ f.params)
    grad = p1 * (1 - p1) * x1 - p0 * (1 - p0) * x0
    se = float(math.sqrt(max(grad @ f.cov @ grad, 0.0)))
    d = float(p1 - p0)
    return Ratio(d, d - Z95 * se, d + Z95 * se, _p(d, se))


# --- comparison areas (comparative interrupted time series) -------------------------------------

def _stack(treated: Series, comparison: Series, k: int, seasonality: str, pre_only: bool):
    """Rows of both series (treated first), the design with group interactions, and the endog."""
    names, X = design(treated, k, seasonality, "level_and_slope")
    n = len(treated.periods)
    base = ["const", "time", "level", "slope"]
    seas = [nm for nm in names if nm not in base]
    rows, groups, Xs = [], [], []
    for g, s in ((1.0, treated), (0.0, comparison)):
        for i in range(n if not pre_only else k):
            if s.observed(i):
                rows.append((s, i))
                groups.append(g)
                Xs.append(X[i])
    Xs = np.array(Xs)
    grp = np.array(groups)
    cols = {"const": Xs[:, 0], "group": grp, "time": Xs[:, 1], "group:time": grp * Xs[:, 1]}
    if not pre_only:
        cols.update({"level": Xs[:, 2], "group:level": grp * Xs[:, 2], "slope": Xs[:, 3], "group:slope": grp * Xs[:, 3]})
    for j, nm in enumerate(names):
        if nm in seas and np.ptp(Xs[:, j]) > 0:
            cols[nm] = Xs[:, j]
    y = np.array([s.counts[i] for s, i in rows], dtype=float)
    if treated.denominators is not None:
        den = np.array([s.denominators[i] for s, i in rows], dtype=float)
        endog, offset = np.column_stack([y, den - y]), None
    elif treated.exposures is not None:
        endog, offset = y, np.log(np.array([s.exposures[i] for s, i in rows], dtype=float))
    else:
        endog, offset = y, None
    times = np.array([i for _, i in rows])
    return list(cols), np.column_stack(list(cols.values())), endog, offset, grp, times


def comparative(treated: Series, comparison: Series, k: int, *, seasonality: str = "none", errors: str = "model",
                pre_only: bool = False) -> Fit:
    """Difference in differences as a comparative interrupted time series: both series in one
    model, each with its own intercept and pre-period trend, the treated one's level and trend
    changes measured against the comparison's (``group:level``, ``group:slope``). ``group:time``
    is the pre-trend check: how far the two pre-period trends differ. ``pre_only`` fits the
    pre-period alone (for choosing comparison areas)."""
    names, X, endog, offset, grp, times = _stack(treated, comparison, k, seasonality, pre_only)
    if len(X) <= len(names):
        raise NotAvailable("Too few points in the treated and comparison series together for the comparison model.")
    family = "binomial" if treated.denominators is not None else "poisson"
    lags = hac_lags(len(X) // 2) if errors == "newey-west" else None
    res = _fit_glm(_glm(endog, X, offset, family), errors, True, lags,
                   hac_kwds={"groups": (1 - grp).astype(int), "time": times} if errors == "newey-west" else None)
    pearson = np.asarray(res.resid_pearson, dtype=float)
    return Fit(family, names, np.asarray(res.params, dtype=float), np.asarray(res.cov_params(), dtype=float),
               float(res.scale), errors, lags, len(X), list(range(len(X))), pearson, None, float(res.deviance), float(res.df_resid))


def correlation(a: Series, b: Series, rows) -> float | None:
    """Pearson correlation of two series' values over the periods both have (the pre-period)."""
    pairs = [(a.value(i), b.value(i)) for i in rows if a.observed(i) and b.observed(i)]
    if len(pairs) < 3:
        return None
    x, y = np.array(pairs, dtype=float).T
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return None
    return float(np.corrcoef(x, y)[0, 1])


def pooled(series: list[Series]) -> Series:
    """Several areas' series added period by period; a period missing in any of them is a gap."""
    first = series[0]
    n = len(first.periods)
    counts, dens, exps = [], [], []
    for i in range(n):
        ok = all(s.observed(i) for s in series)
        counts.append(sum(s.counts[i] for s in series) if ok else None)
        dens.append(sum(s.denominators[i] for s in series) if ok and first.denominators is not None else None)
        exps.append(sum(s.exposures[i] for s in series) if ok and first.exposures is not None else None)
    return Series(first.periods, counts, dens if first.denominators is not None else None,
                  exps if first.exposures is not None else None, first.frequency, first.per)
