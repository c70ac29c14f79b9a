"""What the user typed, as the registry's terms: offence families, outcome types and groups, and
the sums (terms) a metric's numerator and denominator are made of."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from .. import reference
from ..errors import NotFound
from .data import Term


def family(text: str) -> str:
    fams = reference.families()
    t = (text or "").strip().lower().replace(" ", "_").replace("-", "_")
    if t in fams:
        return t
    raise NotFound("offence family", text, difflib.get_close_matches(t, list(fams), 4, 0.4) or list(fams))


def outcome_types(text: str) -> tuple[tuple[str, ...], str]:
    """--outcome: a type ('14', '1A') or a group ('victim_does_not_support') -> (types, label)."""
    outs, groups = reference.outcomes(), reference.outcome_groups()
    t = (text or "").strip()
    if t.upper() in outs:
        return (t.upper(),), outs[t.upper()]["label"]
    g = t.lower().removeprefix("group:")
    if g in groups:
        types = tuple(k for k, v in outs.items() if v["group"] == g and not v["parent"])
        return types, groups[g]["label"]
    raise NotFound("outcome", text, difflib.get_close_matches(g, list(groups), 4, 0.4),
                   "Give an outcome type (0 to 22, 1A) or a group: " + ", ".join(groups))


def _term_outcomes(spec: str | list, outcome: tuple[str, ...] | None) -> tuple[str, ...] | None:
    outs = reference.outcomes()
    if spec == "all":
        return None
    if spec == "assigned":
        return tuple(k for k, v in outs.items() if k != "0" and not v["parent"])
    if spec == "param":
        return outcome
    if isinstance(spec, str) and spec.startswith("group:"):
        return tuple(k for k, v in outs.items() if v["group"] == spec[6:] and not v["parent"])
    return tuple(spec)


@dataclass
class _Term(Term):
    """A term whose measures may differ by dataset (``by_dataset`` in the registry): the CPS monthly
    files give convictions and unsuccessful outcomes where the quarterly summaries give completed
    prosecutions."""

    by_dataset: dict = field(default_factory=dict)

    def for_dataset(self, ds: str) -> Term:
        if ds not in self.by_dataset:
            return self
        alt = self.by_dataset[ds]
        return Term(self.name, tuple(alt if isinstance(alt, list) else [alt]), self.outcomes)


def _for(terms, ds: str) -> list[Term]:
    return [t.for_dataset(ds) if isinstance(t, _Term) else t for t in terms]
