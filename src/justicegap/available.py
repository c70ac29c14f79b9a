"""What the loaded data can answer: the periods a metric can be given for at an area level, and
the metrics published at a level. Forms offer only these, so a reader is never offered a period
or a measure that answers "not available".
"""

from __future__ import annotations

from . import metrics, reference
from .metrics.data import tile
from .periods import Period, financial_year, gaps, year_ending
from .store import queries


def datasets_at(metric: str, level: str | None) -> list[str]:
    """The metric's datasets that publish figures at ``level`` (all of them when level is None)."""
    m = metrics.get(metric)
    if level is None:
        return list(m["datasets"])
    srcs = reference.sources()
    return [ds for ds in m["datasets"] if level in (srcs.get(ds, {}).get("levels") or "").split()]


def metrics_at(level: str) -> list[str]:
    """Metrics published at ``level`` (outcome shares, which need an outcome chosen, and measures from
    case records, which are not published, left out)."""
    return [k for k, m in metrics.registry().items() if level in m["levels"] and not m.get("needs_outcome")
            and not m.get("records")]


def families_at(store, metric: str, level: str | None) -> list[str]:
    """The offence families the metric's datasets at ``level`` hold facts for (a partnership's
    tables publish sexual offences as a whole, not rape): the forms offer only these."""
    from .metrics.data import offence_values

    held = {ds: store.facts.offences_held(ds) for ds in datasets_at(metric, level)}
    return [fid for fid in reference.families()
            if any(vals & set(offence_values(ds, fid)) for ds, vals in held.items())]


def periods(store, metric: str, level: str | None = None) -> list[Period]:
    """Financial years and twelve-month periods (YE Jun 2025) that a dataset of ``metric``
    publishing at ``level`` covers end to end, newest first: the periods a form should offer."""
    wanted = set(datasets_at(metric, level))
    by_ds: dict[str, list] = {}
    for ds, a, b in queries.coverage_spans(store):
        if ds in wanted:
            by_ds.setdefault(ds, []).append((a, b))
    found: dict[tuple, Period] = {}  # one label per span: 2017/18, not also YE Mar 2018
    for ds, sp in by_ds.items():
        lo, hi = min(a for a, _ in sp), max(b for _, b in sp)
        candidates = [financial_year(y) for y in range(lo.year - 1, hi.year + 1)]
        candidates += [year_ending(b.year, b.month) for _, b in sp]
        for p in candidates:
            inside = [(a, b) for a, b in sp if p.start <= a and b <= p.end]
            if inside and not gaps(p, tile(inside, p)):
                found.setdefault((p.start, p.end), p)
    return sorted(found.values(), key=lambda p: (p.end, p.start), reverse=True)
