"""ONS Open Geography Portal files: lookups and boundaries. They hold no facts.

- The lookup local authority district -> Community Safety Partnership -> Police Force Area
  (``ltla24_code, ltla24_name, csp24_code, ..., pfa24_code, pfa24_name``; other vintages spell the
  columns ``lad23cd``, ``ltla22_code``... and are accepted by pattern) becomes the ``geo_lookup``
  table. It is not one-to-one: one CSP can cover two districts and a unitary district can span
  several legacy CSPs, so there is one row per pair.
- A district lookup between vintages (``ltla22_code, ltla22_name, ltla23_code, ...``) has no CSP
  or force columns: its older districts are stored in ``geo_lookup`` with the force (and the CSP,
  where the district has exactly one) from justicegap's reference tables, so data published on
  older codes can still be placed. An older code the reference does not know is an error.
- Boundaries (GeoJSON FeatureCollections whose features carry ``pfaNN_code/pfaNN_name`` or
  ``ltlaNN_code``/``ladNNcd`` properties) become the ``boundaries`` table: level ``pfa`` or ``lad``,
  the geometry kept as the JSON text of each feature's geometry. :func:`boundaries` gives them
  back as a FeatureCollection for the dashboard map.
"""

from __future__ import annotations

import json
import re

from .. import reference
from ..errors import InputError
from . import checks, fields

DATASET = "ons_geography"
TITLE = "ONS Open Geography Portal: lookups and boundaries"
_YEARS = [f"{y:02d}" for y in range(10, 41)]


def _forms(kind: str, what: str) -> tuple[str, ...]:
    """Header spellings of one column across vintages: ltla24_code, lad24cd, lad24_code, LAD24CD..."""
    short = {"code": "cd", "name": "nm"}[what]
    prefixes = {"lad": ("ltla", "lad"), "csp": ("csp",), "pfa": ("pfa",)}[kind]
    out = []
    for y in _YEARS:
        for p in prefixes:
            out += [f"{p}{y}_{what}", f"{p}{y}{short}", f"{p}{y}_{short}"]
    return tuple(out)


HEADER = {"lad_code": _forms("lad", "code"), "lad_name": _forms("lad", "name")}
OPTIONAL = {"csp_code": _forms("csp", "code"), "csp_name": _forms("csp", "name"),
            "pfa_code": _forms("pfa", "code"), "pfa_name": _forms("pfa", "name")}
FORBID = tuple(f"{p}{y}{s}" for y in _YEARS for p in ("rgn", "region", "cty", "utla", "ctry", "wd", "ward")
               for s in ("cd", "_code"))
_CODE = re.compile(r"^[EW]\d{8}$")
# One row per district and partnership (a lookup is not one-to-one); no counts. The other vintage's
# columns (ltla23_code in a 2022 -> 2023 lookup) and the portal's row ids are known, not read.
KEY = ("lad_code", "csp_code")
COUNTS = ()
KNOWN = (*HEADER["lad_code"], *HEADER["lad_name"], *(t for forms in OPTIONAL.values() for t in forms),
         "objectid", "fid", "globalid")


def empty_facts():
    import polars as pl

    return pl.DataFrame(schema={k: getattr(pl, v) for k, v in fields.FACT_COLUMNS.items()})


def _reference_place(code: str) -> tuple[str | None, str | None, str | None, str | None] | None:
    """(csp_code, csp_name, pfa_code, pfa_name) for a district code the reference tables know."""
    from .. import areas

    rows = [r for r in reference.table("lad_csp_pfa") if r["lad_code"] == code]
    if rows:
        pfa = rows[0]["pfa_code"]
        one = rows[0] if len(rows) == 1 else None
        return (one["csp_code"] if one else None, one["csp_name"] if one else None, pfa, areas.get(pfa).name)
    change = next((r for r in reference.table("lad_changes") if r["old_code"] == code), None)
    if change:
        return (None, None, change["pfa_code"], areas.get(change["pfa_code"]).name)
    return None


def reference_check(lookup) -> str:
    """How a loaded district -> CSP -> force lookup compares with the reference tables areas are
    resolved from: a note when they agree, a warning naming the districts when they do not (a
    newer ONS vintage the package has not caught up with)."""
    def pairs(rows):
        out: dict[str, set] = {}
        for lad, csp, pfa in rows:
            out.setdefault(lad, set()).add((csp or None, pfa))
        return out

    ref = pairs((r["lad_code"], r["csp_code"], r["pfa_code"]) for r in reference.table("lad_csp_pfa"))
    got = pairs(lookup.select("lad_code", "csp_code", "pfa_code").iter_rows())
    if not lookup.get_column("csp_code").is_null().all():
        ref_cmp, got_cmp = ref, got
    else:  # no CSP column: compare forces only
        ref_cmp = {k: {(None, p) for _, p in v} for k, v in ref.items()}
        got_cmp = {k: {(None, p) for _, p in v} for k, v in got.items()}
    only_new = sorted(set(got_cmp) - set(ref_cmp))
    only_ref = sorted(set(ref_cmp) - set(got_cmp))
    moved = sorted(k for k in set(got_cmp) & set(ref_cmp) if got_cmp[k] != ref_cmp[k])
    if not (only_new or only_ref or moved):
        return f"agrees with justicegap's reference table lad_csp_pfa.csv for all {len(got_cmp)} districts"

    def few(codes):
        return ", ".join(codes[:5]) + (f" and {len(codes) - 5} more" if len(codes) > 5 else "")

    parts = [f"{len(only_new)} districts not in the reference ({few(only_new)})" if only_new else "",
             f"{len(only_ref)} reference districts not in this lookup ({few(only_ref)})" if only_ref else "",
             f"{len(moved)} districts placed in another partnership or force ({few(moved)})" if moved else ""]
    return fields.Warn("differs from justicegap's reference table lad_csp_pfa.csv, from which areas are resolved: "
                   + "; ".join(p for p in parts if p) + ". Update the reference table from this lookup.")


def normalise(df, ctx):
    import polars as pl

    from .. import areas

    outside = df.get_column("lad_code").str.strip_chars().str.contains(r"^[SN]\d{8}$").fill_null(False)
    df = df.filter(~outside)
    code = df.get_column("lad_code").str.strip_chars()
    bad = df.filter(~code.str.contains(_CODE.pattern).fill_null(False))
    if bad.height:
        raise ctx.error(f"'{bad.get_column('lad_code')[0] or ''}' is not a district code", bad.get_column("_row")[0], "lad_code")
    notes = [f"{int(outside.sum())} districts in Scotland or Northern Ireland skipped"] if outside.any() else []
    if "pfa_code" not in df.columns and ("csp_code" in df.columns or "pfa_name" in df.columns):
        raise ctx.error("this lookup has Community Safety Partnership or force names but no police force area code column "
                        "(pfaNN_code or pfaNNcd): is it renamed?", None, "pfa_code")
    if "pfa_code" in df.columns:
        pfa = df.get_column("pfa_code").str.strip_chars()
        known = {a.code for a in areas.all_areas("pfa")}
        unknown = df.filter(~pfa.is_in(list(known)).fill_null(False))
        if unknown.height:
            raise ctx.error(f"unknown police force area code '{unknown.get_column('pfa_code')[0] or ''}'",
                            unknown.get_column("_row")[0], "pfa_code")
        lookup = pl.DataFrame({
            "lad_code": code, "lad_name": df.get_column("lad_name").str.strip_chars(),
            "csp_code": df.get_column("csp_code").str.strip_chars() if "csp_code" in df.columns else None,
            "csp_name": df.get_column("csp_name").str.strip_chars() if "csp_name" in df.columns else None,
            "pfa_code": pfa,
            "pfa_name": df.get_column("pfa_name").str.strip_chars() if "pfa_name" in df.columns else None,
        }, schema={c: pl.String for c in ("lad_code", "lad_name", "csp_code", "csp_name", "pfa_code", "pfa_name")})
        notes += [f"{lookup.height} district-partnership-force rows ({code.n_unique()} districts)", reference_check(lookup)]
    else:
        rows = []
        for number, c, name in df.select("_row", "lad_code", "lad_name").unique("lad_code", keep="first", maintain_order=True).iter_rows():
            place = _reference_place(c.strip())
            if place is None:
                raise ctx.error(f"district {c} is in neither justicegap/reference/lad_csp_pfa.csv nor lad_changes.csv: "
                                "add its force there", number, "lad_code")
            rows.append((c.strip(), (name or "").strip(), *place))
        lookup = pl.DataFrame(rows, schema=["lad_code", "lad_name", "csp_code", "csp_name", "pfa_code", "pfa_name"], orient="row")
        notes.append(f"{lookup.height} districts of the older vintage ({ctx.headers.get('lad_code')}) placed in their force "
                     "from justicegap's reference tables (this lookup has no force column)")
    return empty_facts(), notes, {"geo_lookup": lookup}


# --- boundaries ------------------------------------------------------------------------------

_PROPS = {"pfa": re.compile(r"^pfa(\d{2})(?:_code|cd)$", re.I), "lad": re.compile(r"^(?:ltla|lad)(\d{2})(?:_code|cd)$", re.I)}


def sniff_json(path) -> bool:
    """A GeoJSON FeatureCollection of force or district boundaries, judged by its first bytes."""
    with open(path, "rb") as f:
        head = f.read(65536).decode("utf-8", "replace")
    if "FeatureCollection" not in head:
        return False
    return bool(re.search(r'"(?:pfa\d{2}_code|pfa\d{2}cd|ltla\d{2}_code|lad\d{2}cd|lad\d{2}_code)"', head, re.I))


def read_json(path):
    import polars as pl

    try:
        data = json.loads(open(path, "rb").read().decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise InputError(f"the GeoJSON file is truncated or corrupt: {e}", file=path.name) from None
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list) or not features:
        raise InputError("a GeoJSON file without features", file=path.name)
    rows, level, outside = [], None, 0
    for i, feat in enumerate(features, 1):
        props = (feat or {}).get("properties") or {}
        found = None
        for lvl, pattern in _PROPS.items():
            key = next((k for k in props if pattern.match(k)), None)
            if key:
                found = (lvl, key, pattern.match(key)[1])
                break
        if found is None:
            raise InputError(f"feature {i} has no police force area or district code property (pfaNN_code, ltlaNN_code)",
                             file=path.name, row=i)
        lvl, key, yy = found
        if level not in (None, lvl):
            raise InputError(f"feature {i} is a {lvl} boundary in a file of {level} boundaries", file=path.name, row=i)
        level = lvl
        code = str(props[key]).strip()
        name_key = next((k for k in props if re.match(rf"^(?:pfa|ltla|lad){yy}(?:_name|nm)$", k, re.I)), None)
        geometry = feat.get("geometry")
        if re.match(r"^[SN]\d{8}$", code):
            outside += 1  # Scotland and Northern Ireland: outside England and Wales
            continue
        if not _CODE.match(code) or not geometry:
            raise InputError(f"feature {i} has code '{code}' or no geometry", file=path.name, row=i, column=key)
        rows.append((i, code, str(props.get(name_key) or "").strip() or None, lvl, json.dumps(geometry, separators=(",", ":"))))
    frame = pl.DataFrame(rows, schema=["_row", "code", "name", "level", "geometry"], orient="row")
    # one feature per area: a second would draw the area twice and make its boundary ambiguous
    checks.repeated_key(frame, fields.Context(path, None, {"code": key}), ["code"], what="feature")
    frame = frame.drop("_row")
    notes = [f"{frame.height} {level} boundaries"] + ([f"{outside} areas in Scotland or Northern Ireland skipped"] if outside else [])
    return empty_facts(), notes, {"boundaries": frame}


def boundaries(store, level: str) -> dict:
    """The boundaries of one level (``pfa`` or ``lad``) from the newest edition holding them, as a
    GeoJSON FeatureCollection whose features carry ``code``, ``name`` and ``level``."""
    from ..errors import NotAvailable
    from ..store import queries

    edition = queries.newest_boundaries(store, level)
    if edition is None:
        raise NotAvailable(f"no {level} boundaries are loaded", available=["the ONS boundary files, once loaded"]).with_actions("load_data")
    features = [{"type": "Feature", "properties": {"code": c, "name": n, "level": lv}, "geometry": json.loads(g)}
                for c, n, lv, g in queries.boundary_rows(store, edition, level)]
    return {"type": "FeatureCollection", "edition": edition, "features": features}
