"""The table: cells coerced once to their column's type."""

from __future__ import annotations

import math

import pytest

from justicegap.render.table import Field, Table, cell, joined


def test_cells_take_their_columns_type():
    assert cell(880.0, "integer") == 880 and type(cell(880.0, "integer")) is int
    assert cell(math.nan, "number") is None and cell(math.inf, "integer") is None and cell(None, "integer") is None
    assert cell(0, "integer") == 0  # a zero is data, kept
    assert cell(1, "boolean") is True and cell(3, "string") == "3"
    assert joined([]) is None and joined(["a", "", None, "b"]) == "a; b"


def test_a_row_of_the_wrong_width_or_an_unknown_type_is_refused():
    with pytest.raises(ValueError, match="row 1 has 1 cells for 2 columns"):
        Table("t", "t", [Field("a"), Field("b")], [[1]])
    with pytest.raises(ValueError, match="column a: type 'float'"):
        Field("a", "float")
