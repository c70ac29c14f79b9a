"""A tiny local HTTP server for tests that must not reach the network.

    from httpserver import Route, serve

    with serve({"/page": b"<html>...</html>", "/file.csv": Route(b"a,b\\n", statuses=[500])}) as base:
        ...  # base is "http://127.0.0.1:<port>"

``routes`` maps a path (with its query string if the request has one, e.g. ``/file?uri=/a/b.xlsx``;
a path without query also matches requests that carry one) to ``bytes`` (served as 200) or a
:class:`Route` with scripted behaviour:

* ``statuses``: codes answered to the first requests, in order (``200`` = serve normally), e.g.
  ``[500, 503]`` fails twice then serves; ``206`` serves with status 206 whatever was asked (a
  misbehaving server; put its ``Content-Range`` in ``headers``); ``status`` answers every request
  with that code (its ``headers`` too, e.g. a ``Location`` for 301);
* ``drop_after`` / ``drop_count``: the first ``drop_count`` normal answers declare the full length
  but send only ``drop_after`` bytes of the body, then close the connection;
* ``honour_range``: answer ``Range: bytes=N-`` with 206 and ``Content-Range`` (416 past the end);
  ``False`` ignores Range and sends the whole file with 200;
* ``declared_length``: a ``Content-Length`` to declare instead of the true one (a lying server);
* ``headers`` / ``content_type``: extra response headers;
* ``stall``: seconds to wait, saying nothing, before answering (a stalled server).

Every request to a route is appended to ``route.requests`` as ``{"method", "path", "headers"}``
(header names lower-cased), so a test can check what the client sent. The server is threaded,
listens on 127.0.0.1 with an OS-chosen port, and stops when the ``with`` block ends.
"""

from __future__ import annotations

import re
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator


@dataclass
class Route:
    body: bytes = b""
    content_type: str = "application/octet-stream"
    status: int | None = None
    statuses: list[int] = field(default_factory=list)
    drop_after: int | None = None
    drop_count: int = 1
    honour_range: bool = True
    declared_length: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    requests: list[dict] = field(default_factory=list)
    stall: float = 0.0

    def __post_init__(self):
        self._lock = threading.Lock()
        self._served = 0  # requests answered so far
        self._dropped = 0

    @property
    def range_requests(self) -> list[str]:
        return [r["headers"]["range"] for r in self.requests if "range" in r["headers"]]


def _guess_type(path: str) -> str:
    for ext, kind in ((".json", "application/json"), (".html", "text/html; charset=utf-8"),
                      (".csv", "text/csv"), (".zip", "application/zip")):
        if path.split("?")[0].endswith(ext):
            return kind
    return "application/octet-stream"


def _as_route(path: str, value) -> Route:
    if isinstance(value, Route):
        return value
    if isinstance(value, str):
        value = value.encode("utf-8")
    return Route(bytes(value), content_type=_guess_type(path))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    routes: dict[str, Route] = {}

    def log_message(self, format, *args):  # keep test output quiet
        pass

    def do_HEAD(self):
        self._answer(head=True)

    def do_GET(self):
        self._answer(head=False)

    def _plain(self, status: int, text: str, extra: dict | None = None, head: bool = False):
        body = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _answer(self, head: bool):
        route = self.routes.get(self.path) or self.routes.get(self.path.split("?", 1)[0])
        if route is None:
            self._plain(404, f"no route for {self.path}", head=head)
            return
        with route._lock:
            route.requests.append({"method": self.command, "path": self.path,
                                   "headers": {k.lower(): v for k, v in self.headers.items()}})
            n = route._served
            route._served += 1
            scripted = route.status if route.status is not None else (
                route.statuses[n] if n < len(route.statuses) else 200)
            drop = False
            if scripted in (200, 206) and route.drop_after is not None and route._dropped < route.drop_count:
                route._dropped += 1
                drop = True
        if route.stall:
            time.sleep(route.stall)
        if scripted not in (200, 206):
            self._plain(scripted, f"scripted status {scripted}", route.headers, head=head)
            return

        body, status = route.body, 200
        extra = dict(route.headers)
        rng = self.headers.get("Range")
        if rng and route.honour_range:
            m = re.fullmatch(r"bytes=(\d+)-(\d*)", rng.strip())
            if m:
                start = int(m[1])
                end = int(m[2]) if m[2] else len(body) - 1
                if start >= len(body):
                    self._plain(416, "range not satisfiable", {"Content-Range": f"bytes */{len(body)}"}, head)
                    return
                end = min(end, len(body) - 1)
                extra["Content-Range"] = f"bytes {start}-{end}/{len(body)}"
                body, status = body[start:end + 1], 206
        if route.honour_range:
            extra.setdefault("Accept-Ranges", "bytes")
        if scripted == 206:
            status = 206  # a misbehaving server: 206 whatever was asked (give Content-Range in headers)

        self.send_response(status)
        self.send_header("Content-Type", route.content_type)
        declared = route.declared_length if route.declared_length is not None else len(body)
        self.send_header("Content-Length", str(declared))
        for k, v in extra.items():
            self.send_header(k, v)
        if drop or declared != len(body):
            self.send_header("Connection", "close")
        self.end_headers()
        if head:
            return
        if drop:
            self.wfile.write(body[: route.drop_after])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body[:declared])
        if declared != len(body):
            self.close_connection = True


@contextmanager
def serve(routes: dict) -> Iterator[str]:
    """Serve ``routes`` on 127.0.0.1; yields the base URL (no trailing slash)."""
    table = {path: _as_route(path, value) for path, value in routes.items()}
    handler = type("Handler", (_Handler,), {"routes": table})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
