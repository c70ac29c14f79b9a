"""The library's error messages, worded for HTTP: the library speaks to the command line (a
parameter is ``--outcome``, a partial figure is had with ``--allow-partial``); the API and the
pages take query parameters, so the same errors name those instead. The CLI's wording stays.
"""

from __future__ import annotations

import re

from ..errors import InvalidParameter, JusticegapError

API = "/api/v1"

# CLI flags that are query parameters of the API and the pages under the same name, without the
# dashes (other flags, such as `justicegap update --source-dir`, are left as written: they are
# instructions for whoever runs the server)
QUERY_PARAMETERS = ("metric", "area", "period", "offence", "outcome", "edition", "level", "overdispersion", "sort")
_FLAG = re.compile(r"(?<![\w-])--(" + "|".join(QUERY_PARAMETERS) + r")\b(?!-)")
# Clauses that only make sense on the command line, and what replaces them over HTTP ("" drops them):
# the API has no parameter for a flagged partial figure (only the funnel gives partial stages, flagged).
_CLI_ONLY = [
    (re.compile(r"\s*\(use --allow-partial for a flagged partial figure\)"), {"api": "", "web": ""}),
    (re.compile(r"Try `justicegap areas --search TEXT`"), {"api": f"Try {API}/areas?search=TEXT",
                                                           "web": "Try the area search (/areas?q=TEXT)"}),
    (re.compile(r"See `justicegap metrics` for the list"), {"api": f"See {API}/metrics for the list",
                                                             "web": "See the list of metrics (/metrics)"}),
    (re.compile(r"See `justicegap sources` for the editions loaded"), {"api": f"See {API}/editions for the editions loaded",
                                                                        "web": f"See the editions loaded ({API}/editions)"}),
]

# Pages of this server that a web message may name: shown as links on the error page.
WEB_LINKS = ("/metrics", f"{API}/editions", "/areas?q=TEXT")


def parameter(name: str | None) -> str | None:
    """``--outcome`` -> ``outcome``, ``--allow-partial`` -> ``allow_partial``; other names unchanged."""
    if name and name.startswith("--"):
        return name[2:].replace("-", "_")
    return name


def text(message: str, where: str = "api") -> str:
    """A library message with its command-line clauses reworded (or dropped) for ``where`` (api or web)."""
    for pattern, repl in _CLI_ONLY:
        message = pattern.sub(repl[where], message)
    return _FLAG.sub(lambda m: m.group(1), message)


def error_body(e: JusticegapError, where: str = "api") -> dict:
    """``e.to_dict()`` worded for HTTP: parameter names as the query names them, no CLI flags."""
    d = e.to_dict()
    d["message"] = text(d["message"], where)
    if isinstance(e, InvalidParameter):
        d["parameter"] = parameter(d.get("parameter"))
    if "holder" in d and not d["holder"]:
        d["holder"] = None  # no holder named: null, not an empty name
    return d


def linked(message: str):
    """A web message as HTML, escaped, with the pages of this server it names as links."""
    from markupsafe import Markup, escape

    html = str(escape(message))
    for path in WEB_LINKS:
        target = path.split("?")[0] if "TEXT" in path else path
        html = html.replace(f"({escape(path)})", f'(<a href="{escape(target)}">{escape(path)}</a>)')
    return Markup(html)
