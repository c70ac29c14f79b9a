"""A metric over time for one area: one point per period the data tile exactly, gaps left as gaps,
with the data breaks the series crosses."""

from __future__ import annotations

from typing import Optional

from .base import AreaRef, Count, OffenceRef, Result


class Point(Result):
    period: str
    start: str
    end: str
    value: Optional[float] = None
    numerator: Optional[Count] = None
    denominator: Optional[Count] = None
    ci_low: Optional[float] = None
    ci_high: Optional[float] = None
    edition: str
    flags: list[str]


class Gap(Result):
    """A quarter between the series' first and last points with no figure, and why: absent, not zero."""
    period: str
    start: str
    end: str
    reason: str


class SeriesEvent(Result):
    id: str
    title: str
    start: str
    end: Optional[str] = None
    description: str
    kind: Optional[str] = None


class Series(Result):
    metric: str
    name: str
    kind: str
    basis: str
    unit: str
    area: AreaRef
    offence: OffenceRef
    points: list[Point]
    missing: list[Gap] = []
    events: list[SeriesEvent]
    start: str
    end: str
