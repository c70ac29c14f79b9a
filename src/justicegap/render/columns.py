"""The columns justicegap results carry, defined once: type and description by name.

Every flattener builds its fields from here, so ``numerator`` means the same thing (and has the
same type) in a figure, a comparison, a funnel and a trend.
"""

from __future__ import annotations

from .table import Field

VOCABULARY: dict[str, tuple[str, str]] = {
    "metric": ("string", "justicegap metric id (see the definitions)"),
    "name": ("string", "what the figure measures"),
    "kind": ("string", "count, proportion, ratio, per_100k or average"),
    "area_code": ("string", "ONS code of the area (or justicegap's code for groups and CPS Areas)"),
    "area_name": ("string", "area name"),
    "area_level": ("string", "geographic level: nation, pfa, cps_area, csp, lad"),
    "period": ("string", "the period as labelled"),
    "period_start": ("date", "first day of the period"),
    "period_end": ("date", "last day of the period"),
    "offence": ("string", "justicegap offence family (rape, rape_adult, rape_child, other_sexual, sexual_offences)"),
    "outcome": ("string", "police outcome type or group (outcome shares only)"),
    "value": ("number", "the figure: a count, a proportion (0 to 1), a ratio, a rate per 100,000 or days, as the kind says"),
    "numerator": ("integer", "the numerator (count) of a proportion, ratio or rate"),
    "denominator": ("integer", "the denominator (count) of a proportion, ratio or rate"),
    "ci_low": ("number", "lower end of the 95% Wilson interval (proportions only)"),
    "ci_high": ("number", "upper end of the 95% Wilson interval (proportions only)"),
    "basis": ("string", "what the figure counts: recorded_cohort, closed_in_period, same_period_ratio, ..."),
    "rate_basis": ("string", "the basis of the stage's rate or ratio, where it differs from its volume's (a same-period ratio)"),
    "unit": ("string", "the counting unit: offences, suspects, defendants, days"),
    "edition": ("string", "the edition(s) of the source data the figure comes from, separated by '; '"),
    "flags": ("string", "flags that must travel with the figure (partial, low_count, maturing, event:...), separated by '; '"),
    "sentence": ("string", "the figure as one sentence"),
    "caveats": ("string", "caveats that must travel with the figure, separated by '; '"),
    "lower95": ("number", "lower 95% funnel-plot limit at the area's denominator"),
    "upper95": ("number", "upper 95% funnel-plot limit at the area's denominator"),
    "lower998": ("number", "lower 99.8% funnel-plot limit at the area's denominator"),
    "upper998": ("number", "upper 99.8% funnel-plot limit at the area's denominator"),
    "z": ("number", "z-score against the pooled target"),
    "position": ("string", "against the 99.8% limits: above, below or within"),
    "rank": ("integer", "rank by value (only when sorted by value)"),
    "rank_low": ("integer", "lower end of the 95% rank interval"),
    "rank_high": ("integer", "upper end of the 95% rank interval"),
    "target": ("number", "the pooled rate of all areas compared"),
    "stage": ("string", "stage of the attrition funnel"),
    "label": ("string", "label as shown"),
    "available": ("boolean", "whether the data give this stage for the area and period"),
    "volume": ("integer", "the stage's volume (count) in its own unit"),
    "geography": ("string", "the geography the stage is published for"),
    "missing_periods": ("string", "the months a partial figure lacks"),
    "missing_areas": ("string", "areas left out of the figure, with the months they lack"),
    "reason": ("string", "why the figure is not available"),
    "group": ("string", "police outcome group id"),
    "offences": ("integer", "offences recorded in the period with this outcome"),
    "share": ("number", "the share of the offences recorded in the period"),
    "defendants": ("integer", "defendants behind the published average (same edition, area, period and offence)"),
}

PROPORTION = "proportion"


def col(name: str, unit: str | None = None, *, description: str | None = None) -> Field:
    """The field ``name`` from the vocabulary, with a unit where the table knows one."""
    ftype, desc = VOCABULARY[name]
    return Field(name, ftype, description or desc, unit)


def limit_unit(kind: str | None) -> str:
    """The unit of a value, interval or funnel limit of a figure of ``kind``."""
    return {"per_100k": "per 100,000 residents", "average": "days"}.get(kind or "", PROPORTION)


def one(values) -> str | None:
    """The single value all rows share (a table's unit or kind), or None when they differ."""
    found = {v for v in values if v}
    return found.pop() if len(found) == 1 else None
