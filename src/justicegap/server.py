"""The server: the HTTP API and the pages composed into one FastAPI app, with the error handling,
the record-level access check, and the background warm-up they share. The API (``api/``) and the
pages (``web/``) are siblings that know nothing of each other; this module joins them, and
``justicegap serve`` runs it."""

from __future__ import annotations

import hashlib
import threading
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from . import __version__
from .api.app import API, build_api, error_response, log
from .errors import JusticegapError
from .service import Service


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(API) or request.url.path in ("/openapi.json",)


def _refuse_unprotected_records(svc: Service) -> None:
    """A store holding case records is never served without access control (an analyst token)."""
    from .records import access
    from .records import store as rstore

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
        from .web.views import error_page_for

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
        elif first.get("type") == "missing":
            msg = "this parameter is required; see the API reference at /api/docs for what it takes"
        message = f"{param}: {msg}" if param else msg
        if _is_api(request):
            return JSONResponse({"error": "InvalidParameter", "message": message, "parameter": param, "code": "invalid_parameter"},
                                status_code=422)
        from .web.views import error_page

        return error_page(request, 422, "That request could not be understood", message)

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, e: StarletteHTTPException):
        if _is_api(request) or request.url.path.startswith("/api/"):
            kind = {401: "Unauthorized", 404: "NotFound", 405: "MethodNotAllowed"}.get(e.status_code, "HTTPError")
            return JSONResponse({"error": kind, "message": str(e.detail)}, status_code=e.status_code, headers=getattr(e, "headers", None))
        from .web.views import error_page

        return error_page(request, e.status_code, "Page not found" if e.status_code == 404 else "Error", str(e.detail))

    app.include_router(build_api(described=False))  # the response models wait for /openapi.json
    from .api.records import build_records_api

    app.include_router(build_records_api())
    from .web.views import install

    install(app)

    def openapi() -> dict:
        """The OpenAPI description, from a copy of the API with its response models, built once
        when first asked for (the served routes leave them out to start quickly)."""
        if app.openapi_schema is None:
            described = FastAPI(title=app.title, version=app.version, description=app.description)
            described.include_router(build_api())
            described.include_router(build_records_api())
            app.openapi_schema = described.openapi()
        return app.openapi_schema

    app.openapi = openapi
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
                response = JSONResponse({"error": "InvalidParameter", "code": "invalid_parameter", "message": message,
                                         "parameter": repeated}, status_code=422)
            else:
                from .web.views import error_page

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
                from .web.views import error_page

                response = error_page(request, 500, "Something went wrong", "Something went wrong on the server; it has been logged.")
            await response(scope, receive, send_wrapper)


def _warm(app: FastAPI, answered: threading.Event) -> None:
    """Compute what the pages open on before anyone asks, in the background, once the first request
    has been answered (or after two seconds): starting the server never waits for it."""
    answered.wait(2.0)
    svc: Service = app.state.service
    try:
        from .web import assets, views

        assets.vega_bundle()
        with svc.pinned():  # one snapshot for the whole warm-up
            views.warm(svc)
    except JusticegapError:
        pass
    except Exception:  # pragma: no cover - warming is best effort
        log.exception("warming the cache failed")
