"""Who is asking for case records: an analyst's token (the one ``records.access`` made, which the
API takes as ``Authorization: Bearer``) in that header or in the cookie the sign-in form sets
(HttpOnly, Secure, SameSite=Strict, for eight hours), so the token is never in an address; and the
audit line every analyst's request writes, refused ones too."""

from __future__ import annotations

import re
from contextlib import contextmanager
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..errors import JusticegapError
from ..query import reject_unknown
from ..records import access
from .views import _opt, render

COOKIE = "justicegap_analyst"
SESSION_SECONDS = 8 * 3600
PRIVATE = {"Cache-Control": "no-store, private", "Vary": "Cookie, Authorization"}
NEXT = re.compile(r"^/area/[A-Za-z0-9-]{1,20}/records(\?[A-Za-z0-9_=&%/.+-]{0,300})?$")


def token_of(request: Request) -> str | None:
    h = request.headers.get("authorization", "")
    if h.lower().startswith("bearer "):
        return h[7:].strip() or None
    return request.cookies.get(COOKIE) or None


def analyst_of(request: Request) -> tuple[str, str] | None:
    """(user, role) of the analyst whose token came with the request (header or sign-in cookie), else None."""
    token = token_of(request)
    if not token:
        return None
    with request.app.state.service.cursor() as s:
        user = access.who(s.con, token)
    return tuple(user) if user and user[1] == "analyst" else None


def unrecognised(request: Request) -> bool:
    """Whether the request carried a token (header or sign-in cookie) that is no analyst's: the page
    says so rather than silently showing what anyone sees."""
    return token_of(request) is not None and analyst_of(request) is None


def audit(request: Request, user: tuple, what: str, rows: int) -> None:
    access.record(user[0], user[1], what, rows, request.client.host if request.client else None)


@contextmanager
def refused(request: Request, user: tuple | None, what: str):
    """An analyst's request that the library refuses is written to the audit log too (what was
    asked, and why it was refused), then answered with the error page."""
    try:
        yield
    except JusticegapError as e:
        if user:
            audit(request, user, f"{what} {request.url.query[:300]} (refused: {type(e).__name__})".replace("  ", " "), 0)
        raise


def denied(request: Request) -> HTMLResponse:
    """The one answer to a record-level address without an analyst's token: it says nothing of what was asked."""
    return render(request, "records_signin.html", status=401, nav="area", error=None, next_href=None,
                  message="Record-level data are only for the force's and the CPS's analysts: sign in with your analyst token.")


def signin_page(request: Request) -> HTMLResponse:
    reject_unknown(request)
    nxt = _opt(request, "next", 400)
    return render(request, "records_signin.html", nav="area", error=None, message=None, next_href=nxt if nxt and NEXT.match(nxt) else None)


async def sign_in(request: Request) -> Response:
    """The sign-in form: a valid analyst token is kept in a cookie only this site gets (HttpOnly,
    Secure, SameSite=Strict) for eight hours; anything else is refused with the form again."""
    body = (await request.body())[:4096].decode("utf-8", "replace")
    form = {k: v[0] for k, v in parse_qs(body).items()}
    token = (form.get("token") or "").strip()
    nxt = form.get("next") or ""
    nxt = nxt if NEXT.match(nxt) else "/"
    with request.app.state.service.cursor() as s:
        user = access.who(s.con, token) if token and len(token) < 200 else None
    if not user or user[1] != "analyst":
        return render(request, "records_signin.html", status=401, nav="area", message=None, next_href=nxt if nxt != "/" else None,
                      error="That is not a valid analyst token. Ask the person who looks after this site for yours.")
    resp = RedirectResponse(nxt, status_code=303)
    resp.set_cookie(COOKIE, token, max_age=SESSION_SECONDS, httponly=True, secure=True, samesite="strict", path="/")
    return resp


async def sign_out(request: Request) -> Response:
    body = (await request.body())[:1024].decode("utf-8", "replace")
    nxt = (parse_qs(body).get("next") or ["/"])[0]
    resp = RedirectResponse(nxt if NEXT.match(nxt) else "/", status_code=303)
    resp.delete_cookie(COOKIE, path="/", secure=True, httponly=True, samesite="strict")
    return resp


def build_signin() -> APIRouter:
    r = APIRouter(include_in_schema=False)
    r.add_api_route("/records/sign-in", signin_page, methods=["GET"], response_class=HTMLResponse)
    r.routes[-1].query_names = ("next",)
    r.add_api_route("/records/sign-in", sign_in, methods=["POST"])
    r.routes[-1].query_names = ()
    r.add_api_route("/records/sign-out", sign_out, methods=["POST"])
    r.routes[-1].query_names = ()
    return r
