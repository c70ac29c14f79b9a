"""A cohort's maturation: one row per edition that covers the period, the same figure as each
edition gave it, with the share of the cohort not yet assigned an outcome in that edition."""

from __future__ import annotations

from .columns import col, limit_unit
from .table import Field, Table, count_or_value, joined, slug

EDITION_FIELDS = [
    Field("file", "string", "the file the edition was loaded from"),
    Field("published", "date", "the date the publisher released the edition (absent when not known)"),
    Field("loaded_at", "string", "when the edition was loaded (ISO 8601 date and time)"),
]
OPEN_FIELDS = [
    Field("not_yet_assigned", "integer", "offences of the cohort with no outcome yet in this edition", "offences"),
    Field("not_yet_assigned_share", "number", "the share of the cohort with no outcome yet in this edition", "proportion"),
]


def flatten(r: dict) -> Table:
    kind, unit = r.get("kind"), r.get("unit")
    a, off, p = r["area"], r["offence"], r["period"]
    fields = [col("area_code"), col("area_name"), col("offence"), col("metric"), col("kind"), col("outcome"), col("period"),
              col("period_start"), col("period_end"), col("edition"), *EDITION_FIELDS,
              col("value", unit if kind == "count" else limit_unit(kind)), col("numerator", unit), col("denominator", unit),
              col("ci_low", "proportion"), col("ci_high", "proportion"), *OPEN_FIELDS, col("basis"), col("unit"), col("flags")]
    outcome = (r.get("outcome") or {}).get("label")
    rows = [[a["code"], a["name"], off["family"], r["metric"], kind, outcome, p["label"], p["start"], p["end"],
             e["edition"], e["file"], e["published"], e["loaded_at"], count_or_value(e["value"], kind), e["numerator"],
             e["denominator"], e["ci_low"], e["ci_high"], e["not_yet_assigned"], e["not_yet_assigned_share"], r["basis"], unit,
             joined(e["flags"])] for e in r["editions"]]
    return Table(name=slug(f"maturation_{r['metric']}_{a['name']}_{off['family']}_{p['label']}"),
                 title=f"{r['name']}: {a['name']}, {off['label']}, {p['label']}, edition by edition", fields=fields, rows=rows,
                 metrics=[r["metric"]], editions=[e["edition"] for e in r["editions"]], notes=[r["summary"]])
