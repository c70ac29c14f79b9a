"""What the commands print: the console, tables, JSON and the render layer's rows, and the
output format asked for. Rich is imported only when something is drawn with it."""

from __future__ import annotations

import json
import sys


OUTPUTS = ("table", "json", "csv", "text")


def output_format(fmt: str | None, as_json: bool) -> str:
    """The output format asked for: --format, or --json (its alias)."""
    from ..errors import InvalidParameter

    if as_json and fmt not in (None, "json"):
        raise InvalidParameter("--json", f"--json is --format json: give one of --json and --format {fmt}")
    out = "json" if as_json else (fmt or "table").lower()
    if out not in OUTPUTS:
        raise InvalidParameter("--format", f"'{fmt}': use one of {', '.join(OUTPUTS)}")
    return out


def print_rows(result, kind: str | None, fmt: str) -> None:
    """The result's rows as the render layer flattens them for every surface (csv or text)."""
    from .. import render

    sys.stdout.write(render.write(render.flatten(result, kind), fmt).decode("utf-8"))


def print_events(c, events) -> None:
    """Each data break once, with what it means (figures carry only the event's id and title)."""
    from .. import reference

    described = {e["id"]: e["description"] for e in reference.table("events")}
    seen = set()
    for ev in events:
        if ev["id"] not in seen:
            seen.add(ev["id"])
            c.print(f"  • Data break: {ev['title']}: {ev.get('description') or described.get(ev['id'], '')}", markup=False)


def flags_text(flags) -> str:
    """Flags for a table cell; data breaks are listed under the table with their meaning."""
    return ", ".join(f for f in flags or () if not f.startswith("event:"))


def console(stderr: bool = False):
    """A Rich console on stdout (or stderr), imported when something is printed with it."""
    from rich.console import Console

    import os

    stream = sys.stderr if stderr else sys.stdout
    # Piped output (a file, a pager, CI logs) gets wide tables rather than Rich's 80 columns.
    width = None if stream.isatty() or os.environ.get("COLUMNS") else 160
    return Console(stderr=stderr, highlight=False, soft_wrap=False, width=width)


def table(*columns, **kw):
    """A Rich table, imported when one is drawn (``--json`` and ``--format csv`` never draw one)."""
    from rich.table import Table

    return Table(*columns, **kw)


def grid(**kw):
    """A Rich grid (a table without lines), for a figure's label and value pairs."""
    from rich.table import Table

    return Table.grid(**kw)


def print_json(obj) -> None:
    """``obj`` as indented JSON on stdout (dates and paths as text)."""
    sys.stdout.write(json.dumps(obj, indent=2, ensure_ascii=False, default=str) + "\n")
