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

import hashlib
import json
import logging
import math
import threading
from contextlib import asynccontextmanager
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Callable, Literal, Optional

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import TypeAdapter
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__, reference, render
from .. import areas as A
from .. import metrics as M
from ..errors import JusticegapError, NotAvailable, NotFound
from ..query import reject_unknown
from .. import model as models
from .. import wording as messages
from ..service import MISSING, DEFAULT_METRIC, Service
from ..model.evaluation import Evaluation

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


def build_api() -> APIRouter:
    r = APIRouter(prefix=API, dependencies=[Depends(reject_unknown)])

    @r.get("/areas", response_model=list[models.Area], tags=["areas"], summary="Areas, by level or search",
           responses={**_csv_too("Areas justicegap knows, with codes and levels"), **_errors(404, 422)})
    async def list_areas(request: Request,
                         level: Annotated[Optional[AreaLevel], Query(description="Only this level")] = None,
                         search: Annotated[Optional[str], Query(max_length=100, pattern=_TEXT, description="Part of a name or code")] = None,
                         format: FormatQ = None):
        return await answer(request, "areas", (level, search),
                            lambda: [_area_dict(a) for a in A.all_areas(level, search)], list[models.Area], None, format)

    @r.get("/areas/{code}", response_model=models.AreaDetail, tags=["areas"], summary="One area: what it is made of and what is published for it",
           responses={**_csv_too(), **_errors(404, 422)})
    async def get_area(request: Request,
                       code: Annotated[str, PathParam(min_length=1, max_length=120, pattern=_TEXT,
                                                      description="ONS code (E23000032) or a name", examples=["E23000032"])],
                       format: FormatQ = None):
        return await answer(request, "area", (code,), lambda: area_detail(code), models.AreaDetail,
                            lambda d: render.records.flatten([d], ["code", "name", "level", "level_name", "parent", "note", "metrics"]), format)

    @r.get("/metrics", response_model=list[models.Metric], tags=["metrics"], summary="The metric registry",
           responses={**_csv_too(), **_errors(422)})
    async def list_metrics(request: Request, format: FormatQ = None):
        return await answer(request, "metrics", (), lambda: [M.explain(k) for k in M.registry()], list[models.Metric],
                            lambda xs: render.records.flatten(xs, ["id", "name", "stage", "kind", "basis", "unit", "levels", "definition"]), format)

    @r.get("/metrics/{metric_id}", response_model=models.Metric, tags=["metrics"],
           summary="One metric: definition, basis, unit, caveats and how it differs from those it is confused with",
           responses={**_csv_too(), **_errors(404, 422)})
    async def get_metric(request: Request,
                         metric_id: Annotated[str, PathParam(min_length=1, max_length=64, pattern=_TEXT,
                                                             description="Metric id (see /api/v1/metrics)",
                                                             examples=["charge_rate_cohort"])],
                         format: FormatQ = None):
        return await answer(request, "metric", (metric_id,), lambda: M.explain(metric_id), models.Metric,
                            lambda d: render.records.flatten([d], ["id", "name", "stage", "kind", "basis", "unit", "definition", "caveats"]), format)

    @r.get("/figure", response_model=models.Figure, tags=["figures"],
           summary="One figure (the JSON of `justicegap get --json`)",
           responses={**_csv_too(), **_errors(404, 409, 422)})
    async def figure(request: Request, metric: MetricQ, area: AreaQ, period: PeriodQ = None,
                     offence: OffenceQ = Offence("rape"), outcome: OutcomeQ = None, edition: EditionQ = None,
                     format: FormatQ = None):
        svc: Service = request.app.state.service
        p = period or await run_in_threadpool(svc.default_period, metric if metric in M.registry() else DEFAULT_METRIC, offence.value)
        return await answer(request, "figure", (metric, area, p, offence.value, outcome, edition),
                            lambda: svc.figure(metric, area, p, offence.value, outcome, edition), models.Figure, "figure", format)

    @r.get("/funnel", response_model=models.Attrition, tags=["figures"],
           summary="The attrition funnel: each stage available for the area and period, volumes beside rates",
           responses={**_csv_too(), **_errors(404, 409, 422)})
    async def funnel(request: Request, area: AreaQ, period: PeriodQ = None, offence: OffenceQ = Offence("rape"),
                     edition: EditionQ = None, format: FormatQ = None):
        svc: Service = request.app.state.service
        p = period or await run_in_threadpool(svc.default_period, DEFAULT_METRIC, offence.value)
        return await answer(request, "funnel", (area, p, offence.value, edition),
                            lambda: svc.funnel(area, p, offence.value, edition), models.Attrition, "attrition", format)

    @r.get("/compare", response_model=models.Comparison, tags=["figures"],
           summary="Every area's value, interval and funnel-plot position (a fair comparison, not a league table)",
           responses={**_csv_too(), **_errors(404, 409, 422)})
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

    @r.get("/evaluate", response_model=Evaluation, tags=["figures"],
           summary="Did it work? An interrupted time series around an intervention (the JSON of `justicegap evaluate --json`)",
           responses={**_csv_too("The evaluation; as CSV, one row per period"), **_errors(404, 409, 422)})
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
        return await answer(request, "evaluate", params, lambda: svc.evaluate(*params), Evaluation, "evaluation", format)

    @r.get("/editions", response_model=list[models.Edition], tags=["catalogue"], summary="Every edition loaded in the store",
           responses={**_csv_too(), **_errors(422)})
    async def editions(request: Request, format: FormatQ = None):
        svc: Service = request.app.state.service
        return await answer(request, "editions", (), lambda: [e.to_dict() for e in svc.editions], list[models.Edition], None, format)

    @r.get("/sources", response_model=list[models.Source], tags=["catalogue"], summary="The catalogue of publications justicegap reads",
           responses={**_csv_too(), **_errors(422)})
    async def sources(request: Request, format: FormatQ = None):
        return await answer(request, "sources", (), sources_list, list[models.Source], None, format)

    @r.get("/events", response_model=list[models.Event], tags=["catalogue"],
           summary="Data breaks: changes in recording, outcomes, geography and missing data",
           responses={**_csv_too(), **_errors(422)})
    async def events(request: Request, format: FormatQ = None):
        return await answer(request, "events", (), events_list, list[models.Event], None, format)

    @r.get("/boundaries", response_model=models.Boundaries, tags=["catalogue"],
           summary="Boundaries as GeoJSON (properties code and name), for maps",
           responses=_errors(409, 422))
    async def boundaries(request: Request, level: Annotated[Literal["pfa", "lad"], Query(
            description="pfa (police force areas) or lad (local authority districts, which make up the partnerships)")] = "pfa"):
        svc: Service = request.app.state.service
        return await answer(request, "boundaries", (level,), lambda: svc.boundaries(level), models.Boundaries, None, "json")

    return r


# --- the app ---------------------------------------------------------------------------------

def _is_api(request: Request) -> bool:
    return request.url.path.startswith(API) or request.url.path in ("/openapi.json",)


def _refuse_unprotected_records(svc: Service) -> None:
    """A store holding case records is never served without access control (an analyst token)."""
    from ..records import access
    from ..records import store as rstore

    with svc.cursor() as s:
        if rstore.has_records(s.con) and not access.configured(s.con):
            svc.close()
            raise JusticegapError("this store holds record-level case records and no access control is configured: "
                                  "make an analyst token first (`justicegap records token --user NAME`)")


def create_app(store_path: str | Path | None = None, *, warm: bool = True) -> FastAPI:
    """The API and the dashboard over the store at ``store_path`` (default: JUSTICEGAP_HOME's), read-only."""
    svc = Service(store_path)
    _refuse_unprotected_records(svc)

    warmed = threading.Event()
    answered = threading.Event()  # the first response has gone: warming may start

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # The store stays open for the life of the app object (a test client may run the lifespan
        # once per request); warming the cache happens once.
        if warm and not warmed.is_set():
            warmed.set()
            threading.Thread(target=_warm, args=(app, answered), name="justicegap-warm", daemon=True).start()
        yield

    app = FastAPI(
        title="justicegap", version=__version__, lifespan=lifespan,
        description="The justice gap for rape and other sexual offences in England and Wales, from the published data: "
                    "every rate with its numerator, denominator, basis, counting unit and edition. Read-only. "
                    "Add `format=csv` (or send `Accept: text/csv`) for CSV.",
        openapi_url="/openapi.json", docs_url=None, redoc_url=None,  # /api/docs is a page of the site (Swagger UI served locally)
    )
    app.state.service = svc
    app.state.prepare = warm  # served: a comparison not ready yet is shown as being prepared

    app.add_middleware(CatchAll, answered=answered)

    @app.exception_handler(JusticegapError)
    async def on_user_error(request: Request, e: JusticegapError):
        if _is_api(request):
            return error_response(e)
        from ..web.views import error_page_for

        return error_page_for(request, e)

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, e: RequestValidationError):
        errs = e.errors()
        first = errs[0] if errs else {}
        loc = [str(x) for x in first.get("loc", ()) if x not in ("query", "path", "header", "body")]
        param = loc[0] if loc else None
        msg = first.get("msg", "invalid parameter")
        if first.get("type") in ("enum", "literal_error"):
            msg = f"must be one of: {first.get('ctx', {}).get('expected', '')}"
        message = f"{param}: {msg}" if param else msg
        if _is_api(request):
            return JSONResponse({"error": "InvalidParameter", "message": message, "parameter": param}, status_code=422)
        from ..web.views import error_page

        return error_page(request, 422, "That request could not be understood", message)

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, e: StarletteHTTPException):
        if _is_api(request) or request.url.path.startswith("/api/"):
            kind = {401: "Unauthorized", 404: "NotFound", 405: "MethodNotAllowed"}.get(e.status_code, "HTTPError")
            return JSONResponse({"error": kind, "message": str(e.detail)}, status_code=e.status_code, headers=getattr(e, "headers", None))
        from ..web.views import error_page

        return error_page(request, e.status_code, "Page not found" if e.status_code == 404 else "Error", str(e.detail))

    app.include_router(build_api())
    from .records import build_records_api

    app.include_router(build_records_api())
    from ..web.views import install

    install(app)
    return app


def repeated_parameter(query_string: bytes) -> str | None:
    """The first query parameter given more than once (?metric=a&metric=b), or None. Every
    parameter of the API and the pages takes one value: the last is never silently chosen."""
    from urllib.parse import parse_qsl

    seen: set[str] = set()
    for k, _ in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        if k in seen:
            return k
        seen.add(k)
    return None


class CatchAll:
    """Pure ASGI middleware around every request:

    * one snapshot of the store for the whole request (``Service.pinned``);
    * HEAD answered as GET without the body;
    * ``ETag`` (the editions' fingerprint and the body's hash) and ``Cache-Control: no-cache`` on
      every 200 that has neither, and 304 to a matching ``If-None-Match``: a cache may keep an
      answer but must ask again, so a new edition is never hidden by it;
    * any unhandled error becomes a plain 500 (JSON for the API, a page for the dashboard) with
      the traceback in the server log only; nosniff on every response.

    (Not Starlette's BaseHTTPMiddleware, which costs a task group and streams per request.)"""

    def __init__(self, app, answered: threading.Event | None = None):
        self.app = app
        self.answered = answered

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        head = scope.get("method") == "HEAD"
        if head:
            scope = {**scope, "method": "GET"}
        started = False
        service = getattr(scope["app"].state, "service", None) if "app" in scope else None
        match = dict(scope.get("headers") or ()).get(b"if-none-match")
        held: dict = {}

        async def send_wrapper(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if self.answered is not None:
                    self.answered.set()
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-content-type-options", b"nosniff")]
                names = {k.lower() for k, _ in message["headers"]}
                # a response that says how it may be cached (record-level answers: no-store) is left so
                if message.get("status") == 200 and not names & {b"etag", b"cache-control"} and service is not None:
                    held["start"], held["body"] = message, []  # the ETag needs the whole body
                    return
            elif message["type"] == "http.response.body" and "start" in held:
                held["body"].append(message.get("body", b""))
                if message.get("more_body"):
                    return
                body = b"".join(held["body"])
                start = held.pop("start")
                etag = f'W/"{service.fingerprint}-{hashlib.blake2b(body, digest_size=8).hexdigest()}"'.encode()
                headers = [*start["headers"], (b"etag", etag), (b"cache-control", b"no-cache")]
                if match and etag in [m.strip() for m in match.split(b",")]:
                    headers = [(k, v) for k, v in headers if k.lower() not in (b"content-length", b"content-type")]
                    await send({**start, "status": 304, "headers": headers})
                    await send({"type": "http.response.body", "body": b""})
                    return
                await send({**start, "headers": headers})
                await send({"type": "http.response.body", "body": b"" if head else body})
                return
            if head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        repeated = repeated_parameter(scope.get("query_string", b""))
        if repeated:
            request = Request(scope)
            message = f"{repeated}: given more than once; give each parameter once"
            if _is_api(request) or scope.get("path", "").startswith("/api/"):
                response = JSONResponse({"error": "InvalidParameter", "message": message, "parameter": repeated}, status_code=422)
            else:
                from ..web.views import error_page

                response = error_page(request, 422, "That request could not be understood", message)
            return await response(scope, receive, send_wrapper)
        try:
            if service is None:
                await self.app(scope, receive, send_wrapper)
            else:
                with service.pinned():  # one snapshot of the store for the whole request
                    await self.app(scope, receive, send_wrapper)
        except Exception:  # a bug: the traceback goes to the log, never to the client
            path = scope.get("path", "")
            log.exception("unhandled error serving %s %s", scope.get("method"), path)
            if started:
                raise
            request = Request(scope)
            if _is_api(request) or path.startswith("/api/"):
                response = JSONResponse({"error": "InternalError",
                                         "message": "Something went wrong on the server; it has been logged."}, status_code=500)
            else:
                from ..web.views import error_page

                response = error_page(request, 500, "Something went wrong", "Something went wrong on the server; it has been logged.")
            await response(scope, receive, send_wrapper)


def _warm(app: FastAPI, answered: threading.Event) -> None:
    """Compute what the pages open on before anyone asks, in the background, once the first request
    has been answered (or after two seconds): starting the server never waits for it."""
    answered.wait(2.0)
    svc: Service = app.state.service
    try:
        from ..web import assets, views

        assets.vega_bundle()
        with svc.pinned():  # one snapshot for the whole warm-up
            views.warm(svc)
    except JusticegapError:
        pass
    except Exception:  # pragma: no cover - warming is best effort
        log.exception("warming the cache failed")
