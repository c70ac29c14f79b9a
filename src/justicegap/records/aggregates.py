"""Aggregates of case records that anyone may see: crimes by quarter of recording and police
outcome group, with disclosure control (``justicegap.disclosure``): counts of 1 to 4 suppressed, and
further cells suppressed so no hidden count can be worked back from the totals shown; no share is
given for a suppressed cell."""

from __future__ import annotations

from .. import reference
from . import scope as S


def outcome_table(store, area: str, period: str, *, offence: str = "rape", for_anyone: bool = True):
    import polars as pl

    from ..model.records import RecordAggregates

    from ..disclosure import suppress
    from .reconcile import _quarter

    sc = S.select(store, area, period, offence)
    if for_anyone:  # an analyst's page shows it for every group, area and period
        S.check_public(sc.area, sc.offence, sc.period, store)
    groups = {k: v["group"] for k, v in reference.outcomes().items()}
    labels = {k: v["label"] for k, v in reference.outcome_groups().items()}
    rec = sc.recorded.with_columns(pl.col("outcome_type").fill_null("0").replace_strict(groups, default="not_yet_assigned").alias("grp"))
    cols = [g for g in labels if g in set(rec["grp"].to_list()) or g == "charged"]
    quarters = sorted({_quarter(d) for d in rec["date_recorded"].to_list()})
    counts: dict[tuple[str, str], int] = {}
    for d, g, n in rec.group_by(["date_recorded", "grp"]).len().iter_rows():
        counts[(_quarter(d), g)] = counts.get((_quarter(d), g), 0) + n
    values = [[counts.get((q, g), 0) for g in cols] for q in quarters]
    sup = suppress(values)
    shown = sup.shown()
    totals = sup.row_totals() or [sum(r) for r in values]
    rows = []
    for i, q in enumerate(quarters):
        for j, g in enumerate(cols):
            v = shown[i][j]
            rows.append({"quarter": q, "outcome_group": g, "label": labels[g], "count": v,
                         "share_of_quarter": None if v is None or not totals[i] else v / totals[i],
                         "suppressed": v is None})
    return RecordAggregates(
        synthetic=sc.synthetic, area=sc.area.to_dict(), period=sc.period.to_dict(), offence=offence,
        extract_date=sc.extract_date, unit="crimes (crime records kept as crimes)",
        basis="crimes recorded in each quarter, by the police outcome group reached by the extract date",
        disclosure="Counts of 1 to 4 are suppressed (shown as null), with secondary suppression so that no suppressed count can be "
                   "worked out from the totals; no share is given for a suppressed count.",
        quarter_totals=dict(zip(quarters, totals)), rows=rows)
