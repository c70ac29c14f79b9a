"""Small files in the publishers' official layouts, made from real rows, for reader tests."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

PFA_HEADER = ["Financial Year", "Financial Quarter", "Force Name", "Offence Description", "Offence Group",
              "Offence Subgroup", "Offence Code", "Number of Offences"]


def real_rows(path: Path, keep=lambda r: True, limit: int | None = None) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a real CSV(.gz) from ../shared/data, filtered."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = []
        for r in reader:
            if r and keep(dict(zip(header, r))):
                rows.append(r)
                if limit and len(rows) >= limit:
                    break
    return header, rows


def typed(rows: list[list[str]], numeric_columns: list[int]) -> list[list]:
    """Rows as a spreadsheet would hold them: counts as numbers, empty cells as None."""
    out = []
    for r in rows:
        row = []
        for i, v in enumerate(r):
            if v == "":
                row.append(None)
            elif i in numeric_columns:
                row.append(float(v))
            else:
                row.append(v)
        out.append(row)
    return out


def write_xlsx(path: Path, sheets: dict[str, list[list]]) -> Path:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path))
    for name, rows in sheets.items():
        ws = book.add_worksheet(name)
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                if v is not None:
                    ws.write(i, j, v)
    book.close()
    return path


def write_csv(path: Path, rows: list[list], gz: bool = False) -> Path:
    opener = gzip.open if gz else open
    with opener(path, "wt", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def sum_counts(path: Path, count_column: str, keep) -> float:
    """An independent sum straight from a real CSV (the csv module, no justicegap code)."""
    _, rows = real_rows(path)
    header, _ = real_rows(path, limit=1)
    i = header.index(count_column)
    total = 0.0
    for r in rows:
        if keep(dict(zip(header, r))) and r[i] != "":
            total += float(r[i])
    return total
