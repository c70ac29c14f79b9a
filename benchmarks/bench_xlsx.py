"""Reading an official-layout XLSX of a full outcomes year: justicegap's reader (fastexcel, the calamine engine)
against pandas.read_excel with its default engine (openpyxl). Target: 10x or better.

The workbook is generated from the real 2017/18 outcomes CSV (450,912 rows, 13 columns) with a
title row above the header, as the Home Office workbooks have. Each reader runs in a fresh
process; medians of 3 runs.
"""

from __future__ import annotations

import csv
import gzip
import sys
import tempfile
from pathlib import Path

from common import SHARED, median, timed_child

NUMERIC = {"Financial Quarter", "Outcome Type", "Force outcomes for offences recorded in quarter", "Force outcomes recorded in quarter"}


def make_workbook(path: Path) -> int:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = book.add_worksheet("Outcomes_2017_18")
    ws.write_row(0, 0, ["Crime outcomes open data, year ending March 2018"])
    with gzip.open(SHARED / "homeoffice" / "prc-outcomes-2017-18.csv.gz", "rt", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader)
        ws.write_row(1, 0, header)
        numeric = [h in NUMERIC for h in header]
        n = 0
        for i, row in enumerate(reader, start=2):
            if not any(row):
                continue
            ws.write_row(i, 0, [float(v) if num and v.lstrip("-").isdigit() else (v or None) for v, num in zip(row, numeric)])
            n += 1
    book.close()
    return n


OURS = """
from pathlib import Path
from justicegap import sources
matches, _ = sources.identify(Path({path!r}))
frame = sources.read_frame(matches[0])
print(frame.height)
"""
PANDAS = """
import pandas as pd
df = pd.read_excel({path!r}, header=1)
print(len(df))
"""


def main(runs: int = 3, pandas_runs: int | None = None) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "prc-outcomes-open-data-mar2018.xlsx"
        rows = make_workbook(path)
        ours = [timed_child(OURS.format(path=str(path))) for _ in range(runs)]
        theirs = [timed_child(PANDAS.format(path=str(path))) for _ in range(pandas_runs or runs)]
    assert all(int(o[2]) == rows for o in ours), "justicegap read every row"
    assert all(int(t[2]) == rows for t in theirs), "pandas read every row"
    a, b = median([o[0] for o in ours]), median([t[0] for t in theirs])
    result = {"rows": rows, "justicegap_s": a, "pandas_s": b, "ratio": b / a,
              "justicegap_peak_mib": max(o[1] for o in ours), "pandas_peak_mib": max(t[1] for t in theirs)}
    print(f"xlsx: {rows:,} rows; justicegap median {a:.1f} s, pandas.read_excel (openpyxl) median {b:.1f} s: "
          f"{result['ratio']:.1f}x faster (target 10x); peak memory {result['justicegap_peak_mib']:.0f} vs {result['pandas_peak_mib']:.0f} MiB")
    return result


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
