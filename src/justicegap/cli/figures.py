"""One figure and what it means: get, metrics, say and check."""

from __future__ import annotations

from typing import Optional

import typer

from ..formats import num as _num
from ..formats import pct as _pct
from ..formats import value_text
from .options import AliasJsonOpt, AreaOpt, FormatOpt, JsonOpt, OffenceOpt, PeriodOpt
from .output import console, flags_text, grid, output_format, print_events, print_json, print_rows, table


def show_figure(d: dict) -> None:
    """A figure as text: value, numerator/denominator, basis, unit, edition, flags, caveats, sentence."""
    from rich.panel import Panel
    out = console()
    t = grid(padding=(0, 2))
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
        out.print("SYNTHETIC RECORDS: not real cases (made by `justicegap synth`).", style="bold yellow", markup=False)
    out.print(Panel(t, title=f"{d['name']} [{d['metric']}]", expand=False))
    if d.get("sentence"):
        out.print(d["sentence"])
    for c in d["caveats"]:
        out.print(f"  • {c}")


def get(metric: str = typer.Argument(..., help="Metric id: see `justicegap metrics`"),
        area: str = AreaOpt, period: str = PeriodOpt, offence: str = OffenceOpt,
        outcome: Optional[str] = typer.Option(None, "--outcome", help="For outcome shares: a type (14) or group (victim_does_not_support)"),
        edition: Optional[str] = typer.Option(None, "--edition", help="Edition id, SHA-256 prefix, file name or publication date (default: newest)"),
        allow_partial: bool = typer.Option(False, "--allow-partial", help="Give a flagged partial figure when the data cover only part of the period"),
        fmt: Optional[str] = FormatOpt, as_json: bool = AliasJsonOpt):
    """One figure, with its numerator, denominator, basis, unit, edition and caveats."""
    from .. import metrics

    out = output_format(fmt, as_json)
    fig = metrics.compute(metric, area=area, period=period, offence=offence, outcome=outcome, edition=edition,
                          allow_partial=allow_partial)
    if out in ("csv", "text"):
        return print_rows(fig, None, out)
    d = fig.to_dict()
    if out == "json":
        return print_json(d)
    show_figure(d)


def metrics_cmd(metric: Optional[str] = typer.Argument(None, help="A metric id to explain"), as_json: bool = JsonOpt):
    """The metric registry: every metric, or one explained."""
    from .. import metrics

    if metric:
        d = metrics.explain(metric)
        if as_json:
            return print_json(d)
        from rich.markup import escape

        c = console()
        c.print(f"[bold]{escape(d['name'])}[/bold] {escape('[' + d['id'] + ']')}")
        lines = [f"  {k.replace('_', ' ')}: {d[k]}" for k in ("official_name", "stage", "kind", "basis", "unit", "numerator",
                                                               "denominator", "definition") if d.get(k)]
        lines.append(f"  sources: {', '.join(d['datasets'])}; levels: {', '.join(d['levels'])}")
        lines += [f"  caveat: {cav}" for cav in d.get("caveats") or []]
        lines += [f"  not to be confused with {cw['metric']}: {cw['how']}" for cw in d.get("confused_with") or []]
        lines.append(f"  how to say it: {d['how_to_say']}")
        for line in lines:  # the registry's words as they are: "[x]" is text, not markup
            c.print(line, markup=False)
        return
    reg = metrics.registry()
    if as_json:
        return print_json([metrics.explain(k) for k in reg])
    t = table("id", "name", "stage", "basis", "unit")
    for k, m in reg.items():
        t.add_row(k, m["name"], m["stage"], m["basis"], m["unit"])
    console().print(t)


def say(metric: str = typer.Argument(..., help="Metric id: see `justicegap metrics`"),
        area: str = AreaOpt, period: str = PeriodOpt, offence: str = OffenceOpt,
        outcome: Optional[str] = typer.Option(None, "--outcome", help="For outcome shares: a type (14) or group (victim_does_not_support)"),
        as_json: bool = JsonOpt):
    """One correctly worded sentence for a figure, with the caveats that must travel with it."""
    from ..answers.sentences import as_text
    from ..answers.sentences import say as run

    out = run(metric, area=area, period=period, offence=offence, outcome=outcome)
    if as_json:
        return print_json(out)
    for s in out:
        console().print(as_text(s), markup=False)


def check(claim: str = typer.Argument(..., help="The claim as published, e.g. 'Only 1.3% of rapes were charged'"),
          metric: str = typer.Option(..., "--metric", "-m", help="The metric the claim is about, e.g. charge_rate_cohort"),
          area: str = AreaOpt, period: str = PeriodOpt,
          value: str = typer.Option(..., "--value", help="The figure as published: a rate as 1.3%, 0.013 or '1 in 24', a count as 2238"),
          offence: str = OffenceOpt, as_json: bool = JsonOpt):
    """Check a published figure against the data on every related basis: which, if any, it matches."""
    from ..answers.claims import check_claim

    r = check_claim(claim, metric, area, period, value, offence=offence)
    if as_json:
        return print_json(r)
    c = console()
    c.print(f"Claim: {claim} ({r['value']['precision']})", markup=False)
    t = table("metric", "basis", "value", "95% CI", "numerator", "denominator", "verdict", "edition", "flags")
    for x in r["candidates"]:
        if not x.get("available"):
            t.add_row(x["metric"], x["basis"], "", "", "", "", "not available", "", "")
            continue
        t.add_row(x["metric"], x["basis"], value_text(x["kind"], x["value"]),
                  f"{_pct(x['ci_low'])}–{_pct(x['ci_high'])}" if x.get("ci_low") is not None else "",
                  _num(x.get("numerator")), _num(x.get("denominator")), x["verdict"], x.get("edition") or "",
                  flags_text(x.get("flags")))
    c.print(t)
    c.print(r["summary"], markup=False)
    print_events(c, [ev for x in r["candidates"] for ev in x.get("events") or ()])
