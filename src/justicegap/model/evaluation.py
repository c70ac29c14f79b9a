"""The result of ``justicegap evaluate``: did a series change at an intervention, by how much,
measured how, against what, and how far the result can be trusted.

Counts are integers; anything absent is ``None`` (never 0). Effects are ratios with 95%
intervals: rate ratios for counts and rates (Poisson), odds ratios for proportions (binomial).
"""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import Field

from .base import AreaRef, Count, Result


class Interval(Result):
    """An estimate with its 95% interval and two-sided Wald p-value."""

    estimate: float
    ci_low: float
    ci_high: float
    p_value: Optional[float] = None


class SeriesSource(Result):
    """Where the series came from: a loaded edition, or the user's file."""

    dataset: Optional[str] = None
    edition: Optional[str] = None
    title: Optional[str] = None
    file: str
    sha256: Optional[str] = None


class Effect(Result):
    measure: Literal["rate ratio", "odds ratio"] = Field(description="What the ratios are: rate ratios (Poisson) or odds ratios (binomial)")
    level_change: Interval = Field(description="At the first period after the intervention: the fitted value over the "
                                               "counterfactual (the earlier trend carried on), as a ratio")
    trend_change_per_year: Optional[Interval] = Field(None, description="The trend after over the trend before, per year, as a ratio")
    pre_trend_per_year: Interval = Field(description="The trend before the intervention, per year, as a ratio")
    level_change_points: Optional[Interval] = Field(None, description="Proportions only: fitted minus counterfactual at the "
                                                                      "first period after, as a difference of proportions")


class Term(Result):
    name: str
    coefficient: float
    std_error: float
    ratio: float
    ci_low: float
    ci_high: float
    p_value: Optional[float] = None


class Autocorrelation(Result):
    test: str = Field(description="Ljung-Box test of the Pearson residuals, in time order")
    lags: int
    statistic: float
    p_value: float
    suggests_newey_west: bool = Field(description="True when the residuals are autocorrelated (p < 0.05): intervals "
                                                  "robust to autocorrelation (Newey-West) are then advisable")


class SegmentedModel(Result):
    family: Literal["binomial", "poisson"]
    link: Literal["logit", "log"]
    offset: Optional[str] = Field(None, description="log of the exposure, for rates")
    scale: float = Field(description="Dispersion: Pearson chi-squared over residual degrees of freedom (quasi-likelihood)")
    seasonality: Literal["none", "harmonic", "month"]
    errors: Literal["model", "newey-west"]
    hac_lags: Optional[int] = Field(None, description="Bartlett-kernel lags of the Newey-West errors")
    frequency: Literal["month", "quarter"]
    terms: list[Term]
    autocorrelation: Optional[Autocorrelation] = None
    description: str


class PeriodPoint(Result):
    period: str
    start: str
    end: str
    observed: bool = Field(description="False for a gap: no data, nothing filled in")
    after: bool = Field(description="In or after the period containing the intervention")
    count: Optional[Count] = None
    denominator: Optional[Count] = None
    exposure: Optional[float] = None
    value: Optional[float] = None
    fitted: Optional[float] = None
    counterfactual: Optional[float] = Field(None, description="After the intervention: the earlier trend carried on")
    counterfactual_low: Optional[float] = None
    counterfactual_high: Optional[float] = None
    flags: list[str] = Field(default_factory=list)


class Break(Result):
    id: str
    title: str
    kind: str
    start: str
    end: Optional[str] = None
    description: str
    near_intervention: bool = Field(description="Within three months of the intervention")


class Placebo(Result):
    kind: Literal["pre_period", "comparison_area"]
    intervention: str = Field(description="The (false) intervention period")
    area: Optional[AreaRef] = None
    level_change: Optional[Interval] = None
    as_large: Optional[bool] = Field(None, description="Whether this placebo's level change is at least as far from 1 "
                                                       "(on the log scale) as the real one")
    reason: Optional[str] = Field(None, description="Why this placebo could not be fitted")


class Placebos(Result):
    results: list[Placebo]
    fitted: Count
    as_large: Count
    summary: str


class Candidate(Result):
    area: AreaRef
    points: Optional[int] = Field(None, description="Pre-period points both series have")
    correlation: Optional[float] = Field(None, description="Correlation of the pre-period values with the treated area's")
    pre_trend_ratio_per_year: Optional[Interval] = Field(None, description="Treated pre-period trend over this area's, per year")
    chosen: bool
    reason: Optional[str] = None


class ComparisonAreas(Result):
    method: Literal["named", "auto"]
    areas: list[AreaRef]
    candidates: list[Candidate] = Field(default_factory=list)
    level_change: Optional[Interval] = Field(None, description="Difference in differences: the treated area's level change "
                                                               "over the comparison's, as a ratio")
    trend_change_per_year: Optional[Interval] = None
    pre_trend_check: Optional[Interval] = Field(None, description="The treated area's pre-period trend over the comparison's, per year")
    pre_trends_differ: Optional[bool] = None
    points_used: Optional[int] = None
    series: list[PeriodPoint] = Field(default_factory=list, description="The comparison areas pooled, by period")
    reason: Optional[str] = Field(None, description="Why no comparison could be made")


class Window(Result):
    label: str
    start: str = Field(description="First day (ISO date)")
    end: str = Field(description="Last day (ISO date)")


class Intervention(Result):
    date: str = Field(description="The date of the change (ISO date)")
    first_period_after: str = Field(description="The period containing it: the first counted as after")


class Evaluation(Result):
    metric: Optional[str] = Field(None, description="Metric id; None for a user's series")
    name: str
    kind: Literal["proportion", "rate", "count"]
    basis: Optional[str] = None
    unit: Optional[str] = None
    area: Optional[AreaRef] = None
    offence: Optional[str] = None
    window: Window
    intervention: Intervention
    points_before: Count
    points_after: Count
    points_used: Count
    gaps: list[str] = Field(description="Periods in the window with no data: left out, never filled")
    effect: Effect
    model: SegmentedModel
    points: list[PeriodPoint]
    breaks: list[Break]
    placebos: Placebos
    comparison: Optional[ComparisonAreas] = None
    sources: list[SeriesSource]
    flags: list[str]
    caveats: list[str]
    sentence: str
