"""A user's series for `justicegap evaluate --series`: what is read, and every bad cell named."""

from __future__ import annotations

import pytest

from justicegap.answers.series_file import read_series
from justicegap.errors import InputError


def write(tmp_path, text, name="series.csv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_months_with_denominators_and_gaps(tmp_path):
    s = read_series(write(tmp_path, "period,count,denominator\n2018-01,5,10\n2018-02,,\n2018-04,\"1,200\",\"2,000\"\n"))
    assert [p.label for p in s.periods] == ["2018-01", "2018-02", "2018-03", "2018-04"]
    assert s.counts == [5, None, None, 1200]
    assert s.denominators == [10, None, None, 2000]
    assert s.kind == "proportion" and s.frequency == "month"
    assert [s.observed(i) for i in range(4)] == [True, False, False, True]


def test_quarters_with_exposure_are_a_rate(tmp_path):
    s = read_series(write(tmp_path, "Period,Count,Exposure\n2017 Q4,3,1000.5\n2018 Q2,4,1001\n"))
    assert [p.label for p in s.periods] == ["2017 Q4", "2018 Q1", "2018 Q2"]
    assert s.kind == "rate" and s.per == 100_000
    assert s.value(0) == pytest.approx(100_000 * 3 / 1000.5)


@pytest.mark.parametrize("text, row, column, words", [
    ("period,count\n2018-01,5\n2018-02,abc\n", 3, "count", "'abc' is not a number"),
    ("period,count\n2018-01,5\n2018-13,4\n", 3, "period", "not a month"),
    ("period,count\n2018-01,5\nMarch 2018,4\n", 3, "period", "not a period"),
    ("period,count\n2018-01,5\n2018-01,4\n", 3, "period", "given twice (first at row 2)"),
    ("period,count\n2018-01,5\n2018 Q2,4\n", 3, "period", "one kind of period per file"),
    ("period,count\n2018-01,-1\n", 2, "count", "not a whole number"),
    ("period,count\n2018-01,2.5\n", 2, "count", "not a whole number"),
    ("period,count,denominator\n2018-01,5,4\n", 2, "count", "larger than its denominator"),
    ("period,count,denominator\n2018-01,5,\n", 2, "denominator", "needs its denominator"),
    ("period,count,exposure\n2018-01,5,0\n", 2, "exposure", "not a positive exposure"),
    ("period,count,denominator,exposure\n2018-01,5,6,7\n", 1, "exposure", "not both"),
    ("period,cases\n2018-01,5\n", 1, "count", "no 'count' column"),
    ("period,count\n", 2, None, "no data rows"),
])
def test_bad_cells_name_file_row_and_column(tmp_path, text, row, column, words):
    with pytest.raises(InputError) as e:
        read_series(write(tmp_path, text))
    assert e.value.file == "series.csv"
    assert e.value.row == row
    assert e.value.column == column
    assert words in str(e.value)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_series(tmp_path / "nope.csv")


def test_a_folder_is_named_as_given_and_said_to_be_a_folder(tmp_path):
    from justicegap.answers.series_file import read_series
    from justicegap.errors import InputError

    with pytest.raises(InputError) as e:
        read_series(tmp_path)
    assert str(tmp_path) in str(e.value) and "folder, not a CSV file" in str(e.value)
    assert "IsADirectoryError" not in str(e.value)
