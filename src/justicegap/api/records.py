"""Record-level routes (``/api/v1/records/...``): only for analysts with a valid token, and every
request written to the audit log. Anyone may have ``/api/v1/records/aggregates``, which passed
disclosure control. A request without a valid token gets one fixed 401 message that never echoes
what it asked for."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Optional

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from ..errors import JusticegapError
from ..query import reject_unknown
from ..model import records as RM
from ..records import access
from .. import model as models
from .app import API, AreaQ, PeriodQ, _errors, dumps, error_response, wants_csv

DENIED = {"error": "Unauthorized", "message": "Record-level data are only for analysts: send an analyst token "
                                               "(Authorization: Bearer ...). Aggregates are at /api/v1/records/aggregates."}
OffenceR = Annotated[str, Query(max_length=40, pattern=r"^[a-z_]+$", description="Offence family (default sexual_offences)")]
FormatR = Annotated[Optional[Literal["json", "csv"]], Query(description="json (default) or csv")]
EventR = Annotated[Literal["charge", "outcome", "completion"], Query(description="charge, outcome or completion")]
BasisR = Annotated[Literal["cohort", "closed"], Query(description="cohort (offences recorded in each quarter, outcome so far; default) "
                                                                  "or closed (outcomes assigned in each quarter)")]


def _token(request: Request) -> str | None:
    h = request.headers.get("authorization", "")
    return h[7:].strip() if h.lower().startswith("bearer ") else None


def _csv(rows: list[dict]) -> str:
    import csv
    import io

    buf = io.StringIO()
    if rows:
        w = csv.DictWriter(buf, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return buf.getvalue()


def analyst(request: Request) -> tuple[str, str]:
    """The analyst a request's token belongs to. A dependency, so it runs before the query
    parameters are checked: a request without a valid token learns nothing, not even which
    parameters were wrong."""
    svc = request.app.state.service
    with svc.cursor() as s:
        user = access.who(s.con, _token(request))
    if not user or user[1] != "analyst":
        raise HTTPException(401, DENIED["message"], headers={"WWW-Authenticate": "Bearer"})
    reject_unknown(request)  # then an unknown parameter is named, as on every other route
    return user


Analyst = Annotated[tuple, Depends(analyst)]


async def _record_level(request: Request, user: tuple, what: str, compute, fmt=None) -> Response:
    """Compute, write the audit line, answer (JSON, or CSV of ``rows``)."""
    svc = request.app.state.service

    def run():
        with svc.cursor() as s:
            return compute(s)

    try:
        data, rows = await run_in_threadpool(run)
    except JusticegapError as e:
        access.record(user[0], user[1], f"{what} (refused: {type(e).__name__})", 0, request.client.host if request.client else None)
        return error_response(e)
    access.record(user[0], user[1], what, rows, request.client.host if request.client else None)
    if wants_csv(request, fmt) and isinstance(data, list):
        return Response(_csv(data), media_type="text/csv; charset=utf-8", headers={"Cache-Control": "no-store"})
    return Response(dumps(data), media_type="application/json", headers={"Cache-Control": "no-store"})


def presented(request: Request) -> tuple | None:
    """The analyst whose token the request carries; None when it carries none. A token that is
    given but is no analyst's is refused (401), not read as no token: an analyst whose token was
    revoked or mistyped learns it, instead of getting the public answer."""
    token = _token(request)
    if token is None:
        return None
    svc = request.app.state.service
    with svc.cursor() as s:
        user = access.who(s.con, token)
    if not user or user[1] != "analyst":
        raise HTTPException(401, DENIED["message"], headers={"WWW-Authenticate": "Bearer"})
    return user


async def analyst_figure(request: Request, metric: str, area: str, period: str, offence: str, fmt=None) -> Response | None:
    """A record-based figure for an analyst: as the command line gives it (a count of 1 to 4 shown,
    flagged record-level), never cached, and written to the audit log. None without a valid analyst
    token: the caller then serves the figure everyone gets, after disclosure control."""
    from .. import metrics, render

    svc = request.app.state.service
    user = presented(request)
    if user is None:
        return None
    what = f"figure metric={metric} area={area} period={period} offence={offence}"
    client = request.client.host if request.client else None

    def run():
        with svc.cursor() as s:
            return metrics.compute(metric, area=area, period=period, offence=offence, store=s).to_dict()

    try:
        d = await run_in_threadpool(run)
    except JusticegapError as e:
        access.record(user[0], user[1], f"{what} (refused: {type(e).__name__})", 0, client)
        return error_response(e)
    access.record(user[0], user[1], what, d["denominator"] or 0, client)
    if wants_csv(request, fmt):
        return Response(render.write(render.flatten(d, "figure"), "csv"), media_type="text/csv; charset=utf-8",
                        headers={"Cache-Control": "no-store"})
    return Response(dumps(d), media_type="application/json", headers={"Cache-Control": "no-store"})


def _declared(*codes: int, csv: bool = False) -> dict:
    out = _errors(*codes)
    out[401] = {"model": models.ErrorBody, "description": "No valid analyst token (nothing about the request is echoed)"}
    if csv:
        out[200] = {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "JSON, or CSV with format=csv"}
    return out


def build_records_api() -> APIRouter:
    r = APIRouter(prefix=f"{API}/records", tags=["case records"])

    @r.get("/aggregates", response_model=RM.RecordAggregates, responses=_errors(404, 409, 422), dependencies=[Depends(reject_unknown)],
           summary="Crimes by quarter and police outcome group, after disclosure control (anyone)")
    async def aggregates(request: Request, area: AreaQ, period: PeriodQ = None,
                         offence: Annotated[str, Query(max_length=40, pattern=r"^[a-z_]+$",
                                                       description="rape (default) or other_sexual")] = "rape"):
        from ..records.aggregates import outcome_table

        svc = request.app.state.service
        user = presented(request)
        if user is not None:  # an analyst: every area, group and period, audited, as on the analyst's page
            def full(s):
                d = outcome_table(s, area, period or "", offence=offence, for_anyone=False).model_dump(mode="json")
                return d, sum(d["quarter_totals"].values())

            return await _record_level(request, user, f"aggregates area={area} period={period} offence={offence}", full)

        def run():
            with svc.cursor() as s:
                return outcome_table(s, area, period or "", offence=offence).model_dump(mode="json")
        try:
            return Response(dumps(await run_in_threadpool(run)), media_type="application/json")
        except JusticegapError as e:
            return error_response(e)

    @r.get("/offences", response_model=list[dict[str, Any]], responses=_declared(404, 409, 422, csv=True), summary="Crime records (pseudonymous), analysts only; audited")
    async def offences(request: Request, user: Analyst, area: AreaQ, period: PeriodQ = None, offence: OffenceR = "sexual_offences",
                       format: FormatR = None):
        from ..records import scope

        def compute(s):
            rows = scope.select(s, area, period or "", offence).rows()
            return rows, len(rows)
        return await _record_level(request, user, f"offences area={area} period={period} offence={offence}", compute, format)

    @r.get("/reconcile", response_model=RM.Reconciliation, responses=_declared(404, 409, 422), summary="Records beside the Home Office outcomes edition, cell by cell; analysts only; audited")
    async def reconcile(request: Request, user: Analyst, area: AreaQ, period: PeriodQ = None, offence: OffenceR = "sexual_offences",
                        basis: BasisR = "cohort"):
        from ..records.reconcile import reconcile as rec

        def compute(s):
            res = rec(s, area, period or "", offence=offence, basis=basis)
            return res.model_dump(mode="json"), res.records_total
        return await _record_level(request, user, f"reconcile area={area} period={period} offence={offence} basis={basis}", compute)

    @r.get("/survival", response_model=RM.Survival, responses=_declared(404, 409, 422), summary="Kaplan-Meier and cumulative incidence; analysts only; audited")
    async def survival(request: Request, user: Analyst, area: AreaQ, period: PeriodQ = None, offence: OffenceR = "sexual_offences",
                       event: EventR = "charge"):
        from ..records.survival import survival as surv

        def compute(s):
            res = surv(s, area, period or "", event=event, offence=offence)
            return res.model_dump(mode="json"), sum(c.n for c in res.curves)
        return await _record_level(request, user, f"survival event={event} area={area} period={period} offence={offence}", compute)

    @r.get("/attrition", response_model=RM.RecordAttrition, responses=_declared(404, 409, 422), summary="The same crimes from report to verdict; analysts only; audited")
    async def attrition(request: Request, user: Analyst, area: AreaQ, period: PeriodQ = None, offence: OffenceR = "sexual_offences"):
        from ..records.measures import attrition as att

        def compute(s):
            res = att(s, area, period or "", offence=offence)
            return res.model_dump(mode="json"), res.stages[0].count
        return await _record_level(request, user, f"attrition area={area} period={period} offence={offence}", compute)

    return r
