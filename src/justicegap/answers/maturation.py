"""How the same cohort's figure grows from edition to edition as investigations finish.

Outcomes for offences recorded in a period are counted "so far" at each edition's extract date;
later editions assign outcomes to offences that were still open. Showing every edition side by
side, with the share still not assigned, stops an early figure being read as final.
"""

from __future__ import annotations

from .. import metrics
from ..formats import pct, value_text
from ..errors import NotAvailable
from ..store import Store


def maturation(metric_id: str, *, area, period, offence: str = "rape", outcome: str | None = None,
               store: Store | None = None) -> dict:
    m = metrics.get(metric_id)
    own = store is None
    store = store or Store(read_only=True)
    rows, skipped, events = [], [], {}
    try:
        eds = [e for ds in m["datasets"] for e in store.editions(ds)]
        for ed in sorted(eds, key=lambda e: (e.published or e.loaded_at.date(), e.loaded_at)):
            try:
                fig = metrics.compute(metric_id, area=area, period=period, offence=offence, outcome=outcome,
                                      edition=ed.edition, store=store)
            except NotAvailable as e:
                skipped.append({"edition": ed.edition, "reason": str(e)})
                continue
            d = fig.to_dict()
            pending = fig.breakdown.get("not_yet_assigned")
            rows.append({"edition": ed.edition, "file": ed.file_name, "published": d["sources"][0]["published"],
                         "loaded_at": d["sources"][0]["loaded_at"], "value": d["value"], "numerator": d["numerator"],
                         "denominator": d["denominator"], "ci_low": d["ci_low"], "ci_high": d["ci_high"],
                         "not_yet_assigned": pending,
                         "not_yet_assigned_share": pending / fig.denominator if pending is not None and fig.denominator else None,
                         "flags": d["flags"], "sentence": d["sentence"]})
            for ev in d["events"]:
                events.setdefault(ev["id"], ev)
            last = d
    finally:
        if own:
            store.close()
    if not rows:
        raise NotAvailable(f"No edition covers the whole of {period} for {m['name'].lower()}.",
                           available=[s["reason"] for s in skipped[:3]])
    out = {"metric": m["id"], "name": m["name"], "kind": m["kind"], "basis": m["basis"], "unit": m["unit"],
           "area": last["area"], "period": last["period"], "offence": last["offence"], "outcome": last["outcome"],
           "editions": rows, "skipped": skipped, "events": list(events.values())}
    if len(rows) > 1:
        first, final = rows[0], rows[-1]
        num_change = None if first["numerator"] is None or final["numerator"] is None else final["numerator"] - first["numerator"]
        out["change"] = {"numerator": num_change,
                         "value_points": None if first["value"] is None or final["value"] is None else 100 * (final["value"] - first["value"])}
        out["summary"] = (f"Between the first and the latest of {len(rows)} editions the figure moved from "
                          f"{value_text(m['kind'], first['value'], m['unit'])} to {value_text(m['kind'], final['value'], m['unit'])}"
                          + (f" ({num_change:+,.0f} in the numerator)" if num_change is not None else "")
                          + (f"; {pct(final['not_yet_assigned_share'])} were still not assigned an outcome in the latest."
                             if final["not_yet_assigned_share"] is not None else "."))
    else:
        out["summary"] = "Only one edition covering this period is loaded: load later editions to see the figure mature."
    return out
