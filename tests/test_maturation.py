"""`justicegap maturation` refusing a range no edition covers: one "Available instead:", naming
what each loaded edition covers (from the store), and no doubled full stop."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from justicegap.store import Store

EXE = Path(sys.executable).parent / "justicegap"


def test_range_no_edition_covers(loaded):
    p = subprocess.run([str(EXE), "maturation", "charge_rate_cohort", "--area", "Kent", "--period", "2013/14..2022/23"],
                       capture_output=True, text=True, env={**os.environ, "JUSTICEGAP_HOME": str(loaded)})
    err = " ".join(p.stderr.split())
    assert p.returncode != 0 and "Traceback" not in p.stderr
    assert err.count("Available instead:") == 1, err
    assert not err.endswith(".."), err
    with Store(read_only=True) as s:
        for e in s.editions("ho_outcomes"):
            assert f"{e.file_name} covers {e.period_start:%B %Y} to {e.period_end:%B %Y}" in err
