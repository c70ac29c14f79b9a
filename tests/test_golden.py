"""The redesigned engine gives the answers the engine gave before it (tests/golden/figures.json,
computed by tests/golden/make_golden.py before the panel engine existed): one figure at a time
from SQL, and many at once from the prefetched panel, must both agree with it exactly."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent / "golden"
sys.path.insert(0, str(HERE))
import make_golden  # noqa: E402

STEP = 9  # a fixed sample of the golden cases, about 1,300 answers, keeps the test quick


@pytest.fixture(scope="module")
def golden() -> dict:
    return json.loads((HERE / "figures.json").read_text())


def _undated(fig: dict) -> dict:
    """The figure without the day its source was loaded (a sentence says "loaded 2026-11-30"): the
    golden answers were made on one day, the store under test loaded on another."""
    import re

    return {**fig, "sentence": re.sub(r"loaded \d{4}-\d{2}-\d{2}", "loaded DATE", fig["sentence"])} if fig.get("sentence") else fig


def _sample():
    return [c for i, c in enumerate(make_golden.cases()) if i % STEP == 0]


def test_the_golden_file_has_values_and_refusals(golden):
    values = [v for v in golden.values() if "error" not in v]
    assert len(values) > 1000 and len(golden) - len(values) > 1000


@pytest.mark.parametrize("prefetched", [False, True], ids=["one-at-a-time", "panel"])
def test_engine_gives_the_golden_figures(loaded_store, golden, prefetched):
    from contextlib import nullcontext

    cases = _sample()
    differ = []
    with loaded_store.prefetched() if prefetched else nullcontext():
        for case in cases:
            key = "|".join([*case[:4], case[4] or ""])
            got = make_golden.figure(*case, loaded_store)
            if _undated(got) != _undated(golden[key]):
                differ.append((key, golden[key], got))
    assert not differ, f"{len(differ)} of {len(cases)} differ; first: {differ[:2]}"
