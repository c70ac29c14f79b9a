"""Numbers as text: small proportions keep a significant digit, ordinary ones one decimal."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from hypothesis import given
from hypothesis import strategies as st

from justicegap.formats import interval, pct, value_text


def _one_sig_digit(k: int, n: int) -> str:
    share = Decimal(k) / Decimal(n) * 100
    return f"{share.quantize(Decimal(1).scaleb(share.adjusted()), rounding=ROUND_HALF_EVEN)}%"


def test_ordinary_shares_keep_one_decimal():
    for k, n in [(1323, 59502), (1, 3), (26884, 59502), (59502, 59502), (197, 59502)]:
        assert pct(k / n) == f"{Decimal(k) / Decimal(n) * 100:.1f}%"
    assert pct(0) == "0.0%" and pct(None) == "n/a"


def test_small_shares_keep_a_significant_digit():
    for k, n in [(15, 59502), (4, 59502), (2, 59502), (1, 100000), (3, 5000)]:
        assert pct(k / n) == _one_sig_digit(k, n)
    assert interval(1 / 10000, 4 / 10000) == "0.01%–0.04%"
    assert value_text("proportion", 15 / 59502) == _one_sig_digit(15, 59502)


@given(st.floats(min_value=1e-9, max_value=1.0, allow_nan=False))
def test_a_non_zero_share_is_never_shown_as_zero(x):
    text = pct(x)
    digits = text.rstrip("%").replace(".", "").replace("-", "")
    assert set(digits) != {"0"}, text
    # and it is the value, rounded at the digits shown
    shown = Decimal(text.rstrip("%"))
    places = len(text.rstrip("%").split(".")[1])
    assert abs(shown - Decimal(100 * x)) <= Decimal(1).scaleb(-places) / 2 + Decimal("1e-12")


def test_a_p_value_is_never_written_as_zero():
    from justicegap.formats import p_text

    assert [p_text(p) for p in (0.0, 1e-300, 0.000999, 0.001, 0.0313, 0.5, 1.0)] == [
        "p < 0.001", "p < 0.001", "p < 0.001", "p = 0.001", "p = 0.031", "p = 0.500", "p = 1.000"]
    assert p_text(None) == ""
