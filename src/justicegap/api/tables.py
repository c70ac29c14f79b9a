"""Answers as flat tables, for CSV and XLSX: the figures behind every endpoint and every chart.

Each function takes an answer (a dict from the library or the service) and returns
``(columns, rows)``; :func:`to_csv` and :func:`to_xlsx` write them. Every table keeps the basis,
unit and edition beside the numbers, so a downloaded row still says what it counts.
"""

from __future__ import annotations

import csv
import io
from typing import Any, Iterable

Table = tuple[list[str], list[list[Any]]]


def _join(xs) -> str:
    return "; ".join(str(x) for x in xs or [])


FIGURE_COLUMNS = ["metric", "name", "area_code", "area_name", "area_level", "period", "period_start", "period_end",
                  "offence", "outcome", "value", "numerator", "denominator", "ci_low", "ci_high", "basis", "unit",
                  "edition", "flags", "sentence", "caveats"]


def _figure_row(d: dict) -> list:
    return [d["metric"], d["name"], d["area"]["code"], d["area"]["name"], d["area"]["level"], d["period"]["label"],
            d["period"]["start"], d["period"]["end"], d["offence"]["family"], (d.get("outcome") or {}).get("label"),
            d["value"], d["numerator"], d["denominator"], d["ci_low"], d["ci_high"], d["basis"], d["unit"],
            d["edition"], _join(d["flags"]), d["sentence"], _join(d["caveats"])]


def figure(d: dict) -> Table:
    return FIGURE_COLUMNS, [_figure_row(d)]


def funnel(r: dict) -> Table:
    """One row per stage, with what must travel with it: its kind (a ratio is not a rate), its
    editions, its flags, the months or areas a partial figure lacks, and its caveats."""
    cols = ["area_code", "area_name", "offence", "stage", "label", "metric", "available", "period", "volume", "value",
            "denominator", "ci_low", "ci_high", "kind", "unit", "basis", "geography", "edition", "flags", "missing_periods",
            "missing_areas", "caveats", "reason"]
    rows = []
    for s in r["stages"]:
        missing = (s.get("figure") or {}).get("missing") or {}
        rows.append([r["area"]["code"], r["area"]["name"], r["offence"]["family"], s["id"], s["label"], s["metric"],
                     s["available"], s["period"]["label"], s.get("volume"), s.get("value") if s["kind"] != "count" else None,
                     s.get("denominator"), s.get("ci_low"), s.get("ci_high"), s["kind"], s["unit"], s["basis"], s.get("geography"),
                     _join(s.get("editions")), _join(s.get("flags")), missing.get("periods"),
                     _join(f"{a}: {spans}" for a, spans in (missing.get("areas") or {}).items()) or None,
                     _join(s.get("caveats")), s.get("reason")])
    return cols, rows


def outcome_groups(r: dict) -> Table:
    cols = ["area_code", "area_name", "period", "offence", "group", "label", "offences", "share", "ci_low", "ci_high",
            "of_offences_recorded", "basis", "unit", "edition"]
    rows = [[r["area"]["code"], r["area"]["name"], r["period"]["label"], r["offence"]["family"], g["group"], g["label"],
             g["count"], g["share"], g["ci_low"], g["ci_high"], g["denominator"], g["basis"], g["unit"], g["edition"]]
            for g in r["outcome_groups"]]
    return cols, rows


def compare(r: dict) -> Table:
    cols = ["area_code", "area_name", "numerator", "denominator", "value", "ci_low", "ci_high", "lower95", "upper95",
            "lower998", "upper998", "position", "rank", "rank_low", "rank_high", "target", "metric", "basis", "unit",
            "period", "offence", "edition", "flags"]
    rows = [[a["area"]["code"], a["area"]["name"], a["numerator"], a["denominator"], a["value"], a["ci_low"], a["ci_high"],
             a.get("lower95"), a.get("upper95"), a.get("lower998"), a.get("upper998"), a.get("position"), a.get("rank"),
             a.get("rank_low"), a.get("rank_high"), r.get("target"), r["metric"], r["basis"], r["unit"], r["period"]["label"],
             r["offence"]["family"], a["edition"], _join(a["flags"])] for a in r["areas"]]
    return cols, rows


def trend(r: dict) -> Table:
    cols = ["area_code", "area_name", "offence", "metric", "period", "start", "end", "value", "numerator", "denominator", "ci_low",
            "ci_high", "basis", "unit", "edition", "flags"]
    rows = [[r["area"]["code"], r["area"]["name"], r["offence"]["family"], r["metric"], p["period"], p["start"], p["end"], p["value"],
             p["numerator"], p["denominator"], p["ci_low"], p["ci_high"], r["basis"], r["unit"], p["edition"], _join(p["flags"])]
            for p in r["points"]]
    return cols, rows


def timeliness(r: dict) -> Table:
    """Each published average with the number of defendants behind it (from the same edition)."""
    cols = ["area_code", "area_name", "offence", "metric", "name", "period", "value", "unit", "defendants", "basis", "edition", "flags"]
    return cols, [[x["area"]["code"], x["area"]["name"], x["offence"]["family"], x["metric"], x["name"], x["period"], x["value"],
                   x["unit"], x.get("defendants"), x["basis"], x["edition"], _join(x.get("flags"))] for x in r["rows"]]


def records(items: Iterable[dict], columns: list[str] | None = None) -> Table:
    items = list(items)
    if columns is None:
        columns = []
        for it in items:
            for k in it:
                if k not in columns:
                    columns.append(k)
    rows = [[_cell(it.get(c)) for c in columns] for it in items]
    return columns, rows


def _whole(v):
    """A count held as a float (34.0) is written as the integer it is (34)."""
    return int(v) if isinstance(v, float) and v.is_integer() and abs(v) < 2 ** 53 else v


def _cell(v):
    if isinstance(v, dict):
        return v.get("code") or v.get("label") or v.get("name") or str(v)
    if isinstance(v, (list, tuple)):
        return _join(_cell(x) for x in v)
    return v


def to_csv(table: Table) -> str:
    cols, rows = table
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for r in rows:
        w.writerow(["" if v is None else _whole(v) for v in r])
    return buf.getvalue()


def to_xlsx(table: Table, *, title: str = "data", notes: list[str] | None = None) -> bytes:
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    ws = wb.add_worksheet(title[:31] or "data")
    bold = wb.add_format({"bold": True})
    cols, rows = table
    ws.write_row(0, 0, cols, bold)
    for i, r in enumerate(rows, 1):
        for j, v in enumerate(r):
            if v is None:
                continue
            if isinstance(v, bool):
                ws.write_boolean(i, j, v)
            elif isinstance(v, (int, float)):
                ws.write_number(i, j, _whole(v))
            else:
                ws.write_string(i, j, str(v))
    ws.freeze_panes(1, 0)
    if notes:
        ns = wb.add_worksheet("notes")
        for i, n in enumerate(notes):
            ns.write_string(i, 0, n)
    wb.close()
    return buf.getvalue()
