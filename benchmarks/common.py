"""Shared helpers for the benchmarks: time a fresh Python process and read its peak memory."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
PYTHON = sys.executable


def median(xs):
    return statistics.median(xs)


def installed_env(home: str | Path) -> dict:
    """The environment of a command run as an installed package runs: JUSTICEGAP_HOME set, and
    bytecode written (to a folder of the benchmark's) and read back. A development machine may set
    PYTHONDONTWRITEBYTECODE, and an editable install is not compiled at install time, so every
    start would compile justicegap's source again (about 0.08 s of CPU here): run a command once,
    uncounted, before timing it."""
    env = {**os.environ, "JUSTICEGAP_HOME": str(home), "PYTHONPYCACHEPREFIX": str(Path(home) / "bytecode")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def timed_child(code: str, env: dict | None = None, timeout: float | None = None) -> tuple[float, float, str]:
    """Run Python ``code`` in a fresh process: (wall seconds, peak RSS in MiB, stdout); a child
    still running after ``timeout`` seconds is killed (subprocess.TimeoutExpired).

    The child reports its own high-water mark (VmHWM from /proc) as it exits, so runs never
    contaminate each other's memory figures.
    """
    wrapped = code + ("\nimport sys\nprint('VMHWM', [l for l in open('/proc/self/status') "
                      "if l.startswith('VmHWM')][0].split()[1], file=sys.stderr)\n")
    start = time.perf_counter()
    proc = subprocess.run([PYTHON, "-c", wrapped], capture_output=True, text=True, env={**os.environ, **(env or {})},
                          timeout=timeout)
    wall = time.perf_counter() - start
    if proc.returncode:
        raise SystemExit(f"benchmark child failed (exit status {proc.returncode}):\n{proc.stderr}")
    kib = next(int(line.split()[1]) for line in proc.stderr.splitlines() if line.startswith("VMHWM"))
    return wall, kib / 1024, proc.stdout
