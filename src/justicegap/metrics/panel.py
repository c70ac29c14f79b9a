"""The panel engine: one metric over many areas x periods x offence families at once.

Every cell is computed by the same rules as a single figure (:func:`justicegap.metrics.measure`),
but the store answers from what it read once (:meth:`Store.prefetched`), so a 43-force comparison
or a ten-year report costs a few queries, not thousands. A cell the data cannot answer carries its
reason instead of a figure: absent is never zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

from ..errors import NotAvailable


@dataclass
class Cell:
    area: object
    period: object
    offence: str
    figure: object | None = None
    error: NotAvailable | None = None


def panel(metric_id: str, *, areas, periods, offences=("rape",), outcome: str | None = None,
          edition: str | None = None, store=None, allow_partial: bool = False) -> list[Cell]:
    """Cells in the order areas x periods x offences; a refused cell holds its ``NotAvailable``."""
    from ..store import Store
    from . import measure

    own = store is None
    store = store or Store(read_only=True)
    try:
        with store.prefetched():
            cells = []
            for area, period, fam in product(areas, periods, offences):
                try:
                    fig = measure(metric_id, area=area, period=period, offence=fam, outcome=outcome, edition=edition,
                                  store=store, allow_partial=allow_partial)
                    cells.append(Cell(area, period, fam, figure=fig))
                except NotAvailable as e:
                    cells.append(Cell(area, period, fam, error=e))
            return cells
    finally:
        if own:
            store.close()
