"""The query parameters an address accepts: a misspelt one (``perod=2017/18``) is refused, naming it
and the nearest accepted one, rather than ignored (which answers another question with a 200)."""

from __future__ import annotations

import difflib

from starlette.requests import Request

from .errors import UnknownParameter


def accepted(route) -> set[str]:
    """Query parameter names of a route: those its handler declares (the API), or the set a page
    lists as ``route.query_names`` (pages read their parameters themselves)."""
    names = getattr(route, "query_names", None)
    if names is not None:
        return set(names)
    def names(dependant) -> set[str]:
        out = {p.alias for p in dependant.query_params}
        for sub in dependant.dependencies:
            out |= names(sub)
        return out

    dependant = getattr(route, "dependant", None)
    return names(dependant) if dependant else set()


def reject_unknown(request: Request) -> None:
    """A dependency for every route: 422 naming an unknown parameter and the nearest valid one."""
    route = request.scope.get("route")
    if route is None:
        return
    names = accepted(route)
    for key in request.query_params:
        if key not in names:
            near = difflib.get_close_matches(key, sorted(names), n=1, cutoff=0.5)
            raise UnknownParameter(key, names, near[0] if near else None)
