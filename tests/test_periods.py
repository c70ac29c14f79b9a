"""Periods as people write them, and how spans tile them."""

from datetime import date

import pytest
from hypothesis import given, strategies as st

from justicegap import periods as P
from justicegap.errors import InvalidParameter


@pytest.mark.parametrize("text,start,end,label", [
    ("2017/18", date(2017, 4, 1), date(2018, 3, 31), "2017/18"),
    ("2017/18 Q4", date(2018, 1, 1), date(2018, 3, 31), "2017/18 Q4"),
    ("2017/18 q1", date(2017, 4, 1), date(2017, 6, 30), "2017/18 Q1"),
    ("2018", date(2018, 1, 1), date(2018, 12, 31), "2018"),
    ("2018 Q2", date(2018, 4, 1), date(2018, 6, 30), "2018 Q2"),
    ("YE Jun 2025", date(2024, 7, 1), date(2025, 6, 30), "YE Jun 2025"),
    ("year ending September 2021", date(2020, 10, 1), date(2021, 9, 30), "YE Sep 2021"),
    ("2018-03", date(2018, 3, 1), date(2018, 3, 31), "2018-03"),
    ("2017-04..2018-03", date(2017, 4, 1), date(2018, 3, 31), "2017-04..2018-03"),
    ("2013/14..2022/23", date(2013, 4, 1), date(2023, 3, 31), "2013/14..2022/23"),
    ("2019..2023", date(2019, 1, 1), date(2023, 12, 31), "2019..2023"),
])
def test_forms(text, start, end, label):
    p = P.parse(text)
    assert (p.start, p.end, str(p)) == (start, end, label)


@pytest.mark.parametrize("text,needle", [
    ("2017/19", "second year must follow"), ("2018-13", "is not a month"), ("YE Foo 2020", "not a month"),
    ("last year", "accepted forms"), ("", "no period"), ("2019..2018", "ends before"), ("1850", "outside"),
    ("0000", "outside"), ("0000/01", "outside"), ("0000-01", "outside"),
])
def test_bad_periods_say_what_is_accepted(text, needle):
    with pytest.raises(InvalidParameter) as e:
        P.parse(text)
    assert needle in str(e.value) and e.value.parameter == "period"


@given(st.integers(1995, 2040))
def test_quarters_tile_the_financial_year(y):
    fy = P.financial_year(y)
    qs = [P.financial_quarter(y, q) for q in (1, 2, 3, 4)]
    assert qs[0].start == fy.start and qs[-1].end == fy.end
    assert not P.gaps(fy, [(q.start, q.end) for q in qs])
    assert [P.quarter_of(q.start) for q in qs] == qs


@given(st.integers(1995, 2040), st.integers(1, 12))
def test_year_ending_is_twelve_months(y, m):
    p = P.year_ending(y, m)
    assert len(p.months()) == 12 and p.months()[-1] == P.month(y, m)


def test_gaps_name_missing_months():
    fy = P.parse("2017/18")
    have = [(m.start, m.end) for m in fy.months() if m.start.month not in (4, 5, 6)]
    assert P.gaps(fy, have) == [(date(2017, 4, 1), date(2017, 6, 30))]
    assert P.describe(date(2017, 4, 1), date(2017, 6, 30)) == "2017/18 Q1"
    assert P.describe(date(2017, 4, 1), date(2019, 3, 31)) == "2017/18..2018/19"
    assert P.describe(date(2017, 5, 1), date(2017, 8, 31)) == "2017-05..2017-08"


def test_financial_years_inside_a_range():
    assert [str(p) for p in P.financial_years(P.parse("2016..2019"))] == ["2016/17", "2017/18", "2018/19"]


def test_long_labels():
    assert P.parse("YE Jun 2025").long == "the year ending June 2025"
    assert P.parse("2018-03").long == "March 2018"


@given(st.one_of(st.text(max_size=30), st.from_regex(r"\d{1,5}([/-]\d{1,4})?( ?[qQ]\d)?(\.\.\d{1,5}([/-]\d{1,4})?)?", fullmatch=True),
                 st.from_regex(r"(YE|year ending) [A-Za-z]{3,9} \d{1,5}", fullmatch=True)))
def test_any_text_parses_or_says_why(text):
    try:
        p = P.parse(text)
    except InvalidParameter as e:
        assert e.parameter == "period" and str(e)
    else:
        assert p.start <= p.end
