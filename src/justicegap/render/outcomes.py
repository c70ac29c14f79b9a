"""Police outcome groups of the offences recorded in a period (the funnel's second table): each
group's offences and share with its interval, and the total they are a share of."""

from __future__ import annotations

from .columns import col, one
from .table import Table, joined, slug

NAMES = ["area_code", "area_name", "period", "offence", "group", "label", "offences", "share", "ci_low", "ci_high",
         "denominator", "basis", "unit", "edition", "reason", "flags"]


def flatten(r: dict) -> Table:
    """``r`` is a funnel (its ``outcome_groups``, with the funnel's area, period and offence)."""
    groups = r["outcome_groups"]
    unit = one(g["unit"] for g in groups) or "offences"
    units = {"offences": unit, "denominator": unit, "share": "proportion", "ci_low": "proportion", "ci_high": "proportion"}
    described = {"denominator": "offences recorded in the period (all outcomes): the share's denominator",
                 "reason": "why a group's count or share is blank (an outcome type that did not exist yet; published "
                           "negative corrections), or what its count includes",
                 "flags": "partial: the data loaded hold only part of the period; negative_published: the sum includes "
                          "corrections the publisher gave as negative counts"}
    fields = [col(n, units.get(n), description=described.get(n)) for n in NAMES]
    a, p, off = r["area"], r["period"], r["offence"]
    rows = [[a["code"], a["name"], p["label"], off["family"], g["group"], g["label"], g["count"], g["share"], g["ci_low"],
             g["ci_high"], g["denominator"], g["basis"], g["unit"],
             joined((g["edition"] or "").split(", ")), g.get("reason"), joined(g.get("flags") or [])] for g in groups]
    editions = sorted({e for g in groups for e in (g["edition"] or "").split(", ") if e})
    return Table(name=slug(f"outcomes_{a['name']}_{p['label']}_{off['family']}"),
                 title=f"Police outcomes: {off['label']}, {a['name']}, offences recorded in {p['label']}",
                 fields=fields, rows=rows, metrics=["outcome_share_cohort"] if groups else [], editions=editions,
                 notes=["Police outcomes of the offences recorded in the period, as assigned by the edition's extract date."])
