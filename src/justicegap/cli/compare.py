"""Areas and periods side by side: compare (funnel plot), funnel (attrition), trend and maturation."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..formats import interval, value_text
from ..formats import num as _num
from ..formats import pct as _pct
from .options import AliasJsonOpt, AreaOpt, FormatOpt, OffenceOpt, PeriodOpt
from .output import console, flags_text, output_format, print_events, print_json, print_rows, table


def compare(metric: str = typer.Argument(..., help="A proportion metric, e.g. charge_rate_cohort"),
            level: str = typer.Option("pfa", "--level", help="pfa, cps_area or csp"), period: str = PeriodOpt, offence: str = OffenceOpt,
            outcome: Optional[str] = typer.Option(None, "--outcome", help="For outcome shares: a type or group"),
            edition: Optional[str] = typer.Option(None, "--edition", help="Edition (default: newest)"),
            overdispersion: Optional[str] = typer.Option(None, "--overdispersion", help="multiplicative or additive"),
            sort: Optional[str] = typer.Option(None, "--sort", help="value: order by value, each with its rank interval"),
            plot: Optional[Path] = typer.Option(None, "--plot", help="Write the funnel plot: .svg, .png or .html"),
            fmt: Optional[str] = FormatOpt, as_json: bool = AliasJsonOpt):
    """Every area's value, interval and funnel-plot position: a fair comparison, not a league table."""
    from ..answers import plots
    from ..answers.compare import compare as run

    out = output_format(fmt, as_json)
    if plot:
        plots.check_path(plot)
    r = run(metric, level=level, period=period, offence=offence, outcome=outcome, edition=edition,
            overdispersion=overdispersion, sort=sort).model_dump()
    if plot and r.get("target") is not None:
        plots.write(plots.funnel_plot(r), plot)
        r["plot"] = {"file": str(plot), "text": plots.funnel_plot_text(r)}
    if out in ("csv", "text"):
        return print_rows(r, "comparison", out)
    if out == "json":
        return print_json(r)
    c = console()
    if any(a.get("synthetic") for a in r["areas"]):
        c.print("SYNTHETIC RECORDS: not real cases (made by `justicegap synth`).", style="bold yellow", markup=False)
    from .. import areas as A
    from ..answers.sentences import basis_text

    c.print(f"[bold]{r['name']}[/bold] ({basis_text(r['basis'])}; unit: {r['unit']}), {r['offence']['label']}, {r['period']['label']}, "
            f"by {A.LEVEL_NAMES.get(level, level)}")
    t = table("area", "numerator", "denominator", "value", "95% CI", "99.8% limits", "position", "flags",
              *(["rank (95% interval)"] if sort == "value" else []))
    for a in r["areas"]:
        ci = f"{_pct(a['ci_low'])}–{_pct(a['ci_high'])}" if a.get("ci_low") is not None else ""
        lim = f"{value_text(a['kind'], a['lower998'])}–{value_text(a['kind'], a['upper998'])}" if a.get("lower998") is not None else ""
        extra = [f"{a['rank']} ({a['rank_low']}–{a['rank_high']})"] if a.get("rank") is not None else []
        t.add_row(a["area"]["name"], _num(a["numerator"]), _num(a["denominator"]), value_text(a["kind"], a["value"]),
                  ci, lim, a.get("position", ""), flags_text(a.get("flags")), *extra)
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
    print_events(c, r["events"])
    if plot:
        c.print(f"Funnel plot written to {plot}")


def funnel(area: str = AreaOpt, period: str = PeriodOpt, offence: str = OffenceOpt,
           edition: Optional[str] = typer.Option(None, "--edition", help="Edition for the police outcomes stage (default: newest)"),
           fmt: Optional[str] = FormatOpt, as_json: bool = AliasJsonOpt):
    """The attrition funnel: each stage that exists for the area and period, volumes beside rates
    (--format csv or text gives the stages' rows)."""
    from ..answers.funnel import attrition

    out = output_format(fmt, as_json)
    r = attrition(area=area, period=period, offence=offence, edition=edition, refuse_empty=True).model_dump(mode="json")
    if out in ("csv", "text"):
        return print_rows(r, "attrition", out)
    if out == "json":
        return print_json(r)
    c = console()
    c.print(f"[bold]{r['offence']['label']}: {r['area']['name']}, {r['period']['label']}[/bold]")
    t = table("stage", "volume", "rate", "of", "unit", "basis", "period", "geography", "flags")
    for s in r["stages"]:
        if not s["available"]:
            t.add_row(s["label"], "—", "", "", s["unit"], s["basis"], s["period"]["label"], "", "not available")
            continue
        rate = _pct(s["value"]) if s["kind"] in ("proportion", "ratio") else ""
        if s.get("ci_low") is not None:
            rate += f" ({_pct(s['ci_low'])}–{_pct(s['ci_high'])})"
        t.add_row(s["label"], _num(s["volume"]), rate, _num(s["denominator"]) if s["denominator"] is not None else "",
                  s["unit"], s["basis"], s["period"]["label"], s["geography"], flags_text(s["flags"]))
    c.print(t)
    print_events(c, [ev for s in r["stages"] if s["available"] for ev in (s.get("figure") or {}).get("events") or ()])
    if r["outcome_groups"]:
        g = table("police outcome (offences recorded in the period)", "offences", "share", "95% CI")
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


def trend(metric: str = typer.Argument(..., help="Metric id: see `justicegap metrics`"), area: str = AreaOpt,
          offence: str = OffenceOpt,
          edition: Optional[str] = typer.Option(None, "--edition", help="Edition (default: newest)"),
          quarters: int = typer.Option(20, "--quarters", min=1, max=200, help="How many of the newest whole quarters"),
          fmt: Optional[str] = FormatOpt, as_json: bool = AliasJsonOpt):
    """The metric by financial quarter, each quarter with its numerator, denominator, interval and
    edition; quarters the data cover only in part have no figure and are listed with the reason, and
    data breaks are listed."""
    from ..answers.trend import trend as run

    out = output_format(fmt, as_json)
    r = run(metric, area=area, offence=offence, edition=edition, max_points=quarters)
    if out in ("csv", "text"):
        return print_rows(r, "series", out)
    if out == "json":
        return print_json(r.model_dump(mode="json"))
    c = console()
    c.print(f"[bold]{r.name}[/bold] ({r.basis}, unit: {r.unit}), {r.offence.label}, {r.area.name}, by financial quarter")
    t = table("quarter", "value", "95% CI", "numerator", "denominator", "edition", "flags")
    for p in r.points:
        ci = f"{value_text(r.kind, p.ci_low)}–{value_text(r.kind, p.ci_high)}" if p.ci_low is not None else ""
        t.add_row(p.period, value_text(r.kind, p.value), ci, _num(p.numerator) if p.numerator is not None else "",
                  _num(p.denominator) if p.denominator is not None else "", p.edition, flags_text(p.flags))
    c.print(t)
    for g in r.missing:
        c.print(f"  • No figure for {g.period}: {g.reason}", markup=False)
    print_events(c, [e.model_dump() for e in r.events])


def maturation(metric: str = typer.Argument(..., help="A metric of the police outcomes, e.g. charge_rate_cohort"),
               area: str = AreaOpt, period: str = PeriodOpt, offence: str = OffenceOpt,
               outcome: Optional[str] = typer.Option(None, "--outcome", help="For outcome shares: a type or group"),
               fmt: Optional[str] = FormatOpt, as_json: bool = AliasJsonOpt):
    """How the same cohort's figure changes from edition to edition, with the share still open
    (--format csv or text gives one row per edition)."""
    from ..answers.maturation import maturation as run

    out = output_format(fmt, as_json)
    r = run(metric, area=area, period=period, offence=offence, outcome=outcome)
    if out in ("csv", "text"):
        return print_rows(r, "maturation", out)
    if out == "json":
        return print_json(r)
    t = table("edition", "file", "published", "numerator", "denominator", "value", "95% CI", "not yet assigned", "flags")
    for e in r["editions"]:
        t.add_row(e["edition"], e["file"], e["published"] or f"loaded {e['loaded_at'][:10]}", _num(e["numerator"]), _num(e["denominator"]),
                  value_text(r["kind"], e["value"]), interval(e["ci_low"], e["ci_high"]),
                  _pct(e["not_yet_assigned_share"]) if e["not_yet_assigned_share"] is not None else "", flags_text(e["flags"]))
    c = console()
    c.print(f"[bold]{r['name']}[/bold]: {r['area']['name']}, {r['offence']['label']}, {r['period']['label']}")
    c.print(t)
    c.print(r["summary"])
    print_events(c, r["events"])
