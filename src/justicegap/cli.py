"""The ``justicegap`` command: a thin skin over the library (every command is a function call).

Errors the user can act on (``JusticegapError``) print one message and exit non-zero; heavy
libraries are imported inside the commands that need them so that ``justicegap get`` starts fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from .errors import JusticegapError



def _usage_pieces(command, ctx) -> list[str]:
    """A command's usage line as click writes it: ``get [OPTIONS] METRIC``."""
    out = [command.options_metavar] if command.options_metavar else []
    for param in command.get_params(ctx):
        if param.param_type_name != "argument":
            out += param.get_usage_pieces(ctx)
            continue
        name = param.metavar
        out.append((name if param.required else f"[{name}]") + ("..." if param.nargs != 1 else ""))
    return out


class _Group(typer.core.TyperGroup):
    """Commands that name their arguments in capitals, in the usage line, the help and the errors
    (Typer writes a required argument as ``{metric}``, which reads like a placeholder left unfilled)."""

    def __init__(self, *args, **kwargs):
        from types import MethodType

        super().__init__(*args, **kwargs)
        for command in self.commands.values():
            if not isinstance(command, typer.core.TyperGroup):
                command.collect_usage_pieces = MethodType(_usage_pieces, command)
                for param in command.params:
                    if param.param_type_name == "argument" and param.metavar is None:
                        param.metavar = param.name.upper()


app = typer.Typer(cls=_Group, add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="The justice gap for rape and other sexual offences in England and Wales: "
                       "every rate with its numerator, denominator, basis, unit and edition.")

AreaOpt = typer.Option(..., "--area", "-a", help="ONS code, name or alias: Kent, E23000032, 'England and Wales', Shepway, 'CPS South East'")
PeriodOpt = typer.Option(..., "--period", "-p", help="2017/18, '2017/18 Q4', 2018, 'YE Jun 2025', 2018-03, 2017-04..2018-03")
OffenceOpt = typer.Option("rape", "--offence", "-o", help="rape, rape_adult, rape_child, other_sexual, sexual_offences")
JsonOpt = typer.Option(False, "--json", help="Print JSON instead of text")
FormatOpt = typer.Option(None, "--format", "-f", help="table (for reading, the default), json, csv, or text (the csv's rows, aligned)")
AliasJsonOpt = typer.Option(False, "--json", help="The same as --format json")
OUTPUTS = ("table", "json", "csv", "text")


def _output(fmt: str | None, as_json: bool) -> str:
    """The output format asked for: --format, or --json (its alias)."""
    from .errors import InvalidParameter

    if as_json and fmt not in (None, "json"):
        raise InvalidParameter("--json", f"--json is --format json: give one of --json and --format {fmt}")
    out = "json" if as_json else (fmt or "table").lower()
    if out not in OUTPUTS:
        raise InvalidParameter("--format", f"'{fmt}': use one of {', '.join(OUTPUTS)}")
    return out


def _print_rows(result, kind: str | None, fmt: str) -> None:
    """The result's rows as the render layer flattens them for every surface (csv or text)."""
    from . import render

    sys.stdout.write(render.write(render.flatten(result, kind), fmt).decode("utf-8"))


# Whether the command line asked for JSON output: its errors are then JSON too (set by ``main``).
_json_errors = False


def wants_json(argv: list[str]) -> bool:
    """Whether ``argv`` asks for JSON output (--json, --format json, -f json, --format=json), read
    before click parses it, so that even a usage error is answered in JSON."""
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == "--json" or arg.lower() in ("--format=json", "-fjson"):
            return True
        if arg in ("--format", "-f") and i + 1 < len(argv) and argv[i + 1].lower() == "json":
            return True
    return False


def _print_error(message: str, error: dict | None = None) -> None:
    """One error on stderr: a line of text (what the user typed is not read as markup: an area
    "[/x]"), or, when JSON output was asked for, ``error`` (``wording.error_object``) as one JSON object."""
    if _json_errors:
        from .wording import error_object

        error = error or error_object(None, message)
        sys.stderr.write(json.dumps(error, ensure_ascii=False) + "\n")
        return
    from rich.markup import escape

    _console(stderr=True).print(f"[red]error:[/red] {escape(message)}")


def _print_events(c, events) -> None:
    """Each data break once, with what it means (figures carry only the event's id and title)."""
    from . import reference

    described = {e["id"]: e["description"] for e in reference.table("events")}
    seen = set()
    for ev in events:
        if ev["id"] not in seen:
            seen.add(ev["id"])
            c.print(f"  • Data break: {ev['title']}: {ev.get('description') or described.get(ev['id'], '')}", markup=False)


def _flags_text(flags) -> str:
    """Flags for a table cell; data breaks are listed under the table with their meaning."""
    return ", ".join(f for f in flags or () if not f.startswith("event:"))


def _console(stderr: bool = False):
    from rich.console import Console

    import os

    stream = sys.stderr if stderr else sys.stdout
    # Piped output (a file, a pager, CI logs) gets wide tables rather than Rich's 80 columns.
    width = None if stream.isatty() or os.environ.get("COLUMNS") else 160
    return Console(stderr=stderr, highlight=False, soft_wrap=False, width=width)


def _table(*columns, **kw):
    """A Rich table, imported when one is drawn (``--json`` and ``--format csv`` never draw one)."""
    from rich.table import Table

    return Table(*columns, **kw)


def _table_grid(**kw):
    from rich.table import Table

    return Table.grid(**kw)


def _print_json(obj) -> None:
    sys.stdout.write(json.dumps(obj, indent=2, ensure_ascii=False, default=str) + "\n")


from .formats import num as _num  # noqa: E402
from .formats import pct as _pct  # noqa: E402
from .formats import interval, value_text  # noqa: E402


def show_figure(d: dict, console=None) -> None:
    """A figure as text: value, numerator/denominator, basis, unit, edition, flags, caveats, sentence."""
    from rich.panel import Panel
    console = console or _console()
    t = _table_grid(padding=(0, 2))
    t.add_column(style="bold")
    t.add_column()
    if d["kind"] in ("proportion", "ratio"):
        value = _pct(d["value"])
        if d["ci_low"] is not None:
            value += f"  (95% CI {_pct(d['ci_low'])}–{_pct(d['ci_high'])}, Wilson)"
        t.add_row("Value", value)
        t.add_row("Numerator", f"{_num(d['numerator'])}  {d['numerator_definition'] or ''}")
        t.add_row("Denominator", f"{_num(d['denominator'])}  {d['denominator_definition'] or ''}")
    elif d["kind"] == "per_100k":
        t.add_row("Value", value_text("per_100k", d["value"]))
        t.add_row("Offences", _num(d["numerator"]))
        t.add_row("Population", f"{_num(d['denominator'])}  {(d['population'] or {}).get('note', '')}")
    else:
        value = "not reached" if "median_not_reached" in d["flags"] else f"{_num(d['value'])} {d['unit']}"
        if d["ci_low"] is not None:
            value += f"  (95% CI {_num(d['ci_low'])}–{'not reached' if d['ci_high'] is None else _num(d['ci_high'])})"
        t.add_row("Value", value)
        if d["numerator"] is not None:  # the counts behind an average from case records
            t.add_row("Reached", f"{_num(d['numerator'])}  {d['numerator_definition'] or ''}")
            t.add_row("Followed", f"{_num(d['denominator'])}  {d['denominator_definition'] or ''}")
    t.add_row("Area", f"{d['area']['name']} ({d['area']['code']}, {d['area']['level']})")
    t.add_row("Period", f"{d['period']['label']} ({d['period']['start']} to {d['period']['end']})")
    t.add_row("Offence", d["offence"]["label"] + (f"; outcome: {d['outcome']['label']}" if d.get("outcome") else ""))
    t.add_row("Basis", d["basis"])
    t.add_row("Unit", d["unit"])
    if d.get("extract_date"):  # case records: the extract date (and follow-up) in place of an edition
        t.add_row("Records", f"extracted {d['extract_date']}" + (f"; each crime followed {d['follow_up_days']} days"
                                                                  if d.get("follow_up_days") else ""))
    for s in d["sources"]:
        t.add_row("Load" if d.get("extract_date") else "Edition", f"{s['edition']}: {s['title']}, {s['file']} (SHA-256 {s['sha256'][:12]})")
    if d["flags"]:
        t.add_row("Flags", ", ".join(d["flags"]))
    if d.get("synthetic"):
        console.print("SYNTHETIC RECORDS: not real cases (made by `justicegap synth`).", style="bold yellow", markup=False)
    console.print(Panel(t, title=f"{d['name']} [{d['metric']}]", expand=False))
    if d.get("sentence"):
        console.print(d["sentence"])
    for c in d["caveats"]:
        console.print(f"  • {c}")


def _store(read_only: bool = True):
    from .store import Store

    return Store(read_only=read_only)


# --- loading ---------------------------------------------------------------------------------

OFFLINE = ("The publishers cannot be reached from this machine (no network, or a firewall), so nothing was downloaded. "
           "To load local copies of the files instead: justicegap update --source-dir DIR (or make demo SOURCES=DIR).")


@app.command()
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

    from . import publish
    from . import update as up
    from .errors import InvalidParameter

    pub = None
    if published:
        try:
            pub = date.fromisoformat(published)
        except ValueError:
            raise InvalidParameter("--published", f"'{published}' is not a date like 2024-07-18") from None
    if timeout <= 0 or deadline <= 0:
        raise InvalidParameter("--timeout" if timeout <= 0 else "--deadline", "give a number of seconds above 0")
    err = _console(stderr=True)
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
        _print_json([r.to_dict() for r in results])
    else:

        t = _table("file", "status", "dataset", "edition", "rows", "message")
        for r in results:
            if r.status != "skipped" and not up.offline(results):
                t.add_row(r.file, r.status, r.dataset or "", r.edition or "", f"{r.rows:,}", r.message)
        if t.row_count:
            _console().print(t)
        skipped = [r.file for r in results if r.status == "skipped"]
        if skipped:
            _console().print(f"{len(skipped)} file(s) skipped (not a publication justicegap reads): {', '.join(skipped)}")
    if up.offline(failed_downloads) and not any(r.status != "failed" for r in results):
        _print_error(OFFLINE)
        raise typer.Exit(5)
    failed = [r for r in results if r.status == "failed"]
    if failed and _json_errors:  # one object: each file's message on a line of its own
        _print_error("\n".join(r.message for r in failed))
        raise typer.Exit(2)
    if failed:
        for r in failed:
            _print_error(r.message)
        raise typer.Exit(2)


@app.command()
def sources(catalogue: bool = typer.Option(False, "--catalogue", help="List the publications justicegap reads"),
            lineage: Optional[str] = typer.Option(None, "--lineage", help="Show the lineage of one edition"),
            as_json: bool = JsonOpt):
    """What is loaded: dataset, edition, file, SHA-256, rows (or the catalogue of publications)."""
    from . import reference

    if catalogue:
        rows = list(reference.sources().values())
        if as_json:
            return _print_json(rows)
        t = _table("id", "publisher", "title", "unit", "geography", "periods")
        for r in rows:
            t.add_row(r["id"], r["publisher"], r["title"], r["unit"], r["geography"], r["periods"])
        return _console().print(t)
    with _store() as store:
        if lineage:
            ed = store.edition(lineage)
            steps = [{"step": s, "action": a, "detail": d, "at": str(at)} for s, a, d, at in store.lineage(ed.edition)]
            if as_json:
                return _print_json({**ed.to_dict(), "lineage": steps})
            _console().print(ed.label())
            for s in steps:
                _console().print(f"  {s['step']}. {s['action']}: {s['detail']}")
            return
        eds = store.editions()
    if as_json:
        return _print_json([e.to_dict() for e in eds])
    t = _table("dataset", "edition", "file", "published", "loaded", "sha256", "rows", "covers")
    for e in eds:
        t.add_row(e.dataset, e.edition, e.file_name, str(e.published or ""), f"{e.loaded_at:%Y-%m-%d %H:%M}", e.sha256[:16],
                  f"{e.rows:,}", f"{e.period_start}..{e.period_end}" if e.period_start else "(no facts)")
    _console().print(t)


@app.command()
def areas(level: Optional[str] = typer.Option(None, "--level", help="nation, pfa, btp, pfa_group, cps_area, csp, lad"),
          search: Optional[str] = typer.Option(None, "--search", help="Part of a name or code"),
          as_json: bool = JsonOpt):
    """Areas justicegap knows, with their codes and levels."""
    from . import areas as A

    found = A.all_areas(level, search)
    if as_json:
        return _print_json([{**a.to_dict(), "former_names": list(a.former_names), "note": a.note} for a in found])
    t = _table("code", "name", "level", "within", "note")
    for a in found:
        t.add_row(a.code, a.name + (f" (formerly {', '.join(a.former_names)})" if a.former_names else ""), a.level,
                  A.get(a.parent).name if a.parent else "", a.note or "")
    _console().print(t)


# --- figures ---------------------------------------------------------------------------------

@app.command()
def get(metric: str = typer.Argument(..., help="Metric id: see `justicegap metrics`"),
        area: str = AreaOpt, period: str = PeriodOpt, offence: str = OffenceOpt,
        outcome: Optional[str] = typer.Option(None, "--outcome", help="For outcome shares: a type (14) or group (victim_does_not_support)"),
        edition: Optional[str] = typer.Option(None, "--edition", help="Edition id, SHA-256 prefix, file name or publication date (default: newest)"),
        allow_partial: bool = typer.Option(False, "--allow-partial", help="Give a flagged partial figure when the data cover only part of the period"),
        fmt: Optional[str] = FormatOpt, as_json: bool = AliasJsonOpt):
    """One figure, with its numerator, denominator, basis, unit, edition and caveats."""
    from . import metrics

    out = _output(fmt, as_json)
    fig = metrics.compute(metric, area=area, period=period, offence=offence, outcome=outcome, edition=edition,
                          allow_partial=allow_partial)
    if out in ("csv", "text"):
        return _print_rows(fig, None, out)
    d = fig.to_dict()
    if out == "json":
        return _print_json(d)
    show_figure(d)


@app.command(name="metrics")
def metrics_cmd(metric: Optional[str] = typer.Argument(None, help="A metric id to explain"), as_json: bool = JsonOpt):
    """The metric registry: every metric, or one explained."""
    from . import metrics

    if metric:
        d = metrics.explain(metric)
        if as_json:
            return _print_json(d)
        c = _console()
        c.print(f"[bold]{d['name']}[/bold] [{d['id']}]")
        for k in ("official_name", "stage", "kind", "basis", "unit", "numerator", "denominator", "definition"):
            if d.get(k):
                c.print(f"  {k.replace('_', ' ')}: {d[k]}")
        c.print(f"  sources: {', '.join(d['datasets'])}; levels: {', '.join(d['levels'])}")
        for cav in d.get("caveats") or []:
            c.print(f"  caveat: {cav}")
        for cw in d.get("confused_with") or []:
            c.print(f"  not to be confused with {cw['metric']}: {cw['how']}")
        c.print(f"  how to say it: {d['sentence']}")
        return
    reg = metrics.registry()
    if as_json:
        return _print_json([metrics.explain(k) for k in reg])
    t = _table("id", "name", "stage", "basis", "unit")
    for k, m in reg.items():
        t.add_row(k, m["name"], m["stage"], m["basis"], m["unit"])
    _console().print(t)


@app.command()
def compare(metric: str = typer.Argument(..., help="A proportion metric, e.g. charge_rate_cohort"),
            level: str = typer.Option("pfa", "--level", help="pfa, cps_area or csp"), period: str = PeriodOpt, offence: str = OffenceOpt,
            outcome: Optional[str] = typer.Option(None, "--outcome", help="For outcome shares: a type or group"),
            edition: Optional[str] = typer.Option(None, "--edition", help="Edition (default: newest)"),
            overdispersion: Optional[str] = typer.Option(None, "--overdispersion", help="multiplicative or additive"),
            sort: Optional[str] = typer.Option(None, "--sort", help="value: order by value, each with its rank interval"),
            plot: Optional[Path] = typer.Option(None, "--plot", help="Write the funnel plot: .svg, .png or .html"),
            fmt: Optional[str] = FormatOpt, as_json: bool = AliasJsonOpt):
    """Every area's value, interval and funnel-plot position: a fair comparison, not a league table."""
    from .answers import plots
    from .answers.compare import compare as run

    out = _output(fmt, as_json)
    if plot:
        plots.check_path(plot)
    r = run(metric, level=level, period=period, offence=offence, outcome=outcome, edition=edition,
            overdispersion=overdispersion, sort=sort).model_dump()
    if plot and r.get("target") is not None:
        plots.write(plots.funnel_plot(r), plot)
        r["plot"] = {"file": str(plot), "text": plots.funnel_plot_text(r)}
    if out in ("csv", "text"):
        return _print_rows(r, "comparison", out)
    if out == "json":
        return _print_json(r)
    c = _console()
    if any(a.get("synthetic") for a in r["areas"]):
        c.print("SYNTHETIC RECORDS: not real cases (made by `justicegap synth`).", style="bold yellow", markup=False)
    from . import areas as A
    from .answers.sentences import basis_text

    c.print(f"[bold]{r['name']}[/bold] ({basis_text(r['basis'])}; unit: {r['unit']}), {r['offence']['label']}, {r['period']['label']}, "
            f"by {A.LEVEL_NAMES.get(level, level)}")
    t = _table("area", "numerator", "denominator", "value", "95% CI", "99.8% limits", "position", "flags",
              *(["rank (95% interval)"] if sort == "value" else []))
    for a in r["areas"]:
        ci = f"{_pct(a['ci_low'])}–{_pct(a['ci_high'])}" if a.get("ci_low") is not None else ""
        lim = f"{value_text(a['kind'], a['lower998'])}–{value_text(a['kind'], a['upper998'])}" if a.get("lower998") is not None else ""
        extra = [f"{a['rank']} ({a['rank_low']}–{a['rank_high']})"] if a.get("rank") is not None else []
        t.add_row(a["area"]["name"], _num(a["numerator"]), _num(a["denominator"]), value_text(a["kind"], a["value"]),
                  ci, lim, a.get("position", ""), _flags_text(a.get("flags")), *extra)
    c.print(t)
    files = {s["edition"]: s for a in r["areas"] for s in a.get("sources") or ()}
    extracts = {s["edition"]: a["edition"] for a in r["areas"] if a.get("extract_date") for s in a["sources"]}
    c.print("Editions: " + "; ".join(f"{extracts.get(e, e)} ({s['title']}, {s['file']}, SHA-256 {s['sha256'][:12]})" for e, s in files.items()),
            markup=False)
    if r.get("summary"):
        c.print(r["summary"])
    for cav in r["caveats"]:
        c.print(f"  • {cav}")
    for e in r["excluded"]:
        c.print(f"  • Left out: {e['area']['name']}: {e['reason']}")
    _print_events(c, r["events"])
    if plot:
        c.print(f"Funnel plot written to {plot}")


@app.command()
def funnel(area: str = AreaOpt, period: str = PeriodOpt, offence: str = OffenceOpt,
           edition: Optional[str] = typer.Option(None, "--edition", help="Edition for the police outcomes stage (default: newest)"),
           fmt: Optional[str] = FormatOpt, as_json: bool = AliasJsonOpt):
    """The attrition funnel: each stage that exists for the area and period, volumes beside rates
    (--format csv or text gives the stages' rows)."""
    from .answers.funnel import attrition

    out = _output(fmt, as_json)
    r = attrition(area=area, period=period, offence=offence, edition=edition).model_dump(mode="json")
    if out in ("csv", "text"):
        return _print_rows(r, "attrition", out)
    if out == "json":
        return _print_json(r)
    c = _console()
    c.print(f"[bold]{r['offence']['label']}: {r['area']['name']}, {r['period']['label']}[/bold]")
    t = _table("stage", "volume", "rate", "of", "unit", "basis", "period", "geography", "flags")
    for s in r["stages"]:
        if not s["available"]:
            t.add_row(s["label"], "—", "", "", s["unit"], s["basis"], s["period"]["label"], "", "not available")
            continue
        rate = _pct(s["value"]) if s["kind"] in ("proportion", "ratio") else ""
        if s.get("ci_low") is not None:
            rate += f" ({_pct(s['ci_low'])}–{_pct(s['ci_high'])})"
        t.add_row(s["label"], _num(s["volume"]), rate, _num(s["denominator"]) if s["denominator"] is not None else "",
                  s["unit"], s["basis"], s["period"]["label"], s["geography"], _flags_text(s["flags"]))
    c.print(t)
    _print_events(c, [ev for s in r["stages"] if s["available"] for ev in (s.get("figure") or {}).get("events") or ()])
    if r["outcome_groups"]:
        g = _table("police outcome (offences recorded in the period)", "offences", "share", "95% CI")
        for row in r["outcome_groups"]:
            g.add_row(row["label"], _num(row["count"]), _pct(row["share"]),
                      f"{_pct(row['ci_low'])}–{_pct(row['ci_high'])}" if row.get("ci_low") is not None else "")
        c.print(g)
    for s in r["statements"]:
        c.print(f"  • {s}")
    for s in r["stages"]:
        if s["available"]:
            c.print(f"  • {s['sentence']}")
        else:
            c.print(f"  • {s['label']}: not available. {s['reason']}")


@app.command()
def trend(metric: str = typer.Argument(..., help="Metric id: see `justicegap metrics`"), area: str = AreaOpt,
          offence: str = OffenceOpt,
          edition: Optional[str] = typer.Option(None, "--edition", help="Edition (default: newest)"),
          quarters: int = typer.Option(20, "--quarters", min=1, max=200, help="How many of the newest whole quarters"),
          fmt: Optional[str] = FormatOpt, as_json: bool = AliasJsonOpt):
    """The metric by financial quarter, each quarter with its numerator, denominator, interval and
    edition; quarters the data cover only in part are left out, and data breaks are listed."""
    from .answers.trend import trend as run

    out = _output(fmt, as_json)
    r = run(metric, area=area, offence=offence, edition=edition, max_points=quarters)
    if out in ("csv", "text"):
        return _print_rows(r, "series", out)
    if out == "json":
        return _print_json(r.model_dump(mode="json"))
    c = _console()
    c.print(f"[bold]{r.name}[/bold] ({r.basis}, unit: {r.unit}), {r.offence.label}, {r.area.name}, by financial quarter")
    t = _table("quarter", "value", "95% CI", "numerator", "denominator", "edition", "flags")
    for p in r.points:
        ci = f"{value_text(r.kind, p.ci_low)}–{value_text(r.kind, p.ci_high)}" if p.ci_low is not None else ""
        t.add_row(p.period, value_text(r.kind, p.value), ci, _num(p.numerator) if p.numerator is not None else "",
                  _num(p.denominator) if p.denominator is not None else "", p.edition, _flags_text(p.flags))
    c.print(t)
    _print_events(c, [e.model_dump() for e in r.events])


@app.command()
def maturation(metric: str = typer.Argument(..., help="A metric of the police outcomes, e.g. charge_rate_cohort"),
               area: str = AreaOpt, period: str = PeriodOpt, offence: str = OffenceOpt,
               outcome: Optional[str] = typer.Option(None, "--outcome", help="For outcome shares: a type or group"),
               as_json: bool = JsonOpt):
    """How the same cohort's figure changes from edition to edition, with the share still open."""
    from .answers.maturation import maturation as run

    r = run(metric, area=area, period=period, offence=offence, outcome=outcome)
    if as_json:
        return _print_json(r)
    t = _table("edition", "file", "published", "numerator", "denominator", "value", "95% CI", "not yet assigned", "flags")
    for e in r["editions"]:
        t.add_row(e["edition"], e["file"], e["published"] or f"loaded {e['loaded_at'][:10]}", _num(e["numerator"]), _num(e["denominator"]),
                  value_text(r["kind"], e["value"]), interval(e["ci_low"], e["ci_high"]),
                  _pct(e["not_yet_assigned_share"]) if e["not_yet_assigned_share"] is not None else "", _flags_text(e["flags"]))
    c = _console()
    c.print(f"[bold]{r['name']}[/bold]: {r['area']['name']}, {r['offence']['label']}, {r['period']['label']}")
    c.print(t)
    c.print(r["summary"])
    _print_events(c, r["events"])


@app.command()
def evaluate(metric: Optional[str] = typer.Argument(None, help="Metric id, e.g. cps_conviction_rate (or use --series)"),
             area: Optional[str] = typer.Option(None, "--area", "-a", help="The area where the change happened"),
             start: Optional[str] = typer.Option(None, "--from", help="First period of the window, e.g. 2014-01"),
             end: Optional[str] = typer.Option(None, "--to", help="Last period of the window, e.g. 2018-03"),
             intervention: str = typer.Option(..., "--intervention", help="Date of the change: 2016-10-01 or 2016-10 (that month "
                                                                         "is the first after it)"),
             offence: str = OffenceOpt,
             comparison: Optional[str] = typer.Option(None, "--comparison", help="Comparison areas, comma-separated, or auto "
                                                                                 "(forces whose pre-period series track this one)"),
             seasonality: str = typer.Option("none", "--seasonality", help="none, harmonic (two sine-cosine pairs) or month"),
             errors: str = typer.Option("model", "--errors", help="model (quasi-likelihood) or newey-west (robust to autocorrelation)"),
             series: Optional[Path] = typer.Option(None, "--series", help="Your own series: a CSV with period (2018-03 or 2018 Q1), "
                                                                           "count, and optionally denominator or exposure"),
             plot: Optional[Path] = typer.Option(None, "--plot", help="Write the chart: .svg, .png or .html"),
             as_json: bool = JsonOpt):
    """Did it work? An interrupted time series around an intervention, with comparison areas and placebos."""
    from .answers import plots
    from .answers.evaluation import evaluate as run

    if plot:
        plots.check_path(plot)
    r = run(metric, area=area, start=start, end=end, intervention=intervention, offence=offence, comparison=comparison,
            seasonality=seasonality, errors=errors, series_file=series)
    d = r.model_dump(mode="json")
    if plot:
        from .answers.evaluation_chart import evaluation_plot, evaluation_plot_text

        plots.write(evaluation_plot(d), plot)
        d["plot"] = {"file": str(plot), "text": evaluation_plot_text(d)}
    if as_json:
        return _print_json(d)
    show_evaluation(d, errors)


def _ratio_text(i: dict | None) -> str:
    return "" if i is None else f"{i['estimate']:.3f} (95% CI {i['ci_low']:.3f}–{i['ci_high']:.3f}" + (
        f", p = {i['p_value']:.3g})" if i.get("p_value") is not None else ")")


def show_evaluation(d: dict, errors: str = "model") -> None:
    """An evaluation as text: the sentence, the effects, the model, breaks, placebos, comparison, caveats."""
    c = _console()
    where = f", {d['area']['name']}" if d.get("area") else ""
    c.print(f"[bold]{d['name'][:1].upper() + d['name'][1:]}{where}[/bold]: {d['window']['label']}, intervention {d['intervention']['date']} "
            f"(first period after: {d['intervention']['first_period_after']})", highlight=False)
    c.print(d["sentence"], markup=False)
    e = d["effect"]
    t = _table("effect", e["measure"] + " (95% CI, p)", title=None)
    t.add_row("Level change at the intervention", _ratio_text(e["level_change"]))
    if e.get("level_change_points"):
        p = e["level_change_points"]
        t.add_row("  in percentage points", f"{100 * p['estimate']:+.1f} (95% CI {100 * p['ci_low']:+.1f} to {100 * p['ci_high']:+.1f})")
    if e.get("trend_change_per_year"):
        t.add_row("Change in trend, per year", _ratio_text(e["trend_change_per_year"]))
    t.add_row("Trend before, per year", _ratio_text(e["pre_trend_per_year"]))
    c.print(t)
    m = d["model"]
    c.print(f"Model: {m['description']} Points: {d['points_before']} before, {d['points_after']} after "
            f"({d['points_used']} used; gaps: {', '.join(d['gaps']) or 'none'}).", markup=False)
    ac = m.get("autocorrelation")
    if ac:
        c.print(f"Residual autocorrelation: {ac['test']} over {ac['lags']} lags, Q = {ac['statistic']:.2f}, p = {ac['p_value']:.3f}"
                + (" -> consider --errors newey-west." if ac["suggests_newey_west"] and errors == "model" else "."), markup=False)
    comp = d.get("comparison")
    if comp:
        if comp.get("level_change"):
            c.print(f"Comparison ({comp['method']}): {', '.join(a['name'] for a in comp['areas'])}. Difference in differences, "
                    f"level: {_ratio_text(comp['level_change'])}; trend per year: {_ratio_text(comp['trend_change_per_year'])}. "
                    f"Pre-trend check (treated over comparison trend, per year): {_ratio_text(comp['pre_trend_check'])}"
                    + (" - the pre-period trends differ." if comp["pre_trends_differ"] else " - no evidence the pre-period trends differ."),
                    markup=False)
        if comp["method"] == "auto" and comp.get("candidates"):
            ct = _table("candidate", "pre-period points", "correlation", "pre-trend ratio per year", "chosen", "why not")
            for cand in comp["candidates"]:
                ct.add_row(cand["area"]["name"], str(cand["points"] or ""),
                           f"{cand['correlation']:.2f}" if cand.get("correlation") is not None else "",
                           _ratio_text(cand.get("pre_trend_ratio_per_year")), "yes" if cand["chosen"] else "",
                           (cand.get("reason") or "")[:90])
            c.print(ct)
    pl = d["placebos"]
    c.print(f"Placebos: {pl['summary']}", markup=False)
    if pl["results"]:
        pt = _table("placebo", "false intervention", "area", "level change (95% CI)", "as large")
        for p in pl["results"]:
            pt.add_row(p["kind"].replace("_", " "), p["intervention"], (p.get("area") or {}).get("name", ""),
                       _ratio_text(p.get("level_change")) or (p.get("reason") or "")[:80],
                       "" if p.get("as_large") is None else "yes" if p["as_large"] else "no")
        c.print(pt)
    for b in d["breaks"]:
        c.print(f"  • Data break{' (within three months of the intervention)' if b['near_intervention'] else ''}: "
                f"{b['title']} ({b['start']}{'–' + b['end'] if b.get('end') and b['end'] != b['start'] else ''}): {b['description']}",
                markup=False)
    for cav in d["caveats"]:
        c.print(f"  • {cav}", markup=False)
    by_title: dict[str, list[dict]] = {}
    for src in d.get("sources") or []:
        by_title.setdefault(src.get("title") or "Your file", []).append(src)
    for title, srcs in by_title.items():
        if len(srcs) <= 2:
            c.print("Source: " + "; ".join(f"{title}, {x['file']}" + (f", edition {x['edition']}" if x.get("edition") else "")
                                           + f" (SHA-256 {(x.get('sha256') or '')[:12]})" for x in srcs), markup=False)
        else:
            names = sorted(x["file"] for x in srcs)
            c.print(f"Source: {title}, {len(srcs)} editions ({names[0]} to {names[-1]}; each edition and SHA-256 in --json)",
                    markup=False)
    if d.get("plot"):
        c.print(f"Chart written to {d['plot']['file']}", markup=False)


@app.command()
def serve(host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (default: loopback only)"),
          port: int = typer.Option(8000, "--port", help="Port to listen on"),
          store: Optional[Path] = typer.Option(None, "--store", help="Store file to serve (default: the one in JUSTICEGAP_HOME)"),
          log_level: str = typer.Option("info", "--log-level", help="critical, error, warning, info or debug")):
    """Serve the dashboard and the read-only HTTP API (/api/v1, OpenAPI at /openapi.json)."""
    import uvicorn

    from .server import create_app

    application = create_app(store)
    # plain text (Rich is not imported on the way to the first answer)
    typer.echo(f"justicegap: dashboard at http://{host}:{port}/ , API at http://{host}:{port}/api/v1 "
               f"(docs /api/docs), store {application.state.service.path}", err=True)
    # no WebSocket routes: uvicorn need not load a WebSocket protocol before the first answer
    uvicorn.run(application, host=host, port=port, log_level=log_level, access_log=log_level == "debug", ws="none")


# --- answers: reports, sentences, exports, claims ---------------------------------------------

REPORT_SUFFIXES = (".xlsx", ".html", ".pdf")


@app.command()
def report(area: str = AreaOpt,
           start: Optional[str] = typer.Option(None, "--from", help="First period, e.g. 2013/14 (default: ten financial years before --to)"),
           end: Optional[str] = typer.Option(None, "--to", help="Last period, e.g. 2022/23 (default: the latest financial year loaded)"),
           offence: str = typer.Option("sexual_offences", "--offence", "-o", help="rape, rape_adult, rape_child, other_sexual, sexual_offences"),
           local: Optional[str] = typer.Option(None, "--local", help="Local areas for the borough table, comma-separated: "
                                               "'Ashford,Canterbury,Shepway' (default: every CSP of the force)"),
           intervention: Optional[str] = typer.Option(None, "--intervention", help="A date (2016-10-01): adds an interrupted time "
                                                      "series of the CPS conviction rate by month around it"),
           out: Path = typer.Option(..., "--out", help="The report file: .xlsx (workbook), .html (page) or .pdf (printed page)")):
    """Everything the data hold for an area, years and offence: tables, sentences, definitions, caveats, what is not available."""
    from .writable import check_writable
    from .errors import InvalidParameter

    if out.suffix.lower() not in REPORT_SUFFIXES:
        raise InvalidParameter("--out", f"'{out.name}': write .xlsx, .html or .pdf")
    check_writable(out, "--out")
    if out.suffix.lower() == ".pdf":
        from .answers.html import chromium_path

        chromium_path()
    from .answers.report import build_report

    if intervention:
        from .answers.evaluation import intervention_date

        intervention_date(intervention)  # a malformed date fails before any work
    r = build_report(area, start=start, end=end, offence=offence, local_areas=local, intervention=intervention)
    suffix = out.suffix.lower()
    if suffix == ".xlsx":
        from .answers.workbook import write_xlsx

        write_xlsx(r, out)
    elif suffix == ".html":
        from .answers.html import write_html

        write_html(r, out)
    else:
        from .answers.html import write_pdf

        write_pdf(r, out)
    c = _console()
    q = r.question
    c.print(f"Report written to {out}: {q['offence']['label']}, {q['area']['name']}, {q['years'][0]} to {q['years'][-1]}", markup=False)
    c.print(f"  {len(r.tables)} tables: " + ", ".join(t.title for t in r.tables), markup=False)
    if "own_tables" in q:  # a local area: which tables are its own and which its force's, and why
        c.print(f"  {q['notes'][-1]}", markup=False)
    if r.missing.get("years"):
        c.print(f"  Years missing from the loaded police data (listed, not filled): {', '.join(r.missing['years'])}", markup=False)
    if r.missing.get("local_years"):
        c.print(f"  Years no loaded local table covers (listed, not filled): {', '.join(r.missing['local_years'])}", markup=False)
    c.print(f"  {len(r.not_available)} parts of the question not available (see the report's 'Not available' section)", markup=False)


@app.command()
def say(metric: str = typer.Argument(..., help="Metric id: see `justicegap metrics`"),
        area: str = AreaOpt, period: str = PeriodOpt, offence: str = OffenceOpt,
        outcome: Optional[str] = typer.Option(None, "--outcome", help="For outcome shares: a type (14) or group (victim_does_not_support)"),
        as_json: bool = JsonOpt):
    """One correctly worded sentence for a figure, with the caveats that must travel with it."""
    from .answers.sentences import as_text
    from .answers.sentences import say as run

    out = run(metric, area=area, period=period, offence=offence, outcome=outcome)
    if as_json:
        return _print_json(out)
    for s in out:
        _console().print(as_text(s), markup=False)


EXPORT_HELP = """Write a query result as csv, parquet, xlsx or json into a folder, with a Frictionless datapackage.json beside it.

\b
Three kinds of query:
  one figure:     justicegap export METRIC --area AREA --period P [--offence F] [--outcome O] --format csv --out DIR
  every area:     justicegap export --compare METRIC --level pfa --period P [--offence F] --format parquet --out DIR
  attrition:      justicegap export --funnel --area AREA --period P [--offence F] --format xlsx --out DIR
\b
The folder is created if needed; exporting several results into one folder adds each to the same datapackage.json
(fields typed and described with units, sources with editions and SHA-256, licence OGL-UK-3.0, metric definitions)."""


@app.command(help=EXPORT_HELP)
def export(metric: Optional[str] = typer.Argument(None, help="Metric id (for one figure, or with --compare)"),
           compare_: bool = typer.Option(False, "--compare", help="Every area at --level (a funnel-plot comparison) instead of one figure"),
           funnel_: bool = typer.Option(False, "--funnel", help="The attrition funnel for --area and --period"),
           area: Optional[str] = typer.Option(None, "--area", "-a", help="Area (one figure, or --funnel)"),
           level: str = typer.Option("pfa", "--level", help="With --compare: pfa, cps_area or csp"),
           period: str = PeriodOpt, offence: str = OffenceOpt,
           outcome: Optional[str] = typer.Option(None, "--outcome", help="For outcome shares: a type or group"),
           fmt: str = typer.Option("csv", "--format", "-f", help="csv, parquet, xlsx or json"),
           out: Path = typer.Option(..., "--out", help="Folder to write into (created if needed)")):
    from .writable import check_writable_folder
    from .render.datapackage import FORMATS
    from .render.datapackage import export as run
    from .errors import InvalidParameter

    if fmt.lower() not in FORMATS:
        raise InvalidParameter("--format", f"'{fmt}': use one of {', '.join(FORMATS)}")
    if compare_ and funnel_:
        raise InvalidParameter("--compare", "choose --compare or --funnel, not both")
    check_writable_folder(out, "--out")
    if funnel_:
        if not area:
            raise InvalidParameter("--area", "--funnel needs --area")
        from .answers.funnel import attrition

        result, kind = attrition(area=area, period=period, offence=offence), "attrition"
    elif compare_:
        if not metric:
            raise InvalidParameter("METRIC", "--compare needs a metric, e.g. --compare charge_rate_cohort")
        from .answers.compare import compare as run_compare

        result, kind = run_compare(metric, level=level, period=period, offence=offence, outcome=outcome), "comparison"
    else:
        if not metric or not area:
            raise InvalidParameter("METRIC", "give a metric and --area for one figure (or use --compare / --funnel)")
        from . import metrics

        result, kind = metrics.compute(metric, area=area, period=period, offence=offence, outcome=outcome), "figure"
        if "case_records" in result.flags:  # an export is a file that gets sent on: disclosure control, as for a report
            from .metrics.from_records import suppress_small

            result = suppress_small(result)
    written = run(result, out, fmt, kind=kind)
    _console().print(f"Wrote {written['data']} and {written['descriptor']}", markup=False)


@app.command()
def check(claim: str = typer.Argument(..., help="The claim as published, e.g. 'Only 1.3% of rapes were charged'"),
          metric: str = typer.Option(..., "--metric", "-m", help="The metric the claim is about, e.g. charge_rate_cohort"),
          area: str = AreaOpt, period: str = PeriodOpt,
          value: str = typer.Option(..., "--value", help="The figure as published: 1.3%, 0.013 or '1 in 24'"),
          offence: str = OffenceOpt, as_json: bool = JsonOpt):
    """Check a published figure against the data on every related basis: which, if any, it matches."""
    from .answers.claims import check_claim

    r = check_claim(claim, metric, area, period, value, offence=offence)
    if as_json:
        return _print_json(r)
    c = _console()
    c.print(f"Claim: {claim} ({r['value']['precision']})", markup=False)
    t = _table("metric", "basis", "value", "95% CI", "numerator", "denominator", "verdict", "edition", "flags")
    for x in r["candidates"]:
        if not x.get("available"):
            t.add_row(x["metric"], x["basis"], "", "", "", "", "not available", "", "")
            continue
        t.add_row(x["metric"], x["basis"], value_text(x["kind"], x["value"]),
                  f"{_pct(x['ci_low'])}–{_pct(x['ci_high'])}" if x.get("ci_low") is not None else "",
                  _num(x.get("numerator")), _num(x.get("denominator")), x["verdict"], x.get("edition") or "",
                  _flags_text(x.get("flags")))
    c.print(t)
    c.print(r["summary"], markup=False)
    _print_events(c, [ev for x in r["candidates"] for ev in x.get("events") or ()])


# --- local mode: case records ------------------------------------------------------------------

records_app = typer.Typer(cls=_Group, no_args_is_help=True, rich_markup_mode=None,
                          help="Local mode: a force's and CPS Area's own case records, pseudonymised on load.")
app.add_typer(records_app, name="records")
RecOffenceOpt = typer.Option("sexual_offences", "--offence", "-o", help="Offence family: sexual_offences, rape, rape_adult...")


def _synthetic_banner(c, result) -> None:
    if getattr(result, "synthetic", False):
        c.print("SYNTHETIC RECORDS: not real cases (made by `justicegap synth`).", style="bold yellow", markup=False)


def _date_opt(text: Optional[str], name: str):
    from datetime import date

    from .errors import InvalidParameter

    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidParameter(name, f"'{text}' is not a date like 2018-06-30") from None


def _local_audit(what: str, rows: int) -> None:
    import getpass

    from .records import access

    access.record(getpass.getuser(), "local", what, rows, "command line")


@app.command()
def synth(area: str = AreaOpt, period: str = PeriodOpt,
          out: Path = typer.Option(..., "--out", help="A new folder for the synthetic record files"),
          seed: int = typer.Option(1, "--seed", help="Random seed: the same seed gives the same files"),
          offence: str = RecOffenceOpt,
          extract_date: Optional[str] = typer.Option(None, "--extract-date", help="Extract date (default: the edition's publication date, or 91 days after the period)"),
          as_json: bool = JsonOpt):
    """Write SYNTHETIC case records whose counts reproduce the loaded published counts exactly."""
    from .records.synth import synthesise

    with _store() as store:
        r = synthesise(store, area, period, out, seed=seed, offence=offence, extract_date=_date_opt(extract_date, "--extract-date"))
    if as_json:
        return _print_json(r.model_dump(mode="json"))
    c = _console()
    c.print(f"SYNTHETIC records written to {r.out}: {r.offences:,} crime records, {r.suspects:,} suspects, "
            f"{r.cps_cases:,} CPS cases for {r.area['name']}, {r.period['label']} (extract date {r.extract_date}, seed {r.seed}).", markup=False)
    for s in r.sources:
        c.print(f"  • From: {s}", markup=False)
    c.print("Assumptions are listed in manifest.json.", markup=False)


@records_app.command("load")
def records_load(directory: Path = typer.Argument(..., help="Folder holding offences, cps_cases (and suspects) as CSV, Parquet or XLSX"),
                 extract_date: Optional[str] = typer.Option(None, "--extract-date", help="Date the records were extracted (default: from manifest.json)"),
                 key_file: Optional[Path] = typer.Option(None, "--key-file", help="Pseudonymisation key file (default: $JUSTICEGAP_RECORDS_KEY or $JUSTICEGAP_HOME/records.key; made if absent)"),
                 as_json: bool = JsonOpt):
    """Validate, pseudonymise and link case records, in one transaction."""
    from .records.load import load_records

    with _store(read_only=False) as store:
        r = load_records(store, directory, extract_date=_date_opt(extract_date, "--extract-date"), key_file=key_file)
    if as_json:
        return _print_json(r.model_dump(mode="json"))
    c = _console()
    _synthetic_banner(c, r)
    c.print(f"Loaded {r.offences:,} crime records, {r.suspects:,} suspects and {r.cps_cases:,} CPS cases "
            f"(extract date {r.extract_date}) as {r.load_id}; identifiers pseudonymised with the key in {r.key_file}"
            + (" (new key: keep it safe and outside the store)" if r.key_created else "") + ".", markup=False)
    if r.replaced:
        c.print(f"Replaces the earlier load(s) of the same forces: {', '.join(r.replaced)}", markup=False)
    _print_linkage(c, r.linkage)


def _print_linkage(c, rep) -> None:
    t = _table(title="Linkage report (police records and CPS cases)")
    for col in ("rule", "side", "count", "statement"):
        t.add_column(col, justify="right" if col == "count" else "left")
    for rule in rep.rules:
        t.add_row(rule.rule, rule.side, f"{rule.count:,}", rule.statement)
    c.print(t)


@records_app.command("linkage")
def records_linkage(area: str = AreaOpt, as_json: bool = JsonOpt):
    """The linkage report of the loaded records of an area."""
    from . import areas as A
    from .records.load import linkage_report

    with _store() as store:
        rep = linkage_report(store, list(A.forces(A.resolve(area), what="Case records")))
    if as_json:
        return _print_json(rep.model_dump(mode="json"))
    c = _console()
    _synthetic_banner(c, rep)
    _print_linkage(c, rep)


@records_app.command("reconcile")
def records_reconcile(area: str = AreaOpt, period: str = PeriodOpt, offence: str = RecOffenceOpt,
                      edition: Optional[str] = typer.Option(None, "--edition", help="Home Office outcomes edition (default: newest)"),
                      show_all: bool = typer.Option(False, "--all", help="List every cell, not only those that differ"),
                      basis: str = typer.Option("cohort", "--basis", help="cohort (offences recorded in each quarter, outcome so far) or closed (outcomes assigned in each quarter)"),
                      as_json: bool = JsonOpt):
    """Records by quarter x offence code x outcome type beside the loaded Home Office outcomes edition."""
    from .records.reconcile import reconcile

    with _store() as store:
        r = reconcile(store, area, period, offence=offence, edition=edition, basis=basis)
    if as_json:
        return _print_json(r.model_dump(mode="json"))
    c = _console()
    _synthetic_banner(c, r)
    counted = "outcomes assigned in the period" if basis == "closed" else "crime records"
    c.print(f"{r.area['name']}, {r.period['label']}: {r.records_total:,} {counted} (extract date {r.extract_date}) against "
            f"{r.published_total:,} in edition {r.edition} ({r.edition_file}). Basis: {r.basis}.", markup=False)
    cells = r.cells if show_all else [x for x in r.cells if x.difference]
    if cells:
        t = _table()
        for col in ("quarter", "offence", "outcome", "records", "published", "difference", "likely cause"):
            t.add_column(col)
        for x in cells:
            t.add_row(x.quarter, x.offence, x.outcome, str(x.records), "—" if x.published is None else str(x.published),
                      "" if not x.difference else f"{x.difference:+d}", x.likely_cause or "")
        c.print(t)
    c.print(f"{r.differences} cell(s) differ" + (f"; {r.unreproducible} cell(s) published as negative counts cannot be "
                                                  "matched by any records" if r.unreproducible else "") + ".", markup=False)


@records_app.command("survival")
def records_survival(area: str = AreaOpt, period: str = PeriodOpt,
                     event: str = typer.Option("charge", "--event", help="charge, outcome or completion"),
                     by: Optional[str] = typer.Option(None, "--by", help="year or force: one curve each"),
                     offence: str = RecOffenceOpt, as_json: bool = JsonOpt,
                     plot: Optional[Path] = typer.Option(None, "--plot", help="Write the curves as .svg, .png or .html")):
    """Time to charge, outcome or completion: Kaplan-Meier censored at the extract date, and competing outcomes."""
    from .answers import plots
    from .records.charts import survival_chart
    from .records.survival import survival

    if plot:
        plots.check_path(plot)
    with _store() as store:
        r = survival(store, area, period, event=event, offence=offence, by=by)
    if plot:
        plots.write(survival_chart(r), plot)
    if as_json:
        return _print_json(r.model_dump(mode="json"))
    c = _console()
    _synthetic_banner(c, r)
    c.print(r.method, markup=False)
    t = _table(title=f"Days from recording to {event}")
    for col in ("group", "crimes", "events", "censored", "median days (95% CI)"):
        t.add_column(col)
    for cv in r.curves:
        med = "not reached" if cv.median_days is None else (
            f"{cv.median_days:g} ({'—' if cv.median_ci_low is None else f'{cv.median_ci_low:g}'}–"
            f"{'not reached' if cv.median_ci_high is None else f'{cv.median_ci_high:g}'})")
        t.add_row(cv.label, f"{cv.n:,}", f"{cv.events:,}", f"{cv.censored:,}", med)
    c.print(t)
    if r.incidence:
        t = _table(title="First outcome: cumulative incidence (Aalen-Johansen)")
        for col in ("outcome", "crimes", "by 365 days (95% CI)", "by the extract date"):
            t.add_column(col)
        for i in r.incidence:
            ci = "" if i.at_365_ci_low is None else f" ({_pct(i.at_365_ci_low)}–{_pct(i.at_365_ci_high)})"
            t.add_row(i.label, f"{i.events:,}", f"{_pct(i.at_365_days)}{ci}", _pct(i.at_end))
        c.print(t)
    if plot:
        c.print(f"Chart written to {plot}", markup=False)


@records_app.command("measures")
def records_measures(area: str = AreaOpt, period: str = PeriodOpt, offence: str = RecOffenceOpt,
                     follow_up: int = typer.Option(365, "--follow-up", help="Days each crime is followed for the charge rate"),
                     as_json: bool = JsonOpt,
                     plot: Optional[Path] = typer.Option(None, "--plot", help="Write the attrition chart as .svg, .png or .html")):
    """The same crimes followed: charge rate with equal follow-up, cancellations, withdrawal of support, attrition."""
    from .answers import plots
    from .records import measures as m
    from .records.charts import attrition_chart

    if plot:
        plots.check_path(plot)
    with _store() as store:
        rate = m.cohort_charge_rate(store, area, period, offence=offence, follow_up=follow_up)
        shares = m.status_shares(store, area, period, offence=offence)
        wd = m.withdrawal(store, area, period, offence=offence)
        att = m.attrition(store, area, period, offence=offence)
    if plot:
        plots.write(attrition_chart(att), plot)
    if as_json:
        return _print_json({"charge_rate": rate.model_dump(mode="json"), "status": shares.model_dump(mode="json"),
                            "withdrawal": wd.model_dump(mode="json"), "attrition": att.model_dump(mode="json")})
    c = _console()
    _synthetic_banner(c, rate)
    ci = "" if rate.ci_low is None else f" (95% CI {_pct(rate.ci_low)}–{_pct(rate.ci_high)}, Wilson)"
    c.print(f"Charge rate with equal follow-up: {_pct(rate.value)}{ci}, {rate.numerator:,} of {rate.denominator:,}. "
            f"Basis: {rate.basis}.", markup=False)
    c.print(rate.sentence, markup=False)
    t = _table(title=f"Status of the {shares.total:,} crime records made in the period")
    for col in ("status", "records", "share"):
        t.add_column(col)
    for s in shares.statuses + [x for x in shares.reasons if x.count]:
        t.add_row(s.label, f"{s.count:,}", _pct(s.share))
    c.print(t)
    t = _table(title=f"Victims withdrawing support: {wd.withdrawn:,} of {wd.records:,} crimes"
                    + ("" if wd.median_days_from_report is None else f", median {wd.median_days_from_report:g} days after the report"))
    for col in ("when", "crimes", "share"):
        t.add_column(col)
    for s in wd.stages:
        t.add_row(s.label, f"{s.count:,}", _pct(s.share))
    c.print(t)
    t = _table(title="Attrition of the same crimes, report to verdict")
    for col in ("stage", "crimes", "of reports", "went no further", "why"):
        t.add_column(col)
    for st in att.stages:
        t.add_row(st.label, f"{st.count:,}", _pct(st.share_of_reports), f"{st.left:,}",
                  "; ".join(f"{k} {v:,}" for k, v in st.left_reasons.items()))
    c.print(t)
    c.print(att.note, markup=False)
    if plot:
        c.print(f"Chart written to {plot}", markup=False)


@records_app.command("sample")
def records_sample(area: str = AreaOpt, period: str = PeriodOpt,
                   size: int = typer.Option(..., "--size", help="How many crimes to sample"),
                   by: str = typer.Option("outcome", "--by", help="Field to stratify by: outcome, outcome_group, victim_age_band, time_to_outcome, offence_code..."),
                   seed: int = typer.Option(1, "--seed", help="Random seed: the same seed gives the same sample"),
                   out: Path = typer.Option(..., "--out", help="The review workbook to write (.xlsx)"),
                   offence: str = RecOffenceOpt, as_json: bool = JsonOpt):
    """A stratified random sample of crimes for joint case review, in a workbook with the sampling frame."""
    from .records.sample import draw

    with _store() as store:
        r = draw(store, area, period, size=size, by=by, seed=seed, out=out, offence=offence)
    _local_audit(f"sample area={area} period={period} by={by} size={size} seed={seed} -> {out}", r.size)
    if as_json:
        return _print_json(r.model_dump(mode="json"))
    c = _console()
    _synthetic_banner(c, r)
    c.print(f"Sampled {r.size} of {r.frame:,} crimes, stratified by {r.by} (seed {r.seed}), into {r.path}.", markup=False)


@records_app.command("token")
def records_token(user: str = typer.Option(..., "--user", help="Who the token is for (shown in the audit log)"),
                  revoke: bool = typer.Option(False, "--revoke", help="Revoke every token of this user instead")):
    """Make an analyst token for `serve` (printed once; only its hash is stored), or revoke a user's tokens."""
    from .records import access

    with _store(read_only=False) as store:
        if revoke:
            n = access.revoke(store, user)
            _console().print(f"Revoked {n} token(s) of {user}.", markup=False)
            return
        token = access.add_token(store, user)
    _console().print(f"Analyst token for {user} (shown once; send it as 'Authorization: Bearer TOKEN'):", markup=False)
    sys.stdout.write(token + "\n")


@app.command()
def audit(as_json: bool = JsonOpt):
    """Who saw which case records, when, and how many rows (the audit log)."""
    from .records import access

    rows = access.entries()
    if as_json:
        return _print_json([e.model_dump(mode="json") for e in rows])
    t = _table(title=f"Record-level requests ({access.log_path()})")
    for col in ("when (UTC)", "who", "role", "what", "rows", "from"):
        t.add_column(col)
    for e in rows:
        t.add_row(e.at.isoformat(timespec="seconds"), e.user, e.role, e.what, f"{e.rows:,}", e.client or "")
    _console().print(t)
    if not rows:
        _console().print("No record-level requests yet.", markup=False)


def _click_exceptions():
    """(exits, usage errors, other click errors, aborts), from click itself and from the copy of
    click that recent Typer releases vendor (typer._click), whose errors are not click's classes."""
    import click

    mods = [click.exceptions]
    try:
        from typer._click import exceptions as vendored
    except ImportError:
        vendored = None
    if vendored is not None and vendored is not click.exceptions:
        mods.append(vendored)
    return ((click.exceptions.Exit, typer.Exit), tuple(m.UsageError for m in mods),
            tuple(m.ClickException for m in mods), (click.exceptions.Abort, typer.Abort))


def _print_usage_error(e) -> None:
    """The command's usage line and one sentence, never a traceback (a bare command prints its help)."""
    if type(e).__name__ == "NoArgsIsHelpError":
        e.show()
        return
    ctx = getattr(e, "ctx", None)
    if ctx is not None and not _json_errors:
        _console(stderr=True).print(ctx.get_usage(), markup=False)
    hint = f" See '{ctx.command_path} --help'." if ctx is not None else " See 'justicegap --help'."
    msg = e.format_message().strip()
    msg += ("" if msg.endswith((".", "?", "!")) else ".") + hint
    from .wording import error_object

    _print_error(msg, error_object("usage", msg, parameter=_usage_parameter(e)))


def _usage_parameter(e) -> str | None:
    """The option or argument a usage error concerns, as the usage line names it (None if click
    does not know: a command that does not exist, a stray argument)."""
    param = getattr(e, "param", None)
    if param is None:
        return getattr(e, "option_name", None)
    if param.param_type_name == "argument":
        return param.metavar or param.name.upper()
    return next((o for o in param.opts if o.startswith("--")), param.opts[0] if param.opts else None)


def main() -> None:
    """Entry point: user errors are one message and an exit status, never a traceback."""
    global _json_errors
    _json_errors = wants_json(sys.argv[1:])
    exits, usage, click_errors, aborts = _click_exceptions()
    try:
        status = app(standalone_mode=False)  # without standalone mode, click returns typer.Exit's code
    except JusticegapError as e:
        from .wording import error_json, text

        _print_error(text(e, "cli"), error_json(e, "cli"))
        sys.exit(e.exit_code)
    except exits as e:
        sys.exit(e.exit_code)
    except usage as e:
        _print_usage_error(e)
        sys.exit(e.exit_code)
    except click_errors as e:
        _print_error(e.format_message())
        sys.exit(e.exit_code)
    except aborts:
        sys.exit(130)
    if isinstance(status, int):
        sys.exit(status)


if __name__ == "__main__":
    main()
