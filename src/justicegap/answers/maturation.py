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
    if m.get("records"):
        raise NotAvailable(f"{m['name']} comes from case records, which have one extract date, not editions: there is no "
                           "maturation across editions to show (load a later extract to see it change).")
    own = store is None
    store = store or Store(read_only=True)
    rows, skipped, events = [], [], {}
    try:
        eds = [e for ds in _revised_datasets(m) for e in store.editions(ds)]
        for ed in sorted(eds, key=_release_order):
            try:
                fig = metrics.measure(metric_id, area=area, period=period, offence=offence, outcome=outcome,
                                      edition=ed.edition, store=store)
            except NotAvailable as e:
                skipped.append({"edition": ed.edition, "reason": str(e), "covers": _covers(ed)})
                continue
            d = fig.to_dict()
            pending = fig.breakdown.get("not_yet_assigned")
            rows.append({"edition": ed.edition, "dataset": ed.dataset, "title": ed.title, "file": ed.file_name, "published": d["sources"][0]["published"],
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
                           available=[s["covers"] for s in skipped if s["covers"]][:6])
    out = {"metric": m["id"], "name": m["name"], "kind": m["kind"], "basis": m["basis"], "unit": m["unit"],
           "area": last["area"], "period": last["period"], "offence": last["offence"], "outcome": last["outcome"],
           "editions": rows, "skipped": skipped, "events": list(events.values())}
    if len(rows) > 1 and m["kind"] == "count":
        out["summary"] = revision_text(m, rows, store_titles(m, rows))
    elif len(rows) > 1:
        first, final = rows[0], rows[-1]
        # each edition's counts as published: no count is derived by subtracting one edition from another
        out["change"] = {"value_points": None if first["value"] is None or final["value"] is None
                         else 100 * (final["value"] - first["value"])}
        out["summary"] = (f"Between the first and the latest of {len(rows)} editions the figure moved from "
                          f"{value_text(m['kind'], first['value'], m['unit'])}{_of(first)} to "
                          f"{value_text(m['kind'], final['value'], m['unit'])}{_of(final)}"
                          + (f"; {pct(final['not_yet_assigned_share'])} were still not assigned an outcome in the latest."
                             if final["not_yet_assigned_share"] is not None else "."))
    else:
        out["summary"] = "Only one edition covering this period is loaded: load later editions to see the figure mature."
    return out


def _of(row: dict) -> str:
    if row["numerator"] is None or row["denominator"] is None:
        return ""
    return f" ({row['numerator']:,.0f} of {row['denominator']:,.0f})"


def _revised_datasets(m: dict) -> list[str]:
    """The datasets whose editions revise one another for this metric: a dataset that stands in with
    another measure (the outcomes data's recorded cohort for recorded offences) is not a revision."""
    substitutes = set((m.get("value") or {}).get("by_dataset", {}))
    return [ds for ds in m["datasets"] if ds not in substitutes]


def _release_order(e):
    """Editions by publication date; where dates are unknown, a first release (the ONS bulletin's
    tables) before the later tables of the same year, then the order they were loaded."""
    from .. import sources

    first = getattr(sources.modules().get(e.dataset), "FIRST_RELEASE", False)
    return (e.published or e.loaded_at.date(), not first, e.loaded_at)


def store_titles(m: dict, rows: list[dict]) -> dict:
    return {r["edition"]: f"{r['title'] or r['dataset']}, {r['file']}" for r in rows}


def revision_text(m: dict, rows: list[dict], titles: dict) -> str:
    """'First published as 6,512 (...), revised to 6,468 (...)': a count across editions, each as
    published (no count is derived from the difference)."""
    first, final = rows[0], rows[-1]
    unit = m["unit"]
    if first["value"] == final["value"]:
        return (f"Published as {value_text(m['kind'], final['value'], unit)} in each of the {len(rows)} editions loaded "
                f"(first in {titles[first['edition']]}; latest in {titles[final['edition']]}): not revised.")
    return (f"First published as {value_text(m['kind'], first['value'], unit)} ({titles[first['edition']]}), revised to "
            f"{value_text(m['kind'], final['value'], unit)} ({titles[final['edition']]}).")


def revision(metric_id: str, *, area, period, offence: str = "rape", store: Store | None = None) -> str | None:
    """The revision sentence for a count published in more than one edition, or None."""
    try:
        r = maturation(metric_id, area=area, period=period, offence=offence, store=store)
    except NotAvailable:
        return None
    return r["summary"] if len(r["editions"]) > 1 else None


def _covers(ed) -> str:
    """What one edition covers, for "available instead" (a phrase, never a sentence of its own)."""
    if not ed.period_start:
        return ""
    return f"{ed.file_name} covers {ed.period_start:%B %Y} to {ed.period_end:%B %Y}"
