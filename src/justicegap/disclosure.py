"""Small-cell suppression for tables justicegap derives itself.

Published official counts are shown as the publisher released them: the Home Office, ONS, CPS and
MoJ publish unrounded counts at force, CSP and CPS Area level, and re-suppressing them would only
hide what anyone can read in the source; so would blanking a sum of published counts, or a
table that only rearranges them (the report's rape-by-victim-sex-and-age table is one). A table
built below the level the publisher released (local figures joined from a request for
information, say) is different: there a count of 1 to 4 is suppressed (primary suppression), and further cells are
suppressed (secondary, or complementary, suppression) so that no suppressed cell can be worked
back from the row and column totals that are shown.

Rule: in every row and column holding a suppressed cell, at least one other cell is suppressed;
the complement chosen is the smallest other non-zero cell of that row or column (a zero is used
only when nothing else is left, since a suppressed zero protects little). That rule alone can
leave a cell recoverable by combining several rows and columns (a "bridge" between two groups of
suppressed cells), so the result is then checked exactly: a suppressed cell is recoverable if its
indicator vector lies in the row space of the row and column equations over the suppressed cells;
while one is, the smallest cell whose suppression makes it unrecoverable is suppressed too.

Totals are published for rows only when the table has more than one column, and for columns only
when it has more than one row (a one-column table's row totals would be the cells themselves).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

LOW, HIGH = 1, 4  # counts 1 to 4 are suppressed


def is_small(v, low: int = LOW, high: int = HIGH) -> bool:
    return v is not None and low <= v <= high


@dataclass
class Suppression:
    """The outcome of :func:`suppress`: which cells are hidden, and why."""

    values: list[list[int]]
    primary: set[tuple[int, int]] = field(default_factory=set)
    secondary: set[tuple[int, int]] = field(default_factory=set)

    @property
    def suppressed(self) -> set[tuple[int, int]]:
        return self.primary | self.secondary

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.values), (len(self.values[0]) if self.values else 0)

    def shown(self) -> list[list[int | None]]:
        """The table as it may be published: suppressed cells as None."""
        s = self.suppressed
        return [[None if (i, j) in s else v for j, v in enumerate(row)] for i, row in enumerate(self.values)]

    def row_totals(self) -> list[int] | None:
        return [sum(r) for r in self.values] if self.shape[1] > 1 else None

    def col_totals(self) -> list[int] | None:
        return [sum(c) for c in zip(*self.values)] if self.shape[0] > 1 else None


def _lines(shape) -> list[list[tuple[int, int]]]:
    """The equations published with the table: one per row total and one per column total."""
    n, m = shape
    lines = []
    if m > 1:
        lines += [[(i, j) for j in range(m)] for i in range(n)]
    if n > 1:
        lines += [[(i, j) for i in range(n)] for j in range(m)]
    return lines


def recoverable(shape: tuple[int, int], suppressed: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """Suppressed cells whose value follows exactly from the published row and column totals.

    The unknowns are the suppressed cells; each published total gives one linear equation in them
    (the known cells are subtracted). Cell t is determined iff e_t is in the row space of the
    equations, i.e. appending e_t does not raise the rank.
    """
    cells = sorted(suppressed)
    if not cells:
        return set()
    index = {c: k for k, c in enumerate(cells)}
    rows = []
    for line in _lines(shape):
        vec = np.zeros(len(cells))
        for c in line:
            if c in index:
                vec[index[c]] = 1.0
        if vec.any():
            rows.append(vec)
    if not rows:
        return set()
    a = np.array(rows)
    rank = np.linalg.matrix_rank(a)
    out = set()
    for c, k in index.items():
        e = np.zeros(len(cells))
        e[k] = 1.0
        if np.linalg.matrix_rank(np.vstack([a, e])) == rank:
            out.add(c)
    return out


def _complement(values, candidates, suppressed) -> tuple[int, int] | None:
    free = [c for c in candidates if c not in suppressed]
    if not free:
        return None
    nonzero = [c for c in free if values[c[0]][c[1]] != 0]
    pool = nonzero or free
    return min(pool, key=lambda c: (values[c[0]][c[1]], c))


def suppress(values, *, low: int = LOW, high: int = HIGH) -> Suppression:
    """Primary suppression of counts ``low``..``high`` plus secondary suppression (see module doc)."""
    vals = [[int(v) for v in row] for row in values]
    if any(len(r) != len(vals[0]) for r in vals):
        raise ValueError("every row must have the same number of cells")
    n, m = len(vals), (len(vals[0]) if vals else 0)
    res = Suppression(vals)
    res.primary = {(i, j) for i in range(n) for j in range(m) if is_small(vals[i][j], low, high)}
    if not res.primary:
        return res
    sup = set(res.primary)
    lines = _lines((n, m))
    for _ in range(n * m + 1):
        changed = False
        for line in lines:
            inside = [c for c in line if c in sup]
            if len(inside) == 1:
                c = _complement(vals, line, sup)
                if c is not None:
                    sup.add(c)
                    changed = True
        if changed:
            continue
        open_cells = recoverable((n, m), sup)
        if not open_cells:
            break
        target = min(open_cells)
        free = sorted((c for c in ((i, j) for i in range(n) for j in range(m)) if c not in sup),
                      key=lambda c: (vals[c[0]][c[1]] == 0, vals[c[0]][c[1]], c))
        for c in free:
            if target not in recoverable((n, m), sup | {c}):
                sup.add(c)
                break
        else:  # nothing single helps: hide the whole row and column of the cell
            sup |= {(target[0], j) for j in range(m)} | {(i, target[1]) for i in range(n)}
    res.secondary = sup - res.primary
    return res
