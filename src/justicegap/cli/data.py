"""Loading and what is loaded: update, sources, areas; and serve, which serves it."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from .app import open_store
from .errors import json_mode, print_error
from .options import JsonOpt
from .output import console, print_json, table


OFFLINE = ("The publishers cannot be reached from this machine (no network, or a firewall), so nothing was downloaded. "
           "To load local copies of the files instead: justicegap update --source-dir DIR (or make demo SOURCES=DIR).")


def update(source_dir: Optional[Path] = typer.Option(None, "--source-dir", help="Read local copies from DIR instead of downloading"),
           source: list[str] = typer.Option([], "--source", help="Only these sources (ids from `justicegap sources --catalogue`)"),
           published: Optional[str] = typer.Option(None, "--published", help="Publication date (YYYY-MM-DD) of local copies"),
           timeout: float = typer.Option(30.0, "--timeout", help="Seconds to wait to connect to, or hear from, a publisher"),
           deadline: float = typer.Option(1800.0, "--deadline", help="Seconds for all the downloads together; what is not "
                                                                      "downloaded by then is reported and the rest is loaded"),
           as_json: bool = JsonOpt):
    """Load the data: download the current files from the publishers, or read local copies.

    Downloads happen before the store is touched; the files are loaded into a copy of the store that
    replaces it when done, so `serve` and `get` go on answering (from the editions they had) meanwhile."""
    from datetime import date

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from .. import publish
    from .. import update as up
    from ..errors import InvalidParameter

    pub = None
    if published:
        try:
            pub = date.fromisoformat(published)
        except ValueError:
            raise InvalidParameter("--published", f"'{published}' is not a date like 2024-07-18") from None
    if timeout <= 0 or deadline <= 0:
        raise InvalidParameter("--timeout" if timeout <= 0 else "--deadline", "give a number of seconds above 0")
    err = console(stderr=True)
    failed_downloads = []
    if source_dir:
        up.data_files(source_dir)  # a folder with nothing to load says so before the store is locked
        with publish.loading() as store:
            # The spinner and clock keep moving while one large file (a gigabyte of ODS XML) is parsed.
            with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                          TimeElapsedColumn(), console=err, transient=True) as bar:
                task = bar.add_task("Loading", total=None)

                def progress(done, total, name):
                    bar.update(task, completed=done, total=total, description=f"Loading {name}")
                results = up.load_dir(store, source_dir, progress=progress, published=pub)
    else:
        from rich.progress import DownloadColumn

        # one line per source: what it is doing, bytes so far
        with Progress(SpinnerColumn(), TextColumn("{task.fields[source]:<18} {task.description}"), BarColumn(),
                      DownloadColumn(), TimeElapsedColumn(), console=err, transient=not err.is_terminal) as bar:
            tasks = {}

            def on_progress(sid, text, done, total):
                if sid not in tasks:
                    tasks[sid] = bar.add_task(text, total=None, source=sid)
                bar.update(tasks[sid], description=text, completed=done or 0, total=total)
            fetched, failed_downloads = up.fetch_all(source or None, timeout=timeout, deadline=deadline,
                                                     on_progress=on_progress)
        results = []
        if fetched:
            with publish.loading() as store:  # the store is locked only while loading
                results = up.load_fetched(store, fetched)
        results += failed_downloads
    if as_json:
        print_json([r.to_dict() for r in results])
    else:

        t = table("file", "status", "dataset", "edition", "facts stored", "message")
        for r in results:
            if r.status != "skipped" and not up.offline(results):
                t.add_row(r.file, r.status, r.dataset or "", r.edition or "", f"{r.rows:,}", r.message)
        if t.row_count:
            console().print(t)
        skipped = [r.file for r in results if r.status == "skipped"]
        if skipped:
            console().print(f"{len(skipped)} file(s) skipped (not a publication justicegap reads): {', '.join(skipped)}")
    if up.offline(failed_downloads) and not any(r.status != "failed" for r in results):
        print_error(OFFLINE)
        raise typer.Exit(5)
    failed = [r for r in results if r.status == "failed"]
    if failed and json_mode():  # one object: each file's message on a line of its own
        print_error("\n".join(r.message for r in failed))
        raise typer.Exit(2)
    if failed:
        for r in failed:
            print_error(r.message)
        raise typer.Exit(2)


def sources(catalogue: bool = typer.Option(False, "--catalogue", help="List the publications justicegap reads"),
            lineage: Optional[str] = typer.Option(None, "--lineage", help="Show the lineage of one edition"),
            as_json: bool = JsonOpt):
    """What is loaded: dataset, edition, file, SHA-256, rows (or the catalogue of publications)."""
    from .. import reference

    if catalogue:
        rows = list(reference.sources().values())
        if as_json:
            return print_json(rows)
        t = table("id", "publisher", "title", "unit", "geography", "periods")
        for r in rows:
            t.add_row(r["id"], r["publisher"], r["title"], r["unit"], r["geography"], r["periods"])
        return console().print(t)
    with open_store() as store:
        if lineage:
            ed = store.edition(lineage)
            steps = [{"step": s, "action": a, "detail": d, "at": str(at)} for s, a, d, at in store.lineage(ed.edition)]
            if as_json:
                return print_json({**ed.to_dict(), "lineage": steps})
            console().print(ed.label())
            for s in steps:
                console().print(f"  {s['step']}. {s['action']}: {s['detail']}")
            return
        eds = store.editions()
    if as_json:
        return print_json([e.to_dict() for e in eds])
    t = table("dataset", "edition", "file", "published", "loaded", "sha256", "facts stored", "covers")
    for e in eds:
        t.add_row(e.dataset, e.edition, e.file_name, str(e.published or ""), f"{e.loaded_at:%Y-%m-%d %H:%M}", e.sha256[:16],
                  f"{e.rows:,}", f"{e.period_start}..{e.period_end}" if e.period_start else "(no facts)")
    console().print(t)


def areas(level: Optional[str] = typer.Option(None, "--level", help="nation, pfa, btp, pfa_group, cps_area, csp, lad"),
          search: Optional[str] = typer.Option(None, "--search", help="Part of a name or code"),
          as_json: bool = JsonOpt):
    """Areas justicegap knows, with their codes and levels."""
    from .. import areas as A

    found = A.all_areas(level, search)
    if as_json:
        return print_json([{**a.to_dict(), "former_names": list(a.former_names), "note": a.note} for a in found])
    if not found:  # an empty table says nothing: say that nothing matched, and where the list is
        return _nothing_matched(search, level)
    t = table("code", "name", "level", "within", "note")
    for a in found:
        t.add_row(a.code, a.name + (f" (formerly {', '.join(a.former_names)})" if a.former_names else ""), a.level,
                  A.get(a.parent).name if a.parent else "", a.note or "")
    console().print(t)


def _nothing_matched(search: str | None, level: str | None) -> None:
    from .. import areas as A
    from ..errors import NotFound

    try:
        A.resolve(search, level)
        close = []
    except NotFound as e:
        close = e.suggestions
    listing = f"justicegap areas --level {level or 'pfa'}"
    console().print(f"No area{f' of level {level}' if level else ''} matches '{search}' (no name, code or alias holds it)."
                    + (f" Closest: {', '.join(close)}." if close else "")
                    + f" See the list: `{listing}`" + ("" if level else " (police force areas; --level cps_area, csp, lad for others)") + ".",
                    markup=False)


def serve(host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (default: loopback only)"),
          port: int = typer.Option(8000, "--port", help="Port to listen on"),
          store: Optional[Path] = typer.Option(None, "--store", help="Store file to serve (default: the one in JUSTICEGAP_HOME)"),
          log_level: str = typer.Option("info", "--log-level", help="critical, error, warning, info or debug")):
    """Serve the dashboard and the read-only HTTP API (/api/v1, OpenAPI at /openapi.json)."""
    import uvicorn

    from ..server import create_app

    application = create_app(store)
    # plain text (Rich is not imported on the way to the first answer)
    typer.echo(f"justicegap: dashboard at http://{host}:{port}/ , API at http://{host}:{port}/api/v1 "
               f"(docs /api/docs), store {application.state.service.path}", err=True)
    # no WebSocket routes: uvicorn need not load a WebSocket protocol before the first answer
    uvicorn.run(application, host=host, port=port, log_level=log_level, access_log=log_level == "debug", ws="none")
