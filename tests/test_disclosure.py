"""Small-cell suppression: primary cells 1 to 4, complementary cells so that no suppressed value can
be recovered from the published row and column totals (checked here by exact linear reasoning
with fractions, independently of the module's own numpy check)."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from justicegap.disclosure import is_small, recoverable, suppress


def _equations(values, hidden):
    """Row and column equations over the hidden cells: (coefficients, right-hand side) from the totals."""
    n, m = len(values), len(values[0])
    lines = []
    if m > 1:
        lines += [[(i, j) for j in range(m)] for i in range(n)]
    if n > 1:
        lines += [[(i, j) for i in range(n)] for j in range(m)]
    cells = sorted(hidden)
    eqs = []
    for line in lines:
        total = sum(values[i][j] for i, j in line)
        known = sum(values[i][j] for i, j in line if (i, j) not in hidden)
        coeffs = [Fraction(1 if c in line else 0) for c in cells]
        if any(coeffs):
            eqs.append((coeffs, Fraction(total - known)))
    return cells, eqs


def determined_cells(values, hidden) -> dict:
    """Hidden cells whose value follows from the totals, by Gauss-Jordan elimination over fractions."""
    cells, eqs = _equations(values, hidden)
    rows = [c[:] + [rhs] for c, rhs in eqs]
    k = len(cells)
    pivots = []
    r = 0
    for col in range(k):
        pivot = next((i for i in range(r, len(rows)) if rows[i][col] != 0), None)
        if pivot is None:
            continue
        rows[r], rows[pivot] = rows[pivot], rows[r]
        p = rows[r][col]
        rows[r] = [x / p for x in rows[r]]
        for i in range(len(rows)):
            if i != r and rows[i][col] != 0:
                f = rows[i][col]
                rows[i] = [a - f * b for a, b in zip(rows[i], rows[r])]
        pivots.append((r, col))
        r += 1
    out = {}
    for row, col in pivots:
        if all(rows[row][c] == 0 for c in range(k) if c != col):
            out[cells[col]] = rows[row][k]
    return out


def single_line_recoverable(values, hidden) -> list:
    """Cells recoverable by subtracting the other cells of ONE row or column from its total."""
    n, m = len(values), len(values[0])
    out = []
    lines = ([[(i, j) for j in range(m)] for i in range(n)] if m > 1 else []) + \
            ([[(i, j) for i in range(n)] for j in range(m)] if n > 1 else [])
    for line in lines:
        inside = [c for c in line if c in hidden]
        if len(inside) == 1:
            out.append(inside[0])
    return out


cell_values = st.one_of(st.integers(0, 4), st.integers(5, 60))
tables = st.integers(2, 5).flatmap(lambda m: st.lists(st.lists(cell_values, min_size=m, max_size=m), min_size=2, max_size=5))


@settings(max_examples=300, deadline=None)
@given(tables)
def test_no_suppressed_cell_can_be_worked_back(values):
    res = suppress(values)
    hidden = res.suppressed
    # every count of 1 to 4 is hidden; cells of 0 or 5 and over are hidden only as complements
    assert res.primary == {(i, j) for i, r in enumerate(values) for j, v in enumerate(r) if 1 <= v <= 4}
    for i, j in res.secondary:
        assert not is_small(values[i][j])
    assert res.primary <= hidden
    # no single row or column total gives a hidden cell away
    assert single_line_recoverable(values, hidden) == []
    # nor does any combination of the row and column totals (exact linear reasoning)
    assert determined_cells(values, hidden) == {}
    # the published table: hidden cells blank, the rest as given, totals unchanged
    shown = res.shown()
    for i, r in enumerate(values):
        for j, v in enumerate(r):
            assert shown[i][j] == (None if (i, j) in hidden else v)
    assert res.row_totals() == [sum(r) for r in values]


@settings(max_examples=100, deadline=None)
@given(tables)
def test_tables_without_small_cells_are_untouched(values):
    big = [[v if v == 0 or v >= 5 else v + 5 for v in r] for r in values]
    res = suppress(big)
    assert res.suppressed == set()
    assert res.shown() == big


def test_complement_is_the_smallest_other_nonzero_cell():
    res = suppress([[3, 40, 12, 0], [50, 60, 70, 80], [9, 30, 20, 10]])
    assert res.primary == {(0, 0)}
    # row 0: 12 is the smallest other non-zero cell; column 0: 9 is the smallest other cell
    assert {(0, 2), (2, 0)} <= res.secondary
    assert single_line_recoverable(res.values, res.suppressed) == []
    assert determined_cells(res.values, res.suppressed) == {}


def test_a_bridge_between_two_groups_is_closed():
    # Two 2x2 blocks of small cells joined through one row: the rule "two per row and column" alone
    # can leave the joining cells recoverable by adding and subtracting whole rows and columns.
    values = [[1, 2, 50, 60, 70],
              [3, 4, 2, 80, 90],
              [55, 65, 1, 2, 75],
              [85, 95, 3, 4, 99]]
    two_per_line = {(0, 0), (0, 1), (1, 0), (1, 1), (1, 2), (2, 2), (2, 3), (3, 2), (3, 3)}
    assert single_line_recoverable(values, two_per_line) == []
    assert determined_cells(values, two_per_line) == {(1, 2): 2}  # the bridge gives itself away
    res = suppress(values)
    assert two_per_line < res.suppressed
    assert determined_cells(values, res.suppressed) == {}
    assert recoverable((4, 5), res.suppressed) == set()


def test_the_independent_check_catches_a_recoverable_pattern():
    # sanity check of the test's own reasoning: one hidden cell in a row is recoverable
    values = [[3, 10], [20, 30]]
    assert determined_cells(values, {(0, 0)}) == {(0, 0): 3}
    assert single_line_recoverable(values, {(0, 0)}) == [(0, 0), (0, 0)]
    assert determined_cells(values, {(0, 0), (0, 1), (1, 0), (1, 1)}) == {}


def test_single_row_table_has_no_column_totals():
    res = suppress([[2, 7, 30]])
    assert res.suppressed == {(0, 0), (0, 1)}
    assert res.col_totals() is None
