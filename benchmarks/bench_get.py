"""Whole-process time of `justicegap get` (start-up, imports, store, query, output) against a store
loaded from ../shared/data, run as an installed package runs (``common.installed_env``). Targets:
under 1 s; issue "one engine": under 0.35 s. Median of 10 runs of each command."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from pathlib import Path

from common import ROOT, SHARED, installed_env, median

COMMANDS = [
    ["get", "recorded", "--area", "Kent", "--period", "2017/18", "--offence", "rape", "--json"],
    ["get", "charge_rate_cohort", "--area", "England and Wales", "--period", "2017/18", "--offence", "rape", "--json"],
]


def main(runs: int = 10) -> dict:
    exe = Path(os.environ.get("VIRTUAL_ENV", ROOT / ".venv")) / "bin" / "justicegap"
    out = {}
    with tempfile.TemporaryDirectory() as home:
        env = installed_env(home)
        subprocess.run([exe, "update", "--source-dir", SHARED], env=env, check=True, capture_output=True)
        for cmd in COMMANDS:
            subprocess.run([exe, *cmd], env=env, check=True, capture_output=True)  # bytecode cached, uncounted
            times = []
            for _ in range(runs):
                t = time.perf_counter()
                subprocess.run([exe, *cmd], env=env, check=True, capture_output=True)
                times.append(time.perf_counter() - t)
            out[" ".join(cmd[:2])] = median(times)
            print(f"get: `justicegap {' '.join(cmd)}` median {median(times):.2f} s over {runs} runs "
                  f"(min {min(times):.2f}, max {max(times):.2f}; target < 1 s)")
    return out


if __name__ == "__main__":
    main()
