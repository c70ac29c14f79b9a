"""A figure as the engine computes it: the value with everything that must travel with it. Its
typed result, for every surface, is :class:`justicegap.model.Figure` (:meth:`Figure.model`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import areas as A
from .. import reference
from ..periods import Period
from ..store import Edition
from .data import Gathered

LOW_COUNT = 30
PROPORTION_KINDS = ("proportion",)


@dataclass
class Figure:
    metric: dict
    area: A.Area
    period: Period
    offence: str
    value: float | None
    numerator: float | None = None
    denominator: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    dataset: str | None = None
    editions: list[Edition] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    caveats: list[str] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    outcome: dict | None = None
    breakdown: dict = field(default_factory=dict)
    missing: dict = field(default_factory=dict)
    population: dict | None = None
    sentence: str = ""
    gathered: Gathered | None = None
    all_gathered: list[Gathered] = field(default_factory=list)
    scope: str | None = None  # set when a larger area's figure stands in for one not published (a report's note)

    @property
    def edition(self) -> str:
        return ", ".join(e.edition for e in self.editions)

    def to_dict(self) -> dict:
        """The figure as its typed result (:class:`justicegap.model.Figure`) dumps it: counts are
        integers, absent values null."""
        return self.model().model_dump()

    def model(self):
        from ..model.figure import Figure as FigureModel

        return FigureModel.model_validate(self._fields())

    def _fields(self) -> dict:
        m = self.metric
        fam = reference.families()[self.offence]
        return {
            "metric": m["id"], "name": m["name"], "kind": m["kind"],
            "area": self.area.to_dict(), "period": self.period.to_dict(),
            "offence": {"family": self.offence, "label": fam["label"]},
            "outcome": self.outcome,
            "value": self.value, "numerator": self.numerator, "denominator": self.denominator,
            "ci_low": self.ci_low, "ci_high": self.ci_high, "confidence": 0.95 if self.ci_low is not None else None,
            "basis": m["basis"], "unit": m["unit"],
            "numerator_definition": m.get("numerator"), "denominator_definition": m.get("denominator"),
            "edition": self.edition,
            "sources": [{**e.to_dict(), "publisher": reference.sources().get(e.dataset, {}).get("publisher")} for e in self.editions],
            "population": self.population, "breakdown": self.breakdown or None,
            "flags": self.flags, "caveats": self.caveats,
            "events": [{"id": ev["id"], "title": ev["title"]} for ev in self.events],
            "missing": self.missing or None,
            "sentence": self.sentence, "definition": m.get("definition"),
        }
