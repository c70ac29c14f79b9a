"""Loading the two real outcomes years plus the recorded-crime year (about 600,000 rows) into a
fresh store. Target: under 10 s and under 1.5 GB peak memory on this 2-core machine.

Each run is a fresh process with a fresh store; the median of 3 runs is reported.
"""

from __future__ import annotations

import tempfile

from common import SHARED, median, timed_child

FILES = ["prc-outcomes-2017-18.csv.gz", "prc-outcomes-2018-19.csv.gz", "prc-pfa-2017-18.csv.gz"]
CODE = f"""
import os
from pathlib import Path
from justicegap.store import Store
from justicegap import update
rows = 0
with Store() as s:
    for name in {FILES!r}:
        for r in update.load_file(s, Path({str(SHARED / 'homeoffice')!r}) / name):
            rows += r.rows
print(rows)
"""


def main(runs: int = 3) -> dict:
    walls, peaks = [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as home:
            wall, peak, out = timed_child(CODE, {"JUSTICEGAP_HOME": home})
        walls.append(wall)
        peaks.append(peak)
        rows = int(out.strip())
    from gzip import open as gz

    source_rows = sum(sum(1 for _ in gz(SHARED / "homeoffice" / f, "rt")) - 1 for f in FILES)
    result = {"source_rows": source_rows, "facts": rows, "median_s": median(walls), "peak_mib": max(peaks),
              "runs": [round(w, 2) for w in walls]}
    print(f"load: {source_rows:,} source rows -> {rows:,} facts; median {result['median_s']:.2f} s over {runs} runs "
          f"({result['runs']}); peak memory {result['peak_mib']:.0f} MiB (target < 10 s, < 1,536 MiB)")
    return result


if __name__ == "__main__":
    main()
