"""The record schema: three Frictionless Table Schemas shipped with the package (``schemas/``).

The JSON files are the single description of the tables: the loader, the README and the
synthetic generator all read them, so the documented schema is the one enforced.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

TABLES = ("offences", "suspects", "cps_cases")
REQUIRED_TABLES = ("offences", "cps_cases")


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    description: str
    required: bool
    enum: tuple[str, ...] | None
    identifier: bool


@cache
def descriptor(table: str) -> dict:
    """The Frictionless Table Schema of ``table`` as shipped."""
    return json.loads(resources.files("justicegap.records").joinpath(f"schemas/{table}.json").read_text())


@cache
def fields(table: str) -> tuple[Field, ...]:
    out = []
    for f in descriptor(table)["fields"]:
        c = f.get("constraints", {})
        out.append(Field(f["name"], f["type"], f["description"], bool(c.get("required")),
                         tuple(c["enum"]) if "enum" in c else None, bool(f.get("x-identifier"))))
    return tuple(out)


def field_names(table: str) -> tuple[str, ...]:
    return tuple(f.name for f in fields(table))


def identifiers(table: str) -> tuple[str, ...]:
    """Fields replaced by keyed hashes on load."""
    return tuple(f.name for f in fields(table) if f.identifier)


def true_values() -> frozenset[str]:
    return frozenset(v.lower() for v in descriptor("offences")["fields"][-1]["trueValues"])


def false_values() -> frozenset[str]:
    return frozenset(v.lower() for v in descriptor("offences")["fields"][-1]["falseValues"])
