"""The one shape every result is flattened to before it is written: ordered, typed columns.

A :class:`Table` is what a CSV, a workbook, a Parquet file, a JSON list of rows, a text table
and a Frictionless resource are all written from, so the same result gives the same rows in
every format and on every surface. Cells are coerced to their column's type once, here: a
count is an ``int`` (never ``880.0``), an absent value is ``None`` (never 0), NaN is absent.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

TYPES = ("string", "integer", "number", "boolean", "date")


@dataclass(frozen=True)
class Field:
    """One column: its name, Frictionless type, what it holds and its unit where it has one."""

    name: str
    type: str = "string"
    description: str = ""
    unit: str | None = None

    def __post_init__(self):
        if self.type not in TYPES:
            raise ValueError(f"column {self.name}: type {self.type!r} is not one of {', '.join(TYPES)}")

    def descriptor(self) -> dict:
        """The Frictionless field descriptor (name, type, description, unit)."""
        return {"name": self.name, "type": self.type, "description": self.description or self.name.replace("_", " "),
                **({"unit": self.unit} if self.unit else {})}


@dataclass
class Table:
    """A result as rows under typed columns, with what must travel with it (metrics, editions, notes)."""

    name: str
    title: str
    fields: list[Field]
    rows: list[list[Any]]
    description: str = ""
    metrics: list[str] = field(default_factory=list)
    editions: list[str] = field(default_factory=list)
    sources: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def __post_init__(self):
        width = len(self.fields)
        for i, r in enumerate(self.rows):
            if len(r) != width:
                raise ValueError(f"table {self.name}: row {i + 1} has {len(r)} cells for {width} columns")
        self.rows = [[cell(v, f.type) for v, f in zip(r, self.fields)] for r in self.rows]

    @property
    def columns(self) -> list[str]:
        return [f.name for f in self.fields]

    def records(self) -> list[dict]:
        names = self.columns
        return [dict(zip(names, r)) for r in self.rows]


def cell(v, ftype: str):
    """``v`` as its column's type: whole counts as ``int``, NaN and infinities absent."""
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return None
    if ftype == "integer":
        return int(round(float(v)))
    if ftype == "number":
        if isinstance(v, bool):
            return int(v)
        return v if isinstance(v, int) else float(v)
    if ftype == "boolean":
        return bool(v)
    return str(v)


def joined(xs, sep: str = "; ") -> str | None:
    """A list cell (flags, editions, caveats) as text; an empty list is absent."""
    xs = [str(x) for x in xs or () if x is not None and x != ""]
    return sep.join(xs) if xs else None


def slug(text: str) -> str:
    """A name safe for a file, a resource or a column: lower case, words joined by underscores."""
    s = re.sub(r"[^a-z0-9]+", "_", str(text).lower()).strip("_")
    return s or "field"


def count_or_value(v, kind: str | None):
    """A figure's value: a whole count as an ``int`` when the figure is a count, else as it is."""
    if kind == "count" and isinstance(v, float) and v.is_integer():
        return int(v)
    return v
