"""What the server computes, and how it keeps it: one read-only store, a cursor per request, an
in-process cache of answers.

DuckDB connections are not safe to share between threads, so each computation borrows a cursor
(a connection of its own to the same database) from a small pool. The store is a snapshot:
``update`` publishes a new file over it and the server switches to it between requests. Answers are cached in a
least-recently-used map keyed by every parameter and the store's editions; concurrent requests
for the same uncached answer wait for one computation instead of each starting their own.
Errors the user can act on (``JusticegapError``) are cached too: they are answers.
"""

from __future__ import annotations

import contextvars
import hashlib
import logging
import os
import queue
import threading
from collections import OrderedDict
from concurrent.futures import Future
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable

from . import areas as A
from . import metrics, paths
from .errors import JusticegapError, NotAvailable, NotFound
from .metrics.data import tiles
from .periods import financial_year, parse
from .store import Store, queries

log = logging.getLogger("justicegap.server")

DEFAULT_METRIC = "charge_rate_cohort"
DEFAULT_OFFENCE = "rape"
COMPARE_LEVEL = {"pfa": "pfa", "cps_area": "cps_area", "csp": "csp", "lad": "csp"}


_PINNED: contextvars.ContextVar["Snapshot | None"] = contextvars.ContextVar("justicegap_snapshot", default=None)


class Snapshot:
    """One published store file, open read-only, with its pool of cursors and its editions.

    ``update`` loads into a copy and publishes it over the store file when it has committed; the
    server notices, opens the new file as a new snapshot and answers new requests from it, while
    requests already running finish on the one they started with (then it is closed).
    """

    def __init__(self, path: Path):
        st = path.stat() if path.exists() else None
        self.ident = (st.st_ino, st.st_mtime_ns, st.st_size) if st else None
        self.base = Store.snapshot(path).serving()  # what is read stays in memory for this snapshot
        self._pool: queue.SimpleQueue[Store] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self.users, self.retired = 0, False
        with self.borrow() as s:
            self.editions = s.editions()
        self.fingerprint = hashlib.sha256("|".join(f"{e.edition}:{e.sha256}" for e in self.editions).encode()).hexdigest()[:16]

    @contextmanager
    def borrow(self):
        try:
            s = self._pool.get_nowait()
        except queue.Empty:
            with self._lock:
                s = self.base.cursor()
        try:
            yield s
        except JusticegapError:
            self._pool.put(s)
            raise
        except BaseException:  # a cursor that failed mid-query is not reused
            try:
                s.close()
            except Exception:  # pragma: no cover - closing a broken cursor
                pass
            raise
        else:
            self._pool.put(s)

    def enter(self) -> None:
        with self._lock:
            self.users += 1

    def leave(self) -> None:
        with self._lock:
            self.users -= 1
            done = self.retired and self.users == 0
        if done:
            self.close()

    def retire(self) -> None:
        with self._lock:
            self.retired = True
            done = self.users == 0
        if done:
            self.close()

    def close(self) -> None:
        while True:
            try:
                self._pool.get_nowait().close()
            except queue.Empty:
                break
        self.base.close()


class AnswerCache:
    """A thread-safe LRU of computed answers, with one computation per key at a time (concurrent
    requests for the same answer share it) and at most ``workers`` computations at once: a burst of
    cold requests queues instead of each slowing all the others down."""

    def __init__(self, maxsize: int = 4096, workers: int | None = None):
        self.maxsize = maxsize
        self._data: OrderedDict[Any, Future] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0
        self.workers = workers or 4 * (os.cpu_count() or 2)
        self._slots = threading.BoundedSemaphore(self.workers)
        self._depth = threading.local()  # an answer computed inside another takes no second slot

    def drop(self, stale: Callable[[Any], bool]) -> None:
        """Forget the answers of a store no longer served."""
        with self._lock:
            for key in [k for k in self._data if stale(k)]:
                del self._data[key]

    def _bounded(self, compute: Callable[[], Any]) -> Any:
        depth = getattr(self._depth, "n", 0)
        if depth:
            return compute()
        with self._slots:
            self._depth.n = 1
            try:
                return compute()
            finally:
                self._depth.n = 0

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
                fut.set_result(self._bounded(compute))
            except JusticegapError as e:
                fut.set_exception(e)
            except BaseException as e:  # a bug: do not keep it, let the next request try again
                with self._lock:
                    if self._data.get(key) is fut:
                        del self._data[key]
                fut.set_exception(e)
        elif not fut.done() and getattr(self._depth, "n", 0):
            # waiting, inside a computation, for one another thread owns: give the slot back
            # meanwhile, or that thread could wait for the slot while this one waits for it
            from concurrent.futures import wait

            self._slots.release()
            try:
                wait([fut])
            finally:
                self._slots.acquire()
        return fut.result()

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        return len(self._data)


MISSING = object()


class Service:
    """The library, served: every answer through one cache, every query through a pooled cursor of
    the snapshot the request is pinned to (so one answer never mixes two sets of editions).

    The library returns typed results (``Comparison``, ``Attrition``, ``Series``...); the cache
    keeps their plain dumps, which many requests share and none can alter, and which the API
    validates against the same models on the way out."""

    def __init__(self, store_path: Path | str | None = None, *, cache_size: int = 4096):
        self.path = Path(store_path) if store_path else paths.store_path()
        self._switch = threading.Lock()
        self._snap = Snapshot(self.path)
        self.cache = AnswerCache(cache_size)

    # --- snapshots ---------------------------------------------------------------------------

    def current(self) -> Snapshot:
        """The newest published store: a file published over the old one by ``update`` is opened
        as a new snapshot (the cost of noticing is one stat per request)."""
        snap = self._snap
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return snap
        if (st.st_ino, st.st_mtime_ns, st.st_size) == snap.ident:
            return snap
        with self._switch:
            if self._snap is snap:
                try:
                    new = Snapshot(self.path)
                except JusticegapError:  # being replaced this instant: the next request tries again
                    return snap
                self._snap = new
                old_fp = snap.fingerprint
                if new.fingerprint != old_fp:
                    self.cache.drop(lambda key: key[-1] == old_fp)
                log.info("store %s: switched to editions %s", self.path, new.fingerprint)
                snap.retire()
            return self._snap

    @contextmanager
    def pinned(self):
        """Every answer computed inside reads one snapshot (requests, the warming thread)."""
        if _PINNED.get() is not None:
            yield _PINNED.get()
            return
        snap = self.current()
        snap.enter()
        token = _PINNED.set(snap)
        try:
            yield snap
        finally:
            _PINNED.reset(token)
            snap.leave()

    @property
    def snap(self) -> Snapshot:
        return _PINNED.get() or self.current()

    @property
    def editions(self):
        return self.snap.editions

    @property
    def fingerprint(self) -> str:
        return self.snap.fingerprint

    def cursor(self):
        return self.snap.borrow()

    def close(self) -> None:
        self._snap.close()

    def cached(self, name: str, params: tuple, compute: Callable[[Store], Any]) -> Any:
        snap = self.snap

        def run():
            with snap.borrow() as s:
                return compute(s)
        return self.cache.get((name, params, snap.fingerprint), run)

    def peek(self, name: str, params: tuple) -> Any:
        return self.cache.peek((name, params, self.fingerprint))

    # --- answers -----------------------------------------------------------------------------

    def figure(self, metric: str, area: str, period: str, offence: str = DEFAULT_OFFENCE, outcome: str | None = None,
               edition: str | None = None, allow_partial: bool = False) -> dict:
        def run(s):
            d = metrics.compute(metric, area=area, period=period, offence=offence, outcome=outcome, edition=edition,
                                store=s, allow_partial=allow_partial).to_dict()
            if "case_records" in d["flags"]:  # served to anyone: only what passed disclosure control
                from .metrics.from_records import public
                from .records.scope import check_public

                check_public(A.resolve(area), metrics.family(offence), period, s)
                d = public(d)
            return d
        return self.cached("figure", (metric, area, period, offence, outcome, edition, allow_partial), run)

    def funnel(self, area: str, period: str, offence: str = DEFAULT_OFFENCE, edition: str | None = None) -> dict:
        from .answers.funnel import attrition

        return self.cached("funnel", (area, period, offence, edition),
                           lambda s: attrition(area=area, period=period, offence=offence, edition=edition,
                                               store=s).model_dump())

    def compare(self, metric: str, level: str = "pfa", period: str = "", offence: str = DEFAULT_OFFENCE,
                outcome: str | None = None, edition: str | None = None, overdispersion: str | None = None,
                sort: str | None = None) -> dict:
        from .answers.compare import compare

        return self.cached("compare", (metric, level, period, offence, outcome, edition, overdispersion, sort),
                           lambda s: compare(metric, level=level, period=period, offence=offence, outcome=outcome,
                                             edition=edition, overdispersion=overdispersion, sort=sort, store=s,
                                             disclose=True).model_dump())

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

    def periods(self) -> tuple[str, ...]:
        """Financial years (newest first) that some loaded dataset covers whole, for pickers (a
        tuple: one answer shared by every request)."""
        def run(s):
            rows = queries.coverage_spans(s)
            if not rows:
                return ()
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
            return tuple(financial_year(y).label for y in sorted(years, reverse=True))
        return self.cached("periods", (), run)

    def default_period(self, metric: str = DEFAULT_METRIC, offence: str = DEFAULT_OFFENCE) -> str:
        """The latest financial year for which ``metric`` has a whole-period national figure."""
        def run(s):
            for label in self.periods():
                try:
                    metrics.measure(metric, area="K04000001", period=label, offence=offence, store=s)
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
        from .answers.trend import trend

        return self.cached("trend", (metric, area, offence, edition, max_points),
                           lambda s: trend(metric, area=area, offence=offence, edition=edition, max_points=max_points,
                                           store=s, disclose=True).model_dump())

    def level_notes(self, area: str, period: str, offence: str = DEFAULT_OFFENCE) -> list[dict]:
        """Every metric that cannot be given for this area (and period), with the reason."""
        def run(s):
            out = []
            for mid, m in metrics.registry().items():
                if m.get("needs_outcome") or m.get("records"):  # published figures only: case records are not published
                    continue
                try:
                    metrics.measure(mid, area=area, period=period, offence=offence, store=s, allow_partial=True)
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
                if m["kind"] != "average" or m.get("records"):  # published averages (case records have their own pages)
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
