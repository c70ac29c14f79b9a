"""A report: the question as understood, its tables (typed columns, typed cells), sentences,
definitions, caveats, what is not available and why, and the sources with their editions."""

from __future__ import annotations

from typing import Any, Optional

from pydantic import Field

from .base import Result


class _Positional(Result):
    """Built like the dataclasses it replaced: ``Column("Year", "string")``."""

    def __init__(self, *args, **kwargs):
        kwargs.update(zip(type(self).model_fields, args))
        super().__init__(**kwargs)


class Column(_Positional):
    name: str
    type: str = Field(description="string | integer | number | percent")
    unit: Optional[str] = None
    description: str = ""


class Table(_Positional):
    id: str
    title: str
    columns: list[Column]
    rows: list[list[Any]]
    notes: list[str] = Field(default_factory=list)
    derived: bool = Field(False, description="Arranged by justicegap below the level the publisher released")
    provenance: Optional[str] = Field(None, description="Where the figures come from, when not from publications")
    geography: str = ""
    basis: Optional[str] = None
    unit: Optional[str] = None
    editions: list[str] = Field(default_factory=list)
    metrics: list[str] = Field(default_factory=list)

    def records(self) -> list[dict]:
        names = [c.name for c in self.columns]
        return [dict(zip(names, r)) for r in self.rows]

    def column(self, name: str) -> list:
        k = [c.name for c in self.columns].index(name)
        return [r[k] for r in self.rows]


class Report(_Positional):
    question: dict[str, Any]
    tables: list[Table] = Field(default_factory=list)
    sentences: list[dict[str, Any]] = Field(default_factory=list)
    definitions: list[dict[str, Any]] = Field(default_factory=list)
    caveats: list[dict[str, Any]] = Field(default_factory=list)
    not_available: list[dict[str, Any]] = Field(default_factory=list)
    sources: list[dict[str, Any]] = Field(default_factory=list)
    missing: dict[str, Any] = Field(default_factory=dict)
    charts: dict[str, Any] = Field(default_factory=dict, exclude=True)
    created: str = ""
    small_cells: str = Field("", description="What was done with small counts, in words")

    def table(self, table_id: str) -> Table:
        for t in self.tables:
            if t.id == table_id:
                return t
        raise KeyError(table_id)
