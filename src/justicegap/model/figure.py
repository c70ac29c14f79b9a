"""One figure: a value with its numerator, denominator, basis, counting unit, editions, interval,
flags, caveats and a sentence. The same JSON from the library, ``justicegap get --json`` and the
API's ``/figure``."""

from __future__ import annotations

from typing import Any, Optional

from ..formats import whole
from .base import AreaRef, Count, EventRef, OffenceRef, OutcomeRef, PeriodRef, Result, SourceEdition


class Figure(Result):
    metric: str
    name: str
    kind: str
    area: AreaRef
    period: PeriodRef
    offence: OffenceRef
    outcome: Optional[OutcomeRef] = None
    value: Optional[float] = None
    numerator: Optional[Count] = None
    denominator: Optional[Count] = None
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
    breakdown: Optional[dict[str, Count]] = None
    flags: list[str]
    caveats: list[str]
    events: list[EventRef]
    missing: Optional[dict[str, Any]] = None
    sentence: str
    definition: Optional[str] = None

    def model_post_init(self, _ctx) -> None:
        # a count is a whole number of offences, suspects or defendants: its value is one too
        if self.kind == "count":
            self.value = whole(self.value)
