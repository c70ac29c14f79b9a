"""One correctly worded sentence per headline figure, with the caveats that must travel with it.

The registry's ``sentence`` template gives the core (numbers, interval, what was counted, the
edition); this module adds the basis in words and the caveats that belong to *this* figure rather
than to the metric in general: partial coverage, low counts, maturing outcomes, data breaks,
numerator and denominator from different publications, forces left out, provisional editions,
names resolved through an alias, and a figure given for a larger area than the one asked.
A sentence is never separated from these: print them together.
"""

from __future__ import annotations

from .. import areas as A
from .. import metrics
from ..errors import NotAvailable
from ..store import Store

BASIS_TEXT = {
    "recorded_in_period": "offences recorded in the period",
    "recorded_cohort": "offences recorded in the period, followed to the date of the edition (the Home Office's headline basis)",
    "closed_in_period": "investigations closed in the period, whenever the offence was recorded",
    "same_period_ratio": "outcomes in the period divided by offences recorded in the same period (two different sets of cases: a ratio, not a rate)",
    "decisions_in_period": "charging decisions made in the period",
    "finalised_in_period": "cases finalised in the period",
    "completed_in_period": "cases completed in the period",
    "records_follow_up": "crimes recorded in the period, each followed for the same number of days in the force's own case records",
    "records_to_extract": "crimes recorded in the period, followed in the force's own case records to the date they were extracted",
}

# Which flags make a figure-specific caveat "must travel" (the rest of a figure's caveats are the
# metric's general ones, given once in the definitions).
TRAVEL_FLAGS = ("partial", "low_count", "maturing", "mixed_editions", "different_sources", "excludes_areas", "provisional",
                "no_denominator")


def basis_text(basis: str | None) -> str:
    if not basis:
        return ""
    return BASIS_TEXT.get(basis, basis.replace("_", " "))


def must_travel(d: dict, metric: dict | None = None) -> list[str]:
    """The caveats specific to this figure (everything but the metric's general caveats)."""
    metric = metric or metrics.registry().get(d["metric"], {})
    general = set(metric.get("caveats") or [])
    out = [c for c in d.get("caveats") or [] if c not in general]
    if d.get("area", {}).get("note") and d["area"]["note"] not in out:
        out.append(d["area"]["note"])
    return out


def sentence(fig, *, scope_note: str | None = None, scope_label: str | None = None) -> dict:
    """A figure (``Figure`` or its ``to_dict()``) as one sentence plus its must-travel caveats."""
    d = fig if isinstance(fig, dict) else fig.to_dict()
    m = metrics.registry().get(d["metric"], {})
    travel = must_travel(d, m)
    if scope_note:
        travel.insert(0, scope_note)
    flags = d.get("flags") or []
    if d.get("value") is None:
        core = f"No figure can be given for {d['name'].lower()} in {d['area']['name']}, {d['period']['label']}."
    else:
        core = d.get("sentence") or f"{d['name']}: {d['value']}."
    basis = basis_text(d.get("basis"))
    text = (f"{scope_label} " if scope_label else "") + core + (f" Basis: {basis}." if basis else "")
    if "partial" in flags:
        text = "PARTIAL FIGURE. " + text
    confused = [f"Not to be confused with {c['metric']}: {c['how']}" for c in (m.get("confused_with") or [])]
    return {
        "metric": d["metric"], "name": d["name"], "area": d["area"], "period": d["period"], "offence": d["offence"],
        "value": d.get("value"), "numerator": d.get("numerator"), "denominator": d.get("denominator"),
        "ci_low": d.get("ci_low"), "ci_high": d.get("ci_high"), "basis": d.get("basis"), "unit": d.get("unit"),
        "edition": d.get("edition"), "text": text, "must_travel": travel, "flags": flags,
        "events": d.get("events") or [], "not_to_be_confused_with": confused, "definition": d.get("definition"),
    }


def say(metric_id: str, *, area, period, offence: str = "rape", outcome: str | None = None,
        edition: str | None = None, store: Store | None = None) -> list[dict]:
    """The sentence for one metric, area and period.

    When the metric is not published for the area asked (police outcomes for a district, say) but
    is for the police force area that contains it, the force's figure is given, labelled as such.
    A period the data cover only in part gives a flagged partial figure, never a silent one.
    """
    the_area = area if isinstance(area, A.Area) else A.resolve(area)
    own = store is None
    store = store or Store(read_only=True)
    try:
        try:
            fig = metrics.measure(metric_id, area=the_area, period=period, offence=offence, outcome=outcome,
                                  edition=edition, store=store, allow_partial=True)
            return [sentence(fig)]
        except NotAvailable as e:
            if not the_area.parent:
                raise
            force = A.get(the_area.parent)
            try:
                fig = metrics.measure(metric_id, area=force, period=period, offence=offence, outcome=outcome,
                                      edition=edition, store=store, allow_partial=True)
            except NotAvailable:
                raise e from None
            return [sentence(fig, scope_note=f"Figure for the whole force area: {e.message}",
                             scope_label=f"For the whole {force.name} police force area (not published for {the_area.name}):")]
    finally:
        if own:
            store.close()


def as_text(s: dict) -> str:
    """A sentence and its must-travel caveats as plain text lines."""
    lines = [s["text"]]
    lines += [f"  - {c}" for c in s["must_travel"]]
    return "\n".join(lines)
