"""Which areas and periods the loaded case records can answer for (records/scope.py): an area is
held only when every one of its forces is loaded, and a period is offered only when the records
cover it and it ended by their extract date."""

from __future__ import annotations

import csv
import json
from datetime import date

from justicegap import areas as A
from justicegap.records import scope


def test_an_area_is_held_only_when_all_its_forces_are_loaded(records_store, loaded_store):
    assert scope.held(records_store, A.get("E23000032"))  # Kent
    for code in ("CPS-SE", "K04000001", "E23000033", "E07000105", "E22000137"):
        assert not scope.held(records_store, A.get(code)), code
    assert not scope.held(loaded_store, A.get("E23000032"))  # a store without records


def test_the_periods_offered_are_the_whole_years_recorded_before_the_extract(records_store, synth_kent):
    extract = date.fromisoformat(json.loads((synth_kent / "manifest.json").read_text())["extract_date"])
    with open(synth_kent / "offences.csv", newline="") as f:
        days = [date.fromisoformat(r["date_recorded"]) for r in csv.DictReader(f) if r.get("synthetic_earlier") != "true"]
    years = sorted({d.year if d.month >= 4 else d.year - 1 for d in days}, reverse=True)
    expected = [f"{y}/{str(y + 1)[2:]}" for y in years if date(y + 1, 3, 31) <= extract]
    assert scope.periods(records_store, A.get("E23000032")) == expected == ["2017/18"]


def test_anyone_is_given_only_the_whole_years_offered(records_store):
    """The public partition of time: a whole financial year of ``periods`` (also written as the
    same dates), never a month, quarter, calendar year or range, any of which overlaps another
    period and would let a hidden count be worked out by subtraction."""
    import pytest

    from justicegap.errors import InvalidParameter

    kent = A.get("E23000032")
    for ok in ("2017/18", "2017-04..2018-03"):
        scope.check_public_period(records_store, kent, ok)
        scope.check_public(kent, "rape", ok, records_store)
    for bad in ("2017-05", "2017-04..2017-05", "2017/18 Q1", "2017", "2017-04..2018-04", "2016/17"):
        with pytest.raises(InvalidParameter) as e:
            scope.check_public(kent, "rape", bad, records_store)
        assert e.value.parameter == "period"
        assert "whole financial year the records cover: 2017/18" in e.value.message and "subtracting" in e.value.message, bad
