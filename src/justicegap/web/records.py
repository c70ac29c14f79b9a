"""The case-records pages: an area's own crime records and CPS cases, followed from report to verdict.

``/area/{code}/records`` shows anyone the crimes by quarter and outcome group that passed disclosure
control (``records.aggregates``); a signed-in analyst also sees the cohort charge rate with equal
follow-up, time to charge or outcome, the competing outcomes, where victims withdrew support, the
cancelled and transferred shares, the attrition of the same crimes and the reconciliation with the
Home Office edition, may list a case-review sample (``/sample``) and download it as the review
workbook, and may download the pseudonymised records. Every analyst's request, refused ones too,
is written to the audit log (``records.access``).

Who is an analyst, the sign-in and the audit lines are in ``web.analyst``.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from .. import areas as A
from .. import metrics as M
from .. import reference
from ..errors import InvalidParameter, NotAvailable, NotFound
from ..periods import parse
from ..query import reject_unknown
from ..records import scope
from . import record_charts as RC
from .analyst import PRIVATE, analyst_of, audit, denied, refused, unrecognised
from .views import _opt, link, render

FOLLOW_UPS = (90, 180, 365, 730)
EVENTS = {"charge": "Charge or summons", "outcome": "Any police outcome", "completion": "The end of the prosecution"}
EVENT_HEADINGS = {"charge": "charge or summons", "outcome": "a police outcome", "completion": "the end of the prosecution"}
DEFAULT_OFFENCE = "sexual_offences"
PAGE_PARAMS = ("period", "offence", "follow_up", "event", "curves")
SAMPLE_BY = {"outcome": "Police outcome", "outcome_group": "Police outcome group", "victim_age_band": "Victim's age band",
             "time_to_outcome": "Time to the police outcome", "offence_code": "Offence", "lad_code": "District"}


# --- what is loaded --------------------------------------------------------------------------

def held(request: Request, area: A.Area) -> bool:
    """Whether this area's own case records are loaded (every one of its forces)."""
    return request.app.state.service.cached("records_held", (area.code,), lambda s: scope.held(s, area))


def records_link(request: Request, area: A.Area) -> str | None:
    """The address of the area's case-records page, only when its records are loaded."""
    return f"/area/{area.code}/records" if held(request, area) else None


def _forces(area: A.Area) -> list[A.Area]:
    """The police force areas whose records make up ``area`` (none for a district or partnership)."""
    try:
        return [A.get(f) for f in scope.forces_of(area) if f != "BTP"]
    except NotAvailable:
        return []


def _holders(area: A.Area) -> list[str]:
    """Who holds an area's own case records: its police force(s) and CPS Area(s)."""
    if area.level == "nation":
        return ["each police force (its crime records)", "each CPS Area (its case files)"]
    forces = _forces(area)
    police = [f"{f.police_name or f.name} (its crime records)" for f in forces]
    cps = [f"{c.name} (its case files)" for c in A.all_areas("cps_area") if set(c.members) & {f.code for f in forces}]
    return police + cps


def _loaded_forces(request: Request, area: A.Area) -> list[dict]:
    """The forces of an area made of several (a CPS Area, England and Wales) whose records are loaded, with their pages."""
    if area.level == "pfa":
        return []
    return [{"name": f.name, "href": records_link(request, f)} for f in _forces(area) if held(request, f)]


def _parent_force(area: A.Area) -> A.Area | None:
    """The force area a partnership or district lies in (case records are kept by force)."""
    a = area
    while a.parent:
        a = A.get(a.parent)
        if a.level == "pfa":
            return a
    return None


# --- the page --------------------------------------------------------------------------------

def _section(fn):
    """(answer, None) or (None, the reason in public words) for a part of the page the records cannot give."""
    try:
        return fn(), None
    except NotAvailable as e:
        return None, e.message
    except InvalidParameter as e:
        return None, e.message[:1].upper() + e.message[1:]


def _area(request: Request, code: str):
    try:
        return A.get(code), None
    except NotFound:
        area = A.resolve(code)
        return None, RedirectResponse(link(f"/area/{area.code}/records", **dict(request.query_params)), status_code=302)


MEDIA = {"csv": "text/csv; charset=utf-8", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _period_slug(c: dict) -> str:
    return c["period"].replace("/", "-")


def _download(body, stem: str, ext: str, synthetic: bool, headers: dict) -> Response:
    """A file to save: named for what it holds, and SYNTHETIC in its name when the records are."""
    name = f"justicegap-{stem}" + ("-SYNTHETIC" if synthetic else "")
    return Response(body, media_type=MEDIA[ext], headers={"Content-Disposition": f'attachment; filename="{name}.{ext}"', **headers})


def _analyst_scope(request: Request, code: str):
    """An analyst's address: (area, the checked choices, None), or (None, None, a redirect to the
    area's own code when it was asked by name)."""
    area, redirect = _area(request, code)
    if redirect:
        return None, None, redirect
    reject_unknown(request)
    return area, _choices(request, area), None


def _choices(request: Request, area: A.Area) -> dict:
    """The page's parameters, checked against what the loaded records can give."""
    svc = request.app.state.service
    periods = svc.cached("records_periods", (area.code,), lambda s: scope.periods(s, area))
    per = _opt(request, "period", 40)
    period = parse(per).label if per else (periods[0] if periods else None)
    if not periods:
        raise NotAvailable(f"The case records loaded for {area.name} cover no whole financial year that ended by their extract date.")
    analyst = analyst_of(request) is not None
    if per and not analyst:  # anyone: whole financial years only, so no two periods overlap
        with svc.cursor() as s:
            scope.check_public_period(s, area, per)
    if per and period not in periods:
        raise InvalidParameter("period", f"the case records loaded for {area.name} cover "
                               + (", ".join(periods) if periods else "no whole financial year before their extract date"))
    # anyone is given rape and other sexual offences each on its own (records.scope.check_public)
    offence = M.family(_opt(request, "offence", 40) or (DEFAULT_OFFENCE if analyst else "rape"))
    fu = _opt(request, "follow_up", 5) or "365"
    if not fu.isdigit() or int(fu) not in FOLLOW_UPS:
        raise InvalidParameter("follow_up", f"use {', '.join(map(str, FOLLOW_UPS))} (days)")
    event = _opt(request, "event", 12) or "charge"
    if event not in EVENTS:
        raise InvalidParameter("event", "use charge, outcome or completion")
    # an area of several forces (a CPS Area, England and Wales) may draw one time-to-event curve per force
    several = len(_forces(area)) > 1
    curves = _opt(request, "curves", 8) or "all"
    if curves not in (("all", "force") if several else ("all",)):
        raise InvalidParameter("curves", "use all or force (one curve for each force)" if several
                               else f"use all: {area.name} is one force")
    return {"periods": periods, "period": period, "offence": offence, "follow_up": int(fu), "event": event,
            "curves": curves, "several_forces": several,
            "offences": [(k, v["label"]) for k, v in reference.families().items()
                         if analyst or k in scope.PUBLIC_FAMILIES]}


def records_page(request: Request, code: str) -> Response:
    user = analyst_of(request)
    with refused(request, user, f"case records page area={code}"):
        return _records_page(request, code, user)


def _records_page(request: Request, code: str, user: tuple | None) -> Response:
    area, redirect = _area(request, code)
    if redirect:
        return redirect
    reject_unknown(request)
    headers = PRIVATE if user else {"Vary": "Cookie, Authorization"}
    if not held(request, area):
        parent = _parent_force(area) if area.level in ("csp", "lad") else None
        resp = render(request, "records.html", nav="area", area=area, held=False, holders=_holders(parent or area), parent=parent,
                      parent_link=records_link(request, parent) if parent else None, user=user, loaded=_loaded_forces(request, area))
        resp.headers.update(headers)
        return resp
    c = _choices(request, area)
    svc = request.app.state.service
    key = (area.code, c["period"], c["offence"], not user)
    from ..records.aggregates import outcome_table

    agg, agg_reason = _section(lambda: svc.cached("records_aggregates", key, lambda s: outcome_table(
        s, area.code, c["period"], offence=c["offence"], for_anyone=not user)))
    # said whatever the question, even a refused one: they come from the loads, not from the answer
    extract_date, synthetic = svc.cached("records_extract", (area.code,), lambda s: scope.extract(s, area))
    ctx = {"agg": agg, "agg_reason": agg_reason, "agg_chart": RC.aggregates_chart(agg) if agg and agg.rows else None}
    if not user:
        ctx["public_measures"] = _public_measures(c)
        ctx["token_unrecognised"] = unrecognised(request)
    if user:
        ctx.update(_analyst_sections(request, area, c))
        rows = ctx["attrition"].stages[0].count if ctx.get("attrition") else 0
        audit(request, user, f"case records page area={area.code} period={c['period']} offence={c['offence']} "
                              f"follow_up={c['follow_up']} event={c['event']} curves={c['curves']}", rows)
    q = {"period": c["period"], "offence": c["offence"]}
    if user:
        q |= {"follow_up": c["follow_up"] if c["follow_up"] != 365 else None, "event": c["event"] if c["event"] != "charge" else None,
              "curves": c["curves"] if c["curves"] != "all" else None}
    here = link(f"/area/{area.code}/records", **q)
    resp = render(request, "records.html", nav="area", area=area, held=True, c=c, user=user, synthetic=synthetic,
                  extract_date=extract_date, offence_label=reference.families()[c["offence"]]["label"],
                  permalink=here, signin_next=here, sample_by=SAMPLE_BY, events=EVENTS, follow_ups=_follow_ups(c, extract_date),
                  downloads={"aggregates": link(f"/area/{area.code}/records/aggregates.csv", period=c["period"], offence=c["offence"]),
                             "offences": link(f"/area/{area.code}/records/offences.csv", period=c["period"], offence=c["offence"]),
                             "sample": f"/area/{area.code}/records/sample"},
                  **ctx)
    resp.headers.update(headers)
    return resp


def _public_measures(c: dict) -> list[dict]:
    """The record-based metrics anyone is given (a whole year, small counts suppressed), each linked
    to its comparison of the force areas whose records are loaded."""
    offence = c["offence"] if c["offence"] in scope.PUBLIC_FAMILIES else scope.PUBLIC_FAMILIES[0]
    return [{"name": m["name"], "href": link("/compare", metric=mid, level="pfa", period=c["period"], offence=offence)}
            for mid, m in M.registry().items() if m.get("records")]


def _follow_ups(c: dict, extract_date) -> list[int]:
    """The follow-ups some crimes of the period had had by the extract date (and the one chosen)."""
    longest = (extract_date - parse(c["period"]).start).days
    return [d for d in FOLLOW_UPS if d <= longest or d == c["follow_up"]]


def _analyst_sections(request: Request, area: A.Area, c: dict) -> dict:
    """Every measure of the page an analyst sees, each with the reason when the records cannot give it."""
    from ..records import measures, survival
    from ..records.load import linkage_report
    from ..records.reconcile import reconcile

    svc = request.app.state.service
    key = (area.code, c["period"], c["offence"])

    def cached(name, params, fn):
        return _section(lambda: svc.cached(name, params, fn))

    cohort, cohort_reason = cached("records_cohort", key + (c["follow_up"],),
                                   lambda s: measures.cohort_charge_rate(s, area.code, c["period"], offence=c["offence"], follow_up=c["follow_up"]))
    by = "force" if c["curves"] == "force" else None
    surv, surv_reason = cached("records_survival", key + (c["event"], by),
                               lambda s: survival.survival(s, area.code, c["period"], event=c["event"], offence=c["offence"], by=by))
    shares, shares_reason = cached("records_status", key, lambda s: measures.status_shares(s, area.code, c["period"], offence=c["offence"]))
    wd, wd_reason = cached("records_withdrawal", key, lambda s: measures.withdrawal(s, area.code, c["period"], offence=c["offence"]))
    att, att_reason = cached("records_attrition", key, lambda s: measures.attrition(s, area.code, c["period"], offence=c["offence"]))
    rec, rec_reason = cached("records_reconcile", key, lambda s: reconcile(s, area.code, c["period"], offence=c["offence"]))
    linkage, linkage_reason = cached("records_linkage", (area.code,),
                                     lambda s: linkage_report(s, list(scope.forces_of(area))))
    outcomes, offences = reference.outcomes(), reference.offences()
    return {
        "cohort": cohort, "cohort_reason": cohort_reason,
        "surv": surv, "surv_reason": surv_reason,
        "km_chart": RC.km_chart(surv) if surv else None,
        "inc_chart": RC.incidence_chart(surv) if surv and any(i.points for i in surv.incidence) else None,
        "median_text": RC.median_text, "event_words": RC.EVENT_WORDS, "event_heading": EVENT_HEADINGS[c["event"]],
        "shares": shares, "shares_reason": shares_reason,
        "wd": wd, "wd_reason": wd_reason, "wd_chart": RC.withdrawal_chart(wd) if wd else None,
        "attrition": att, "attrition_reason": att_reason, "attrition_chart": RC.attrition_chart(att) if att else None,
        "rec": rec, "rec_reason": rec_reason,
        "rec_differing": [x for x in rec.cells if x.difference] if rec else [],
        "linkage": linkage, "linkage_reason": linkage_reason,
        "outcome_label": lambda t: outcomes.get(t, {}).get("label", t),
        "offence_name": lambda code: offences.get(code, {}).get("label", code),
    }


# --- downloads -------------------------------------------------------------------------------

def aggregates_csv(request: Request, code: str) -> Response:
    """The crimes by quarter and outcome group that passed disclosure control: anyone may have them."""
    import csv
    import io

    from ..records.aggregates import outcome_table

    area, redirect = _area(request, code)
    if redirect:
        return redirect
    reject_unknown(request)
    if not held(request, area):
        raise NotAvailable(f"The case records of {area.name} are not loaded on this site.", holder="; ".join(_holders(area)))
    c = _choices(request, area)
    anyone = not analyst_of(request)
    g = request.app.state.service.cached("records_aggregates", (area.code, c["period"], c["offence"], anyone),
                                         lambda s: outcome_table(s, area.code, c["period"], offence=c["offence"], for_anyone=anyone))
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["area", "period", "offence", "quarter", "outcome_group", "crimes", "share_of_quarter", "suppressed", "quarter_total",
                "unit", "basis", "extract_date", "synthetic", "disclosure"])
    for r in g.rows:
        w.writerow([g.area["name"], g.period["label"], c["offence"], r.quarter, r.label, "" if r.count is None else r.count,
                    "" if r.share_of_quarter is None else f"{r.share_of_quarter:.6f}", str(r.suppressed).lower(),
                    g.quarter_totals.get(r.quarter), g.unit, g.basis, g.extract_date.isoformat(), str(g.synthetic).lower(), g.disclosure])
    return _download(buf.getvalue(), f"case-records-{area.code}-{_period_slug(c)}-{c['offence']}", "csv", g.synthetic,
                     {"Vary": "Cookie, Authorization"})


def offences_csv(request: Request, code: str) -> Response:
    """The pseudonymised crime records of the area and period: analysts only, audited."""
    user = analyst_of(request)
    if not user:
        return denied(request)
    import csv
    import io

    with refused(request, user, f"case records download offences area={code}"):
        area, c, redirect = _analyst_scope(request, code)
        if redirect:
            return redirect
        with request.app.state.service.cursor() as s:
            sc = scope.select(s, area.code, c["period"], c["offence"])
    rows = sc.rows()
    audit(request, user, f"case records download offences area={area.code} period={c['period']} offence={c['offence']}", len(rows))
    buf = io.StringIO()
    if rows:
        w = csv.DictWriter(buf, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return _download(buf.getvalue(), f"crime-records-{area.code}-{_period_slug(c)}-{c['offence']}", "csv", sc.synthetic, PRIVATE)


SAMPLE_COLUMNS = {"record_id": "Crime record (pseudonym)", "stratum": "Stratum", "outcome_type": "Police outcome",
                  "offence_code": "Offence", "date_reported": "Reported", "date_recorded": "Recorded", "outcome_date": "Outcome date",
                  "victim_sex": "Victim's sex", "victim_age_band": "Victim's age band", "suspect_identified": "Suspect identified",
                  "support_withdrawn_date": "Support withdrawn", "charge_date": "Charged", "referral_date": "Referred to the CPS",
                  "completion_date": "Prosecution completed", "convicted": "Convicted", "cases": "CPS cases"}
KEY_COLUMNS = ("record_id", "stratum", "outcome_type")


def _sample_params(request: Request) -> tuple[int, str, int]:
    size, seed = _opt(request, "size", 6) or "50", _opt(request, "seed", 10) or "1"
    by = _opt(request, "by", 30) or "outcome"
    if not size.isdigit():
        raise InvalidParameter("size", "give the number of crimes to sample, a whole number")
    if not seed.isdigit():
        raise InvalidParameter("seed", "give a whole number (the same seed draws the same sample)")
    if by not in SAMPLE_BY:
        raise InvalidParameter("by", f"use one of {', '.join(SAMPLE_BY)}")
    return int(size), by, int(seed)


def _cell(v) -> str:
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    return v.isoformat() if hasattr(v, "isoformat") else str(v)


def sample_page(request: Request, code: str) -> Response:
    """The case-review sample as a list on the page (pseudonymous ids only): analysts only, audited."""
    user = analyst_of(request)
    if not user:
        return denied(request)
    from ..records.sample import choose

    with refused(request, user, f"case records sample list area={code}"):
        area, c, redirect = _analyst_scope(request, code)
        if redirect:
            return redirect
        size, by, seed = _sample_params(request)
        with request.app.state.service.cursor() as s:
            sc, frame, sample, strata = choose(s, area.code, c["period"], size=size, by=by, seed=seed, offence=c["offence"])
    rows = [{k: _cell(r.get(k)) for k in SAMPLE_COLUMNS} for r in sample.iter_rows(named=True)]
    audit(request, user, f"case records sample list area={area.code} period={c['period']} offence={c['offence']} "
                          f"size={size} by={by} seed={seed}", len(rows))
    q = {"period": c["period"], "offence": c["offence"], "size": size, "by": by, "seed": seed}
    resp = render(request, "records_sample.html", nav="area", area=area, c=c, user=user, synthetic=sc.synthetic, rows=rows,
                  strata=strata, frame=frame.height, size=size, by=SAMPLE_BY[by], seed=seed, columns=SAMPLE_COLUMNS, key_columns=KEY_COLUMNS,
                  extract_date=sc.extract_date, offence_label=reference.families()[c["offence"]]["label"],
                  workbook=link(f"/area/{area.code}/records/sample.xlsx", **q),
                  back=link(f"/area/{area.code}/records", period=c["period"], offence=c["offence"]))
    resp.headers.update(PRIVATE)
    return resp


def sample_xlsx(request: Request, code: str) -> Response:
    """A stratified random sample for joint police-CPS case review, as the review workbook: analysts only, audited."""
    user = analyst_of(request)
    if not user:
        return denied(request)
    import tempfile
    from pathlib import Path

    from ..records.sample import draw

    with refused(request, user, f"case records download sample area={code}"), tempfile.TemporaryDirectory() as tmp:
        area, c, redirect = _analyst_scope(request, code)
        if redirect:
            return redirect
        size, by, seed = _sample_params(request)
        out = Path(tmp) / "sample.xlsx"
        with request.app.state.service.cursor() as s:
            res = draw(s, area.code, c["period"], size=size, by=by, seed=seed, out=out, offence=c["offence"])
        body = out.read_bytes()
    audit(request, user, f"case records download sample area={area.code} period={c['period']} offence={c['offence']} "
                          f"size={size} by={by} seed={seed}", res.size)
    return _download(body, f"case-review-sample-{area.code}-{_period_slug(c)}-seed{seed}", "xlsx", res.synthetic, PRIVATE)


def build_records_pages() -> APIRouter:
    r = APIRouter(include_in_schema=False)
    gets = [("/area/{code}/records", records_page, PAGE_PARAMS, HTMLResponse),
            ("/area/{code}/records/aggregates.csv", aggregates_csv, ("period", "offence"), Response),
            ("/area/{code}/records/offences.csv", offences_csv, ("period", "offence"), Response),
            ("/area/{code}/records/sample.xlsx", sample_xlsx, ("period", "offence", "size", "by", "seed"), Response),
            ("/area/{code}/records/sample", sample_page, ("period", "offence", "size", "by", "seed"), HTMLResponse)]
    for path, fn, params, cls in gets:
        r.add_api_route(path, fn, methods=["GET"], response_class=cls)
        r.routes[-1].query_names = params
    return r


def install(app: FastAPI) -> None:
    from .analyst import build_signin

    app.include_router(build_records_pages())
    app.include_router(build_signin())
