"""A result written into a folder with a Frictionless Data Package descriptor beside it.

``export(result, out_dir, "csv")`` writes ``out_dir/<name>.csv`` and ``out_dir/datapackage.json``:
each resource's path, format and schema (every field typed and described, with its unit where it
has one, straight from the result's :class:`.table.Table`); the sources with their editions and
SHA-256; the licence, OGL-UK-3.0; the definitions of the metrics involved; the time it was made.
Exporting several results into one folder adds a resource per result to the same descriptor.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from .. import metrics, reference
from ..errors import InvalidParameter
from . import flatten
from .table import Table, slug
from .writers import ATTRIBUTION, write

FORMATS = ("csv", "parquet", "xlsx", "json")
MEDIA = {"csv": "text/csv", "parquet": "application/vnd.apache.parquet", "json": "application/json",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
LICENCE = {"name": "OGL-UK-3.0", "title": "Open Government Licence v3.0",
           "path": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"}


def _definitions(ids) -> list[dict]:
    reg = metrics.registry()
    return [{"metric": mid, "name": reg[mid].get("name"), "basis": reg[mid].get("basis"), "unit": reg[mid].get("unit"),
             "kind": reg[mid].get("kind"), "numerator": reg[mid].get("numerator"), "denominator": reg[mid].get("denominator"),
             "definition": reg[mid].get("definition"), "caveats": metrics.all_caveats(reg[mid])}
            for mid in dict.fromkeys(ids) if mid in reg]


def _sources(table: Table, store=None) -> list[dict]:
    """Sources with editions and SHA-256: from the result when it carries them, else from the store."""
    found = {s["edition"]: s for s in table.sources}
    missing = [e for e in table.editions if e not in found]
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
    for ed in table.editions or list(found):
        s = found.get(ed, {"edition": ed})
        src = reference.sources().get(s.get("dataset"), {})
        out.append({"title": s.get("title") or src.get("title") or ed, "path": s.get("url") or "",
                    "publisher": src.get("publisher"), "dataset": s.get("dataset"), "edition": ed, "file": s.get("file"),
                    "sha256": s.get("sha256"), "published": s.get("published"), "licence": src.get("licence")})
    return out


def _package_name(names: list[str]) -> str:
    if len(names) == 1:
        return slug(f"justicegap-{names[0]}").replace("_", "-")[:100].strip("-")
    return slug(f"justicegap-{len(names)}-resources-" + "-".join(names)).replace("_", "-")[:100].strip("-")


def _package_title(titles: list[str]) -> str:
    if len(titles) == 1:
        return titles[0]
    return f"justicegap export, {len(titles)} resources: " + "; ".join(titles)


def resource(table: Table, path: str, fmt: str) -> dict:
    """The Frictionless tabular data resource describing ``table`` written as ``fmt`` at ``path``."""
    res = {"name": table.name, "title": table.title, "path": path, "format": fmt, "profile": "tabular-data-resource",
           "mediatype": MEDIA[fmt], "description": table.description or table.title,
           "schema": {"fields": [f.descriptor() for f in table.fields]}}
    if fmt in ("csv", "json"):
        res["encoding"] = "utf-8"
    if fmt == "parquet":  # readers turn a missing number in Parquet into NaN: declare it missing
        res["schema"]["missingValues"] = ["", "nan", "NaN"]
    if fmt == "xlsx":
        res["dialect"] = {"sheet": "data"}
    return res


def export(result, path, format: str = "csv", *, kind: str | None = None, store=None) -> dict:
    """Write ``result`` (a result object, or plain data with its ``kind``) into the folder ``path``
    as ``format``, with ``datapackage.json`` beside it. A ``path`` ending in ``.<format>`` names
    the file itself.

    Returns {"data": file written, "descriptor": datapackage.json, "resource": the resource descriptor}.
    """
    fmt = (format or "").lower().lstrip(".")
    if fmt not in FORMATS:
        raise InvalidParameter("format", f"'{format}': use one of {', '.join(FORMATS)}")
    table = result if isinstance(result, Table) else flatten(result, kind)
    out = Path(path)
    folder, stem = (out.parent, out.stem) if out.suffix.lower() == f".{fmt}" else (out, None)
    folder.mkdir(parents=True, exist_ok=True)
    name = slug(stem or table.name)[:120]
    data_path = folder / f"{name}.{fmt}"
    data_path.write_bytes(write(table, fmt))
    res = {**resource(table, data_path.name, fmt), "name": name}
    descriptor_path = folder / "datapackage.json"
    package = {}
    if descriptor_path.exists():
        try:
            package = json.loads(descriptor_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            package = {}
    # the same file again replaces its resource; the same table in another format is added beside it
    # (a resource's name is unique in a package, so the second format's name says its format)
    resources = [r for r in package.get("resources", []) if r.get("path") != data_path.name and (folder / r.get("path", "")).exists()]
    if any(r.get("name") == name for r in resources):
        res["name"] = f"{name}_{fmt}"
    resources = [r for r in resources if r.get("name") != res["name"]]
    resources.append(res)
    sources = {s["edition"]: s for s in package.get("sources", []) if s.get("edition")}
    sources.update({s["edition"]: s for s in _sources(table, store)})
    defs = {d["metric"]: d for d in package.get("definitions", [])}
    defs.update({d["metric"]: d for d in _definitions(table.metrics)})
    # the package is named and titled for every resource in it, in order, not for the first alone
    package = {
        "profile": "tabular-data-package",
        "name": _package_name([r["name"] for r in resources]),
        "title": _package_title([r["title"] for r in resources]),
        "description": "Figures from justicegap, each with its definition, basis, unit and edition. " + ATTRIBUTION + (
            " Figures from case records are a force's and a CPS Area's own data, not published statistics: the licence "
            "covers only the published figures." if any(x.get("dataset") == "case_records" for x in sources.values()) else ""),
        "licenses": [LICENCE],
        "sources": list(sources.values()),
        "definitions": list(defs.values()),
        "created": datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "resources": resources,
    }
    descriptor_path.write_text(json.dumps(package, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    return {"data": data_path, "descriptor": descriptor_path, "resource": res}
