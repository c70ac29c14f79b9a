"""One render layer: every result flattened once, by its type, and written in any format.

``flatten(result, kind)`` gives a :class:`Table` (ordered, typed columns and rows) from one
flattener per result type; ``write(table, fmt)`` writes it as csv, xlsx, parquet, json or text
(:mod:`.writers`); :mod:`.datapackage` writes it to a folder with its Frictionless descriptor.
The command line, the API, the page downloads and ``justicegap export`` all go through here.

What a result is, is never guessed from its keys: a result object is dispatched on its class
(:data:`TYPES`), a plain dict or list needs its kind said (:data:`KINDS`).
"""

from __future__ import annotations

from typing import Any, Callable

from ..errors import InvalidParameter
from . import attrition, comparison, evaluation, figure, maturation, outcomes, records, report, series, timeliness
from .table import Field, Table
from .writers import WRITERS, write

KINDS: dict[str, Callable[[Any], Table]] = {
    "figure": figure.flatten,
    "comparison": comparison.flatten,
    "attrition": attrition.flatten,
    "outcome_groups": outcomes.flatten,
    "series": series.flatten,
    "timeliness": timeliness.flatten,
    "report_table": report.flatten,
    "records": records.flatten,
    "evaluation": evaluation.flatten,
    "maturation": maturation.flatten,
}

# Result classes (module.qualname) and the kind each is; a subclass is its parent's kind.
TYPES: dict[str, str] = {
    "justicegap.metrics.figure.Figure": "figure",
    "justicegap.model.figure.Figure": "figure",
    "justicegap.model.comparison.Comparison": "comparison",
    "justicegap.model.attrition.Attrition": "attrition",
    "justicegap.model.series.Series": "series",
    "justicegap.model.report.Table": "report_table",
    "justicegap.model.evaluation.Evaluation": "evaluation",
}

__all__ = ["Field", "KINDS", "TYPES", "Table", "WRITERS", "flatten", "kind_of", "write"]


def kind_of(result) -> str | None:
    """The kind of a result object, from its class; None for plain data."""
    for cls in type(result).__mro__:
        k = TYPES.get(f"{cls.__module__}.{cls.__qualname__}")
        if k:
            return k
    return None


def flatten(result, kind: str | None = None) -> Table:
    """``result`` as a table, by the flattener of its kind (given, or its class's)."""
    found = kind_of(result)
    kind = kind or found
    if kind not in KINDS:
        raise InvalidParameter("kind", f"say what the result is: one of {', '.join(KINDS)}" if kind is None
                               else f"'{kind}': use one of {', '.join(KINDS)}")
    if kind != "report_table":  # flatteners read a result's plain data: a Figure's dict, a model's dump
        if hasattr(result, "to_dict"):
            result = result.to_dict()
        elif hasattr(result, "model_dump"):
            result = result.model_dump(mode="json")
    return KINDS[kind](result)
