"""A trend: one metric for one area by financial quarter, over every quarter the loaded data
cover whole, with the data breaks it crosses. Quarters, not years, so that a change shows when it
happened; a quarter the data cover only in part is left out, not estimated."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from .. import areas as A
from .. import metrics, reference
from ..errors import NotAvailable
from ..metrics.data import tiles
from ..periods import Period, financial_quarter, quarter_of
from ..store import Store, queries

if TYPE_CHECKING:
    from ..model.series import Series


def _whole_quarters(spans: list[tuple], max_points: int) -> list[Period]:
    """The newest ``max_points`` financial quarters that the loaded spans tile exactly."""
    lo, hi = min(a for a, _ in spans), max(b for _, b in spans)
    quarters = []
    y = lo.year - (1 if lo.month < 4 else 0)
    while financial_quarter(y, 1).start <= hi:
        for q in (1, 2, 3, 4):
            p = financial_quarter(y, q)
            inside = [(a, b) for a, b in spans if p.start <= a and b <= p.end]
            if inside and tiles(inside, p):
                quarters.append(p)
        y += 1
    return quarters[-max_points:]


# Record-based trends are not given to anyone who asks: quarters beside a year (or beside each
# other) would let a count that disclosure control hides in one be worked out from the others.
PUBLIC_RECORDS = ("Quarterly figures from case records are given to the force's and the CPS Area's analysts only: "
                  "quarters shown beside a year would let a small count hidden in one be worked out from the others.")


def _periods(m: dict, area: A.Area, max_points: int, store: Store) -> list[Period]:
    """The whole financial quarters the metric's data hold for ``area``: the published datasets'
    coverage, or the quarters a force's loaded case records cover up to their extract date."""
    if m.get("records"):
        from ..metrics.from_records import holder
        from ..records.scope import held, quarters

        follow = m["records"].get("follow_up_days") or 0
        found = quarters(store, area, follow) if held(store, area) else []
        if not found:
            followed = f", each crime followed {follow} days by the extract date," if follow else ""
            raise NotAvailable(f"{m['name']} comes from a force's own case records, and none loaded here cover a whole "
                               f"quarter{followed} for {area.name} (absent, not zero).", holder=holder(area)).with_actions("load_records")
        return found[-max_points:]
    spans = queries.dataset_spans(store, m["datasets"])
    if not spans:
        raise NotAvailable(f"No loaded data for {m['name'].lower()}.")
    return _whole_quarters(spans, max_points)


def _with_gaps(quarters: list[Period]) -> list[Period]:
    """Every financial quarter from the first to the last of ``quarters``: those the data do not
    tile are asked too, so that each comes back with the reason it has no figure."""
    if not quarters:
        return []
    out, q = [], quarters[0]
    while q.start <= quarters[-1].start:
        out.append(q)
        q = quarter_of(q.end + timedelta(days=1))
    return out


def trend(metric: str, *, area, offence: str = "rape", edition: str | None = None, max_points: int = 20,
          store: Store | None = None, disclose: bool = False) -> Series:
    """``metric`` for ``area`` in each whole financial quarter held (the newest ``max_points``).
    With ``disclose`` (the public surfaces) a metric from case records is refused (PUBLIC_RECORDS)."""
    from ..model.series import Series

    m = metrics.get(metric)
    the_area = area if isinstance(area, A.Area) else A.resolve(area)
    own = store is None
    store = store or Store(read_only=True)
    try:
        if m.get("records") and disclose:
            raise NotAvailable(PUBLIC_RECORDS, available=["one year at a time, on the force's case-records page"])
        points, missing, used = [], [], {}
        for cell in metrics.panel(metric, areas=[the_area], periods=_with_gaps(_periods(m, the_area, max_points, store)),
                                  offences=[offence], edition=edition, store=store):
            p = cell.period
            if cell.error is not None:
                missing.append({"period": p.label, "start": p.start.isoformat(), "end": p.end.isoformat(), "error": cell.error})
                continue
            d = cell.figure.to_dict()
            for ds in {g.dataset for g in cell.figure.all_gathered} or {cell.figure.dataset} - {None}:
                used.setdefault(ds, [p.start, p.end])[1] = p.end
            points.append({"period": p.label, "start": p.start.isoformat(), "end": p.end.isoformat(),
                           "value": d["value"], "numerator": d["numerator"], "denominator": d["denominator"],
                           "ci_low": d["ci_low"], "ci_high": d["ci_high"], "edition": d["edition"],
                           "flags": [x for x in d["flags"] if not x.startswith("event:")]})
        if not points:
            if missing:
                raise missing[0]["error"]
            raise NotAvailable(f"No quarterly figures of {m['name'].lower()} for {the_area.name}.")
        # a quarter is missing only between the first and the last point: outside them the series simply ends
        missing = [{"period": g["period"], "start": g["start"], "end": g["end"], "reason": g["error"].message}
                   for g in missing if points[0]["start"] < g["start"] < points[-1]["start"]]
        events = {}
        for ds, (start, end) in used.items():  # the breaks of the datasets the points came from, over their quarters
            for ev in metrics.events_touching(Period(start, end, "", "range"), the_area, ds, offence):
                events.setdefault(ev["id"], {k: ev[k] for k in ("id", "title", "start", "end", "description", "kind")})
    finally:
        if own:
            store.close()
    return Series.model_validate({
        "metric": m["id"], "name": m["name"], "kind": m["kind"], "basis": m["basis"], "unit": m["unit"],
        "area": the_area.to_dict(), "offence": {"family": offence, "label": reference.families()[metrics.family(offence)]["label"]},
        "points": points, "missing": missing, "events": list(events.values()), "start": points[0]["start"], "end": points[-1]["end"]})
