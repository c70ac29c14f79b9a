"""Reference tables shipped as data files: offences, outcomes, geography, events, sources.

Each file is a CSV whose first line is ``# source: ...`` naming where its content comes from.
Code reads them through :func:`table`, never through constants, so a maintainer can correct a
label or add a code without touching Python.
"""

from __future__ import annotations

import csv
import functools
from importlib import resources


def _text(name: str) -> str:
    return resources.files(__name__).joinpath(f"{name}.csv").read_text(encoding="utf-8")


@functools.cache
def table(name: str) -> tuple[dict, ...]:
    """Rows of reference table ``name`` as dicts (empty cells are ``None``)."""
    lines = [line for line in _text(name).splitlines() if not line.startswith("#")]
    return tuple({k: (v if v != "" else None) for k, v in row.items()} for row in csv.DictReader(lines))


@functools.cache
def source_line(name: str) -> str:
    """The provenance line of a reference table, without its ``# source:`` prefix."""
    first = _text(name).splitlines()[0]
    return first.removeprefix("#").strip().removeprefix("source:").strip()


def names() -> list[str]:
    return sorted(p.name[:-4] for p in resources.files(__name__).iterdir() if p.name.endswith(".csv"))


@functools.cache
def family_codes() -> dict[str, frozenset[str]]:
    """Offence family -> the Home Office offence codes in it (composite families expanded)."""
    out: dict[str, set[str]] = {}
    for row in table("offence_families"):
        out.setdefault(row["family"], set()).add(row["code"])
    for fam in table("families"):
        for part in (fam["includes"] or "").split():
            out.setdefault(fam["family"], set()).update(out[part])
    return {k: frozenset(v) for k, v in out.items()}


@functools.cache
def families() -> dict[str, dict]:
    return {row["family"]: row for row in table("families")}


@functools.cache
def offences() -> dict[str, dict]:
    return {row["code"]: row for row in table("offences")}


@functools.cache
def outcomes() -> dict[str, dict]:
    return {row["type"]: row for row in table("outcomes")}


@functools.cache
def outcome_groups() -> dict[str, dict]:
    return {row["group"]: row for row in table("outcome_groups")}


@functools.cache
def sources() -> dict[str, dict]:
    return {row["id"]: row for row in table("sources")}
