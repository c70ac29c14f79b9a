"""Benchmark: stream-read an ODS whose content.xml is over 1 GB, in bounded memory.

Generates a file in the layout of the Home Office "police recorded crime by Community Safety
Partnership" open data table (one sheet, one row per quarter x CSP x offence), reads it with
``justicegap.ods.iter_rows`` in a fresh child process three times, and prints the median wall
time, rows per second and the child's peak resident memory (VmHWM). Exits with status 1 if the
peak reaches 1 GB. For comparison python-calamine, which loads a whole sheet, is measured on a
smaller (default 50 MB of XML) file in the same layout, next to iter_rows on that same file, and
once on the big file with its address space capped (default 8 GiB), so that it fails rather than
exhausting the machine if it does not fit.

    python benchmarks/bench_ods_stream.py                 # temp dir, deleted afterwards
    python benchmarks/bench_ods_stream.py /data/csp.ods --keep   # reused if it already exists
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "src"))

from odsfile import write_ods_stream  # noqa: E402

HEADER = ["Financial Year", "Financial Quarter", "Force Name", "CSP Name", "Offence Description",
          "Offence Group", "Offence Subgroup", "Offence Code", "Number of Offences"]
FORCES = {
    "Avon and Somerset": ["Bath and North East Somerset", "Bristol", "North Somerset", "Somerset",
                          "South Gloucestershire"],
    "Greater Manchester": ["Bolton", "Bury", "Manchester", "Oldham", "Rochdale", "Salford", "Stockport",
                           "Tameside", "Trafford", "Wigan"],
    "Metropolitan Police": ["Barking and Dagenham", "Barnet", "Bexley", "Brent", "Bromley", "Camden",
                            "Croydon", "Ealing", "Enfield", "Greenwich", "Hackney", "Westminster"],
    "Thames Valley": ["Bracknell Forest", "Cherwell", "Milton Keynes", "Oxford", "Reading", "Slough"],
    "Dyfed-Powys": ["Carmarthenshire", "Ceredigion", "Pembrokeshire", "Powys"],
}
OFFENCES = [
    ("Rape of a female aged 16 and over", "Sexual offences", "Rape", "19C"),
    ("Rape of a female child under 16", "Sexual offences", "Rape", "19D"),
    ("Rape of a male aged 16 and over", "Sexual offences", "Rape", "19G"),
    ("Sexual assault on a female aged 13 and over", "Sexual offences", "Other sexual offences", "17A"),
    ("Exposure and voyeurism", "Sexual offences", "Other sexual offences", "88E"),
    ("Assault with injury", "Violence against the person", "Violence with injury", "8N"),
    ("Stalking", "Violence against the person", "Stalking and harassment", "8Q"),
    ("Burglary - residential", "Burglary", "Residential burglary", "28E"),
    ("Theft from the person", "Theft offences", "Theft from the person", "39"),
    ("Criminal damage to a vehicle", "Criminal damage and arson", "Criminal damage", "58C"),
    ("Possession of cannabis", "Drug offences", "Possession of drugs", "92E"),
    ("Public fear, alarm or distress", "Public order offences", "Public order offences", "9"),
]
GB = 1_000_000_000


def csp_rows(n: int):
    """n rows in the open-data layout, cycling offences within CSPs within quarters."""
    csps = [(force, csp) for force, names in FORCES.items() for csp in names]
    i = 0
    while True:
        for year in range(2012, 2100):
            fy = f"{year}/{(year + 1) % 100:02d}"
            for quarter in (1.0, 2.0, 3.0, 4.0):
                for force, csp in csps:
                    for desc, group, subgroup, code in OFFENCES:
                        if i == n:
                            return
                        yield [fy, quarter, force, csp, desc, group, subgroup, code, float((i * 7919) % 311)]
                        i += 1


def generate(path: Path, min_xml_bytes: int) -> tuple[int, int]:
    """Write a file whose content.xml is at least min_xml_bytes; returns (rows, xml size)."""
    probe = Path(tempfile.mkdtemp()) / "probe.ods"
    per_row = write_ods_stream(probe, "Data", HEADER, csp_rows(20000)) / 20000
    probe.unlink()
    probe.parent.rmdir()
    n = int(min_xml_bytes / per_row * 1.01) + 1
    while True:
        size = write_ods_stream(path, "Data", HEADER, csp_rows(n), compresslevel=1)
        if size >= min_xml_bytes:
            return n + 1, size
        n = int(n * min_xml_bytes / size * 1.01) + 1


CHILD_ODS = """
import json, sys, time
from justicegap import ods
t = time.perf_counter()
rows = 0
total = 0.0
for sheet, number, values in ods.iter_rows(sys.argv[1]):
    rows += 1
    if isinstance(values[-1], float):
        total += values[-1]
seconds = time.perf_counter() - t
t = time.perf_counter()
names = ods.sheet_names(sys.argv[1]) if len(sys.argv) > 2 else None
names_s = time.perf_counter() - t
hwm = [int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM")][0] * 1024
print(json.dumps({"rows": rows, "seconds": seconds, "peak": hwm, "total": total, "names": names,
                  "names_seconds": names_s}))
"""

CHILD_CALAMINE = """
import json, sys, time
from python_calamine import CalamineWorkbook
t = time.perf_counter()
book = CalamineWorkbook.from_path(sys.argv[1])
rows = 0
for name in book.sheet_names:
    rows += sum(1 for r in book.get_sheet_by_name(name).to_python() if any(v != "" for v in r))
seconds = time.perf_counter() - t
hwm = [int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM")][0] * 1024
print(json.dumps({"rows": rows, "seconds": seconds, "peak": hwm}))
"""


def child(code: str, *args: str, memory_limit: int | None = None, fail_ok: bool = False) -> dict | None:
    """Run code in a fresh interpreter (so its peak RSS is its own); ``memory_limit`` caps its
    address space, so a reader that does not fit fails instead of exhausting the machine."""
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""))

    def limit():
        if memory_limit:
            resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))

    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env,
                          preexec_fn=limit)
    wall = time.perf_counter() - t
    if done.returncode != 0:
        if fail_ok:
            return None
        sys.exit(f"child failed ({done.returncode}):\n{done.stderr}")
    result = json.loads(done.stdout)
    result["wall"] = wall
    return result


def mb(n: float) -> str:
    return f"{n / 1e6:,.0f} MB"


def measure(label: str, code: str, path: Path, runs: int, *extra: str) -> dict:
    results = [child(code, str(path), *extra) for _ in range(runs)]
    times = [r["seconds"] for r in results]
    med = statistics.median(times)
    peak = max(r["peak"] for r in results)
    rows = results[0]["rows"]
    print(f"{label}: {rows:,} rows; times {', '.join(f'{s:.1f}' for s in times)} s; median {med:.1f} s "
          f"({rows / med:,.0f} rows/s); peak RSS {mb(peak)} (child VmHWM)")
    return {"rows": rows, "median": med, "peak": peak, "results": results}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("path", nargs="?", type=Path, help="where to write the big file (default: a temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep the generated files")
    ap.add_argument("--xml-bytes", type=int, default=1 << 30, help="minimum content.xml size (default 1 GiB)")
    ap.add_argument("--calamine-xml-bytes", type=int, default=50_000_000,
                    help="content.xml size of the file calamine is measured on (0: skip)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--calamine-big-limit-gb", type=float, default=8,
                    help="also try calamine once on the big file, its address space capped at this (0: skip)")
    args = ap.parse_args(argv)

    tmp = None
    if args.path is None:
        tmp = Path(tempfile.mkdtemp(prefix="bench_ods_"))
        big = tmp / "csp_open_data.ods"
    else:
        big = args.path
    small = big.with_name(big.stem + "_small.ods")
    made: list[Path] = []  # only files this run wrote are deleted
    try:
        import zipfile

        if big.exists() and zipfile.ZipFile(big).getinfo("content.xml").file_size >= args.xml_bytes:
            size = zipfile.ZipFile(big).getinfo("content.xml").file_size
            print(f"reusing {big}")
        else:
            t = time.perf_counter()
            made.append(big)
            _, size = generate(big, args.xml_bytes)
            print(f"generated {big} in {time.perf_counter() - t:.0f} s")
        print(f"content.xml: {size:,} bytes uncompressed ({size / 2**30:.3f} GiB); "
              f"file {big.stat().st_size:,} bytes")

        stream = measure("iter_rows", CHILD_ODS, big, args.runs, "names")
        names = stream["results"][0]
        print(f"sheet_names: {names['names']} in {names['names_seconds']:.1f} s")
        peak_all = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
        print(f"peak RSS over all children (getrusage RUSAGE_CHILDREN): {mb(peak_all)}")

        if args.calamine_xml_bytes:
            made.append(small)
            _, small_size = generate(small, args.calamine_xml_bytes)
            print(f"\ncomparison on a smaller file (content.xml {small_size:,} bytes), as calamine loads "
                  f"whole sheets into memory:")
            measure("  iter_rows", CHILD_ODS, small, args.runs)
            measure("  python-calamine", CHILD_CALAMINE, small, args.runs)

        if args.calamine_big_limit_gb:
            cap = int(args.calamine_big_limit_gb * 2**30)
            r = child(CHILD_CALAMINE, str(big), memory_limit=cap, fail_ok=True)
            if r is None:
                print(f"  python-calamine on the big file: did not fit in {args.calamine_big_limit_gb:g} GiB "
                      f"of address space")
            else:
                print(f"  python-calamine on the big file (one run): {r['rows']:,} rows in {r['seconds']:.1f} s "
                      f"({r['rows'] / r['seconds']:,.0f} rows/s); peak RSS {mb(r['peak'])}")

        if stream["peak"] >= GB:
            print(f"FAIL: iter_rows peak memory {mb(stream['peak'])} >= 1 GB")
            return 1
        print(f"\nOK: iter_rows peak memory {mb(stream['peak'])} < 1 GB")
        return 0
    finally:
        if not args.keep:
            for f in made:
                f.unlink(missing_ok=True)
            if tmp is not None:
                tmp.rmdir()


if __name__ == "__main__":
    sys.exit(main())
