"""CPS quarterly data summaries: no real copy exists here, so the tests write workbooks in the
layout the reader documents (title rows, a header, one row per CPS Area and quarter, notes)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from justicegap import metrics, sources, update
from justicegap.errors import NotAvailable
from justicegap.sources import cps_quarterly

sys.path.insert(0, str(Path(__file__).resolve().parent))
from odsfile import write_ods  # noqa: E402
from storecheck import load_fails

AREAS = ["Cymru-Wales", "East Midlands", "East of England", "London North", "London South", "Mersey-Cheshire",
         "North East", "North West", "South East", "South West", "Thames and Chiltern", "Wessex", "West Midlands",
         "Yorkshire and Humberside"]
HEADER = ["CPS Area", "Quarter", "Police referrals", "Receipts for a charging decision", "Suspects charged",
          "No further action", "Out of court disposal", "Administratively finalised", "Charge rate [note 3]",
          "Completed prosecutions", "Convictions", "Conviction rate", "Average days to charge [note 4]"]
RELEASE1 = ["Q2 2023-24", "Q3 2023-24", "Q4 2023-24", "Q1 2024-25"]
RELEASE2 = ["Q3 2023-24", "Q4 2023-24", "Q1 2024-25", "Q2 2024-25"]


def figures(ai: int, qi: int, adult: bool, revised: bool = False) -> dict:
    """Made-up but consistent figures for Area ``ai`` (0-13) in quarter ``qi``."""
    k = 0.5 if adult else 1.0
    charged = int(k * (40 + 3 * ai + qi)) + (5 if revised else 0)
    return {"referrals": int(k * (100 + 10 * ai + qi)), "receipts": int(k * (90 + 9 * ai + qi)), "charged": charged,
            "nfa": int(k * (15 + ai)), "out_of_court": 1, "admin_finalised_precharge": int(k * (20 + 2 * ai)),
            "completed_prosecutions": int(k * (50 + 4 * ai + qi)), "convictions": int(k * (30 + 2 * ai + qi)),
            "days_to_charge_mean": round(150.5 + ai + qi / 10, 1)}


ORDER = ["referrals", "receipts", "charged", "nfa", "out_of_court", "admin_finalised_precharge", None,
         "completed_prosecutions", "convictions", None, "days_to_charge_mean"]


def table(quarters, adult, *, revise=None, national_days=None, text_numbers=False):
    """Rows of one sheet: title, source line, blank, header, National + 14 Areas per quarter, notes."""
    label = "Adult rape flagged" if adult else "Rape flagged"
    rows = [[f"Table {3 if adult else 2}: {label} cases: pre-charge decisions and prosecution outcomes by CPS Area, "
             f"{quarters[0]} to {quarters[-1]}"],
            ["Source: CPS Case Management Information System. Figures are provisional and subject to change."],
            [], list(HEADER)]
    for qi, q in enumerate(quarters):
        per_area = [figures(ai, qi + RELEASE1.index(quarters[0]) if quarters[0] in RELEASE1 else qi + 1, adult,
                            revised=(revise == (q, AREAS[ai]))) for ai in range(len(AREAS))]
        nat = {m: sum(f[m] for f in per_area) for m in per_area[0] if m != "days_to_charge_mean"}
        nat["days_to_charge_mean"] = (national_days or {}).get(q, 160.2)
        for name, f in [("National", nat), *zip(AREAS, per_area)]:
            row = [name, q]
            for m in ORDER:
                if m is None:
                    row.append("..")
                else:
                    v = f[m]
                    row.append(f"{v:,}" if text_numbers and isinstance(v, int) else v)
            rows.append(row)
    rows += [[], ["Notes:"], ["1. Rape flagged: the flag is applied at the start of a case and stays if the charge changes."],
             ["3. Charge rate: suspects charged out of all legal decisions."]]
    return rows


def write_xlsx(path, sheets: dict):
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
    wb.save(path)
    return path


def release1(path):
    return write_xlsx(path, {"Contents": [["CPS data summary Quarter 1 2024-2025"], ["Tables 2 and 3: rape"]],
                             "Rape flagged": table(RELEASE1, False), "Adult rape flagged": table(RELEASE1, True)})


def release2(path):
    """The next quarter's release, as ODS: repeats three quarters and revises Q1 2024-25 for South East."""
    return write_ods(path, {"Rape flagged": table(RELEASE2, False, revise=("Q1 2024-25", "South East"), text_numbers=True),
                            "Adult rape flagged": table(RELEASE2, True)}, repeat=True, pad=True)





def test_identified_by_header_in_each_flag_sheet(tmp_path):
    path = release1(tmp_path / "anything.xlsx")
    found, near = sources.identify(path)
    assert [(m.source, m.sheet.name, m.header_row) for m in found] == [
        ("cps_quarterly", "Rape flagged", 4), ("cps_quarterly", "Adult rape flagged", 4)]
    facts, notes = sources.parse(found[0])
    import polars as pl

    assert set(facts.get_column("offence")) == {"rape_flagged"}
    assert set(facts.get_column("measure")) == {"referrals", "receipts", "charged", "nfa", "out_of_court",
                                                 "admin_finalised_precharge", "completed_prosecutions", "convictions",
                                                 "days_to_charge_mean"}
    se = facts.filter((pl.col("area") == "CPS-SE") & (pl.col("measure") == "charged")).sort("period_start")
    assert se.get_column("value").to_list() == [figures(8, qi, False)["charged"] for qi in range(4)]
    assert str(se.get_column("period_start")[0]) == "2023-07-01" and str(se.get_column("period_end")[-1]) == "2024-06-30"
    nat = facts.filter((pl.col("area") == "K04000001") & (pl.col("measure") == "days_to_charge_mean"))
    assert nat.height == 4 and set(nat.get_column("flags")) == {"mean"}
    assert facts.get_column("area").n_unique() == 15
    assert any("footnote" in n for n in notes)
    adult, _ = sources.parse(found[1])
    assert set(adult.get_column("offence")) == {"adult_rape_flagged"}


def test_charge_rate_admin_share_and_conviction_rate(tmp_path, store):
    update.load_file(store, release1(tmp_path / "q1.xlsx"))
    f = figures(8, 3, False)  # South East, Q1 2024-25
    rate = metrics.measure("cps_charge_rate", area="CPS South East", period="2024/25 Q1", offence="rape", store=store)
    assert (rate.numerator, rate.denominator) == (f["charged"], f["charged"] + f["nfa"] + f["out_of_court"])
    assert "provisional" in rate.flags and any("flag" in c for c in rate.caveats)
    share = metrics.measure("cps_admin_finalised_share", area="South East", period="2024/25 Q1", offence="rape", store=store)
    assert share.numerator == f["admin_finalised_precharge"]
    assert share.denominator == f["charged"] + f["nfa"] + f["out_of_court"] + f["admin_finalised_precharge"]
    conv = metrics.measure("cps_conviction_rate", area="CPS South East", period="2024/25 Q1", offence="rape", store=store)
    assert (conv.numerator, conv.denominator) == (f["convictions"], f["completed_prosecutions"])
    assert conv.dataset == "cps_quarterly" and "different_sources" not in conv.flags
    adult = metrics.measure("cps_charged", area="England and Wales", period="2024/25 Q1", offence="rape_adult", store=store)
    assert adult.value == sum(figures(ai, 3, True)["charged"] for ai in range(14))


def test_national_row_is_used_not_the_sum_of_areas(tmp_path, store):
    update.load_file(store, release1(tmp_path / "q1.xlsx"))
    fig = metrics.measure("cps_days_to_charge", area="England and Wales", period="2024/25 Q1", offence="rape", store=store)
    assert fig.value == 160.2 and fig.gathered.areas_used == ["K04000001"]
    year = metrics.measure("cps_referrals", area="England and Wales", period="2023/24 Q2..2024/25 Q1", offence="rape", store=store)
    assert year.value == sum(figures(ai, qi, False)["referrals"] for ai in range(14) for qi in range(4))


def test_average_days_never_combined(tmp_path, store):
    update.load_file(store, release1(tmp_path / "q1.xlsx"))
    with pytest.raises(NotAvailable) as e:
        metrics.compute("cps_days_to_charge", area="CPS South East", period="2023/24 Q2..2024/25 Q1", offence="rape", store=store)
    assert "cannot be combined" in str(e.value)
    with pytest.raises(NotAvailable):
        metrics.compute("cps_days_to_charge", area="Kent", period="2024/25 Q1", offence="rape", store=store)
    one = metrics.compute("cps_days_to_charge", area="CPS South East", period="2024/25 Q1", offence="rape", store=store)
    assert one.value == figures(8, 3, False)["days_to_charge_mean"]


def test_newest_release_wins_for_repeated_quarters(tmp_path, store):
    update.load_file(store, release1(tmp_path / "q1.xlsx"))
    old = metrics.measure("cps_charged", area="CPS South East", period="2024/25 Q1", offence="rape", store=store)
    res = update.load_file(store, release2(tmp_path / "q2.ods"))
    assert [r.status for r in res] == ["loaded"] and res[0].dataset == "cps_quarterly"
    new = metrics.measure("cps_charged", area="CPS South East", period="2024/25 Q1", offence="rape", store=store)
    assert new.value == old.value + 5
    assert [e.file_name for e in new.editions] == ["q2.ods"]
    assert len(store.editions("cps_quarterly")) == 2
    # the quarter only the first release holds still comes from it
    q2 = metrics.measure("cps_charged", area="CPS South East", period="2023/24 Q2", offence="rape", store=store)
    assert [e.file_name for e in q2.editions] == ["q1.xlsx"]


def test_flag_column_rolling_years_and_xlsxwriter(tmp_path, store):
    import xlsxwriter

    path = tmp_path / "flags.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Data")
    rows = [["CPS data summary: VAWG flagged cases by CPS Area"], [],
            ["Flag", "Area", "Quarter", "Police referrals", "Suspects charged", "No further action", "Out of court disposal",
             "Admin finalised", "Completed prosecutions", "Convictions", "Average days to charge"]]
    quarters = ["Q2 2023-24", "Q3 2023-24", "Q4 2023-24", "Q1 2024-25"]
    for flag in ("Rape flagged", "Adult rape flagged"):
        for qi, q in enumerate(quarters):
            rows.append([flag, "Wessex", q, 10 + qi, 5 + qi, 2, 0, 1, 4, 3, 100.0 + qi])
        rows.append([flag, "Wessex", "Q1 2024-25 RYTD", 46, 26, 8, 0, 4, 16, 12, 101.5])
        rows.append([flag, "Wessex", "Year ending June 2023", 40, 20, 8, 0, 4, 16, 12, 90.0])
    for r, row in enumerate(rows):
        ws.write_row(r, 0, row)
    wb.close()
    res = update.load_file(store, path)
    assert res[0].status == "loaded"
    import polars as pl

    cur = store.con.execute("select measure, offence, period_start, period_end from facts where dataset = 'cps_quarterly'")
    facts = pl.DataFrame(cur.fetchall(), schema=["measure", "offence", "period_start", "period_end"], orient="row")
    ye = facts.filter(pl.col("period_start") == pl.date(2023, 7, 1)).filter(pl.col("period_end") == pl.date(2024, 6, 30))
    # the rolling year whose quarters are all in the file keeps only its average
    assert set(ye.get_column("measure")) == {"days_to_charge_mean"}
    older = facts.filter(pl.col("period_end") == pl.date(2023, 6, 30))
    assert "referrals" in set(older.get_column("measure"))  # its quarters are not in the file: kept
    fig = metrics.compute("cps_referrals", area="Wessex", period="2023/24 Q2..2024/25 Q1", offence="rape", store=store)
    assert fig.value == 10 + 11 + 12 + 13
    assert set(facts.get_column("offence")) == {"rape_flagged", "adult_rape_flagged"}


def test_quarter_labels():
    q = cps_quarterly.quarter_period
    assert q("Q1 2024-25")[0].label == "2024/25 Q1"
    assert q("2024/25 Q3")[0].label == "2024/25 Q3"
    assert q("Q4 23/24")[0].label == "2023/24 Q4"
    assert q("Jan-Mar 2024")[0].label == "2023/24 Q4"
    assert q("Q1 2024-25 RYTD") == (q("Year ending June 2024")[0], True)
    assert q("Q5 2024-25") is None and q("2024") is None


def _sheet_with(tmp_path, change):
    rows = table(RELEASE1, False)
    change(rows)
    return write_xlsx(tmp_path / "bad.xlsx", {"Rape flagged": rows})




def test_unknown_area(tmp_path, store):
    def change(rows):
        rows[10][0] = "Narnia"
    err = load_fails(store, _sheet_with(tmp_path, change))
    assert (err.file, err.sheet, err.row, err.column) == ("bad.xlsx", "Rape flagged", 11, "CPS Area")
    assert "unknown CPS Area 'Narnia'" in str(err)


def test_count_not_a_number(tmp_path, store):
    def change(rows):
        rows[7][4] = "about 40"
    err = load_fails(store, _sheet_with(tmp_path, change))
    assert (err.sheet, err.row, err.column) == ("Rape flagged", 8, "Suspects charged")
    assert "'about 40' is not a number" in str(err)


def test_renamed_column(tmp_path, store):
    def change(rows):
        rows[3][9] = "Prosecutions finished"
    err = load_fails(store, _sheet_with(tmp_path, change))
    assert "CPS data summary (quarterly data tables)" in str(err) and "'completed prosecutions'" in str(err)
    assert "sheet 'Rape flagged'" in str(err)


def test_bad_quarter(tmp_path, store):
    def change(rows):
        rows[5][1] = "Quarter five"
    err = load_fails(store, _sheet_with(tmp_path, change))
    assert err.row == 6 and err.column == "Quarter" and "financial quarter" in str(err)


def test_flag_must_be_stated(tmp_path, store):
    rows = table(RELEASE1, False)
    rows[0] = ["Table 2: Cases by CPS Area"]
    err = load_fails(store, write_xlsx(tmp_path / "noflag.xlsx", {"Table 2": rows}))
    assert err.sheet == "Table 2" and "rape-flagged" in str(err)


def test_truncated_workbook(tmp_path, store):
    good = release1(tmp_path / "q1.xlsx").read_bytes()
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(good[: len(good) // 2])
    err = load_fails(store, cut)
    assert ("truncated" in str(err) or "corrupt" in str(err)) and Path(str(err.file)).name == "cut.xlsx"
    ods = release2(tmp_path / "q2.ods").read_bytes()
    (tmp_path / "cut.ods").write_bytes(ods[: len(ods) - 200])
    err = load_fails(store, tmp_path / "cut.ods")
    assert ("truncated" in str(err) or "corrupt" in str(err)) and Path(str(err.file)).name == "cut.ods"
