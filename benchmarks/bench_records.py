"""Local mode at national scale, on SYNTHETIC records: load (validate, pseudonymise, link, store),
one force's Kaplan-Meier and attrition, national cumulative incidence.

The national synthetic year (every force's sexual offences in 2017/18, reproducing the published
counts on both bases, with the records of earlier offences whose outcomes fell in the year) is tiled back over earlier years (new ids, dates shifted by whole years) up to
``SCALE`` x 2.5 million crime records (at full scale eleven years: 2.4 million crime records, 1.6
million suspects, 300,000 CPS cases; the issue's "about 400,000" cases would need a larger share of
crimes referred than the published outcomes give). Targets at full scale:
load < 60 s and < 4 GB peak; one force's KM and attrition < 1 s; national cumulative incidence < 5 s.
The machine is shared: run it at full scale at most once (``python benchmarks/bench_records.py 1.0``);
the default is a tenth of the scale.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from common import SHARED, timed_child

FULL = 2_500_000


def build(home: Path, out: Path, scale: float) -> dict:
    """Synthesise the national year and tile it to the target size (Parquet files)."""
    import polars as pl

    exe = Path(sys.executable).parent / "justicegap"
    env = {**os.environ, "JUSTICEGAP_HOME": str(home)}
    subprocess.run([exe, "update", "--source-dir", SHARED], env=env, check=True, capture_output=True)
    year = out.parent / "national-year"
    subprocess.run([exe, "synth", "--area", "England and Wales", "--period", "2017/18", "--out", year, "--seed", "1"],
                   env=env, check=True, capture_output=True)
    off = pl.read_csv(year / "offences.csv", infer_schema=False)
    cases = pl.read_csv(year / "cps_cases.csv", infer_schema=False)
    sus = pl.read_csv(year / "suspects.csv", infer_schema=False)
    copies = max(1, round(scale * FULL / off.height))
    from justicegap.records import schema

    dates = {t: [f.name for f in schema.fields(t) if f.type == "date"] for t in schema.TABLES}

    def tile(frame, table, ids):
        """``copies`` copies, the k-th with ids suffixed -k and every date k years earlier; dates are
        parsed once and written back as text, as a force's export would hold them."""
        typed = frame.with_columns([pl.col(c).str.to_date() for c in dates[table]])
        parts = [typed.with_columns([pl.col(c) + f"-{k}" for c in ids] + [pl.col(c).dt.offset_by(f"-{k}y") for c in dates[table]])
                 for k in range(copies)]
        return pl.concat(parts).with_columns([pl.col(c).cast(pl.String) for c in dates[table]])
    out.mkdir(parents=True)
    shutil.copy(year / "manifest.json", out / "manifest.json")
    tile(off, "offences", ["record_id"]).write_parquet(out / "offences.parquet")
    tile(cases, "cps_cases", ["case_id", "record_ids"]).write_parquet(out / "cps_cases.parquet")
    tile(sus, "suspects", ["record_id", "suspect_id"]).write_parquet(out / "suspects.parquet")
    return {"offences": off.height * copies, "cps_cases": cases.height * copies, "years": copies}


FORCE = """import time
from justicegap.store import Store
from justicegap.records import measures as M, scope, survival as S
s = Store(read_only=True)
S.survival(s, 'Kent', '2017/18', event='outcome')  # imports and first query paid once
ts = []
for _ in range({runs}):
    t = time.perf_counter()
    S.km(*S.durations(scope.select(s, 'Kent', {period!r}).recorded, 'charge'), 'k')
    M.attrition(s, 'Kent', {period!r})
    ts.append(time.perf_counter() - t)
print(sorted(ts)[len(ts) // 2])
"""
NATIONAL = """import time
from justicegap.store import Store
from justicegap.records import scope, survival as S
s = Store(read_only=True)
S.survival(s, 'Kent', '2017/18', event='outcome')
t = time.perf_counter()
sc = scope.select(s, 'England and Wales', {period!r})
S.incidence(*S.competing_codes(sc.recorded), [(k, v[0]) for k, v in S.COMPETING.items()])
print(time.perf_counter() - t, sc.recorded.height)
"""


LIMIT = 300  # seconds: a step still running then is stopped and reported as such


def main(scale: float = 0.1) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        sizes = build(home, Path(tmp) / "national", scale)
        env = {"JUSTICEGAP_HOME": str(home)}
        before = os.getloadavg()[0]
        load_s, load_mib, _ = timed_child(
            "from justicegap.store import Store\nfrom justicegap.records.load import load_records\n"
            f"with Store() as s: load_records(s, {str(Path(tmp) / 'national')!r})", env)
        first = 2017 - sizes["years"] + 1
        span = f"{first}/{str(first + 1)[2:]}..2017/18"
        res = {**sizes, "scale": scale, "load_s": load_s, "load_peak_mib": load_mib, "load_average_before_load": before}
        print(f"SYNTHETIC records, scale {scale:g} of national ten years: {res['offences']:,} crime records, "
              f"{res['cps_cases']:,} CPS cases ({res['years']} years); {os.cpu_count()} cores, load average {before:.1f} "
              "before the load", flush=True)
        print(f"  load (validate, pseudonymise, link, one transaction; whole process): {load_s:.1f} s, peak {load_mib:,.0f} MiB",
              flush=True)
        steps = (("force_year", "one force (Kent), 2017/18: Kaplan-Meier + attrition, median of 5", FORCE, "2017/18", 5),
                 ("force_all", f"one force (Kent), {span}: Kaplan-Meier + attrition, median of 3", FORCE, span, 3),
                 ("national_year", "national cumulative incidence (Aalen-Johansen, four outcomes), 2017/18", NATIONAL, "2017/18", 1),
                 ("national_all", f"national cumulative incidence, {span}", NATIONAL, span, 1))
        for name, what, code, period, runs in steps:
            try:
                _, mib, out = timed_child(code.format(period=period, runs=runs), env, timeout=LIMIT)
            except subprocess.TimeoutExpired:
                res[f"{name}_s"] = None
                print(f"  {what}: not finished in {LIMIT} s (stopped)", flush=True)
                continue
            out = out.split()
            res[f"{name}_s"], res[f"{name}_peak_mib"] = float(out[0]), mib
            crimes = f" ({int(out[1]):,} crimes)" if len(out) > 1 else ""
            print(f"  {what}{crimes}: {float(out[0]):.2f} s (process peak {mib:,.0f} MiB)", flush=True)
    return res


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 0.1)
