"""MoJ Outcomes by Offence: no real copy exists here, so the tests write CSVs (and zips of them) in
the two layouts the reader documents."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path


import pytest

from justicegap import metrics, sources, update
from justicegap.errors import NotAvailable
from justicegap.sources import moj_outcomes
from storecheck import load_fails

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
COUNT_HEADER = ["Year", "Quarter", "Police Force Area", "Offence Group", "Offence", "Sex", "Age Group", "Ethnicity",
                "Proceeded against", "Convicted", "Sentenced"]
FORCES = ["Kent", "Surrey", "Sussex", "Metropolitan Police", "London, City of", "Not known"]
OFFENCES = [("02: Sexual offences", "19C Rape of a female aged 16 or over"),
            ("02: Sexual offences", "019F Rape of a male aged 16 or over"),
            ("02: Sexual offences", "20A Sexual assault on a female aged 13 and over"),
            ("02: Sexual offences", "X99 Other sexual offence without a Home Office code"),
            ("01: Violence against the person", "105A Assault without injury")]
SEXES = ["01: Female", "02: Male"]
AGES = ["01: Juveniles", "03: Adults"]
ETHNICITIES = ["01: White", "02: Black", "05: Not Stated"]
QUARTERS = [(2017, "Q2"), (2017, "Q3"), (2017, "Q4"), (2018, "Q1")]


def count_rows():
    rows, i = [], 0
    for year, q in QUARTERS:
        for force in FORCES:
            for group, offence in OFFENCES:
                for sex in SEXES:
                    for age in AGES:
                        for eth in ETHNICITIES:
                            i += 1
                            pa = 10 + i % 7
                            conv = 4 + i % 5
                            rows.append([year, q, force, group, offence, sex, age, eth, f"{pa:,}", conv, conv - 1])
    return rows


def write_csv(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def expected(rows, *, force=None, codes=("19C", "019F"), quarters=QUARTERS, column=9):
    return sum(float(str(r[column]).replace(",", "")) for r in rows
               if (force is None or r[2] in force) and r[2] != "Not known"
               and r[4].split()[0] in codes and (r[0], r[1]) in quarters)





def test_count_layout_finest_grain(tmp_path):
    import polars as pl

    rows = count_rows()
    path = write_csv(tmp_path / "outcomes.csv", COUNT_HEADER, rows)
    found, _ = sources.identify(path)
    assert [m.source for m in found] == ["moj_outcomes"]
    facts, notes = sources.parse(found[0])
    assert set(facts.get_column("measure")) == {"proceeded_against", "convicted", "sentenced"}
    assert set(facts.get_column("sex")) == {"female", "male"}
    assert set(facts.get_column("age")) == {"juveniles", "adults"}
    assert set(facts.get_column("ethnicity")) == {"white", "black", "not stated"}
    assert set(facts.get_column("offence")) == {"19C", "19F", "20A", "105A", "moj:X99"}
    assert "K04000001" not in set(facts.get_column("area"))  # 'Not known' is not stored anywhere
    kent = facts.filter((pl.col("area") == "E23000032") & (pl.col("measure") == "convicted") & (pl.col("offence") == "19C"))
    assert kent.height == len(QUARTERS) * 2 * 2 * 3  # one fact per quarter, sex, age group, ethnicity
    assert str(kent.get_column("period_start").min()) == "2017-04-01"
    assert any("area of the court" in n for n in notes)
    assert any("'Not known' not stored" in n for n in notes)
    assert any("moj:X99" in n for n in notes)


def test_offence_codes():
    assert moj_outcomes.offence_value("19C Rape of a female aged 16 or over") == "19C"
    assert moj_outcomes.offence_value("019C Rape of a female aged 16 or over") == "19C"
    assert moj_outcomes.offence_value("88A Sexual grooming") == "88A"
    assert moj_outcomes.offence_value("1 Murder") == "moj:1"
    assert moj_outcomes.offence_value("Rape") == "moj:rape"
    assert moj_outcomes.clean("01: Female") == "female" and moj_outcomes.clean("  ") is None


def test_metrics_for_force_cps_area_and_nation(tmp_path, store):
    rows = count_rows()
    update.load_file(store, write_csv(tmp_path / "outcomes.csv", COUNT_HEADER, rows))
    kent = metrics.compute("moj_convicted", area="Kent", period="2017/18", offence="rape", store=store)
    assert kent.value == expected(rows, force={"Kent"})
    se = metrics.compute("moj_convicted", area="CPS South East", period="2017/18", offence="rape", store=store)
    assert se.value == expected(rows, force={"Kent", "Surrey", "Sussex"})
    london = metrics.compute("moj_proceeded_against", area="London", period="2017/18", offence="rape", store=store)
    assert london.value == expected(rows, force={"Metropolitan Police", "London, City of"}, column=8)
    nation = metrics.compute("moj_convicted", area="England and Wales", period="2017/18", offence="sexual_offences", store=store)
    assert nation.value == expected(rows, codes=("19C", "019F", "20A"))  # moj:X99 is in no family
    ratio = metrics.compute("moj_conviction_ratio", area="Kent", period="2017 Q2", offence="rape", store=store)
    assert ratio.numerator == expected(rows, force={"Kent"}, quarters=[(2017, "Q2")])
    assert ratio.denominator == expected(rows, force={"Kent"}, quarters=[(2017, "Q2")], column=8)
    assert ratio.ci_low is None and any("court" in c for c in ratio.caveats)
    adult = metrics.compute("moj_convicted", area="Kent", period="2017/18", offence="rape_adult", store=store)
    assert adult.value == kent.value  # 19C and 19F are both adult rape codes


def test_conviction_to_recorded_ratio_uses_home_office_denominator(tmp_path, store):
    rows = count_rows()
    update.load_file(store, write_csv(tmp_path / "outcomes.csv", COUNT_HEADER, rows))
    update.load_file(store, DATA / "homeoffice" / "prc-pfa-2017-18.csv.gz")
    fig = metrics.measure("conviction_to_recorded_ratio", area="Kent", period="2017/18", offence="rape", store=store)
    assert fig.numerator == expected(rows, force={"Kent"}) and fig.denominator == 2529
    assert "different_sources" in fig.flags and "not a conviction rate" in fig.sentence
    assert {e.dataset for e in fig.editions} == {"moj_outcomes", "ho_pfa"}


def test_flag_layout_from_the_data_tool(tmp_path, store):
    header = ["Police Force Area", "Year of Appearance", "Quarter", "Type of Defendant", "Sex", "Age Group", "Age Range",
              "Ethnicity", "Court Type", "Offence Type", "Offence Group", "Offence", "Convicted/Not Convicted",
              "Sentenced/Not Sentenced", "Outcome", "Detailed Sentence", "Custodial Sentence Length", "Count"]
    base = ["Kent", "2016", "Q3", "01: Person", "02: Male", "03: Adults", "25+", "01: White"]
    off = ["01: Indictable only", "02: Sexual offences", "19C Rape of a female aged 16 or over"]
    rows = [
        base + ["02: Magistrates Court", *off, "02: Not convicted", "02: Not sentenced", "Committed for trial", "", "", "12"],
        base + ["01: Crown Court", *off, "01: Convicted", "01: Sentenced", "Immediate custody", "Custody", "Over 4 years", "7"],
        base + ["01: Crown Court", *off, "02: Not convicted", "02: Not sentenced", "Acquitted", "", "", "4"],
        base + ["02: Magistrates Court", *off, "02: Not convicted", "02: Not sentenced", "Withdrawn", "", "", "1"],
    ]
    path = write_csv(tmp_path / "court-outcomes-by-pfa-2016.csv", header, rows)
    res = update.load_file(store, path)
    assert res[0].status == "loaded"
    got = dict(store.con.execute("select measure, sum(value) from facts where dataset = 'moj_outcomes' group by 1").fetchall())
    assert got == {"proceeded_against": 13, "convicted": 7, "sentenced": 7}
    ages = {r[0] for r in store.con.execute("select distinct age from facts where dataset = 'moj_outcomes'").fetchall()}
    assert ages == {"25+"}  # the finer age range is kept


def test_zip_of_csvs_skips_the_sentencing_file(tmp_path, store):
    rows = count_rows()
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(COUNT_HEADER)
    w.writerows(rows)
    sentencing = "Year,Sex,Age Group,Police Force Area,Offence Group,Offence,Sentence Outcome,Custodial Sentence Length,Sentenced\n" \
                 "2017,01: Female,03: Adults,Kent,02: Sexual offences,19C Rape,Immediate Custody,Over 4 years,3\n"
    z = tmp_path / "outcomes-by-offence-december-2018.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("data/prosecutions_convictions_2017_2018.csv", buf.getvalue())
        zf.writestr("data/sentence_outcomes_2017_2018.csv", sentencing)
        zf.writestr("README.txt", "notes")
    res = update.load_file(store, z)
    assert sorted(r.status for r in res) == ["loaded", "skipped"]
    loaded = next(r for r in res if r.status == "loaded")
    assert loaded.dataset == "moj_outcomes" and loaded.file.endswith("prosecutions_convictions_2017_2018.csv")
    fig = metrics.compute("moj_convicted", area="Kent", period="2017/18", offence="rape", store=store)
    assert fig.value == expected(rows, force={"Kent"})




def test_unknown_force(tmp_path, store):
    rows = count_rows()
    rows[40][2] = "Gotham"
    err = load_fails(store, write_csv(tmp_path / "o.csv", COUNT_HEADER, rows))
    assert (err.file, err.row, err.column) == ("o.csv", 42, "Police Force Area")
    assert "unknown force name 'Gotham'" in str(err)


def test_count_not_a_number(tmp_path, store):
    rows = count_rows()
    rows[9][9] = "n/k?"
    err = load_fails(store, write_csv(tmp_path / "o.csv", COUNT_HEADER, rows))
    assert (err.row, err.column) == (11, "Convicted") and "'n/k?' is not a number" in str(err)


def test_renamed_column(tmp_path, store):
    header = [("Principal offence" if h == "Offence" else h) for h in COUNT_HEADER]
    err = load_fails(store, write_csv(tmp_path / "o.csv", header, count_rows()))
    assert "Outcomes by Offence" in str(err) and "'offence'" in str(err) and "missing or renamed" in str(err)


def test_neither_count_columns_nor_flags(tmp_path, store):
    header = COUNT_HEADER[:8] + ["Proceeded against", "Convicted", "Cautioned"]
    err = load_fails(store, write_csv(tmp_path / "o.csv", header, count_rows()))
    assert "'sentenced'" in str(err) and "'count'" in str(err) and err.file == "o.csv"


def test_truncated_zip(tmp_path, store):
    z = tmp_path / "o.zip"
    with zipfile.ZipFile(z, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        buf = io.StringIO()
        csv.writer(buf).writerows([COUNT_HEADER, *count_rows()])
        zf.writestr("o.csv", buf.getvalue())
    data = z.read_bytes()
    z.write_bytes(data[: len(data) // 2])
    err = load_fails(store, z)
    assert ("truncated" in str(err) or "corrupt" in str(err)) and Path(str(err.file)).name == "o.zip"


def test_two_source_ratio_flags_the_denominators_gaps_and_takes_either_edition(tmp_path, store):
    rows = count_rows()
    update.load_file(store, write_csv(tmp_path / "outcomes.csv", COUNT_HEADER, rows))
    update.load_file(store, DATA / "homeoffice" / "prc-pfa-2017-18.csv.gz")
    # 2017/18 Q1 of MoJ data exists only from July: ask for a range the police table covers only in part
    with pytest.raises(NotAvailable, match="only part"):
        metrics.measure("conviction_to_recorded_ratio", area="Kent", period="2017-07..2018-06", offence="rape", store=store)
    fig = metrics.measure("conviction_to_recorded_ratio", area="Kent", period="2017-07..2018-06", offence="rape",
                          store=store, allow_partial=True)
    assert "partial" in fig.flags and "Police recorded crime" in fig.missing["periods"]
    for ed in store.editions():
        pinned = metrics.measure("conviction_to_recorded_ratio", area="Kent", period="2017/18", offence="rape",
                                 store=store, edition=ed.edition)
        assert ed in pinned.editions
