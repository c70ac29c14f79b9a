"""Areas compared on a funnel plot: every area's figure, its limits and position, and the areas
left out with the reason."""

from __future__ import annotations

from typing import Optional

from pydantic import Field

from .base import AreaRef, Count, OffenceRef, OutcomeRef, PeriodRef, Result
from .figure import Figure


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


class Excluded(Result):
    area: AreaRef
    reason: str


class CompareEvent(Result):
    id: str
    title: str
    start: str
    end: Optional[str] = None
    description: str


class Comparison(Result):
    metric: str
    name: str
    basis: str
    unit: str
    kind: str
    level: str
    period: PeriodRef
    offence: OffenceRef
    outcome: Optional[OutcomeRef] = None
    editions: list[str]
    excluded: list[Excluded]
    events: list[CompareEvent]
    caveats: list[str]
    method: Optional[str] = None
    target: Optional[float] = None
    target_numerator: Optional[Count] = None
    target_denominator: Optional[Count] = None
    phi: Optional[float] = None
    tau2: Optional[float] = None
    overdispersion: Optional[str] = None
    summary: Optional[str] = None
    areas: list[CompareRow]
