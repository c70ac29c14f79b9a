"""The caveats and data breaks that travel with a figure: by metric, by dataset and offence, and
by the dates, areas and datasets each break touches."""

from __future__ import annotations

from .. import areas as A
from .. import reference
from ..periods import Period


def conditional_caveats(m: dict, datasets, offence: str | None, level: str | None = None) -> list[str]:
    """The metric's ``caveats_when`` that apply to a figure from ``datasets`` for ``offence``: a
    caveat about rape-flagged CPS cases is not attached to sexual-offences figures from the
    monthly case outcomes."""
    out = []
    for c in m.get("caveats_when", []):
        if c.get("datasets") and not set(c["datasets"]) & set(datasets):
            continue
        if c.get("families") and offence not in c["families"]:
            continue
        if c.get("levels") and level is not None and level not in c["levels"]:
            continue
        out.append(c["text"])
    return out


def all_caveats(m: dict) -> list[str]:
    """Every caveat the metric can carry (the general ones, then the conditional ones)."""
    return [*m.get("caveats", []), *(c["text"] for c in m.get("caveats_when", []))]


def events_touching(period: Period, area: A.Area, dataset: str | None, offence: str | None) -> list[dict]:
    """Data breaks whose dates, area, dataset and offence family touch this figure."""
    from datetime import date

    scope = {area.code, *area.members, *(c for m in area.members for c in m.split("+"))}
    if area.parent:
        scope.add(area.parent)
    out = []
    for ev in reference.table("events"):
        start = date.fromisoformat(ev["start"])
        end = date.fromisoformat(ev["end"]) if ev["end"] else None
        if not period.overlaps(start, end):
            continue
        if dataset and ev["datasets"] and dataset not in ev["datasets"].split():
            continue
        if ev["areas"] and not scope & set(ev["areas"].split()):
            continue
        if offence and ev["families"] and offence not in ev["families"].split():
            continue
        out.append(ev)
    return out
