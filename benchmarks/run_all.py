"""Run every benchmark and print their figures (the README quotes these)."""

import runpy
from pathlib import Path

HERE = Path(__file__).parent

for name in ("bench_load", "bench_get", "bench_engine", "bench_xlsx", "bench_ods_stream", "bench_serve"):
    path = HERE / f"{name}.py"
    if path.exists():
        print(f"== {name}")
        runpy.run_path(str(path), run_name="__main__")
