"""Writers, registered per format (a registry of renderers, as datasette has): each turns a
:class:`.table.Table` into the bytes of one file format. Every surface (the command line, the
API, the page downloads and ``justicegap export``) writes through :func:`write`, so a figure
gives the same rows in every one of them.

Heavy writers (xlsxwriter, pyarrow) are imported inside the function that needs them.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date
from typing import Callable

from ..errors import InvalidParameter
from .table import Table

ATTRIBUTION = "Contains public sector information licensed under the Open Government Licence v3.0."


@dataclass(frozen=True)
class Writer:
    format: str
    media_type: str
    write: Callable[..., bytes]


WRITERS: dict[str, Writer] = {}


def writer(fmt: str, media_type: str):
    def register(fn):
        WRITERS[fmt] = Writer(fmt, media_type, fn)
        return fn
    return register


def get(fmt: str) -> Writer:
    """The writer for ``fmt``; an unknown format is one clear error naming the formats there are."""
    w = WRITERS.get((fmt or "").lower().lstrip("."))
    if w is None:
        raise InvalidParameter("format", f"'{fmt}': use one of {', '.join(WRITERS)}")
    return w


def write(table: Table, fmt: str, **options) -> bytes:
    """``table`` as the bytes of ``fmt`` (csv, xlsx, parquet, json or text)."""
    return get(fmt).write(table, **options)


def _text_cell(v) -> str:
    """Absent is empty, booleans true/false, a whole number without a decimal point (0, not 0.0)."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


@writer("csv", "text/csv; charset=utf-8")
def to_csv(table: Table) -> bytes:
    """UTF-8, a header row, absent cells empty, booleans as true/false (Frictionless's defaults)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(table.columns)
    for r in table.rows:
        w.writerow([_text_cell(v) for v in r])
    return buf.getvalue().encode("utf-8")


@writer("json", "application/json")
def to_json(table: Table) -> bytes:
    """The rows as a JSON list of objects, typed as their columns (absent cells null)."""
    return (json.dumps(table.records(), ensure_ascii=False, indent=1) + "\n").encode("utf-8")


@writer("text", "text/plain; charset=utf-8")
def to_text(table: Table) -> bytes:
    """The rows as aligned plain text, for a terminal or a log (numbers aligned right)."""
    cells = [table.columns] + [[_text_cell(v) for v in r] for r in table.rows]
    widths = [max(len(r[k]) for r in cells) for k in range(len(table.fields))]
    right = [f.type in ("integer", "number") for f in table.fields]
    lines = ["  ".join(c.rjust(w) if rt and i else c.ljust(w) for c, w, rt in zip(r, widths, right)).rstrip()
             for i, r in enumerate(cells)]
    return ("\n".join(lines) + "\n").encode("utf-8")


@writer("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
def to_xlsx(table: Table, *, sheet: str = "data", notes: list[str] | None = None) -> bytes:
    """One sheet holding the rows as an Excel table (dates as dates, counts with thousands
    separators), and a ``notes`` sheet with what must travel with them (the table's notes
    unless ``notes`` is given)."""
    import xlsxwriter

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False,
                                   "strings_to_urls": False})
    ws = wb.add_worksheet(sheet[:31] or "data")
    fmts = {"integer": wb.add_format({"num_format": "#,##0"}), "date": wb.add_format({"num_format": "yyyy-mm-dd"})}
    data = [[date.fromisoformat(v) if f.type == "date" and isinstance(v, str) else v for v, f in zip(r, table.fields)]
            for r in table.rows]
    cols = [{"header": f.name, **({"format": fmts[f.type]} if f.type in fmts else {})} for f in table.fields]
    ws.add_table(0, 0, max(len(data), 1), len(table.fields) - 1,
                 {"name": "data", "columns": cols, "data": data or [[None] * len(table.fields)], "style": "Table Style Light 9"})
    for k, f in enumerate(table.fields):
        ws.set_column(k, k, max(10, min(50, len(f.name) + 4)))
    ws.freeze_panes(1, 0)
    notes = table.notes if notes is None else notes
    if notes:
        ns = wb.add_worksheet("notes")
        for i, n in enumerate(notes):
            ns.write_string(i, 0, n)
    wb.set_properties({"title": table.title[:250], "comments": ATTRIBUTION})
    wb.close()
    return buf.getvalue()


@writer("parquet", "application/vnd.apache.parquet")
def to_parquet(table: Table) -> bytes:
    """Columns typed as the table's fields (int64 counts, float64 numbers, date32 dates)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {"integer": pa.int64(), "number": pa.float64(), "boolean": pa.bool_(), "string": pa.string(), "date": pa.date32()}
    cols = {}
    for k, f in enumerate(table.fields):
        vals = [r[k] for r in table.rows]
        if f.type == "date":
            vals = [None if v is None else date.fromisoformat(v) for v in vals]
        cols[f.name] = pa.array(vals, type=types[f.type])
    buf = io.BytesIO()
    pq.write_table(pa.table(cols), buf)
    return buf.getvalue()
