"""The library's errors worded for each skin. Errors carry data (a parameter name, a code, the
actions open to the user); the command line names flags and commands, the API query parameters
and routes, the pages links. No message is rewritten after the fact.
"""

from __future__ import annotations

from .errors import InputError, InvalidParameter, JusticegapError, NotFound, UnknownParameter

API = "/api/v1"

# What the user can do next (errors.ACTIONS), by skin. An empty text: nothing to say there.
ACTION_TEXT = {
    "cli": {
        "load_data": "Load data with `justicegap update` (or `justicegap update --source-dir DIR` from local copies).",
        "search_areas": "Try `justicegap areas --search TEXT`.",
        "list_metrics": "See `justicegap metrics` for the list.",
        "list_editions": "See `justicegap sources` for the editions loaded.",
        "allow_partial": "Use --allow-partial for a flagged partial figure.",
        "overdispersion": "--overdispersion multiplicative or additive widens the limits to allow for it.",
        "load_records": "Load a force's case records with `justicegap records load DIR` (`justicegap synth` makes synthetic ones to try it).",
    },
    "api": {
        "load_data": f"The server answers from the editions it has loaded ({API}/editions lists them).",
        "search_areas": f"Search the areas at {API}/areas?search=TEXT.",
        "list_metrics": f"See {API}/metrics for the list.",
        "list_editions": f"See {API}/editions for the editions loaded.",
        "allow_partial": "",
        "overdispersion": "The overdispersion parameter (multiplicative or additive) widens the limits to allow for it.",
        "load_records": "Case records are loaded into the server's store by its operator.",
    },
    "web": {
        "load_data": "This site answers from the publications it has loaded (see the editions loaded).",
        "search_areas": "Try the area search.",
        "list_metrics": "See the list of measures.",
        "list_editions": "See the editions loaded.",
        "allow_partial": "",
        "overdispersion": "The comparison can widen its limits to allow for this (the 'allow for overdispersion' choice).",
        "load_records": "",
    },
}
# Pages a web message's actions point to, shown as links on the error page.
ACTION_LINKS = {"search_areas": "/areas", "list_metrics": "/metrics", "list_editions": f"{API}/editions"}


def parameter(name: str | None, where: str = "api") -> str | None:
    """A library parameter name as ``where`` spells it: ``allow_partial`` is ``--allow-partial`` on
    the command line and ``allow_partial`` over HTTP."""
    if name is None:
        return None
    bare = name.removeprefix("--").replace("-", "_")
    if bare.isupper():  # a command's argument (METRIC), named as its usage line names it
        return bare
    return "--" + bare.replace("_", "-") if where == "cli" else bare


def text(e: JusticegapError | str, where: str = "api", spell=None) -> str:
    """The error's message for ``where`` (cli, api or web), with its actions worded there; ``spell``
    names a parameter as the skin's caller knows it (a command's argument METRIC, not --metric)."""
    if isinstance(e, str):
        return e
    if isinstance(e, NotFound) and e.kind == "edition" and where == "web":  # ids are not shown on pages
        msg = f"No edition called \u201c{e.value}\u201d is loaded on this site."
    elif isinstance(e, UnknownParameter) and where == "web":  # a page's parameter names are ids: not shown
        msg = (f"This page's address has a part the page does not use (“{e.parameter}”). "
               "Remove it from the address, or choose again with the page's form.")
    elif isinstance(e, InvalidParameter):
        msg = f"{(spell or parameter)(e.parameter, where)}: {e.message}"
    else:
        msg = str(e)
    # on a page an action with a link is the link, not a sentence beside it as well
    extra = [ACTION_TEXT[where][a] for a in e.actions if ACTION_TEXT[where][a] and not (where == "web" and a in ACTION_LINKS)]
    if extra and not msg.rstrip().endswith((".", "!", "?")):
        msg = msg.rstrip() + "."
    out = " ".join([msg, *extra])
    if getattr(e, "kind", None) == "area" and "TEXT" in out:  # the search, for what was typed
        from urllib.parse import quote

        out = out.replace("?search=TEXT", f"?search={quote(str(e.value), safe='')}").replace("--search TEXT", f"--search '{e.value}'")
    return out


def error_body(e: JusticegapError, where: str = "api") -> dict:
    """``e.to_dict()`` worded for HTTP: parameter names as the query names them."""
    d = e.to_dict()
    d["message"] = text(e, where)
    if "parameter" in d:
        d["parameter"] = parameter(d["parameter"], where)
    if "holder" in d and not d["holder"]:
        d["holder"] = None  # no holder named: null, not an empty name
    return d


def error_object(code: str | None, message: str, *, parameter: str | None = None, alternatives=(),
                 holder: str | None = None, location: dict | None = None) -> dict:
    """One error as a program reading a skin's JSON output gets it: the same keys every time (null
    or an empty list when the error does not carry one); a file's error adds where in the file
    (``location``: file, sheet, row, column)."""
    return {"error": {"code": code, "message": message, "parameter": parameter,
                      "alternatives": [str(a) for a in alternatives], "holder": holder or None, **(location or {})}}


def error_json(e: JusticegapError, where: str = "cli", spell=None) -> dict:
    """``e`` as :func:`error_object`, worded for ``where``: the message the text output prints, the
    parameter as ``where`` names it (or as ``spell`` does), the closest matches or what is available
    instead, the holder, and for a file's error the file, sheet, row and column."""
    name = getattr(e, "parameter", None)
    location = None
    if isinstance(e, InputError):
        location = {k: v for k, v in e.to_dict().items() if k in ("file", "sheet", "row", "column")}
    return error_object(e.code, text(e, where, spell), parameter=None if name is None else (spell or parameter)(name, where),
                        alternatives=getattr(e, "suggestions", None) or getattr(e, "available", None) or (),
                        holder=getattr(e, "holder", None), location=location)


def links(e: JusticegapError) -> list[dict]:
    """The pages of this server the error's actions point to (for the error page)."""
    return [{"href": ACTION_LINKS[a], "text": ACTION_TEXT["web"][a]} for a in e.actions if a in ACTION_LINKS]
