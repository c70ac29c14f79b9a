"""The dashboard: server-rendered pages over the same cached answers as the API.

Pages: ``/`` (England and Wales: the funnel, a map of force areas, the headlines), ``/area/{code}``
(a force, CPS Area, partnership or district: funnel, trends with data breaks, the area on the
funnel plot, outcome groups, timeliness, and what is not published at its level and why),
``/compare`` (the funnel plot beside its table), ``/evaluate`` (did a measure change at a date?),
``/metric/{id}`` and ``/metrics``.
Every chart has a table and a text alternative, a link that reproduces the view and downloads of
its figures (``/download/{chart}.csv`` and ``.xlsx``). Scripts and styles are served from the
package: nothing is fetched from anywhere else.
"""

from __future__ import annotations

import functools
import logging
import threading
from pathlib import Path
from typing import Optional
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from .. import areas as A
from .. import available
from .. import metrics as M
from .. import reference
from ..errors import InvalidParameter, JusticegapError, NotAvailable, NotFound
from ..periods import parse
from ..query import reject_unknown
from .. import wording as messages
from ..render import WRITERS, flatten
from ..render import write as write_table
from ..service import MISSING, DEFAULT_METRIC, DEFAULT_OFFENCE, Service, compare_level
from . import assets, charts, labels
from .labels import lower_first

log = logging.getLogger("justicegap.server")
HERE = Path(__file__).parent
NATION = "K04000001"
CSP = ("default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


# --- formatting ------------------------------------------------------------------------------

from ..formats import num, p_text, pct  # noqa: E402  (shared with the CLI and the report)


def words(s: str | None) -> str:
    """An identifier in words; a basis as readers say it ('offences recorded in the period...')."""
    return labels.basis_words(s)


def _public(value):
    """Every text a template prints names a basis in words, never by its identifier (the library's
    summaries say 'basis: recorded_cohort')."""
    if isinstance(value, str) and not hasattr(value, "__html__"):
        return labels.public_words(value)
    return value


@functools.cache
def _templates():
    """The pages' templates, loaded on the first page asked for: Jinja2 is not imported before the
    server has answered its first request."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(str(HERE / "templates")), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True, finalize=_public)
    env.filters.update(pct=pct, num=num, words=words, value_text=labels.value_text, rate_text=labels.rate_text,
                       lower_first=labels.lower_first, kind_word=labels.kind_word,
                       flag_notes=labels.flag_notes, data_flags=labels.data_flags, editions_text=labels.editions_text, edition_name=labels.edition_name,
                       of_text=labels.of_text, p_text=p_text, web_text=lambda t: t or "")
    env.globals.update(VEGA_PATH=assets.VEGA_PATH, SWAGGER_PATH=assets.SWAGGER_PATH, LEVEL_NAMES=A.LEVEL_NAMES)
    return env


def named_editions(request: Request) -> None:
    """Before a page is built (its charts' texts too): the names of the editions it may cite."""
    service = getattr(request.app.state, "service", None)
    if service is not None:
        labels.learn_editions(service.editions)


def render(request: Request, template: str, status: int = 200, **ctx) -> HTMLResponse:
    named_editions(request)
    html = _templates().get_template(template).render(request=request, **ctx)
    return HTMLResponse(html, status_code=status, headers={"Content-Security-Policy": CSP})


def error_page(request: Request, status: int, title: str, message: str, suggestions: list[dict] | None = None,
               links: list[dict] | None = None) -> HTMLResponse:
    return render(request, "error.html", status=status, title=title, message=message, suggestions=suggestions or [],
                  links=links or [], nav=None)


def error_page_for(request: Request, e: JusticegapError) -> HTMLResponse:
    """The library's error as a page, worded for the dashboard (its query parameters, not CLI flags)."""
    message, links = messages.text(e, "web"), messages.links(e)
    if isinstance(e, NotFound) and e.kind == "area":  # the search, already searching for what was typed
        links = [{**x, "href": link(x["href"], q=e.value)} if x["href"] == "/areas" else x for x in links]
    if isinstance(e, NotFound):
        sugg = []
        for s in e.suggestions:
            name = s.split(" (")[0]
            if e.kind == "area":
                try:
                    sugg.append({"text": s, "href": f"/area/{A.resolve(name).code}"})
                    continue
                except JusticegapError:
                    pass
            elif e.kind == "metric" and s in M.registry():  # named in words, as the metric pages name it
                sugg.append({"text": M.registry()[s]["name"], "href": f"/metric/{s}"})
                continue
            elif e.kind == "edition":  # by its publication and file, as the pages name editions
                sugg.append({"text": labels.edition_name(name), "href": None})
                continue
            sugg.append({"text": s, "href": None})
        return error_page(request, 404, f"Unknown {e.kind}", message, sugg, links)
    if isinstance(e, NotAvailable):
        return error_page(request, 409, "Not available", message, links=links)
    return error_page(request, 422, "That request could not be understood", message, links=links)


# --- shared state of a view ------------------------------------------------------------------

def link(path: str, **params) -> str:
    q = {k: v for k, v in params.items() if v not in (None, "")}
    return path + ("?" + urlencode(q) if q else "")


def _opt(request: Request, name: str, max_len: int = 120) -> Optional[str]:
    v = request.query_params.get(name)
    if v is None or not v.strip():
        return None
    v = v.strip()
    if len(v) > max_len or any(ord(c) < 32 for c in v):
        raise InvalidParameter(name, f"at most {max_len} printable characters")
    return v


def periods_for(svc, metric: str, level: str | None) -> tuple[str, ...]:
    """The periods the loaded data give ``metric`` for at ``level``, newest first, as one shared,
    unchangeable answer of the server's cache."""
    return svc.cached("periods_for", (metric, level), lambda s: tuple(p.label for p in available.periods(s, metric, level)))


class View:
    """The parameters of a page, checked, with the options of its form."""

    def __init__(self, request: Request, *, default_metric: str = DEFAULT_METRIC):
        self.request = request
        self.svc: Service = request.app.state.service
        self.metric_given = _opt(request, "metric", 64) is not None
        self.metric = _opt(request, "metric", 64) or default_metric
        M.get(self.metric)  # unknown metric: 404 with the closest matches
        self.notes: list[str] = []  # what the page changed from what was asked, and why
        off = _opt(request, "offence", 40)
        self.offence_given = off is not None
        self.offence = M.family(off or DEFAULT_OFFENCE)
        per = _opt(request, "period", 40)
        self.period_given = per is not None
        self.period = parse(per).label if per else self.svc.default_period(self.metric, self.offence)
        self.edition = _opt(request, "edition", 200)
        if self.edition:
            with self.svc.cursor() as s:
                try:
                    s.edition(self.edition)
                except NotFound as e:
                    if e.suggestions and e.hint.startswith("Several"):
                        raise
                    raise NotFound("edition", self.edition, self.edition_suggestions(), e.hint) from None
        self.outcome = _opt(request, "outcome", 60)

    def edition_suggestions(self) -> list[str]:
        """For an unknown edition: close matches to what was typed, then the editions of the datasets
        this page's metric and funnel draw on (never unrelated files)."""
        import difflib

        eds = self.svc.editions
        names = {e.edition: e for e in eds} | {e.file_name: e for e in eds}
        close = [names[n] for n in difflib.get_close_matches(self.edition, list(names), n=5, cutoff=0.6)]
        datasets = set(M.get(self.metric)["datasets"])
        relevant = [e for e in reversed(eds) if e.dataset in datasets]
        out = list(dict.fromkeys(f"{e.edition} ({e.file_name})" for e in [*close, *relevant]))
        return out[:8]

    def metric_edition(self, metric: str | None = None) -> str | None:
        return self.svc.edition_for(metric or self.metric, self.edition)

    def periods_for(self, metric: str, level: str | None) -> tuple[str, ...]:
        """The periods the loaded data give ``metric`` for at ``level``, newest first (a tuple: the
        cache shares it between requests, which must not change it)."""
        return periods_for(self.svc, metric, level)

    def first_metric(self, level: str, can_give) -> None:
        """Open on the first measure published at ``level`` that ``can_give`` (a page that was not
        asked for a measure never opens on one that cannot be given there)."""
        if self.metric_given or level in M.get(self.metric)["levels"]:
            return
        for mid in available.metrics_at(level):
            if can_give(mid):
                self.metric = mid
                return

    def form(self, *, metrics_: bool = True, extra: dict | None = None, level: str | None = None) -> dict:
        """The form's choices: only the periods and measures the loaded data give at ``level``."""
        periods = list(self.periods_for(self.metric, level) if level else self.svc.periods())
        if self.period not in periods:  # what this request asked, in this request's copy only
            periods.insert(0, self.period)
        reg = M.registry()
        m = reg[self.metric]
        at = available.datasets_at(self.metric, level) if level else m["datasets"]  # editions that can answer here
        eds = [e for e in self.svc.editions if e.dataset in at]
        offered = available.metrics_at(level) if level else [k for k, v in reg.items() if not v.get("needs_outcome") and not v.get("records")]
        if self.metric not in offered:
            offered.insert(0, self.metric)
        fams = reference.families()
        held = self.svc.cached("families_at", (self.metric, level), lambda s: available.families_at(s, self.metric, level))
        offences = [k for k in fams if k in held or k == self.offence] or list(fams)
        return {"periods": periods, "period": self.period,
                "offences": [(k, fams[k]["label"]) for k in offences], "offence": self.offence,
                "metrics": [(k, reg[k]["name"]) for k in offered] if metrics_ else None,
                "metric": self.metric,
                "editions": [(e.edition, f"{e.file_name} ({reference.sources().get(e.dataset, {}).get('title', e.dataset)})")
                             for e in eds], "edition": self.edition,
                **(extra or {})}


def _try(fn, *args, **kw):
    """(answer, None) or (None, reason) for answers the data may not be able to give."""
    try:
        return fn(*args, **kw), None
    except NotAvailable as e:
        return None, messages.text(e, "web")


# How long a page waits for a comparison that is not ready before it shows it as being prepared
# (the comparison goes on in the background; the page reloads itself until it is there).
PREPARE_WAIT = 0.8


def _compare_soon(request: Request, *args) -> tuple[dict | None, str | None, bool]:
    """A comparison (answer, reason it cannot be given, still being prepared). Served, a page does
    not wait more than PREPARE_WAIT for a comparison computed for the first time (299 local areas
    take seconds): it says so, and the computation goes on; in process (tests) it waits."""
    svc: Service = request.app.state.service
    args = tuple(args) + (None,) * (8 - len(args))
    if not getattr(request.app.state, "prepare", False):
        return (*_try(svc.compare, *args), False)
    try:
        got = svc.peek("compare", args)
    except NotAvailable as e:
        return None, messages.text(e, "web"), False
    if got is not MISSING:
        return got, None, False
    worker = threading.Thread(target=_try, args=(svc.compare, *args), name="justicegap-compare", daemon=True)
    worker.start()
    worker.join(PREPARE_WAIT)
    if worker.is_alive():
        return None, None, True
    return (*_try(svc.compare, *args), False)


def _figure_ctx(svc: Service, metric: str, area: str, period: str, offence: str, edition: str | None):
    return _try(svc.figure, metric, area, period, offence, None, edition)


# --- pages -----------------------------------------------------------------------------------

def home(request: Request) -> HTMLResponse:
    v = View(request)
    svc = v.svc
    funnel = svc.funnel(NATION, v.period, v.offence, v.edition)
    fchart = charts.funnel_chart(funnel)
    cmp, cmp_reason, preparing = _compare_soon(request, v.metric, "pfa", v.period, v.offence, None, v.metric_edition())
    mapchart = bounds_reason = None
    if cmp is not None:
        _, bounds_reason = _try(svc.boundaries, "pfa")
        if bounds_reason is None:
            mapchart = charts.map_chart(cmp, "/api/v1/boundaries?level=pfa")
    headlines = _headlines(svc, funnel, NATION, v)
    instead = [] if any(s["available"] and s.get("volume") is not None for s in funnel["stages"]) else \
        [{"text": p, "href": link("/", period=p, offence=v.offence, metric=v.metric)}
         for p in periods_for(svc, v.metric, "nation")[:6] if p != v.period]
    pinned = _pinned(cmp["editions"] if cmp else None, v)
    q = dict(period=v.period, offence=v.offence, metric=v.metric, edition=pinned)
    return render(request, "home.html", nav="home", v=v, form=v.form(level="nation"), funnel=funnel, funnel_chart=fchart,
                  cmp=cmp, cmp_reason=cmp_reason, map_chart=mapchart, instead=instead, preparing=preparing, bounds_reason=bounds_reason, headlines=headlines,
                  permalink=link("/", **q), q=q, metric_info=M.get(v.metric),
                  area_query=urlencode({k: val for k, val in dict(period=v.period, offence=v.offence, metric=v.metric,
                                                                  edition=v.edition or pinned).items() if val}),
                  downloads={"funnel": link("/download/funnel", area=NATION, period=v.period, offence=v.offence, edition=v.edition),
                             "map": link("/download/compare", metric=v.metric, level="pfa", period=v.period, offence=v.offence,
                                         edition=pinned)},
                  compare_link=link("/compare", metric=v.metric, level="pfa", period=v.period, offence=v.offence, edition=pinned))


def _headlines(svc: Service, funnel: dict, area: str, v: View) -> list[dict]:
    """The headline sentences of the funnel's stages. A stage that covers only part of the period is
    no headline figure: the API and the command line refuse it, so the page gives the same reason
    (what is missing) with no number; the funnel keeps it, flagged partial with its months."""
    out = []
    for s in funnel["stages"]:
        if not s["available"] or not s.get("sentence"):
            continue
        if "partial" in (s.get("flags") or []):
            _, reason = _try(svc.figure, s["metric"], area, s["period"]["label"], v.offence, None, v.edition)
            out.append({"stage": s["label"], "text": None,
                        "reason": reason or f"{s['label']}: the data cover only part of {s['period']['label']}."})
        else:
            out.append({"stage": s["label"], "text": s["sentence"], "reason": None})
    return out


def _pinned(editions: list[str] | None, v: View) -> str | None:
    """The edition to put in a link so that it reproduces this view even after newer editions load."""
    if v.edition:
        return v.edition
    if editions and len(editions) == 1:
        return editions[0]
    return None


def _shared_partnership(area: A.Area) -> dict | None:
    """For a district whose Community Safety Partnership holds other districts too: the partnership
    (where its recorded crime is published) and the other districts."""
    if area.level != "lad" or len(area.csps) != 1:
        return None
    csp = A.get(area.csps[0])
    others = [A.get(c).name for c in csp.lads if c != area.code]
    return {"code": csp.code, "name": csp.name, "others": others} if others else None


def _local_defaults(v: View, area: A.Area) -> tuple[str, str, str | None]:
    """For partnerships and districts: the latest period and offence family with local figures."""
    svc = v.svc
    if v.period_given and v.offence_given:
        return v.period, v.offence, None

    local_periods = v.periods_for("recorded", area.level)

    def run(s):
        periods = [v.period] if v.period_given else list(dict.fromkeys([*local_periods, *svc.periods()]))
        offences = [v.offence] if v.offence_given else [v.offence, "sexual_offences"]
        for off in offences:
            for p in periods:
                try:
                    M.measure("recorded", area=area, period=p, offence=off, store=s)
                    return p, off
                except JusticegapError:
                    continue
        return v.period, v.offence
    p, off = svc.cached("local_defaults", (area.code, v.period if v.period_given else None, v.offence if v.offence_given else None), run)
    note = None
    if (p, off) != (v.period, v.offence):
        fam = reference.families()[off]["label"].lower()
        note = (f"Showing {fam} in {p}: the latest local figures loaded for {area.name}. "
                + ("" if off == v.offence else f"{reference.families()[v.offence]['label']} is not published separately for "
                   f"{A.LEVEL_NAMES[area.level]}s in the loaded data."))
    return p, off, note


def area_page(request: Request, code: str) -> Response:
    try:
        area = A.get(code)
    except NotFound:
        area = A.resolve(code)
        return RedirectResponse(link(f"/area/{area.code}", **dict(request.query_params)), status_code=302)
    v = View(request)
    svc = v.svc
    if not v.period_given and M.get(v.metric).get("records"):  # a measure from case records opens on a year they cover
        from ..records import scope

        held = svc.cached("records_periods", (area.code,), lambda s: scope.periods(s, area) if scope.held(s, area) else [])
        if held:
            v.period = held[0]
    local_note = None
    if area.level in ("csp", "lad"):
        v.period, v.offence, local_note = _local_defaults(v, area)
    shared = _shared_partnership(area)
    v.first_metric(area.level, lambda mid: _try(svc.figure, mid, area.code, v.period, v.offence, None, None)[0] is not None)
    funnel = svc.funnel(area.code, v.period, v.offence, v.edition)
    fchart = charts.funnel_chart(funnel)
    ochart = charts.outcomes_chart(funnel) if funnel["outcome_groups"] else None
    fig, fig_reason = _figure_ctx(svc, v.metric, area.code, v.period, v.offence, v.metric_edition())
    trends = []
    for mid in dict.fromkeys([v.metric, "recorded"]):
        # a trend takes each quarter from the newest edition holding it (a series spans editions),
        # so a link that pins the headline figure's edition shows the same trend
        t, reason = _try(svc.trend, mid, area.code, v.offence, None)
        trends.append({"metric": mid, "name": M.get(mid)["name"], "trend": t, "reason": reason,
                       "chart": charts.trend_chart(t) if t else None,
                       "download": link("/download/trend", metric=mid, area=area.code, offence=v.offence)})
    level = compare_level(area)
    cmp = cmp_reason = plot = None
    preparing = False
    highlight = area.code
    if area.level == "lad":
        try:
            highlight = A.local_csp(area).code
        except NotAvailable as e:
            cmp_reason = str(e)
    if level and cmp_reason is None:
        cmp, cmp_reason, preparing = _compare_soon(request, v.metric, level, v.period, v.offence, None, v.metric_edition())
        if cmp is not None and cmp.get("target") is not None:
            plot = charts.funnel_plot(cmp, highlight)
    elif not level:
        cmp_reason = (f"{area.name} is the total of every force: compare the forces on the comparison page." if area.level == "nation"
                      else f"A {A.LEVEL_NAMES[area.level]} is not compared with others on a funnel plot.")
    timely = svc.timeliness(area.code, v.period, v.offence)
    # a measure the timeliness table gives (for the calendar year overlapping the period) is not
    # also listed as missing for the period
    timed = {r["metric"] for r in (timely or {}).get("rows", [])}
    notes = [n for n in svc.level_notes(area.code, v.period, v.offence) if n["metric"] not in timed]
    stage_reasons = {s["metric"]: s["reason"] for s in funnel["stages"] if not s["available"]}
    not_level = [n for n in notes if n["why"] == "level"]
    not_data = [n for n in notes if n["why"] != "level"]
    for mid, reason in stage_reasons.items():
        if not any(n["metric"] == mid for n in notes):
            not_data.append({"metric": mid, "name": M.get(mid)["name"], "reason": reason, "stage": M.get(mid)["stage"], "why": "data"})
    shown = [s for s in funnel["stages"] if s["available"] and s.get("volume") is not None]
    instead = [] if shown else [{"text": p, "href": link(f"/area/{area.code}", period=p, offence=v.offence)}
                                for p in v.periods_for("recorded", area.level)[:6] if p != v.period]
    pinned = _pinned([fig["edition"]] if fig and "," not in fig["edition"] else None, v)
    q = dict(period=v.period, offence=v.offence, metric=v.metric, edition=pinned)
    children = [x for x in A.all_areas() if x.parent == area.code]
    parent = A.get(area.parent) if area.parent else None
    from .records import records_link

    return render(request, "area.html", nav="area", v=v, area=area, parent=parent, children=children, records_link=records_link(request, area),
                  members=[A.get(m) for m in area.members if m != area.code and "+" not in m] if area.level != "pfa" else [],
                  form=v.form(level=area.level), funnel=funnel, funnel_chart=fchart, outcomes_chart=ochart, fig=fig, fig_reason=fig_reason,
                  trends=trends, cmp=cmp, cmp_reason=cmp_reason, plot=plot, highlight=highlight, level=level, instead=instead,
                  preparing=preparing,
                  timeliness=timely, not_level=not_level, not_data=not_data, local_note=local_note, shared=shared,
                  permalink=link(f"/area/{area.code}", **q), q=q, metric_info=M.get(v.metric),
                  downloads={"funnel": link("/download/funnel", area=area.code, period=v.period, offence=v.offence, edition=v.edition),
                             "outcomes": link("/download/outcomes", area=area.code, period=v.period, offence=v.offence, edition=v.edition),
                             "compare": link("/download/compare", metric=v.metric, level=level, period=v.period, offence=v.offence,
                                             edition=v.metric_edition()),
                             "timeliness": link("/download/timeliness", area=area.code, period=v.period, offence=v.offence)},
                  compare_link=link("/compare", metric=v.metric, level=level, period=v.period, offence=v.offence, edition=pinned))


def compare_page(request: Request) -> HTMLResponse:
    v = View(request)
    svc = v.svc
    level = _opt(request, "level", 20) or "pfa"
    if level not in ("pfa", "cps_area", "csp"):
        raise InvalidParameter("level", "use pfa, cps_area or csp")
    od = _opt(request, "overdispersion", 20)
    if od not in (None, "multiplicative", "additive"):
        raise InvalidParameter("overdispersion", "use multiplicative or additive (or leave it out)")
    sort = _opt(request, "sort", 10)
    if sort not in (None, "name", "value"):
        raise InvalidParameter("sort", "use name or value")
    hl = _opt(request, "highlight", 40)
    if level not in M.get(v.metric)["levels"] and available.metrics_at(level):
        # the form sends the measure it showed: one not published at the level chosen gives way to
        # the first that is, said in a note (two clicks reach the local areas from any view)
        asked, v.metric = v.metric, available.metrics_at(level)[0]
        v.notes.append(f"{M.get(asked)['name']} is not published for {A.LEVEL_NAMES[level]}s: showing "
                       f"{lower_first(M.get(v.metric)['name'])}, the first measure that is.")
    cmp, reason, preparing = _compare_soon(request, v.metric, level, v.period, v.offence, v.outcome, v.metric_edition(), od, sort)
    if cmp is None and not preparing:
        cmp, preparing = _nearest_comparison(request, v, level, od, sort)
        reason = None if cmp is not None or preparing else reason
    zoom = _opt(request, "zoom", 10)
    if zoom not in (None, "dense"):
        raise InvalidParameter("zoom", "use dense (or leave it out)")
    hl_code = _highlighted(cmp, hl, v) if cmp is not None and hl else None
    plot = charts.funnel_plot(cmp, hl_code, zoom == "dense") if cmp is not None and cmp.get("target") is not None else None
    maps, map_reason = [], None
    if cmp is not None and level in charts.MAP_BOUNDARIES:
        blevel = charts.MAP_BOUNDARIES[level]
        _, map_reason = _try(svc.boundaries, blevel)
        if map_reason is None:
            url = link("/api/v1/boundaries", level=blevel)
            maps.append({"id": "chart-map", "chart": charts.map_chart(cmp, url, "value"),
                         "title": f"{cmp['name'].split(' (')[0]} by area, in classes"})
            if cmp.get("target") is not None:
                maps.append({"id": "chart-map-position", "chart": charts.map_chart(cmp, url, "position"),
                             "title": "Where more or fewer than chance would give"})
    if cmp is not None:
        cmp = {**cmp, "caveats": [labels.caveat_text(c, cmp) for c in cmp["caveats"]]}
    pinned = _pinned(cmp["editions"] if cmp else None, v)
    q = dict(metric=v.metric, level=level, period=v.period, offence=v.offence, outcome=v.outcome, edition=pinned,
             overdispersion=od, sort=sort, highlight=hl_code or hl, zoom=zoom)
    instead = [] if cmp is not None or preparing else _instead(v, level)
    here = {k: val for k, val in q.items() if k not in ("highlight", "zoom")}
    return render(request, "compare.html", nav="compare", v=v, cmp=cmp, reason=reason, plot=plot, level=level, instead=instead,
                  synthetic=bool(cmp) and any(a.get("synthetic") for a in cmp["areas"]),
                  maps=maps, map_reason=map_reason, hl_code=hl_code, zoom=zoom, preparing=preparing,
                  mark_link=lambda code: link("/compare", **here, zoom=zoom, highlight=code) + "#plot",
                  zoom_link=link("/compare", **here, highlight=hl_code, zoom=None if zoom else "dense") + "#plot",
                  form=v.form(level=level, extra={"level": level, "overdispersion": od, "sort": sort,
                                                  "highlight": next((a["area"]["name"] for a in cmp["areas"] if a["area"]["code"] == hl_code), hl)
                                                  if cmp and hl_code else hl,
                                                  "area_names": sorted({a["area"]["name"] for a in cmp["areas"]}) if cmp else [],
                                     "levels": [("pfa", "Police force areas"), ("cps_area", "CPS Areas"), ("csp", "Community Safety Partnerships")]}),
                  permalink=link("/compare", **q), q=q, metric_info=M.get(v.metric), hl=hl,
                  area_query=urlencode({k: val for k, val in dict(period=v.period, offence=v.offence, metric=v.metric,
                                                                  edition=v.edition or pinned).items() if val}),
                  download=link("/download/compare", metric=v.metric, level=level, period=v.period, offence=v.offence,
                                outcome=v.outcome, edition=v.metric_edition(), overdispersion=od, sort=sort))


EVALUATE_KINDS = ("proportion", "count", "ratio")
SEASONALITY_CHOICES = [("none", "No seasonal pattern"), ("harmonic", "A smooth yearly cycle"),
                       ("month", "A separate level for each month of the year")]
ERROR_CHOICES = [("model", "Standard (allowing for extra variation)"),
                 ("newey-west", "Also allowing for runs of similar months (Newey–West)")]
EVALUATE_DEFAULTS = {"metric": "cps_conviction_rate", "offence": "sexual_offences", "from": "2014-01", "to": "2018-03"}


def evaluate_page(request: Request) -> HTMLResponse:
    """Did it change? The evaluation of a measure around a date, in plain words, with its chart,
    the figures behind it, the data breaks, the comparison areas and the placebo checks."""
    svc: Service = request.app.state.service
    q = {k: _opt(request, k, 600 if k == "compare_with" else 120) for k in
         ("metric", "area", "offence", "from", "to", "intervention", "comparison", "compare_with", "seasonality", "errors")}
    asked = bool(q["area"] and q["intervention"])
    form = {**EVALUATE_DEFAULTS, **{k: v for k, v in q.items() if v}}
    M.get(form["metric"])
    M.family(form["offence"])
    if form.get("seasonality", "none") not in dict(SEASONALITY_CHOICES):
        raise InvalidParameter("seasonality", "use none, harmonic or month")
    if form.get("errors", "model") not in dict(ERROR_CHOICES):
        raise InvalidParameter("errors", "use model or newey-west")
    if form.get("comparison") not in (None, "auto", "named"):
        raise InvalidParameter("comparison", "use auto or named (with the areas to compare with)")
    comparison = None
    if form.get("comparison") == "auto":
        comparison = "auto"
    elif form.get("comparison") == "named" or form.get("compare_with"):
        if not form.get("compare_with"):
            raise InvalidParameter("compare_with", "name the areas to compare with, separated by commas")
        comparison = form["compare_with"]
    result = reason = chart = None
    if asked:
        result, reason = _try(svc.evaluate, form["metric"], form["area"], form["from"], form["to"], form["intervention"],
                              form["offence"], comparison, form.get("seasonality", "none"), form.get("errors", "model"))
        if result is not None:
            result = {**result, "caveats": [messages.text(c, "web") for c in result["caveats"]]}
            chart = charts.evaluation_chart(result)
    reg = M.registry()
    metrics_ = [(k, m["name"]) for k, m in reg.items() if m["kind"] in EVALUATE_KINDS and not m.get("needs_outcome")
                and not m.get("records")]  # published series only
    api_q = {"metric": form["metric"], "area": form.get("area"), "from": form["from"], "to": form["to"],
             "intervention": form.get("intervention"), "offence": form["offence"], "comparison": comparison,
             "seasonality": form.get("seasonality"), "errors": form.get("errors")}
    page_q = {k: v for k, v in q.items() if v}
    return render(request, "evaluate.html", nav="evaluate", form=form, asked=asked, result=result, reason=reason, chart=chart,
                  metrics=metrics_, offences=[(k, v["label"]) for k, v in reference.families().items()],
                  seasonality_choices=SEASONALITY_CHOICES, error_choices=ERROR_CHOICES, metric_info=reg[form["metric"]],
                  permalink=link("/evaluate", **page_q), csv_link=link("/api/v1/evaluate", **api_q, format="csv") if result else None)


def _highlighted(cmp: dict, text: str, v: View) -> str | None:
    """The code of the compared area that ``text`` names (a code, a name or an alias), else None
    with a note: the search box on the comparison picks an area out on the plot."""
    codes = {a["area"]["code"]: a for a in cmp["areas"]}
    if text in codes:
        return text
    by_name = {A.key(a["area"]["name"]): code for code, a in codes.items()}
    if A.key(text) in by_name:
        return by_name[A.key(text)]
    try:
        code = A.resolve(text).code
    except JusticegapError:
        code = None
    if code in codes:
        return code
    v.notes.append(f"'{text}' is not one of the areas compared here, so no area is picked out on the plot.")
    return None


def _nearest_comparison(request: Request, v: View, level: str, od, sort) -> tuple[dict | None, bool]:
    """The form sends the period and offence it showed: when the loaded data cannot compare them at
    the level chosen, the latest period that can (and, for local areas, all sexual offences, which
    is what they are published for), with a note saying what changed; None when nothing can
    (and whether one is still being prepared)."""
    offences = [v.offence] + (["sexual_offences"] if level in ("csp", "lad") and v.offence != "sexual_offences" else [])
    for p in v.periods_for(v.metric, level)[:3]:
        for off in offences:
            if (p, off) == (v.period, v.offence):
                continue
            cmp, _, preparing = _compare_soon(request, v.metric, level, p, off, v.outcome, v.metric_edition(), od, sort)
            if preparing:
                return None, True
            if cmp is None:
                continue
            name = lower_first(M.get(v.metric)["name"])
            if p != v.period:
                v.notes.append(f"No {A.LEVEL_NAMES[level]} figures of {name} for {v.period} are loaded: showing {p}, the latest that are.")
            if off != v.offence:
                v.notes.append(f"{reference.families()[v.offence]['label']} is not published separately for "
                               f"{A.LEVEL_NAMES[level]}s: showing {reference.families()[off]['label'].lower()}.")
            v.period, v.offence = p, off
            return cmp, False
    return None, False


def _instead(v: View, level: str) -> list[dict]:
    """When a comparison cannot be given: the periods it can be given for, and the measures
    published at the level, as links."""
    out = [{"text": f"{M.get(v.metric)['name']}, {p}", "href": link("/compare", metric=v.metric, level=level, period=p, offence=v.offence)}
           for p in v.periods_for(v.metric, level)[:6]]
    for mid in available.metrics_at(level):
        if mid != v.metric:
            ps = v.periods_for(mid, level)
            if ps:
                out.append({"text": f"{M.get(mid)['name']}, {ps[0]}", "href": link("/compare", metric=mid, level=level, period=ps[0])})
    return out


def metric_page(request: Request, metric_id: str) -> HTMLResponse:
    d = M.explain(metric_id)
    reg = M.registry()
    confused = [{**c, "name": reg[c["metric"]]["name"] if c["metric"] in reg else c["metric"], "known": c["metric"] in reg}
                for c in d.get("confused_with") or []]
    confused_by = [{"metric": k, "name": m["name"], "how": c["how"]} for k, m in reg.items()
                   for c in m.get("confused_with") or [] if c["metric"] == metric_id
                   and k not in {x["metric"] for x in confused}]  # each neighbour once, in this metric's own words
    own = {"id": "case_records", "title": "their own case records (not a publication; loaded on a site by its operator)",
           "publisher": "The police force and the CPS Area"}
    sources = [reference.sources().get(ds, own if ds == "case_records" else {"id": ds, "title": ds, "publisher": ""})
               for ds in d["datasets"]]
    return render(request, "metric.html", nav="metrics", m=d, confused=confused, confused_by=confused_by, sources=sources,
                  example=_example(request.app.state.service, d),
                  permalink=f"/metric/{metric_id}",
                  compare_link=link("/compare", metric=metric_id) if d["kind"] in ("proportion", "per_100k") and not reg[metric_id].get("needs_outcome") else None)


# Where to look for a metric's example sentence: the first of these its levels publish.
EXAMPLE_AREAS = {"nation": NATION, "pfa": "E23000032", "cps_area": "CPS-SE", "csp": "E22000137", "lad": "E07000105"}


def _example(svc: Service, m: dict) -> dict | None:
    """A real sentence of the metric (its template filled from the loaded data) for the metric page:
    England and Wales, else Kent, CPS South East or Ashford, whichever its levels allow, in the
    latest period with data; None when nothing loaded can give one."""
    if M.get(m["id"]).get("needs_outcome"):
        return None
    for level in ("nation", "pfa", "cps_area", "csp", "lad"):
        if level not in m["levels"]:
            continue
        for p in periods_for(svc, m["id"], level)[:3]:
            for offence in (DEFAULT_OFFENCE, "sexual_offences"):
                try:
                    fig = svc.figure(m["id"], EXAMPLE_AREAS[level], p, offence, None, None)
                except JusticegapError:
                    continue
                if fig.get("sentence"):
                    return {"sentence": fig["sentence"], "area": fig["area"]["name"], "period": fig["period"]["label"]}
    return None


def metrics_page(request: Request) -> HTMLResponse:
    reg = M.registry()
    stages: dict[str, list] = {}
    for k, m in reg.items():
        stages.setdefault(m["stage"], []).append(M.explain(k))
    return render(request, "metrics.html", nav="metrics", stages=stages, permalink="/metrics")


def areas_page(request: Request) -> Response:
    q = _opt(request, "q", 100)
    level = _opt(request, "level", 20)
    if q and not level:
        try:
            a = A.resolve(q)
            return RedirectResponse(f"/area/{a.code}", status_code=302)
        except NotFound as e:
            found = A.all_areas(None, q)
            message = _search_words(q, found)
            if not found:  # the closest names instead, each a link
                found = [x for x in (_area_or_none(s.split(" (")[0]) for s in e.suggestions) if x is not None]
                message += " The closest names:" if found else ""
            return render(request, "areas.html", nav="area", q=q, found=found, message=message,
                          levels=_area_levels(), permalink=link("/areas", q=q), level=None)
    found = A.all_areas(level if level in A.LEVELS else None, q)
    return render(request, "areas.html", nav="area", q=q, found=found, message=_search_words(q, found) if q else None,
                  levels=_area_levels(), permalink=link("/areas", q=q, level=level), level=level)


def _search_words(q: str, found: list) -> str:
    """What a search found, in words (a search is not an error)."""
    if found:
        return f"No area is called \u201c{q}\u201d exactly; {len(found)} whose name or code contains it:" if len(found) > 1 else \
            f"No area is called \u201c{q}\u201d exactly; one whose name or code contains it:"
    return f"No area\u2019s name or code contains \u201c{q}\u201d."


def _area_or_none(name: str):
    try:
        return A.resolve(name)
    except JusticegapError:
        return None


def _area_levels():
    return [(lvl, A.LEVEL_NAMES[lvl]) for lvl in ("nation", "pfa", "cps_area", "csp", "lad")]


# --- downloads -------------------------------------------------------------------------------

CHARTS = ("funnel", "outcomes", "trend", "compare", "timeliness", "figure")
DOWNLOAD_KINDS = {"funnel": "attrition", "outcomes": "outcome_groups", "trend": "series", "compare": "comparison",
                  "timeliness": "timeliness", "figure": "figure"}


def download(request: Request, chart: str, ext: str) -> Response:
    if chart not in CHARTS:
        raise NotFound("chart", chart, [c for c in CHARTS if c[:2] == chart[:2]], "Charts: " + ", ".join(CHARTS))
    if ext not in ("csv", "xlsx"):
        raise InvalidParameter("format", "download .csv or .xlsx")
    v = View(request)
    svc = v.svc
    area = _opt(request, "area") or NATION
    if chart in ("funnel", "outcomes"):
        r = svc.funnel(area, v.period, v.offence, v.edition)
    elif chart == "trend":
        r = svc.trend(v.metric, area, v.offence, None)
    elif chart == "compare":
        level = _opt(request, "level", 20) or "pfa"
        od, sort = _opt(request, "overdispersion", 20), _opt(request, "sort", 10)
        if level not in ("pfa", "cps_area", "csp"):
            raise InvalidParameter("level", "use pfa, cps_area or csp")
        r = svc.compare(v.metric, level, v.period, v.offence, v.outcome, v.metric_edition(), od, sort)
    elif chart == "timeliness":
        r = svc.timeliness(area, v.period, v.offence)
    else:
        r = svc.figure(v.metric, area, v.period, v.offence, v.outcome, v.metric_edition())
    t = flatten(r, DOWNLOAD_KINDS[chart])
    notes = [labels.caveat_text(c, r) for c in r["caveats"]] + ([r["summary"]] if r.get("summary") else []) \
        if chart == "compare" else t.notes
    name = download_name(chart, r, v, request)
    notes = ["justicegap: figures from the published data (Open Government Licence v3.0).", *notes]
    options = {} if ext == "csv" else {"sheet": chart, "notes": notes}
    return Response(write_table(t, ext, **options), media_type=WRITERS[ext].media_type,
                    headers={"Content-Disposition": f'attachment; filename="{name}.{ext}"'})


def _slug(text) -> str:
    import re

    return re.sub(r"[^A-Za-z0-9_]+", "-", str(text or "")).strip("-")


def download_name(chart: str, r: dict, v: View, request: Request) -> str:
    """A file name that says what the file holds: chart, area (or level), metric, period, offence,
    edition when one was chosen: justicegap-funnel-E23000032-2017-18-rape."""
    area = (r.get("area") or {}).get("code") if isinstance(r.get("area"), dict) else None
    if chart == "timeliness":
        area = next((x["area"]["code"] for x in r.get("rows") or []), None) or A.resolve(_opt(request, "area") or NATION).code
    parts = [chart]
    if chart == "compare":
        parts.append(r.get("level"))
    elif area:
        parts.append(area)
    if chart in ("trend", "compare", "figure"):
        parts.append(v.metric)
    if chart != "trend":
        parts.append((r.get("period") or {}).get("label") if isinstance(r.get("period"), dict) else v.period)
    parts.append(v.offence)
    if v.edition:
        parts.append(v.edition)
    return "justicegap-" + "-".join(_slug(p) for p in parts if p)


def vega_asset(request: Request) -> Response:
    a = assets.vega_bundle()
    headers = {"Cache-Control": "public, max-age=31536000, immutable", "ETag": a.etag, "Vary": "Accept-Encoding"}
    if request.headers.get("if-none-match") == a.etag:
        return Response(status_code=304, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", ""):
        return Response(a.gzipped, media_type=a.media_type, headers={**headers, "Content-Encoding": "gzip"})
    return Response(a.body, media_type=a.media_type, headers=headers)


def warm(svc: Service) -> None:
    """Compute, in the background, what the pages open on: the home page's funnel and map, and the
    local areas' comparison and map that the comparison form reaches in two clicks."""
    period = svc.default_period()
    for step in (lambda: svc.funnel(NATION, period), lambda: svc.compare(DEFAULT_METRIC, "pfa", period),
                 lambda: svc.boundaries("pfa"), lambda: svc.boundaries("lad")):
        _try(step)
    local = svc.cached("periods_for", ("recorded", "csp"), lambda s: [p.label for p in available.periods(s, "recorded", "csp")])
    for p in local[:1]:
        _try(svc.compare, "recorded", "csp", p, "sexual_offences", None, None, None, None)


def api_docs(request: Request) -> HTMLResponse:
    """The API's reference: the OpenAPI description drawn by Swagger UI, served from the package."""
    return render(request, "api_docs.html", nav="api", permalink="/api/docs")


# The parameters each page reads (its form's fields and the links it makes): any other is refused.
VIEW_PARAMS = ("metric", "offence", "period", "edition", "outcome", "level", "overdispersion", "sort", "highlight", "area", "zoom")
EVALUATE_PARAMS = ("metric", "area", "offence", "from", "to", "intervention", "comparison", "compare_with", "seasonality", "errors")


def build_web() -> APIRouter:
    r = APIRouter(include_in_schema=False, dependencies=[Depends(reject_unknown), Depends(named_editions)])
    pages = [("/", home, VIEW_PARAMS), ("/area/{code}", area_page, VIEW_PARAMS), ("/areas", areas_page, ("q", "level")),
             ("/compare", compare_page, VIEW_PARAMS), ("/metric/{metric_id}", metric_page, VIEW_PARAMS),
             ("/metrics", metrics_page, VIEW_PARAMS), ("/evaluate", evaluate_page, EVALUATE_PARAMS)]
    for path, page, params in pages:
        r.add_api_route(path, page, methods=["GET"], response_class=HTMLResponse)
        r.routes[-1].query_names = params
    r.add_api_route("/download/{chart}.{ext}", download, methods=["GET"])
    r.routes[-1].query_names = VIEW_PARAMS
    r.add_api_route("/api/docs", api_docs, methods=["GET"], response_class=HTMLResponse)
    r.routes[-1].query_names = ()
    r.add_api_route(assets.VEGA_PATH, vega_asset, methods=["GET"])
    r.routes[-1].query_names = ()
    return r


def install(app: FastAPI) -> None:
    from . import records

    app.include_router(build_web())
    records.install(app)
    app.mount("/static", StaticFiles(directory=str(HERE / "static"), packages=None), name="static")
    app.mount(assets.SWAGGER_PATH, StaticFiles(directory=str(assets.swagger_dir())), name="swagger")

