"""Charts as Vega-Lite specifications, and files written from them (SVG, PNG, HTML) offline.

The same specs feed the dashboard (rendered in the browser with locally served scripts) and the
command line (rendered by vl-convert, which bundles Vega), so a chart looks the same everywhere.
Every chart comes with a text alternative.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import InvalidParameter

FORMATS = (".svg", ".png", ".html")


def funnel_plot(result: dict) -> dict:
    """The funnel plot of a :func:`compare` result: areas as labelled points, limits as lines."""
    from .. import stats

    rows = result["areas"]
    n = [r["denominator"] for r in rows]
    per_head = result.get("kind") == "per_100k"
    scale = 100_000.0 if per_head else 1.0
    curve = (stats.poisson_curve if per_head else stats.funnel_curve)(
        result["target"] / scale, max(1, int(min(n) * 0.8)), int(max(n) * 1.1), points=120,
        overdispersion=result.get("overdispersion"), phi=result.get("phi"), tau2=result.get("tau2"))
    lines = []
    for key, label in (("lower998", "99.8% limits"), ("upper998", "99.8% limits"), ("lower95", "95% limits"), ("upper95", "95% limits")):
        lines += [{"n": int(x), "limit": float(y) * scale, "line": label, "side": key} for x, y in zip(curve["n"], curve[key])]
    y_format, y_title = (",.1f", "Rate per 100,000 residents") if per_head else (".1%", "Rate")
    x_title = "Resident population" if per_head else f"Denominator ({result['unit']})"
    points = [{"area": r["area"]["name"], "n": r["denominator"], "rate": r["value"], "position": r["position"],
               "numerator": r["numerator"]} for r in rows]
    breaks = "; ".join(e["title"] for e in result.get("events", []))
    from .sentences import basis_text

    subtitle = [f"{result['name']} ({basis_text(result['basis'])}, unit: {result['unit']}), {result['offence']['label'].lower()}, {result['period']['label']}",
                f"Target {_target_text(result)} (pooled); limits: {result['method']}. Editions: {', '.join(result['editions'])}"]
    if breaks:
        subtitle.append(f"Data breaks touching this period: {breaks}")
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": {"text": f"{result['name']}: {result['offence']['label']}, {result['period']['label']}", "subtitle": subtitle},
        "width": 640, "height": 420,
        "layer": [
            {"data": {"values": lines}, "mark": {"type": "line", "strokeDash": [4, 3]},
             "encoding": {"x": {"field": "n", "type": "quantitative", "title": x_title},
                          "y": {"field": "limit", "type": "quantitative", "axis": {"format": y_format}, "title": y_title},
                          "detail": {"field": "side"},
                          "color": {"field": "line", "type": "nominal", "scale": {"range": ["#1d70b8", "#6f777b"]}, "title": "Limits"}}},
            {"data": {"values": [{"target": result["target"]}]}, "mark": {"type": "rule", "color": "#0b0c0c"},
             "encoding": {"y": {"field": "target", "type": "quantitative"}}},
            {"data": {"values": points}, "mark": {"type": "point", "filled": True, "size": 60},
             "encoding": {"x": {"field": "n", "type": "quantitative"}, "y": {"field": "rate", "type": "quantitative"},
                          "shape": {"field": "position", "type": "nominal", "title": "Against 99.8% limits"},
                          "tooltip": [{"field": "area"}, {"field": "numerator", "format": ","}, {"field": "n", "format": ","},
                                      {"field": "rate", "format": y_format}, {"field": "position"}]}},
            {"data": {"values": points}, "mark": {"type": "text", "align": "left", "dx": 5, "dy": -4, "fontSize": 9},
             "encoding": {"x": {"field": "n", "type": "quantitative"}, "y": {"field": "rate", "type": "quantitative"},
                          "text": {"field": "area"}}},
        ],
    }


def funnel_plot_text(result: dict) -> str:
    """The text alternative of a funnel plot: what it shows, in words."""
    return (f"Funnel plot of {result['name'].lower()} for {result['offence']['label'].lower()} in {result['period']['label']} "
            f"across {len(result['areas'])} areas. Each area's rate is plotted against its denominator with 95% and 99.8% "
            f"control limits around the pooled rate of {_target_text(result)}. " + result.get("summary", ""))


def _target_text(result: dict) -> str:
    from ..formats import pct, value_text

    return pct(result["target"], 2) if result.get("kind", "proportion") == "proportion" else value_text(result["kind"], result["target"])


def check_path(path: Path) -> Path:
    """Fail before any work if the chart cannot be written there."""
    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise InvalidParameter("plot", f"'{path.name}': write .svg, .png or .html")
    from ..writable import check_writable

    return check_writable(path, "--plot")


def write(spec: dict, path: Path) -> Path:
    import vl_convert as vlc

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".svg":
        path.write_text(vlc.vegalite_to_svg(spec), encoding="utf-8")
    elif suffix == ".png":
        path.write_bytes(vlc.vegalite_to_png(spec, scale=2))
    else:
        path.write_text(vlc.vegalite_to_html(spec, bundle=True), encoding="utf-8")
    return path
