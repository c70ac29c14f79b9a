"""What the server computes, and how it keeps it: one read-only store, a cursor per request, an
in-process cache of answers.

DuckDB connections are not safe to share between threads, so each computation borrows a cursor
(a connection of its own to the same database) from a small pool. Answers are cached in a
least-recently-used map keyed by every parameter and the store's editions; concurrent requests
for the same uncached answer wait for one computation instead of each starting their own.
Errors the user can act on (``JusticegapError``) are cached too: they are answers.
"""

from __future__ import annotations

import hashlib
import logging
import queue
import threading
from collections import OrderedDict
from concurrent.futures import Future
from pathlib import Path
from typing import Any, Callable

from . import areas as A
from . import metrics, reference
from .errors import JusticegapError, NotAvailable, NotFound
from .metrics.data import tile
from .periods import Period, financial_quarter, financial_year, gaps, parse
from .store import Store, queries

log = logging.getLogger("justicegap.server")

DEFAULT_METRIC = "charge_rate_cohort"
DEFAULT_OFFENCE = "rape"
COMPARE_LEVEL = {"pfa": "pfa", "cps_area": "cps_area", "csp": "csp", "lad": "csp"}


class AnswerCache:
    """A thread-safe LRU of computed answers, with one computation per key at a time."""

    def __init__(self, maxsize: int = 4096):
        self.maxsize = maxsize
        self._data: OrderedDict[Any, Future] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def peek(self, key) -> Any:
        """The cached value for ``key`` (raising a cached error), or ``MISSING``."""
        with self._lock:
            fut = self._data.get(key)
            if fut is None or not fut.done():
                return MISSING
            self._data.move_to_end(key)
            self.hits += 1
        return fut.result()

    def get(self, key, compute: Callable[[], Any]) -> Any:
        with self._lock:
            fut = self._data.get(key)
            if fut is not None:
                self._data.move_to_end(key)
                self.hits += 1
                owner = False
            else:
                fut = Future()
                self._data[key] = fut
                self.misses += 1
                owner = True
                while len(self._data) > self.maxsize:
                    self._data.popitem(last=False)
        if owner:
            try:
                fut.set_result(compute())
            except JusticegapError as e:
                fut.set_exception(e)
            except BaseException as e:  # a bug: do not keep it, let the next request try again
                with self._lock:
                    if self._data.get(key) is fut:
                        del self._data[key]
                fut.set_exception(e)
        return fut.result()

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        return len(self._data)


MISSING = object()


class Service:
    """The library, served: every answer through one cache, every query through a pooled cursor."""

    def __init__(self, store_path: Path | str | None = None, *, cache_size: int = 4096):
        self.base = Store(Path(store_path) if store_path else None, read_only=True).serving()
        self.path = self.base.path
        self._pool: queue.SimpleQueue[Store] = queue.SimpleQueue()
        self._pool_lock = threading.Lock()
        self.cache = AnswerCache(cache_size)
        with self.cursor() as s:
            self.editions = s.editions()
        self.fingerprint = hashlib.sha256("|".join(f"{e.edition}:{e.sha256}" for e in self.editions).encode()).hexdigest()[:16]

    # --- store access ------------------------------------------------------------------------

    class _Borrow:
        def __init__(self, svc: "Service"):
            self.svc = svc

        def __enter__(self) -> Store:
            try:
                self.s = self.svc._pool.get_nowait()
            except queue.Empty:
                with self.svc._pool_lock:
                    self.s = self.svc.base.cursor()
            return self.s

        def __exit__(self, exc_type, exc, tb):
            if exc_type is None or isinstance(exc, JusticegapError):
                self.svc._pool.put(self.s)
            else:  # a cursor that failed mid-query is not reused
                try:
                    self.s.close()
                except Exception:  # pragma: no cover - closing a broken cursor
                    pass

    def cursor(self) -> "_Borrow":
        return Service._Borrow(self)

    def close(self) -> None:
        while True:
            try:
                self._pool.get_nowait().close()
            except queue.Empty:
                break
        self.base.close()

    def cached(self, name: str, params: tuple, compute: Callable[[Store], Any]) -> Any:
        def run():
            with self.cursor() as s:
                return compute(s)
        return self.cache.get((name, params, self.fingerprint), run)

    def peek(self, name: str, params: tuple) -> Any:
        return self.cache.peek((name, params, self.fingerprint))

    # --- answers -----------------------------------------------------------------------------

    def figure(self, metric: str, area: str, period: str, offence: str = DEFAULT_OFFENCE, outcome: str | None = None,
               edition: str | None = None, allow_partial: bool = False) -> dict:
        return self.cached("figure", (metric, area, period, offence, outcome, edition, allow_partial),
                           lambda s: metrics.compute(metric, area=area, period=period, offence=offence, outcome=outcome,
                                                     edition=edition, store=s, allow_partial=allow_partial).to_dict())

    def funnel(self, area: str, period: str, offence: str = DEFAULT_OFFENCE, edition: str | None = None) -> dict:
        from .answers.funnel import attrition

        return self.cached("funnel", (area, period, offence, edition),
                           lambda s: attrition(area=area, period=period, offence=offence, edition=edition, store=s))

    def compare(self, metric: str, level: str = "pfa", period: str = "", offence: str = DEFAULT_OFFENCE,
                outcome: str | None = None, edition: str | None = None, overdispersion: str | None = None,
                sort: str | None = None) -> dict:
        from .answers.compare import compare

        return self.cached("compare", (metric, level, period, offence, outcome, edition, overdispersion, sort),
                           lambda s: compare(metric, level=level, period=period, offence=offence, outcome=outcome,
                                             edition=edition, overdispersion=overdispersion, sort=sort, store=s))

    def evaluate(self, metric: str, area: str, start: str, end: str, intervention: str, offence: str = DEFAULT_OFFENCE,
                 comparison: str | None = None, seasonality: str = "none", errors: str = "model") -> dict:
        """An interrupted time series evaluation (the JSON of ``justicegap evaluate --json``)."""
        from .answers.evaluation import evaluate

        return self.cached("evaluate", (metric, area, start, end, intervention, offence, comparison, seasonality, errors),
                           lambda s: evaluate(metric, area=area, start=start, end=end, intervention=intervention, offence=offence,
                                              comparison=comparison, seasonality=seasonality, errors=errors,
                                              store=s).model_dump(mode="json"))

    def boundaries(self, level: str = "pfa") -> dict:
        """Boundaries as GeoJSON with ``code`` and ``name`` in each feature's properties, and the
        edition they come from. Raises NotAvailable when no boundaries of that level are loaded."""
        def run(s):
            from .sources import ons_geography

            try:
                gj = ons_geography.boundaries(s, level)
            except JusticegapError:
                raise
            except Exception as e:  # the loader's own failure is reported, not hidden
                log.exception("boundaries(%s) failed", level)
                raise NotAvailable(f"Boundaries for {level} could not be read from the store ({type(e).__name__}).") from None
            out = [{"type": "Feature", "properties": {"code": f["properties"]["code"], "name": f["properties"]["name"]},
                    "geometry": _rewind(f["geometry"])} for f in gj["features"]]
            return {"type": "FeatureCollection", "edition": gj["edition"], "features": out}
        return self.cached("boundaries", (level,), run)

    # --- defaults ----------------------------------------------------------------------------

    def periods(self) -> list[str]:
        """Financial years (newest first) that some loaded dataset covers whole, for pickers."""
        def run(s):
            rows = queries.coverage_spans(s)
            if not rows:
                return []
            by_ds: dict[str, list] = {}
            for ds, a, b in rows:
                by_ds.setdefault(ds, []).append((a, b))
            years = set()
            for spans in by_ds.values():
                for y in range(min(a for a, _ in spans).year - 1, max(b for _, b in spans).year + 1):
                    fy = financial_year(y)
                    inside = [(a, b) for a, b in spans if fy.start <= a and b <= fy.end]
                    if inside and tiles(inside, fy):
                        years.add(y)
            return [financial_year(y).label for y in sorted(years, reverse=True)]
        return self.cached("periods", (), run)

    def default_period(self, metric: str = DEFAULT_METRIC, offence: str = DEFAULT_OFFENCE) -> str:
        """The latest financial year for which ``metric`` has a whole-period national figure."""
        def run(s):
            for label in self.periods():
                try:
                    metrics.compute(metric, area="K04000001", period=label, offence=offence, store=s)
                    return label
                except JusticegapError:
                    continue
            return self.periods()[0] if self.periods() else "2017/18"
        try:
            return self.cached("default_period", (metric, offence), run)
        except JusticegapError:
            return "2017/18"

    def edition_for(self, metric: str, edition: str | None) -> str | None:
        """``edition`` if it belongs to one of the metric's datasets, else None (use the newest)."""
        if not edition:
            return None
        try:
            m = metrics.get(metric)
        except NotFound:
            return edition
        e = next((e for e in self.editions if edition in (e.edition, e.file_name)
                  or (len(edition) >= 6 and e.sha256.startswith(edition.lower()))), None)
        if e is None:
            return edition  # let the library say it is unknown
        return edition if e.dataset in m["datasets"] else None

    # --- the area page's extra answers -------------------------------------------------------

    def trend(self, metric: str, area: str, offence: str = DEFAULT_OFFENCE, edition: str | None = None,
              max_points: int = 20) -> dict:
        """The metric by financial quarter over every quarter its datasets hold, with data breaks."""
        def run(s):
            m = metrics.get(metric)
            the_area = A.resolve(area)
            spans = queries.dataset_spans(s, m["datasets"])
            if not spans:
                raise NotAvailable(f"No loaded data for {m['name'].lower()}.")
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
            quarters = quarters[-max_points:]
            points, reasons = [], []
            for cell in metrics.panel(metric, areas=[the_area], periods=quarters, offences=[offence], edition=edition, store=s):
                if cell.error is not None:
                    reasons.append(str(cell.error))
                    continue
                p, d = cell.period, cell.figure.to_dict()
                points.append({"period": p.label, "start": p.start.isoformat(), "end": p.end.isoformat(),
                               "value": d["value"], "numerator": d["numerator"], "denominator": d["denominator"],
                               "ci_low": d["ci_low"], "ci_high": d["ci_high"], "edition": d["edition"],
                               "flags": [x for x in d["flags"] if not x.startswith("event:")]})
            if not points:
                raise NotAvailable(reasons[0] if reasons else f"No quarterly figures of {m['name'].lower()} for {the_area.name}.")
            whole = Period(parse(points[0]["period"]).start, parse(points[-1]["period"]).end, "", "range")
            events = [{"id": ev["id"], "title": ev["title"], "start": ev["start"], "end": ev["end"],
                       "description": ev["description"], "kind": ev["kind"]}
                      for ev in metrics.events_touching(whole, the_area, m["datasets"][0] if len(m["datasets"]) == 1 else None, offence)]
            from .model.series import Series

            return Series.model_validate({
                "metric": m["id"], "name": m["name"], "kind": m["kind"], "basis": m["basis"], "unit": m["unit"],
                "area": the_area.to_dict(), "offence": {"family": offence, "label": reference.families()[metrics.family(offence)]["label"]},
                "points": points, "events": events, "start": points[0]["start"], "end": points[-1]["end"]}).model_dump()
        return self.cached("trend", (metric, area, offence, edition, max_points), run)

    def level_notes(self, area: str, period: str, offence: str = DEFAULT_OFFENCE) -> list[dict]:
        """Every metric that cannot be given for this area (and period), with the reason."""
        def run(s):
            out = []
            for mid, m in metrics.registry().items():
                if m.get("needs_outcome"):
                    continue
                try:
                    metrics.compute(mid, area=area, period=period, offence=offence, store=s, allow_partial=True)
                except NotAvailable as e:
                    out.append({"metric": mid, "name": m["name"], "stage": m["stage"], "reason": str(e),
                                "why": "level" if A.resolve(area).level not in m["levels"] else "data"})
                except JusticegapError as e:
                    out.append({"metric": mid, "name": m["name"], "stage": m["stage"], "reason": str(e), "why": "other"})
            return out
        return self.cached("level_notes", (area, period, offence), run)

    def timeliness(self, area: str, period: str, offence: str = DEFAULT_OFFENCE) -> dict:
        """Averages of days (kind ``average``) for the calendar year overlapping the period."""
        from .answers.funnel import calendar_overlap

        def run(s):
            p = calendar_overlap(parse(period))
            rows, missing = [], []
            for mid, m in metrics.registry().items():
                if m["kind"] != "average":
                    continue
                try:
                    d = metrics.compute(mid, area=area, period=p, offence=offence, store=s).to_dict()
                    rows.append({"metric": mid, "name": m["name"], "value": d["value"], "unit": d["unit"],
                                 "basis": d["basis"], "period": d["period"]["label"], "edition": d["edition"],
                                 "area": d["area"], "offence": d["offence"], "flags": d["flags"],
                                 "defendants": _defendants(s, m, d), "sentence": d["sentence"]})
                except JusticegapError as e:
                    missing.append({"metric": mid, "name": m["name"], "reason": str(e)})
            return {"period": p.to_dict(), "rows": rows, "missing": missing}
        return self.cached("timeliness", (area, period, offence), run)


def _defendants(s: Store, m: dict, d: dict) -> float | None:
    """The number of defendants behind a published average (the same edition, area, period and
    offence), summed by the library's own gathering; None when the publication gives none."""
    from .metrics.data import Term, gather

    ds = m["datasets"][0]
    ed = next((e for e in s.editions(ds) if e.edition == d["edition"]), None)
    if ed is None:
        return None
    try:
        g = gather(s, ds, [Term("defendants", ("defendants",), None)], A.resolve(d["area"]["code"]), parse(d["period"]["label"]),
                   d["offence"]["family"], ed)
    except JusticegapError:
        return None
    return None if g.missing_spans or not g.editions else g.values.get("defendants")


def tiles(spans, p: Period) -> bool:
    """Whether ``spans`` (each inside ``p``) cover ``p`` from end to end, tiled as the library
    tiles a period when it computes a figure (so a period offered is one the library can answer)."""
    return not gaps(p, tile(list(spans), p))


def _ring_area(ring) -> float:
    return sum(x0 * y1 - x1 * y0 for (x0, y0, *_), (x1, y1, *_) in zip(ring, ring[1:]))


def _rewind(geom):
    """Polygons wound as d3-geo (and so Vega) expects: exterior rings clockwise, holes anticlockwise.

    GeoJSON (RFC 7946) winds exterior rings anticlockwise; d3 reads such a ring as the whole
    globe except the area, which fills the map."""
    if not geom:
        return geom

    def poly(rings):
        out = []
        for i, ring in enumerate(rings):
            clockwise = _ring_area(ring) < 0
            out.append(ring if clockwise == (i == 0) else ring[::-1])
        return out

    if geom.get("type") == "Polygon":
        return {**geom, "coordinates": poly(geom["coordinates"])}
    if geom.get("type") == "MultiPolygon":
        return {**geom, "coordinates": [poly(p) for p in geom["coordinates"]]}
    return geom


def compare_level(area: A.Area) -> str | None:
    return COMPARE_LEVEL.get(area.level)
