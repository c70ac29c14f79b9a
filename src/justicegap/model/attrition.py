"""The attrition funnel: each stage from recorded offence to conviction that the data hold for an
area and period, volumes beside rates, and the police outcome groups."""

from __future__ import annotations

from typing import Optional

from pydantic import Field

from .base import Amount, AreaRef, Count, OffenceRef, PeriodRef, Result
from .corrections import PublishedNegative
from .figure import Figure


class Stage(Result):
    id: str
    label: str
    metric: str
    name: str
    stage: str
    unit: str
    basis: str
    kind: str
    period: PeriodRef
    available: bool
    reason: Optional[str] = Field(None, description="Why the stage is not available (when it is not)")
    value: Optional[float] = None
    numerator: Optional[Count] = None
    denominator: Optional[Count] = None
    ci_low: Optional[float] = None
    ci_high: Optional[float] = None
    volume: Optional[Amount] = Field(None, description="The stage's count (an integer), or its average for a timeliness stage")
    dataset: Optional[str] = None
    geography: Optional[str] = None
    editions: Optional[list[str]] = None
    flags: Optional[list[str]] = None
    caveats: Optional[list[str]] = None
    sentence: Optional[str] = None
    figure: Optional[Figure] = None


class OutcomeGroupRow(Result):
    group: str
    label: str
    count: Optional[Count] = Field(None, description="Offences with an outcome in the group, as published (null: the outcome types did not exist yet, or published negative corrections make the sum negative; see reason)")
    share: Optional[float] = None
    ci_low: Optional[float] = None
    ci_high: Optional[float] = None
    denominator: Optional[Count] = None
    basis: str
    unit: str
    edition: str
    reason: Optional[str] = Field(None, description="Why the count or share is blank, or what the count includes")
    flags: list[str] = Field(default_factory=list, description="partial: the data hold only part of the period; "
                                                               "negative_published: the sum includes published corrections")


class Attrition(Result):
    area: AreaRef
    period: PeriodRef
    offence: OffenceRef
    stages: list[Stage]
    outcome_groups: list[OutcomeGroupRow]
    statements: list[str]
    published_negatives: list[PublishedNegative] = Field(default_factory=list, description="Negative counts as published (corrections)")
