"""Case-review samples: stratified, reproducible, pseudonymous, with the sampling frame."""

from __future__ import annotations

import pytest

from justicegap.records.sample import allocate, draw


def test_allocation_is_proportional_and_exact():
    alloc = allocate({"a": 600, "b": 300, "c": 100}, 50)
    assert alloc == {"a": 30, "b": 15, "c": 5}
    small = allocate({"a": 990, "b": 10}, 10)
    assert sum(small.values()) == 10 and small["b"] >= 1
    assert allocate({"a": 2, "b": 1}, 5) == {"a": 2, "b": 1}


def test_sample_workbook(records_store, synth_kent, tmp_path):
    import openpyxl

    from test_records_load import rows

    a = draw(records_store, "Kent", "2017/18", size=50, by="outcome", seed=1, out=tmp_path / "a.xlsx")
    b = draw(records_store, "Kent", "2017/18", size=50, by="outcome", seed=1, out=tmp_path / "b.xlsx")
    c = draw(records_store, "Kent", "2017/18", size=50, by="outcome", seed=2, out=tmp_path / "c.xlsx")
    assert a.size == 50 and a.synthetic and sum(s["sample"] for s in a.strata) == 50

    def ids(p, sheet="Sample"):
        ws = openpyxl.load_workbook(p)[sheet]
        head = [x.value for x in ws[1]]
        return [dict(zip(head, (x.value for x in r))) for r in ws.iter_rows(min_row=2)]
    sa = ids(tmp_path / "a.xlsx")
    assert [r["record_id"] for r in sa] == [r["record_id"] for r in ids(tmp_path / "b.xlsx")]
    assert {r["record_id"] for r in sa} != {r["record_id"] for r in ids(tmp_path / "c.xlsx")}
    frame = ids(tmp_path / "a.xlsx", "Sampling frame")
    assert len(frame) == a.frame and sum(1 for r in frame if r["selected"]) == 50
    raw = {r["record_id"] for r in rows(synth_kent / "offences.csv")}
    assert not {r["record_id"] for r in frame} & raw  # pseudonymous ids only
    strata = {}
    for r in sa:
        strata[r["stratum"]] = strata.get(r["stratum"], 0) + 1
    assert strata == {s["stratum"]: s["sample"] for s in a.strata if s["sample"]}
    cover = [r[0].value for r in openpyxl.load_workbook(tmp_path / "a.xlsx")["Cover"].iter_rows()]
    assert "SYNTHETIC RECORDS: NOT REAL CASES" in cover


def test_bad_sample_parameters(records_store, tmp_path):
    from justicegap.errors import InvalidParameter

    with pytest.raises(InvalidParameter, match="^by:"):
        draw(records_store, "Kent", "2017/18", size=5, by="notes", seed=1, out=tmp_path / "x.xlsx")
    with pytest.raises(InvalidParameter, match="^out:"):
        draw(records_store, "Kent", "2017/18", size=5, by="outcome", seed=1, out=tmp_path / "x.csv")
    with pytest.raises(InvalidParameter, match="^size:"):
        draw(records_store, "Kent", "2017/18", size=10**7, by="outcome", seed=1, out=tmp_path / "x.xlsx")
