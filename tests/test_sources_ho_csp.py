"""The Home Office CSP table: streamed from ODS in the official layout, with the Unassigned rows kept,
names resolved (Shepway), and bad rows named."""

from __future__ import annotations

import pytest

from justicegap import metrics, reference, update
from justicegap.errors import InputError
from justicegap.store import Store
from odsfile import write_ods_stream
from officialfiles import write_csv
from storecheck import counts

HEADER = ["Financial Year", "Financial Quarter", "Force Name", "CSP Name", "Offence Description", "Offence Group",
          "Offence Subgroup", "Offence Code", "Number of Offences"]
KENT_CSPS = sorted({r["csp_name"] for r in reference.table("lad_csp_pfa") if r["pfa_code"] == "E23000032"})


def _rows(names=KENT_CSPS, force="Kent"):
    """Four quarters of two offence codes for each CSP, with made-up but known counts."""
    out = []
    for i, csp in enumerate([*names, f"Unassigned {force}"]):
        for q in (1, 2, 3, 4):
            out.append(["2017/18", q, force, csp, "Rape of a female aged 16 and over", "Sexual offences", "Rape", "19C", i + q])
            out.append(["2017/18", q, force, csp, "Sexual assault on a female aged 13 and over", "Sexual offences",
                        "Other sexual offences", "20A", 10 * (i + 1)])
    return out


def test_streamed_ods_loads_every_csp_and_the_unassigned_rows(home, tmp_path, monkeypatch):
    assert "Shepway" in KENT_CSPS  # the ONS lookup still calls E22000145 Shepway
    rows = _rows()
    path = tmp_path / "prc-csp-mar18.ods"
    write_ods_stream(path, "2017_18", HEADER, rows)
    monkeypatch.setattr("justicegap.readers.STREAM_ODS_BYTES", 0)
    with Store() as s:
        [r] = update.load_file(s, path)
        assert r.status == "loaded" and r.dataset == "ho_csp"
        got = dict(s.con.execute("select area, sum(value) from facts where dataset = 'ho_csp' group by 1").fetchall())
    assert len(got) == len(KENT_CSPS) + 1
    assert got["E23000032:unassigned"] == sum(r[8] for r in rows if r[3] == "Unassigned Kent")
    ashford = [r for r in rows if r[3] == "Ashford"]
    fig = metrics.measure("recorded", area="Ashford", period="2017/18", offence="sexual_offences")
    assert fig.value == sum(r[8] for r in ashford) and fig.dataset == "ho_csp"
    rape = metrics.measure("recorded", area="Folkestone and Hythe", period="2017/18", offence="rape")
    assert rape.value == sum(r[8] for r in rows if r[3] == "Shepway" and r[7] == "19C")


@pytest.mark.parametrize("edit,needle,column", [
    (lambda r: r.__setitem__(3, "Ashfordshire"), "unknown Community Safety Partnership 'Ashfordshire'", "CSP Name"),
    (lambda r: r.__setitem__(3, "Brighton and Hove"), "another force", "CSP Name"),
    (lambda r: r.__setitem__(8, "n.k."), "'n.k.' is not a number", "Number of Offences"),
])
def test_bad_rows_are_named(home, tmp_path, edit, needle, column):
    rows = [list(map(str, r)) for r in _rows()]
    edit(rows[6])
    path = write_csv(tmp_path / "csp.csv", [HEADER, *rows])
    with Store() as s:
        before = counts(s)
        with pytest.raises(InputError) as e:
            update.load_file(s, path)
        assert counts(s) == before
    assert needle in str(e.value) and e.value.row == 8 and e.value.column == column
