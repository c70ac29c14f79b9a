"""Did it work? The evaluate command and an evaluation as text."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ..formats import p_text
from .options import JsonOpt, OffenceOpt
from .output import console, print_json, table


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
    from ..answers import plots
    from ..answers.evaluation import evaluate as run

    if plot:
        plots.check_path(plot)
    r = run(metric, area=area, start=start, end=end, intervention=intervention, offence=offence, comparison=comparison,
            seasonality=seasonality, errors=errors, series_file=series)
    d = r.model_dump(mode="json")
    if plot:
        from ..answers.evaluation_chart import evaluation_plot, evaluation_plot_text

        plots.write(evaluation_plot(d), plot)
        d["plot"] = {"file": str(plot), "text": evaluation_plot_text(d)}
    if as_json:
        return print_json(d)
    show_evaluation(d, errors)


def _ratio_text(i: dict | None) -> str:
    return "" if i is None else f"{i['estimate']:.3f} (95% CI {i['ci_low']:.3f}–{i['ci_high']:.3f}" + (
        f", {p_text(i['p_value'])})" if i.get("p_value") is not None else ")")


def show_evaluation(d: dict, errors: str = "model") -> None:
    """An evaluation as text: the sentence, the effects, the model, breaks, placebos, comparison, caveats."""
    c = console()
    where = f", {d['area']['name']}" if d.get("area") else ""
    c.print(f"[bold]{d['name'][:1].upper() + d['name'][1:]}{where}[/bold]: {d['window']['label']}, intervention {d['intervention']['date']} "
            f"(first period after: {d['intervention']['first_period_after']})", highlight=False)
    c.print(d["sentence"], markup=False)
    e = d["effect"]
    t = table("effect", e["measure"] + " (95% CI, p)", title=None)
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
        c.print(f"Residual autocorrelation: {ac['test']} over {ac['lags']} lags, Q = {ac['statistic']:.2f}, {p_text(ac['p_value'])}"
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
            ct = table("candidate", "pre-period points", "correlation", "pre-trend ratio per year", "chosen", "why not")
            for cand in comp["candidates"]:
                ct.add_row(cand["area"]["name"], str(cand["points"] or ""),
                           f"{cand['correlation']:.2f}" if cand.get("correlation") is not None else "",
                           _ratio_text(cand.get("pre_trend_ratio_per_year")), "yes" if cand["chosen"] else "",
                           (cand.get("reason") or "")[:90])
            c.print(ct)
    pl = d["placebos"]
    c.print(f"Placebos: {pl['summary']}", markup=False)
    if pl["results"]:
        pt = table("placebo", "false intervention", "area", "level change (95% CI)", "as large")
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
