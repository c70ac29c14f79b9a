"""Local mode at national scale, on SYNTHETIC records: load (validate, pseudonymise, link, store),
one force's Kaplan-Meier and attrition, national cumulative incidence.

The national synthetic year (every force's sexual offences in 2017/18, reproducing the published
cohort) is tiled back over earlier years (new ids, dates shifted by whole years) up to
``SCALE`` x 2.5 million crime records (about 400,000 CPS cases at full scale). Targets at full scale:
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
        parts = []
        for k in range(copies):
            f = frame.with_columns([pl.col(c) + f"-{k}" for c in ids])
            f = f.with_columns([pl.col(c).str.to_date().dt.offset_by(f"-{k}y").cast(pl.String) for c in dates[table]])
            parts.append(f)
        return pl.concat(parts)
    out.mkdir(parents=True)
    shutil.copy(year / "manifest.json", out / "manifest.json")
    tile(off, "offences", ["record_id"]).write_parquet(out / "offences.parquet")
    tile(cases, "cps_cases", ["case_id", "record_ids"]).write_parquet(out / "cps_cases.parquet")
    tile(sus, "suspects", ["record_id", "suspect_id"]).write_parquet(out / "suspects.parquet")
    return {"offences": off.height * copies, "cps_cases": cases.height * copies, "years": copies}


def main(scale: float = 0.1) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        sizes = build(home, Path(tmp) / "national", scale)
        env = {"JUSTICEGAP_HOME": str(home)}
        load_s, load_mib, _ = timed_child(
            "from justicegap.store import Store\nfrom justicegap.records.load import load_records\n"
            f"with Store() as s: load_records(s, {str(Path(tmp) / 'national')!r})", env)
        first = 2017 - sizes["years"] + 1
        span = f"{first}/{str(first + 1)[2:]}..2017/18"
        one = ("import time\nfrom justicegap.store import Store\nfrom justicegap.records import survival as S, measures as M\n"
               "s = Store(read_only=True)\nS.survival(s, 'Kent', '2017/18', event='outcome')\nts = []\n"
               "for _ in range(5):\n    t = time.perf_counter()\n"
               f"    S.km(*S.durations(__import__('justicegap.records.scope', fromlist=['x']).select(s, 'Kent', {span!r}).recorded, 'charge'), 'k')\n"
               f"    M.attrition(s, 'Kent', {span!r})\n    ts.append(time.perf_counter() - t)\n"
               "print(sorted(ts)[2])")
        _, _, force_out = timed_child(one, env)
        national = ("import time\nfrom justicegap.store import Store\nfrom justicegap.records import survival as S, scope\n"
                    "s = Store(read_only=True)\nS.survival(s, 'Kent', '2017/18', event='outcome')\n"
                    f"t = time.perf_counter()\nsc = scope.select(s, 'England and Wales', {span!r})\n"
                    "S.incidence(*S.competing_codes(sc.recorded), [(k, v[0]) for k, v in S.COMPETING.items()])\n"
                    "print(time.perf_counter() - t)")
        _, _, nat_out = timed_child(national, env)
    res = {**sizes, "load_s": load_s, "load_peak_mib": load_mib, "force_km_attrition_s": float(force_out.split()[-1]),
           "national_cif_s": float(nat_out.split()[-1]), "scale": scale}
    print(f"SYNTHETIC records, scale {scale:g} of national ten years: {res['offences']:,} crime records, "
          f"{res['cps_cases']:,} CPS cases ({res['years']} years)")
    print(f"  load (validate, pseudonymise, link, one transaction): {load_s:.1f} s, peak {load_mib:,.0f} MiB")
    print(f"  one force (Kent, all years): Kaplan-Meier + attrition, median of 5: {res['force_km_attrition_s']:.2f} s")
    print(f"  national cumulative incidence (Aalen-Johansen, four outcomes): {res['national_cif_s']:.1f} s")
    return res


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 0.1)
