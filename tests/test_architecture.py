"""The shape of the code: SQL only in the store package, no private names borrowed across
packages, no import cycle between the packages, and the skins (cli, api, web) siblings."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "justicegap"
SQL = re.compile(r"^\s*(select|insert\s+into|delete\s+from|update\s+\w+\s+set|create\s+(table|view|index)|drop\s+table)\b",
                 re.IGNORECASE)


def _modules():
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC.parent).with_suffix("")
        name = ".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)
        yield name, path, ast.parse(path.read_text(encoding="utf-8"))


def _package(module: str) -> str:
    """justicegap.metrics.data -> justicegap.metrics; justicegap.areas -> justicegap.areas."""
    parts = module.split(".")
    return ".".join(parts[:2])


def _imports(name: str, path: Path, tree) -> list[tuple[str, list[str]]]:
    """(absolute module imported, names taken from it)."""
    out = []
    base = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                mod = ".".join(base[:len(base) - node.level + 1] + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            if mod.startswith("justicegap"):
                out.append((mod, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            out += [(a.name, []) for a in node.names if a.name.startswith("justicegap")]
    return out


def test_sql_strings_live_only_in_the_store_package():
    found = []
    for name, path, tree in _modules():
        if name.startswith("justicegap.store") or name.startswith("justicegap.records.store"):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.match(node.value):
                found.append(f"{path.relative_to(SRC)}:{node.lineno}: {node.value[:60]!r}")
    assert not found, found


def test_the_sql_check_can_fail():
    assert SQL.match("select distinct area from coverage") and SQL.match(" insert into facts values (?)")
    assert not SQL.match("Offences recorded, then selected for review")


def test_no_module_imports_a_private_name_from_another_package():
    found = []
    for name, path, tree in _modules():
        for mod, names in _imports(name, path, tree):
            if _package(mod) == _package(name):
                continue
            found += [f"{name} takes {mod}.{n}" for n in names if n.startswith("_") and not n.startswith("__")]
    assert not found, found


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for name, path, tree in _modules():
        deps = {_package(mod) for mod, _ in _imports(name, path, tree)}
        graph.setdefault(_package(name), set()).update(d for d in deps if d != _package(name) and d != "justicegap")
    return graph


def test_the_skins_are_siblings_none_imports_another():
    graph = _graph()
    skins = {"justicegap.cli", "justicegap.api", "justicegap.web"}
    for skin in skins:  # justicegap.server composes the API and the pages; the command line runs it
        assert not graph.get(skin, set()) & skins, (skin, graph.get(skin, set()) & skins)
    assert {"justicegap.api", "justicegap.web"} <= graph["justicegap.server"]


def test_the_import_graph_between_packages_has_no_cycle():
    graph = _graph()
    seen, stack, cycles = set(), [], []

    def visit(n):
        if n in stack:
            cycles.append(stack[stack.index(n):] + [n])
            return
        if n in seen:
            return
        seen.add(n)
        stack.append(n)
        for d in sorted(graph.get(n, ())):
            visit(d)
        stack.pop()

    for n in sorted(graph):
        visit(n)
    assert not cycles, cycles[:3]
