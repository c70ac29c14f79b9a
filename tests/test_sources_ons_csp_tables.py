"""ONS Table C2 (recorded crime by Community Safety Partnership), against the raw CSV read here
with the csv module: force figures are the force rows as published, England and Wales their sum."""

from __future__ import annotations

import csv

import pytest

C2 = "pfa-tables-ye-jun2025-table-c2-csp.csv"


def _raw(shared_data):
    """(force code -> published sexual offences total, rows of that force) from the CSV itself."""
    with open(shared_data / "ons" / C2, encoding="utf-8") as f:
        rows = [r for r in csv.reader(f) if len(r) > 13 and r[0].strip()[:3] in ("E23", "W15")]
    header_col = 13  # "Sexual offences"
    totals, only = {}, {}
    for r in rows:
        if not r[header_col].strip():  # an empty row ("unassigned Surrey"): nothing published
            continue
        value = int(r[header_col].replace(",", "").strip())
        if not r[2].strip() and not r[3].strip():
            totals[r[0].strip()] = value
        elif r[2].strip():
            only.setdefault(r[0].strip(), []).append(value)
    for code, values in only.items():  # a force with no total row: its partnership row(s)
        if code not in totals:
            totals[code] = sum(values)
    return totals


def _figure(area):
    from justicegap import metrics

    return metrics.compute("recorded", area=area, period="YE Jun 2025", offence="sexual_offences").value


def test_every_force_equals_its_published_row(loaded, shared_data):
    totals = _raw(shared_data)
    assert len(totals) == 43
    got = {code: _figure(code) for code in totals}
    assert got == totals
    assert got["E23000005"] == 12_109  # Greater Manchester: Manchester Airport is inside it, not added
    assert got["E23000034"] == 194  # City of London: no total row, its one partnership row


def test_england_and_wales_is_the_sum_of_the_forces(loaded, shared_data):
    totals = _raw(shared_data)
    assert _figure("England and Wales") == sum(totals.values())


def test_unassigned_row_belongs_to_the_block_it_sits_in(loaded_store):
    rows = loaded_store.con.execute(
        "select area, value from facts where dataset = 'ons_csp_tables' and offence = 'all_excluding_fraud'"
        " and area in ('W15000002:unassigned', 'W15000003:unassigned')").fetchall()
    # "Unassigned Gwent" (1 offence) carries South Wales's code; "Unassigned South Wales" has 1,473
    assert dict(rows) == {"W15000002:unassigned": 1, "W15000003:unassigned": 1_473}


def test_notes_say_what_was_placed(loaded_store):
    ed = loaded_store.editions("ons_csp_tables")[0]
    notes = " ".join(str(d) for _, _, d, _ in loaded_store.lineage(ed.edition))
    assert "Manchester Airport" in notes and "City of London has no total row" in notes.replace("London, City of", "City of London")
    assert "Unassigned Gwent" in notes


@pytest.mark.parametrize("area", ["Greater Manchester", "City of London"])
def test_partial_flag_not_needed(loaded, area):
    from justicegap import metrics

    fig = metrics.compute("recorded", area=area, period="YE Jun 2025", offence="sexual_offences")
    assert "partial" not in fig.flags and fig.value > 0
