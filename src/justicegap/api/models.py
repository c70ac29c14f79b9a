"""Response models of the HTTP API: the OpenAPI description says exactly what each endpoint returns.

The library's dictionaries are the source of truth (``/figure`` is the JSON of ``justicegap get
--json``); these models describe them field by field. Models allow extra fields so that a field
the library adds later does not break a running server, but every field listed here is checked
against every answer before it is served (a mismatch is a bug, logged and answered with 500).
"""

from __future__ import annotations

from typing import Any, Optional

from pydantic import BaseModel, ConfigDict, Field


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


# --- errors ----------------------------------------------------------------------------------

class ErrorBody(BaseModel):
    """Every error: a type and one plain message. Never a stack trace."""

    error: str = Field(description="Kind of error: NotFound, InvalidParameter, NotAvailable, InternalError...")
    message: str = Field(description="What went wrong and what to do about it")


class NotFoundError(ErrorBody):
    kind: Optional[str] = Field(None, description="What was not found: area, metric, offence family, edition...")
    value: Optional[str] = Field(None, description="The text given")
    suggestions: list[str] = Field(default_factory=list, description="The closest matches")


class InvalidParameterError(ErrorBody):
    parameter: Optional[str] = Field(None, description="The parameter at fault")


class NotAvailableError(ErrorBody):
    available: list[str] = Field(default_factory=list, description="What can be had instead")
    holder: Optional[str] = Field(None, description="Who holds the data, when it is not published (null when no holder is named)")


# --- building blocks -------------------------------------------------------------------------

class AreaRef(_Open):
    code: str
    name: str
    level: str
    parent: Optional[str] = None
    note: Optional[str] = None


class PeriodModel(_Open):
    label: str
    start: str = Field(description="First day (ISO date)")
    end: str = Field(description="Last day (ISO date)")
    kind: str


class OffenceModel(_Open):
    family: str
    label: str


class OutcomeRef(_Open):
    types: list[str]
    label: str


class Edition(_Open):
    dataset: str
    edition: str
    title: Optional[str] = None
    file: str
    sha256: str
    published: Optional[str] = None
    loaded_at: str
    url: Optional[str] = None
    period_start: Optional[str] = None
    period_end: Optional[str] = None
    rows: int


class SourceEdition(Edition):
    """An edition behind a figure, with its publisher."""

    publisher: Optional[str] = None


class EventRef(_Open):
    id: str
    title: str


class Figure(_Open):
    """One figure: the same JSON as ``justicegap get --json``."""

    metric: str
    name: str
    kind: str
    area: AreaRef
    period: PeriodModel
    offence: OffenceModel
    outcome: Optional[OutcomeRef] = None
    value: Optional[float] = None
    numerator: Optional[float] = None
    denominator: Optional[float] = None
    ci_low: Optional[float] = None
    ci_high: Optional[float] = None
    confidence: Optional[float] = None
    basis: str
    unit: str
    numerator_definition: Optional[str] = None
    denominator_definition: Optional[str] = None
    edition: str
    sources: list[SourceEdition]
    population: Optional[dict[str, Any]] = None
    breakdown: Optional[dict[str, Any]] = None
    flags: list[str]
    caveats: list[str]
    events: list[EventRef]
    missing: Optional[dict[str, Any]] = None
    sentence: str
    definition: Optional[str] = None


# --- areas -----------------------------------------------------------------------------------

class Area(_Open):
    code: str
    name: str
    level: str
    level_name: str
    parent: Optional[str] = None
    note: Optional[str] = None
    former_names: list[str] = Field(default_factory=list)


class AreaDetail(Area):
    parent_area: Optional[AreaRef] = None
    members: list[AreaRef] = Field(default_factory=list, description="Forces whose figures add up to this area")
    csps: list[AreaRef] = Field(default_factory=list, description="Community Safety Partnerships of this district")
    lads: list[AreaRef] = Field(default_factory=list, description="Districts in this partnership")
    children: list[AreaRef] = Field(default_factory=list, description="Local areas within this force area")
    metrics: list[str] = Field(default_factory=list, description="Metrics published at this area's level")
    not_published: list["MetricNote"] = Field(default_factory=list, description="Metrics not published at this level, and why")


class MetricNote(_Open):
    metric: str
    name: str
    reason: str


# --- metrics ---------------------------------------------------------------------------------

class ConfusedWith(_Open):
    metric: str
    how: str


class Metric(_Open):
    id: str
    name: str
    official_name: Optional[str] = None
    stage: str
    kind: str
    basis: str
    unit: str
    numerator: Optional[str] = None
    denominator: Optional[str] = None
    definition: Optional[str] = None
    datasets: list[str]
    levels: list[str]
    caveats: Optional[list[str]] = None
    sentence: Optional[str] = None
    confused_with: Optional[list[ConfusedWith]] = None


# --- funnel ----------------------------------------------------------------------------------

class Stage(_Open):
    id: str
    label: str
    metric: str
    name: str
    stage: str
    unit: str
    basis: str
    kind: str
    period: PeriodModel
    available: bool
    reason: Optional[str] = Field(None, description="Why the stage is not available (when it is not)")
    value: Optional[float] = None
    numerator: Optional[float] = None
    denominator: Optional[float] = None
    ci_low: Optional[float] = None
    ci_high: Optional[float] = None
    volume: Optional[float] = None
    dataset: Optional[str] = None
    geography: Optional[str] = None
    editions: Optional[list[str]] = None
    flags: Optional[list[str]] = None
    caveats: Optional[list[str]] = None
    sentence: Optional[str] = None
    figure: Optional[Figure] = None


class OutcomeGroupRow(_Open):
    group: str
    label: str
    count: float
    share: Optional[float] = None
    ci_low: Optional[float] = None
    ci_high: Optional[float] = None
    denominator: Optional[float] = None
    basis: str
    unit: str
    edition: str


class Funnel(_Open):
    area: AreaRef
    period: PeriodModel
    offence: OffenceModel
    stages: list[Stage]
    outcome_groups: list[OutcomeGroupRow]
    statements: list[str]


# --- compare ---------------------------------------------------------------------------------

class CompareRow(Figure):
    z: Optional[float] = None
    lower95: Optional[float] = None
    upper95: Optional[float] = None
    lower998: Optional[float] = None
    upper998: Optional[float] = None
    position: Optional[str] = Field(None, description="within, above or below the 99.8% limits")
    alert: Optional[str] = Field(None, description="within, above or below the 95% limits")
    rank: Optional[int] = Field(None, description="Only when sorted by value")
    rank_low: Optional[int] = None
    rank_high: Optional[int] = None


class Excluded(_Open):
    area: AreaRef
    reason: str


class CompareEvent(_Open):
    id: str
    title: str
    start: str
    end: Optional[str] = None
    description: str


class Compare(_Open):
    metric: str
    name: str
    basis: str
    unit: str
    kind: str
    level: str
    period: PeriodModel
    offence: OffenceModel
    outcome: Optional[OutcomeRef] = None
    editions: list[str]
    excluded: list[Excluded]
    events: list[CompareEvent]
    caveats: list[str]
    method: Optional[str] = None
    target: Optional[float] = None
    target_numerator: Optional[float] = None
    target_denominator: Optional[float] = None
    phi: Optional[float] = None
    tau2: Optional[float] = None
    overdispersion: Optional[str] = None
    summary: Optional[str] = None
    areas: list[CompareRow]


# --- catalogue -------------------------------------------------------------------------------



class Source(_Open):
    id: str
    publisher: str
    title: str
    unit: Optional[str] = None
    geography: Optional[str] = None
    periods: Optional[str] = None
    holder: Optional[str] = None
    licence: Optional[str] = None
    levels: list[str] = Field(default_factory=list)
    provisional: Optional[str] = None


class Event(_Open):
    id: str
    start: str
    end: Optional[str] = None
    kind: Optional[str] = None
    datasets: list[str]
    areas: list[str]
    families: list[str]
    title: str
    description: str


class Boundaries(_Open):
    type: str = Field(description="FeatureCollection")
    features: list[dict[str, Any]]


AreaDetail.model_rebuild()
