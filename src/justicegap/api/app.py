"""The HTTP API (read-only, versioned under ``/api/v1``) and the dashboard, in one FastAPI app.

* Every answer is the library's own (``/figure`` is the JSON of ``justicegap get --json``),
  described by a pydantic model in the OpenAPI document, with every error response declared:
  404 for an unknown area, metric, offence family or edition (with the closest matches), 422 for a
  malformed parameter (a period names the accepted forms), 409 when the data cannot answer at
  that level or for that period (with the reason and what is available instead).
* CSV on request: ``?format=csv`` or ``Accept: text/csv``.
* Nothing from a request is formatted into SQL: the library binds every value as a parameter,
  and the server itself runs no SQL built from request text.
* Errors never show a stack trace: tracebacks go to the server log only.
* Answers are cached in-process (keyed by every parameter and the store's editions).
"""

from __future__ import annotations

import json
import logging
import math
from enum import Enum
from typing import Annotated, Any, Callable, Literal, Optional

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, Response
from pydantic import TypeAdapter
from starlette.concurrency import run_in_threadpool

from .. import reference, render
from .. import areas as A
from .. import metrics as M
from ..errors import JusticegapError, NotAvailable, NotFound
from ..query import reject_unknown
from .. import model as models
from .. import wording as messages
from ..service import MISSING, DEFAULT_METRIC, Service

log = logging.getLogger("justicegap.server")

API = "/api/v1"

# --- parameters ------------------------------------------------------------------------------

Offence = Enum("Offence", {k: k for k in reference.families()}, type=str)
Offence.__doc__ = "Offence family"
AreaLevel = Literal["nation", "pfa", "btp", "pfa_group", "cps_area", "csp", "lad", "reporting_body"]
CompareLevel = Literal["pfa", "cps_area", "csp"]
Format = Literal["json", "csv"]
_TEXT = r"^[^\x00-\x1f\x7f]*$"

MetricQ = Annotated[str, Query(min_length=1, max_length=64, pattern=_TEXT, description="Metric id (see /metrics)",
                               examples=["charge_rate_cohort"])]
AreaQ = Annotated[str, Query(min_length=1, max_length=120, pattern=_TEXT,
                             description="ONS code, name or alias: Kent, E23000032, England and Wales, CPS South East, Ashford",
                             examples=["Kent"])]
PeriodQ = Annotated[Optional[str], Query(max_length=40, pattern=_TEXT,
                                         description="2017/18, 2017/18 Q4, 2018, 2018 Q1, YE Jun 2025, 2018-03, 2017-04..2018-03 "
                                                     "(default: the latest financial year with data)", examples=["2017/18"])]
OffenceQ = Annotated[Offence, Query(description="Offence family")]
OutcomeQ = Annotated[Optional[str], Query(max_length=60, pattern=r"^[A-Za-z0-9_:]+$",
                                          description="For outcome shares: an outcome type (14, 1A) or group (victim_does_not_support)")]
EditionQ = Annotated[Optional[str], Query(max_length=200, pattern=_TEXT,
                                          description="Edition id, SHA-256 prefix, file name or publication date (default: newest)")]
FormatQ = Annotated[Optional[Format], Query(description="json (default) or csv; Accept: text/csv also gives CSV")]


def _errors(*codes: int) -> dict:
    table = {
        404: (models.NotFoundError, "Unknown area, metric, offence family, outcome or edition, with the closest matches"),
        409: (models.NotAvailableError, "The data cannot answer this at that level or for that period: the reason, and what is available instead"),
        422: (models.InvalidParameterError, "A malformed parameter (a period that is not one of the accepted forms, a value out of range)"),
        500: (models.ErrorBody, "Internal error (no details: see the server log)"),
    }
    return {c: {"model": table[c][0], "description": table[c][1]} for c in (*codes, 500)}


def _csv_too(model_desc: str = "The answer") -> dict:
    return {200: {"description": model_desc, "content": {"text/csv": {"schema": {"type": "string"}}}}}


# --- serialising -----------------------------------------------------------------------------

def _clean(x):
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    return x


def dumps(obj) -> bytes:
    try:
        text = json.dumps(obj, ensure_ascii=False, default=str, allow_nan=False)
    except ValueError:
        text = json.dumps(_clean(obj), ensure_ascii=False, default=str, allow_nan=False)
    return text.encode("utf-8")


def wants_csv(request: Request, fmt: Optional[str]) -> bool:
    if fmt:
        return fmt == "csv"
    accept = request.headers.get("accept", "")
    if "text/csv" not in accept:
        return False
    # the first of the types listed wins (no q-value arithmetic: browsers ask for html or */*)
    for part in accept.split(","):
        t = part.split(";")[0].strip().lower()
        if t in ("text/csv", "application/json"):
            return t == "text/csv"
    return False


def error_response(e: JusticegapError) -> JSONResponse:
    """The library's error as JSON, worded for the API: query parameter names, never CLI flags."""
    status = 404 if isinstance(e, NotFound) else 409 if isinstance(e, NotAvailable) else 422
    return JSONResponse(messages.error_body(e, "api"), status_code=status)


_ADAPTERS: dict[Any, TypeAdapter] = {}


def _adapter(model) -> TypeAdapter:
    if model not in _ADAPTERS:
        _ADAPTERS[model] = TypeAdapter(model)
    return _ADAPTERS[model]


async def answer(request: Request, name: str, params: tuple, compute: Callable[[], Any], model,
                 table: str | Callable[[Any], render.Table] | None, fmt: Optional[str]) -> Response:
    """Compute (or take from the cache) an answer and serve it as JSON or, flattened by the render
    layer (``table``: the answer's kind, a flattener, or None for plain records), as CSV; checked against its model."""
    svc: Service = request.app.state.service
    csv_out = wants_csv(request, fmt)
    key = ("response", name, params, csv_out, svc.fingerprint)

    def body_of():
        data = compute()
        if csv_out:
            return render.write(table(data) if callable(table) else render.flatten(data, table or "records"), "csv")
        _adapter(model).validate_python(data)  # the OpenAPI description must be true of every answer
        return dumps(data)

    try:
        body = svc.cache.peek(key)
        if body is MISSING:
            body = await run_in_threadpool(svc.cache.get, key, body_of)
    except JusticegapError as e:
        return error_response(e)
    if csv_out:
        return Response(body, media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'inline; filename="{name}.csv"'})
    return Response(body, media_type="application/json")


# --- the API ---------------------------------------------------------------------------------

def _area_dict(a: A.Area) -> dict:
    return {"code": a.code, "name": a.name, "level": a.level, "level_name": a.level_name, "parent": a.parent,
            "note": a.note, "former_names": list(a.former_names)}


def _ref(code: str) -> dict:
    try:
        return A.get(code).to_dict()
    except NotFound:
        return {"code": code, "name": code, "level": "unknown"}


def area_detail(text: str) -> dict:
    try:
        a = A.get(text)
    except NotFound:
        a = A.resolve(text)
    d = _area_dict(a)
    if a.resolved_note:
        d["note"] = a.resolved_note
    d["parent_area"] = _ref(a.parent) if a.parent else None
    d["members"] = [_ref(c) for m in a.members if m != a.code for c in [m]]
    d["csps"] = [_ref(c) for c in a.csps]
    d["lads"] = [_ref(c) for c in a.lads]
    d["children"] = [x.to_dict() for x in A.all_areas() if x.parent == a.code]
    reg = M.registry()
    d["metrics"] = [k for k, m in reg.items() if a.level in m["levels"]]
    # the library's own reason for a metric not published at this level (what compute raises), with
    # where it is published instead and who holds it; nothing is computed
    d["not_published"] = [
        {"metric": k, "name": m["name"],
         "reason": messages.text(NotAvailable(M.level_message(m, a), available=M.level_alternatives(m, a),
                                             holder=M.data_holder(m, a)))}
        for k, m in reg.items() if a.level not in m["levels"]]
    return d


def events_list() -> list[dict]:
    out = []
    for ev in reference.table("events"):
        out.append({**ev, "datasets": (ev["datasets"] or "").split(), "areas": (ev["areas"] or "").split(),
                    "families": (ev["families"] or "").split()})
    return out


def sources_list() -> list[dict]:
    return [{**s, "levels": (s.get("levels") or "").split()} for s in reference.sources().values()]


def build_api(described: bool = True) -> APIRouter:
    """The API's routes. ``described=False`` leaves out their response models (the pydantic models
    of every answer and error, which cost a tenth of a second to build): the served app answers
    with them all the same (``answer`` checks every answer against its model, imported on first
    use) and describes itself from a described copy built when /openapi.json is first asked for."""
    r = APIRouter(prefix=API, dependencies=[Depends(reject_unknown)])

    def doc(name: str, many: bool = False):
        if not described:
            return None
        model = getattr(models, name)
        return list[model] if many else model

    errors_ = _errors if described else (lambda *codes: {})

    @r.get("/areas", response_model=doc("Area", many=True), tags=["areas"], summary="Areas, by level or search",
           responses={**_csv_too("Areas justicegap knows, with codes and levels"), **errors_(404, 422)})
    async def list_areas(request: Request,
                         level: Annotated[Optional[AreaLevel], Query(description="Only this level")] = None,
                         search: Annotated[Optional[str], Query(max_length=100, pattern=_TEXT, description="Part of a name or code")] = None,
                         format: FormatQ = None):
        return await answer(request, "areas", (level, search),
                            lambda: [_area_dict(a) for a in A.all_areas(level, search)], list[models.Area], None, format)

    @r.get("/areas/{code}", response_model=doc("AreaDetail"), tags=["areas"], summary="One area: what it is made of and what is published for it",
           responses={**_csv_too(), **errors_(404, 422)})
    async def get_area(request: Request,
                       code: Annotated[str, PathParam(min_length=1, max_length=120, pattern=_TEXT,
                                                      description="ONS code (E23000032) or a name", examples=["E23000032"])],
                       format: FormatQ = None):
        return await answer(request, "area", (code,), lambda: area_detail(code), models.AreaDetail,
                            lambda d: render.records.flatten([d], ["code", "name", "level", "level_name", "parent", "note", "metrics"]), format)

    @r.get("/metrics", response_model=doc("Metric", many=True), tags=["metrics"], summary="The metric registry",
           responses={**_csv_too(), **errors_(422)})
    async def list_metrics(request: Request, format: FormatQ = None):
        return await answer(request, "metrics", (), lambda: [M.explain(k) for k in M.registry()], list[models.Metric],
                            lambda xs: render.records.flatten(xs, ["id", "name", "stage", "kind", "basis", "unit", "levels", "definition"]), format)

    @r.get("/metrics/{metric_id}", response_model=doc("Metric"), tags=["metrics"],
           summary="One metric: definition, basis, unit, caveats and how it differs from those it is confused with",
           responses={**_csv_too(), **errors_(404, 422)})
    async def get_metric(request: Request,
                         metric_id: Annotated[str, PathParam(min_length=1, max_length=64, pattern=_TEXT,
                                                             description="Metric id (see /api/v1/metrics)",
                                                             examples=["charge_rate_cohort"])],
                         format: FormatQ = None):
        return await answer(request, "metric", (metric_id,), lambda: M.explain(metric_id), models.Metric,
                            lambda d: render.records.flatten([d], ["id", "name", "stage", "kind", "basis", "unit", "definition", "caveats"]), format)

    @r.get("/figure", response_model=doc("Figure"), tags=["figures"],
           summary="One figure (the JSON of `justicegap get --json`)",
           responses={**_csv_too(), **errors_(404, 409, 422)})
    async def figure(request: Request, metric: MetricQ, area: AreaQ, period: PeriodQ = None,
                     offence: OffenceQ = Offence("rape"), outcome: OutcomeQ = None, edition: EditionQ = None,
                     format: FormatQ = None):
        svc: Service = request.app.state.service
        p = period or await run_in_threadpool(svc.default_period, metric if metric in M.registry() else DEFAULT_METRIC, offence.value)
        if M.registry().get(metric, {}).get("records") and request.headers.get("authorization"):
            from .records import analyst_figure  # an analyst sees a record-based figure unsuppressed, audited

            own = await analyst_figure(request, metric, area, p, offence.value, format)
            if own is not None:
                return own
        return await answer(request, "figure", (metric, area, p, offence.value, outcome, edition),
                            lambda: svc.figure(metric, area, p, offence.value, outcome, edition), models.Figure, "figure", format)

    @r.get("/funnel", response_model=doc("Attrition"), tags=["figures"],
           summary="The attrition funnel: each stage available for the area and period, volumes beside rates",
           responses={**_csv_too(), **errors_(404, 409, 422)})
    async def funnel(request: Request, area: AreaQ, period: PeriodQ = None, offence: OffenceQ = Offence("rape"),
                     edition: EditionQ = None, format: FormatQ = None):
        svc: Service = request.app.state.service
        p = period or await run_in_threadpool(svc.default_period, DEFAULT_METRIC, offence.value)
        return await answer(request, "funnel", (area, p, offence.value, edition),
                            lambda: svc.funnel(area, p, offence.value, edition), models.Attrition, "attrition", format)

    @r.get("/compare", response_model=doc("Comparison"), tags=["figures"],
           summary="Every area's value, interval and funnel-plot position (a fair comparison, not a league table)",
           responses={**_csv_too(), **errors_(404, 409, 422)})
    async def compare(request: Request, metric: MetricQ, period: PeriodQ = None,
                      level: Annotated[CompareLevel, Query(description="pfa, cps_area or csp")] = "pfa",
                      offence: OffenceQ = Offence("rape"), outcome: OutcomeQ = None, edition: EditionQ = None,
                      overdispersion: Annotated[Optional[Literal["multiplicative", "additive"]], Query(
                          description="Widen the limits for overdispersion (default: exact binomial limits)")] = None,
                      sort: Annotated[Optional[Literal["name", "value"]], Query(
                          description="name (default) or value: sorted by value, each rank has its 95% interval")] = None,
                      format: FormatQ = None):
        svc: Service = request.app.state.service
        p = period or await run_in_threadpool(svc.default_period, metric if metric in M.registry() else DEFAULT_METRIC, offence.value)
        return await answer(request, "compare", (metric, level, p, offence.value, outcome, edition, overdispersion, sort),
                            lambda: svc.compare(metric, level, p, offence.value, outcome, edition, overdispersion, sort),
                            models.Comparison, "comparison", format)

    @r.get("/evaluate", response_model=doc("Evaluation"), tags=["figures"],
           summary="Did it work? An interrupted time series around an intervention (the JSON of `justicegap evaluate --json`)",
           responses={**_csv_too("The evaluation; as CSV, one row per period"), **errors_(404, 409, 422)})
    async def evaluate(request: Request, metric: MetricQ, area: AreaQ,
                       start: Annotated[str, Query(alias="from", min_length=1, max_length=40, pattern=_TEXT,
                                                   description="First period of the window, e.g. 2014-01", examples=["2014-01"])],
                       end: Annotated[str, Query(alias="to", min_length=1, max_length=40, pattern=_TEXT,
                                                 description="Last period of the window, e.g. 2018-03", examples=["2018-03"])],
                       intervention: Annotated[str, Query(min_length=1, max_length=40, pattern=_TEXT,
                                                          description="Date of the change: 2016-10-01, or a month 2016-10 (the first "
                                                                      "period after it)", examples=["2016-10"])],
                       offence: OffenceQ = Offence("rape"),
                       comparison: Annotated[Optional[str], Query(max_length=600, pattern=_TEXT,
                                                                  description="Comparison areas, comma-separated, or auto")] = None,
                       seasonality: Annotated[Literal["none", "harmonic", "month"], Query(
                           description="none, harmonic (two sine-cosine pairs) or month (indicators)")] = "none",
                       errors: Annotated[Literal["model", "newey-west"], Query(
                           description="model (quasi-likelihood) or newey-west (robust to autocorrelation)")] = "model",
                       format: FormatQ = None):
        svc: Service = request.app.state.service
        params = (metric, area, start, end, intervention, offence.value, comparison, seasonality, errors)
        return await answer(request, "evaluate", params, lambda: svc.evaluate(*params), models.Evaluation, "evaluation", format)

    @r.get("/editions", response_model=doc("Edition", many=True), tags=["catalogue"], summary="Every edition loaded in the store",
           responses={**_csv_too(), **errors_(422)})
    async def editions(request: Request, format: FormatQ = None):
        svc: Service = request.app.state.service
        return await answer(request, "editions", (), lambda: [e.to_dict() for e in svc.editions], list[models.Edition], None, format)

    @r.get("/sources", response_model=doc("Source", many=True), tags=["catalogue"], summary="The catalogue of publications justicegap reads",
           responses={**_csv_too(), **errors_(422)})
    async def sources(request: Request, format: FormatQ = None):
        return await answer(request, "sources", (), sources_list, list[models.Source], None, format)

    @r.get("/events", response_model=doc("Event", many=True), tags=["catalogue"],
           summary="Data breaks: changes in recording, outcomes, geography and missing data",
           responses={**_csv_too(), **errors_(422)})
    async def events(request: Request, format: FormatQ = None):
        return await answer(request, "events", (), events_list, list[models.Event], None, format)

    @r.get("/boundaries", response_model=doc("Boundaries"), tags=["catalogue"],
           summary="Boundaries as GeoJSON (properties code and name), for maps",
           responses=errors_(409, 422))
    async def boundaries(request: Request, level: Annotated[Literal["pfa", "lad"], Query(
            description="pfa (police force areas) or lad (local authority districts, which make up the partnerships)")] = "pfa"):
        svc: Service = request.app.state.service
        return await answer(request, "boundaries", (level,), lambda: svc.boundaries(level), models.Boundaries, None, "json")

    return r


# --- the app ---------------------------------------------------------------------------------
