"""A report as an Excel workbook: a cover sheet, one real Excel table per report table, and the
sheets that must travel with the figures (Definitions, Caveats, Not available).

Counts are written as integers, rates as numbers with a percentage format, never as text, so a
records officer can sort, filter and re-use them; blank cells are missing values (each table's
notes say why), never zeros.
"""

from __future__ import annotations

import re
from pathlib import Path

from .report import Report, Table

FORMATS = {
    "integer": {"num_format": "#,##0"},
    "number": {"num_format": "#,##0.0"},
    "percent": {"num_format": "0.0%"},
    "string": {},
}
LICENCE = "Contains public sector information licensed under the Open Government Licence v3.0."


def _sheet_name(title: str, used: set[str]) -> str:
    name = re.sub(r"[\[\]:*?/\\]", " ", title).strip()[:31].strip()
    base, i = name, 2
    while name.lower() in used:
        suffix = f" ({i})"
        name = base[: 31 - len(suffix)] + suffix
        i += 1
    used.add(name.lower())
    return name


def _table_name(tid: str, used: set[str]) -> str:
    name = "T_" + re.sub(r"[^A-Za-z0-9_]", "_", tid)
    base, i = name, 2
    while name.lower() in used:
        name = f"{base}_{i}"
        i += 1
    used.add(name.lower())
    return name


SHEET_TITLES = {
    "recorded": "Recorded by year", "victims": "Victims by offence code", "victims_crosstab": "Victims sex x age",
    "local": "Local areas", "outcomes": "Police outcomes", "charges": "Charge rates", "comparison": "Comparison",
    "timeliness": "Timeliness", "defendants": "Defendants sex x age", "stage_cps": "CPS", "stage_court": "Courts (MoJ)",
    "evaluation": "Did it change", "records": "Case records",
}


def _widths(columns, rows) -> list[float]:
    out = []
    for k, c in enumerate(columns):
        longest = max([len(c.name)] + [len(f"{r[k]:,}" if isinstance(r[k], int) else str(r[k])) for r in rows[:200] if r[k] is not None] or [8])
        out.append(min(max(10, longest * 1.05 + 2), 60))
    return out


def _write_table(wb, ws, t: Table, first_row: int, table_names: set[str], fmts: dict, name: str | None = None):
    """One report table as an Excel table (typed columns) starting at ``first_row``."""
    cols = []
    for c in t.columns:
        spec = {"header": c.name}
        if c.type in ("integer", "number", "percent"):
            spec["format"] = fmts[c.type]
        cols.append(spec)
    data = [[None if v is None else v for v in r] for r in t.rows]
    last_row = first_row + max(len(data), 1)
    ws.add_table(first_row, 0, last_row, len(cols) - 1,
                 {"name": name or _table_name(t.id, table_names), "columns": cols, "data": data or [[None] * len(cols)],
                  "style": "Table Style Light 9"})
    for k, w in enumerate(_widths(t.columns, t.rows)):
        ws.set_column(k, k, w)
    return last_row


def write_xlsx(report: Report, path) -> Path:
    """Write ``report`` to ``path`` (.xlsx)."""
    import xlsxwriter

    path = Path(path)
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False,
                                         "nan_inf_to_errors": True})
    wb.set_properties({"title": f"justicegap report: {report.question.get('text', '')[:200]}", "author": "justicegap",
                       "comments": LICENCE})
    bold = wb.add_format({"bold": True})
    h1 = wb.add_format({"bold": True, "font_size": 14})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    fmts = {k: wb.add_format(v) for k, v in FORMATS.items()}
    sheet_names: set[str] = set()
    table_names: set[str] = set()
    q = report.question

    # cover ----------------------------------------------------------------------------------
    ws = wb.add_worksheet(_sheet_name("Cover", sheet_names))
    ws.set_column(0, 0, 28)
    ws.set_column(1, 1, 110)
    ws.write(0, 0, "justicegap report", h1)
    r = 2
    lines = [("Question as understood", q.get("text", "")),
             ("Area", f"{q['area']['name']} ({q['area']['code']}, {q['area']['level_name']})"),
             ("Police figures for", f"{q['police_area']['name']} ({q['police_area']['code']}, {q['police_area']['level_name']})"),
             ("CPS Area", q["cps_area"]["name"] if q.get("cps_area") else ""),
             ("Years", f"{q['years'][0]} to {q['years'][-1]} ({len(q['years'])} years): {q['period']['how']}"),
             ("Offence", f"{q['offence']['label']} ({q['offence']['family']}); tables also give: "
                         + ", ".join(p["label"] for p in q["offence"]["parts"][1:])),
             ("Years missing from the data", ", ".join(report.missing.get("years") or []) or "none"),
             *([("Years missing for local areas", ", ".join(report.missing["local_years"]) + ": no loaded local table covers them")]
               if report.missing.get("local_years") else []),
             ("Asked", ", ".join(f"{k}={v}" for k, v in q["asked"].items() if v not in (None, False, []))),
             ("Small cells", report.small_cells or "Shown as published."),
             ("Created", report.created),
             ("Licence", LICENCE + " https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/")]
    for note in q.get("notes") or []:
        lines.append(("Note", note))
    for k, v in lines:
        ws.write(r, 0, k, bold)
        ws.write_string(r, 1, str(v), wrap)
        r += 1
    r += 1
    ws.write(r, 0, "Sheets", bold)
    r += 1
    for t in report.tables:
        ws.write_string(r, 0, SHEET_TITLES.get(t.id, t.id))
        ws.write_string(r, 1, t.title + (" [derived by justicegap]" if t.derived else " [as published]"))
        r += 1
    for extra, what in (("Summary", "one sentence per headline figure, with the caveats that must travel with it"),
                        ("Definitions", "every metric used"), ("Caveats", "data breaks, missing forces, geography, provisional editions"),
                        ("Not available", "the parts of the question the data cannot answer, why, and who holds the rest")):
        ws.write_string(r, 0, extra)
        ws.write_string(r, 1, what)
        r += 1
    r += 1
    ws.write(r, 0, "Sources and editions used", bold)
    r += 1
    src_cols = ["Publisher", "Publication", "Dataset", "Edition", "File", "SHA-256", "Published", "Loaded", "Covers from",
                "Covers to", "Licence"]
    src_rows = [[s.get("publisher"), s.get("title") or s.get("source_title"), s["dataset"], s["edition"], s["file"], s["sha256"],
                 s.get("published"), s.get("loaded_at"), s.get("period_start"), s.get("period_end"), s.get("licence")]
                for s in report.sources]
    ws.add_table(r, 0, r + max(len(src_rows), 1), len(src_cols) - 1,
                 {"name": _table_name("sources", table_names), "columns": [{"header": c} for c in src_cols],
                  "data": src_rows or [[None] * len(src_cols)], "style": "Table Style Light 9"})

    # summary sentences ------------------------------------------------------------------------
    ws = wb.add_worksheet(_sheet_name("Summary", sheet_names))
    ws.set_column(0, 0, 120)
    ws.set_column(1, 1, 30)
    ws.write(0, 0, "Headline figures, each with the caveats that must travel with it", h1)
    rows = []
    for s in report.sentences:
        rows.append([s["text"], s["metric"], "; ".join(s.get("must_travel") or [])])
    ws.add_table(2, 0, 2 + max(len(rows), 1), 2, {"name": _table_name("summary", table_names),
                                                   "columns": [{"header": "Sentence", "format": wrap}, {"header": "Metric"},
                                                               {"header": "Must travel with it", "format": wrap}],
                                                   "data": rows or [[None] * 3], "style": "Table Style Light 9"})
    ws.set_column(2, 2, 120)

    # one sheet per table ---------------------------------------------------------------------
    for t in report.tables:
        tab = SHEET_TITLES.get(t.id, t.title)
        if "SYNTHETIC" in t.title and "SYNTHETIC" not in tab:  # the tab says so too, not cut off at 31 characters
            tab = "SYNTHETIC " + tab
        ws = wb.add_worksheet(_sheet_name(tab, sheet_names))
        ws.write(0, 0, t.title, h1)
        ws.write_string(1, 0, (t.provenance or ("Derived by justicegap from published counts" if t.derived else "As published"))
                        + (f"; geography: {t.geography}" if t.geography else "") + (f"; basis: {t.basis}" if t.basis else "")
                        + (f"; unit: {t.unit}" if t.unit else "") + (f"; editions: {', '.join(t.editions)}" if t.editions else ""))
        r = 2
        for n in t.notes:
            ws.write_string(r, 0, n)
            r += 1
        _write_table(wb, ws, t, r + 1, table_names, fmts)
        ws.freeze_panes(r + 2, 0)

    # definitions, caveats, not available -------------------------------------------------------
    ws = wb.add_worksheet(_sheet_name("Definitions", sheet_names))
    cols = ["Metric", "Name", "Official name", "Stage", "Basis", "Basis in words", "Unit", "Numerator", "Denominator",
            "Definition", "Caveats", "Not to be confused with"]
    rows = [[d["metric"], d["name"], d.get("official_name"), d.get("stage"), d.get("basis"), d.get("basis_text"), d.get("unit"),
             d.get("numerator"), d.get("denominator"), d.get("definition"), " ".join(d.get("caveats") or []),
             " ".join(d.get("confused_with") or [])] for d in report.definitions]
    ws.add_table(0, 0, max(len(rows), 1), len(cols) - 1, {"name": _table_name("definitions", table_names),
                                                          "columns": [{"header": c, "format": wrap} for c in cols],
                                                          "data": rows or [[None] * len(cols)], "style": "Table Style Light 9"})
    for k, w in enumerate([26, 36, 36, 8, 18, 40, 11, 50, 50, 80, 80, 80]):
        ws.set_column(k, k, w)

    ws = wb.add_worksheet(_sheet_name("Caveats", sheet_names))
    rows = [[c["kind"], c["text"]] for c in report.caveats]
    ws.add_table(0, 0, max(len(rows), 1), 1, {"name": _table_name("caveats", table_names),
                                              "columns": [{"header": "Kind"}, {"header": "Caveat", "format": wrap}],
                                              "data": rows or [[None, None]], "style": "Table Style Light 9"})
    ws.set_column(0, 0, 16)
    ws.set_column(1, 1, 150)

    ws = wb.add_worksheet(_sheet_name("Not available", sheet_names))
    rows = [[n["part"], n["reason"], n.get("holder") or ""] for n in report.not_available]
    ws.add_table(0, 0, max(len(rows), 1), 2, {"name": _table_name("not_available", table_names),
                                              "columns": [{"header": "Part of the question", "format": wrap},
                                                          {"header": "Reason", "format": wrap},
                                                          {"header": "Who holds it", "format": wrap}],
                                              "data": rows or [[None] * 3], "style": "Table Style Light 9"})
    ws.set_column(0, 0, 60)
    ws.set_column(1, 1, 100)
    ws.set_column(2, 2, 60)
    wb.close()
    return path
