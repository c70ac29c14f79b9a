"""Any query result as CSV, Parquet or Excel, with a Frictionless data package descriptor beside it.

``export(result, out_dir, "csv")`` writes ``out_dir/<name>.csv`` and ``out_dir/datapackage.json``
(a Frictionless Data Package: each resource's path, format and schema, every field typed and
described with its unit where it has one; the sources with their editions and SHA-256; the
licence, OGL-UK-3.0; the definitions of the metrics involved; the time it was created). Exporting
several results into one folder adds a resource per result to the same descriptor.

Accepted results: a figure (``Figure`` or its ``to_dict()``), a comparison of areas
(:func:`..compare.compare`), an attrition funnel (:func:`..funnel.attrition`), a report table
(:class:`.report.Table`) and any list of flat dicts.
"""

from __future__ import annotations

import csv
import json
import math
import re
from datetime import datetime, timezone
from pathlib import Path

from .. import metrics, reference
from ..errors import InvalidParameter

FORMATS = ("csv", "parquet", "xlsx")
LICENCE = {"name": "OGL-UK-3.0", "title": "Open Government Licence v3.0",
           "path": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"}
ATTRIBUTION = "Contains public sector information licensed under the Open Government Licence v3.0."

# Field descriptions and units for the columns justicegap results carry.
KNOWN = {
    "metric": ("string", "justicegap metric id (see the definitions)", None),
    "name": ("string", "what the figure measures", None),
    "area_code": ("string", "ONS code of the area (or justicegap's code for groups and CPS Areas)", None),
    "area_name": ("string", "area name", None),
    "area_level": ("string", "geographic level: nation, pfa, cps_area, csp, lad", None),
    "period": ("string", "the period as labelled", None),
    "period_start": ("date", "first day of the period", None),
    "period_end": ("date", "last day of the period", None),
    "offence_family": ("string", "justicegap offence family", None),
    "offence": ("string", "offence family as labelled", None),
    "outcome": ("string", "police outcome type or group (outcome shares only)", None),
    "value": ("number", "the figure: a count, a proportion (0 to 1), a ratio, a rate per 100,000 or days, as the kind says", None),
    "kind": ("string", "count, proportion, ratio, per_100k or average", None),
    "numerator": ("number", "the numerator (count) of a proportion or ratio", None),
    "denominator": ("number", "the denominator (count) of a proportion or ratio", None),
    "ci_low": ("number", "lower end of the 95% Wilson interval (proportions only)", "proportion"),
    "ci_high": ("number", "upper end of the 95% Wilson interval (proportions only)", "proportion"),
    "basis": ("string", "what the figure counts: recorded_cohort, closed_in_period, same_period_ratio, ...", None),
    "rate_basis": ("string", "the basis of the stage's rate or ratio, where it differs from its volume's (a same-period ratio)", None),
    "unit": ("string", "the counting unit: offences, suspects, defendants, days", None),
    "edition": ("string", "the edition(s) of the source data the figure comes from", None),
    "flags": ("string", "flags that must travel with the figure (partial, low_count, maturing, event:...)", None),
    "sentence": ("string", "the figure as one sentence", None),
    "definition": ("string", "the metric's definition", None),
    "lower95": ("number", "lower 95% funnel-plot limit at the area's denominator", "proportion"),
    "upper95": ("number", "upper 95% funnel-plot limit at the area's denominator", "proportion"),
    "lower998": ("number", "lower 99.8% funnel-plot limit at the area's denominator", "proportion"),
    "upper998": ("number", "upper 99.8% funnel-plot limit at the area's denominator", "proportion"),
    "position": ("string", "against the 99.8% limits: above, below or within", None),
    "z": ("number", "z-score against the pooled target", None),
    "target": ("number", "the pooled rate of all areas compared", "proportion"),
    "stage": ("string", "stage of the attrition funnel", None),
    "label": ("string", "stage label", None),
    "available": ("boolean", "whether the data give this stage for the area and period", None),
    "volume": ("number", "the stage's volume (count) in its own unit", None),
    "geography": ("string", "the geography the stage is published for", None),
    "reason": ("string", "why the stage is not available", None),
}


def _slug(text: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "_", str(text).lower()).strip("_")
    return s or "field"


def _clean(v):
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None
    return v


# --- normalising results to rows --------------------------------------------------------------

def _figure_row(d: dict) -> dict:
    return {"metric": d["metric"], "name": d["name"], "kind": d.get("kind"), "area_code": d["area"]["code"],
            "area_name": d["area"]["name"], "area_level": d["area"]["level"], "period": d["period"]["label"],
            "period_start": d["period"]["start"], "period_end": d["period"]["end"], "offence_family": d["offence"]["family"],
            "offence": d["offence"]["label"], "outcome": (d.get("outcome") or {}).get("label"), "value": d.get("value"),
            "numerator": d.get("numerator"), "denominator": d.get("denominator"), "ci_low": d.get("ci_low"),
            "ci_high": d.get("ci_high"), "basis": d.get("basis"), "unit": d.get("unit"), "edition": d.get("edition"),
            "flags": ", ".join(d.get("flags") or []), "sentence": d.get("sentence"), "definition": d.get("definition")}


def normalise(result) -> dict:
    """Any accepted result -> {name, title, rows, fields (known types/units), metrics, sources}."""
    from .report import Table

    if hasattr(result, "to_dict") and hasattr(result, "metric") and not isinstance(result, Table):
        result = result.to_dict()
    if isinstance(result, Table):
        fields = []
        for c in result.columns:
            ftype = {"integer": "integer", "number": "number", "percent": "number"}.get(c.type, "string")
            unit = "proportion" if c.type == "percent" else (c.unit or None)
            fields.append({"name": _slug(c.name), "title": c.name, "type": ftype,
                           "description": c.description or c.name, **({"unit": unit} if unit else {})})
        rows = [dict(zip([f["name"] for f in fields], r)) for r in result.rows]
        return {"name": _slug(result.id), "title": result.title, "rows": rows, "fields": fields, "metrics": list(result.metrics),
                "editions": list(result.editions), "description": " ".join(result.notes) + (" Derived by justicegap." if result.derived else "")}
    if isinstance(result, dict) and "stages" in result:
        rows = []
        for s in result["stages"]:
            rows.append({"stage": s["id"], "label": s["label"], "metric": s["metric"], "available": bool(s["available"]),
                         "area_code": result["area"]["code"], "area_name": result["area"]["name"], "period": s["period"]["label"],
                         "period_start": s["period"]["start"], "period_end": s["period"]["end"],
                         "offence_family": result["offence"]["family"], "volume": s.get("volume"), "value": s.get("value"),
                         "kind": s.get("kind"),
                         "numerator": s.get("numerator"), "denominator": s.get("denominator"), "ci_low": s.get("ci_low"),
                         "ci_high": s.get("ci_high"), "unit": s["unit"], "basis": s["basis"], "rate_basis": s.get("rate_basis"),
                         "geography": s.get("geography"),
                         "edition": ", ".join(s.get("editions") or []), "flags": ", ".join(s.get("flags") or []),
                         "reason": s.get("reason")})
        return {"name": f"funnel_{_slug(result['area']['name'])}_{_slug(result['period']['label'])}_{result['offence']['family']}",
                "title": f"Attrition funnel: {result['offence']['label']}, {result['area']['name']}, {result['period']['label']}",
                "rows": rows, "metrics": [s["metric"] for s in result["stages"] if s.get("available")],
                "editions": sorted({e for s in result["stages"] for e in s.get("editions") or []}),
                "description": " ".join(result.get("statements") or [])}
    if isinstance(result, dict) and "areas" in result and "level" in result:
        rows = []
        for a in result["areas"]:
            row = _figure_row(a)
            for k in ("lower95", "upper95", "lower998", "upper998", "position", "z"):
                row[k] = a.get(k)
            row["target"] = result.get("target")
            rows.append(row)
        return {"name": f"compare_{result['metric']}_{result['level']}_{_slug(result['period']['label'])}_{result['offence']['family']}",
                "title": f"{result['name']}: every {result['level']}, {result['offence']['label']}, {result['period']['label']}",
                "rows": rows, "metrics": [result["metric"]], "editions": list(result.get("editions") or []),
                "description": " ".join([result.get("summary") or "", *result.get("caveats", [])]).strip()}
    if isinstance(result, dict) and "metric" in result and "value" in result:
        return {"name": f"{result['metric']}_{_slug(result['area']['name'])}_{_slug(result['period']['label'])}_{result['offence']['family']}",
                "title": f"{result['name']}: {result['area']['name']}, {result['period']['label']}", "rows": [_figure_row(result)],
                "metrics": [result["metric"]], "sources": result.get("sources") or [],
                "editions": [s["edition"] for s in result.get("sources") or []], "description": result.get("sentence") or ""}
    if isinstance(result, list) and all(isinstance(r, dict) for r in result):
        return {"name": "rows", "title": "justicegap rows", "rows": [dict(r) for r in result],
                "metrics": sorted({r["metric"] for r in result if isinstance(r.get("metric"), str)}), "editions": [], "description": ""}
    raise InvalidParameter("result", "export takes a figure, a comparison, a funnel, a report table or a list of rows")


def _infer_fields(rows: list[dict], given: list[dict] | None) -> list[dict]:
    if given:
        return given
    names: list[str] = []
    for r in rows:
        for k in r:
            if k not in names:
                names.append(k)
    fields = []
    kinds = {r.get("kind") for r in rows if r.get("kind")}
    for n in names:
        vals = [_clean(r.get(n)) for r in rows if _clean(r.get(n)) is not None]
        known = KNOWN.get(n)
        if known and known[0] in ("string", "date", "boolean"):
            ftype = known[0]
        elif vals and all(isinstance(v, bool) for v in vals):
            ftype = "boolean"
        elif vals and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals):
            ftype = "integer" if all(float(v).is_integer() for v in vals) and n not in ("value", "ci_low", "ci_high", "z", "target") \
                and not n.startswith(("lower", "upper")) else "number"
        elif not vals and known:
            ftype = known[0]
        else:
            ftype = "string"
        f = {"name": n, "type": ftype, "description": known[1] if known else n.replace("_", " ")}
        if known and known[2]:
            f["unit"] = known[2]
            if known[2] == "proportion" and kinds == {"per_100k"}:  # limits and target of rates per resident
                f["unit"] = "per 100,000 residents"
        fields.append(f)
    return fields


def _units(rows: list[dict], fields: list[dict]) -> None:
    """Give count fields the counting unit of their rows when one unit covers them all."""
    units = {r.get("unit") for r in rows if r.get("unit")}
    if len(units) == 1:
        u = units.pop()
        for f in fields:
            if f["name"] in ("numerator", "denominator", "volume") and "unit" not in f:
                f["unit"] = u


def _typed(rows: list[dict], fields: list[dict]) -> list[list]:
    out = []
    for r in rows:
        line = []
        for f in fields:
            v = _clean(r.get(f["name"]))
            if v is not None:
                if f["type"] == "integer":
                    v = int(round(float(v)))
                elif f["type"] == "number":
                    v = float(v)
                elif f["type"] == "boolean":
                    v = bool(v)
                elif f["type"] in ("string", "date"):
                    v = str(v)
            line.append(v)
        out.append(line)
    return out


# --- writing ----------------------------------------------------------------------------------

def _write_csv(path: Path, fields, data):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow([x["name"] for x in fields])
        for line in data:
            w.writerow(["" if v is None else ("true" if v is True else "false" if v is False else v) for v in line])


def _write_parquet(path: Path, fields, data):
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {"integer": pa.int64(), "number": pa.float64(), "boolean": pa.bool_(), "string": pa.string(), "date": pa.date32()}
    cols = {}
    for k, f in enumerate(fields):
        vals = [line[k] for line in data]
        if f["type"] == "date":
            from datetime import date

            vals = [None if v is None else date.fromisoformat(v) for v in vals]
        cols[f["name"]] = pa.array(vals, type=types[f["type"]])
    pq.write_table(pa.table(cols), str(path))


def _write_xlsx(path: Path, fields, data, title: str):
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False})
    ws = wb.add_worksheet("data")
    fmts = {"integer": wb.add_format({"num_format": "#,##0"}), "number": wb.add_format({"num_format": "0.000000"}),
            "date": wb.add_format({"num_format": "yyyy-mm-dd"})}
    dates = [k for k, f in enumerate(fields) if f["type"] == "date"]
    if dates:  # real dates, as the descriptor declares them, not text that looks like one
        from datetime import date

        data = [[date.fromisoformat(v) if k in dates and isinstance(v, str) else v for k, v in enumerate(line)]
                for line in data]
    cols = []
    for f in fields:
        spec = {"header": f["name"]}
        if f["type"] in fmts:
            spec["format"] = fmts[f["type"]]
        cols.append(spec)
    ws.add_table(0, 0, max(len(data), 1), len(fields) - 1,
                 {"name": "data", "columns": cols, "data": data or [[None] * len(fields)], "style": "Table Style Light 9"})
    for k, f in enumerate(fields):
        ws.set_column(k, k, max(10, min(50, len(f["name"]) + 4)))
    wb.set_properties({"title": title[:250], "comments": ATTRIBUTION})
    wb.close()


def _definitions(ids) -> list[dict]:
    out = []
    for mid in dict.fromkeys(ids):
        reg = metrics.registry()
        if mid not in reg:
            continue
        m = reg[mid]
        out.append({"metric": mid, "name": m.get("name"), "basis": m.get("basis"), "unit": m.get("unit"), "kind": m.get("kind"),
                    "numerator": m.get("numerator"), "denominator": m.get("denominator"), "definition": m.get("definition"),
                    "caveats": metrics.all_caveats(m)})
    return out


def _sources(norm: dict, store=None) -> list[dict]:
    """Sources with editions and SHA-256: from the result when it carries them, else from the store."""
    found = {s["edition"]: s for s in norm.get("sources") or []}
    missing = [e for e in norm.get("editions") or [] if e not in found]
    if missing:
        from ..store import Store

        own = store is None
        try:
            store = store or Store(read_only=True)
        except Exception:  # noqa: BLE001 - no store: the sources list says only the edition ids
            store = None
        if store is not None:
            try:
                for e in store.editions():
                    if e.edition in missing:
                        found[e.edition] = e.to_dict()
            finally:
                if own:
                    store.close()
    out = []
    for ed in norm.get("editions") or list(found):
        s = found.get(ed, {"edition": ed})
        src = reference.sources().get(s.get("dataset"), {})
        out.append({"title": s.get("title") or src.get("title") or ed, "path": s.get("url") or "",
                    "publisher": src.get("publisher"), "dataset": s.get("dataset"), "edition": ed, "file": s.get("file"),
                    "sha256": s.get("sha256"), "published": s.get("published"), "licence": src.get("licence")})
    return out


def _package_name(names: list[str]) -> str:
    if len(names) == 1:
        return _slug(f"justicegap-{names[0]}").replace("_", "-")[:100].strip("-")
    return _slug(f"justicegap-{len(names)}-resources-" + "-".join(names)).replace("_", "-")[:100].strip("-")


def _package_title(titles: list[str]) -> str:
    if len(titles) == 1:
        return titles[0]
    return f"justicegap export, {len(titles)} resources: " + "; ".join(titles)


def export(result, path, format: str = "csv", *, store=None) -> dict:
    """Write ``result`` into the folder ``path`` as ``format``, with ``datapackage.json`` beside it.

    Returns {"data": file written, "descriptor": datapackage.json, "resource": the resource descriptor}.
    """
    fmt = (format or "").lower().lstrip(".")
    if fmt not in FORMATS:
        raise InvalidParameter("--format", f"'{format}': use one of {', '.join(FORMATS)}")
    out = Path(path)
    if out.suffix.lower() == f".{fmt}":
        folder, stem = out.parent, out.stem
    else:
        folder, stem = out, None
    folder.mkdir(parents=True, exist_ok=True)
    norm = normalise(result)
    rows = norm["rows"]
    fields = _infer_fields(rows, norm.get("fields"))
    _units(rows, fields)
    data = _typed(rows, fields)
    name = _slug(stem or norm["name"])[:120]
    data_path = folder / f"{name}.{fmt}"
    if fmt == "csv":
        _write_csv(data_path, fields, data)
    elif fmt == "parquet":
        _write_parquet(data_path, fields, data)
    else:
        _write_xlsx(data_path, fields, data, norm["title"])
    resource = {"name": name, "title": norm["title"], "path": data_path.name, "format": fmt, "profile": "tabular-data-resource",
                "mediatype": {"csv": "text/csv", "parquet": "application/vnd.apache.parquet",
                              "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}[fmt],
                "description": norm.get("description") or norm["title"],
                "schema": {"fields": fields}}
    if fmt == "csv":
        resource["encoding"] = "utf-8"
    if fmt == "parquet":  # readers turn a missing number in Parquet into NaN: declare it missing
        resource["schema"]["missingValues"] = ["", "nan", "NaN"]
    if fmt == "xlsx":
        resource["dialect"] = {"sheet": "data"}
    descriptor_path = folder / "datapackage.json"
    package = {}
    if descriptor_path.exists():
        try:
            package = json.loads(descriptor_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            package = {}
    resources = [r for r in package.get("resources", []) if r.get("name") != name and (folder / r.get("path", "")).exists()]
    resources.append(resource)
    sources = {s["edition"]: s for s in package.get("sources", []) if s.get("edition")}
    for s in _sources(norm, store):
        sources[s["edition"]] = s
    defs = {d["metric"]: d for d in package.get("definitions", [])}
    for d in _definitions(norm.get("metrics") or []):
        defs[d["metric"]] = d
    # the package is named and titled for every resource in it, in order, not for the first alone
    package = {
        "profile": "tabular-data-package",
        "name": _package_name([r["name"] for r in resources]),
        "title": _package_title([r["title"] for r in resources]),
        "description": "Figures from justicegap, each with its definition, basis, unit and edition. " + ATTRIBUTION,
        "licenses": [LICENCE],
        "sources": list(sources.values()),
        "definitions": list(defs.values()),
        "created": datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "resources": resources,
    }
    descriptor_path.write_text(json.dumps(package, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    return {"data": data_path, "descriptor": descriptor_path, "resource": resource}
