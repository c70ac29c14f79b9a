"""Areas, publications, data breaks and boundaries: what the API's catalogue routes return."""

from __future__ import annotations

from typing import Any, Optional

from pydantic import Field

from .base import AreaRef, Result


class Area(Result):
    code: str
    name: str
    level: str
    level_name: str
    parent: Optional[str] = None
    note: Optional[str] = None
    former_names: list[str] = Field(default_factory=list)


class MetricNote(Result):
    metric: str
    name: str
    reason: str


class AreaDetail(Area):
    parent_area: Optional[AreaRef] = None
    members: list[AreaRef] = Field(default_factory=list, description="Forces whose figures add up to this area")
    csps: list[AreaRef] = Field(default_factory=list, description="Community Safety Partnerships of this district")
    lads: list[AreaRef] = Field(default_factory=list, description="Districts in this partnership")
    children: list[AreaRef] = Field(default_factory=list, description="Local areas within this force area")
    metrics: list[str] = Field(default_factory=list, description="Metrics published at this area's level")
    not_published: list[MetricNote] = Field(default_factory=list, description="Metrics not published at this level, and why")


class Source(Result):
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


class Event(Result):
    id: str
    start: str
    end: Optional[str] = None
    kind: Optional[str] = None
    datasets: list[str]
    areas: list[str]
    families: list[str]
    title: str
    description: str


class Boundaries(Result):
    type: str = Field(description="FeatureCollection")
    features: list[dict[str, Any]]
