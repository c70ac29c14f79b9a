"""Counts a publisher printed below zero: its corrections to earlier figures, shown as published."""

from __future__ import annotations

from typing import Optional

from pydantic import Field

from .base import Count, Result


class PublishedNegative(Result):
    area: str
    offence: Optional[str] = None
    outcome: Optional[str] = None
    measure: str
    period: str
    published: Count = Field(description="The count as published (below zero: a correction); never summed into a shown count")
