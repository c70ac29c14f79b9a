"""The README as a newcomer meets it: in a fresh clone, the quick start's `make demo`, then the one
line the README gives, then every example (`$ justicegap ...`) exactly as printed, whose output must
be what the README shows (where it writes "…", text it leaves out; a transcript abbreviated with
"..." or a session of several commands in one block is only run); and the library example.

The clone's `.venv` is a thin wrapper around this environment's installed command (building a new
environment would download every dependency again); everything else, the Makefile included, is the
clone's own. Dates of loading are the only thing that differs from run to run."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def examples(readme: str) -> tuple[str, list[tuple[str, str]], list[str]]:
    """(the one setup line, [(command, output as printed, whether the block shows it alone)], [python
    examples]) from the README."""
    blocks = re.findall(r"```(\w*)\n(.*?)```", readme, re.S)
    [setup] = [b.strip() for lang, b in blocks if b.startswith("export ")]
    shown = []
    for lang, b in blocks:
        if not b.startswith("$ "):
            continue
        sessions = re.split(r"\n(?=\$ )", b)  # a block may show several commands in turn
        for session in sessions:
            lines = session.splitlines()
            command = lines[0][2:]
            i = 1
            while command.endswith("\\"):
                command = command[:-1] + " " + lines[i].strip()
                i += 1
            shown.append((command, "\n".join(lines[i:]), len(sessions) == 1))
    python = [b for lang, b in blocks if lang == "python"]
    return setup, shown, python


def _normal(text: str) -> str:
    text = re.sub(r"loaded \d{4}-\d{2}-\d{2}", "loaded DATE", text)
    return "\n".join(line.rstrip() for line in text.strip().splitlines())


@pytest.fixture(scope="module")
def clone(tmp_path_factory, shared_data) -> Path:
    """A fresh clone after `make demo SOURCES=DIR` (the README's quick start, with local copies)."""
    where = tmp_path_factory.mktemp("fresh") / "justicegap"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(where)], check=True)
    venv = where / ".venv" / "bin"
    venv.mkdir(parents=True)
    for name, target in (("justicegap", BIN / "justicegap"), ("python", Path(sys.executable))):
        (venv / name).write_text(f'#!/bin/sh\nexec "{target}" "$@"\n')
        (venv / name).chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("JUSTICEGAP_HOME", "COLUMNS", "MAKEFLAGS")}
    p = subprocess.run(["make", "demo", f"SOURCES={shared_data}"], cwd=where, env=env, capture_output=True, text=True)
    assert p.returncode == 0, p.stdout[-2000:] + p.stderr[-2000:]
    assert "Traceback" not in p.stderr
    assert "SetuptoolsDeprecationWarning" not in p.stdout + p.stderr
    # the female, male and persons population files are three series, not editions of one another;
    # the MoJ's rape file and its all-offences file both hold 2018's rape series (a real overlap)
    warned = [_row_file(p.stdout, i) for i, line in enumerate(p.stdout.splitlines()) if "another edition covers" in line]
    assert warned == ["rape-prosecution-times-data.csv.gz"], warned
    assert 'export PATH="$PWD/.venv/bin:$PATH" JUSTICEGAP_HOME="$PWD/.justicegap"' in p.stdout
    # local mode, on synthetic records, said to be synthetic, in a copy of the store (which itself holds no records)
    local = " ".join(p.stdout.split("Local mode, on SYNTHETIC", 1)[1].split())  # lines wrapped at the terminal's width
    assert "SYNTHETIC RECORDS: not real cases" in local and "0 cell(s) differ" in local
    assert "Charge rate within 365 days (case records)" in local and "12 (1.7%, 95% CI 1.0–3.0%)" in local
    assert (where / ".justicegap" / "local-demo" / "kent-synth" / "offences.csv").exists()
    from justicegap.records import store as rstore
    from justicegap.store import Store

    with Store(where / ".justicegap" / "justicegap.duckdb", read_only=True) as s:
        assert not rstore.has_records(s.con)
    return where


def _matches(printed: str, shown: str) -> bool:
    """The README's output, where "…" marks text it leaves out (and nothing else may differ)."""
    pattern = ".*?".join(re.escape(part) for part in shown.split("…"))
    return re.fullmatch(pattern, printed, re.S) is not None


def _row_file(table: str, i: int) -> str:
    """The file named in the table row that line ``i`` belongs to (rows wrap over several lines)."""
    lines = table.splitlines()
    while i >= 0:
        first = lines[i].split("│")[1].strip() if lines[i].count("│") > 2 else ""
        if first:
            return first
        i -= 1
    return ""


def _shell(clone: Path, setup: str, command: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("JUSTICEGAP_HOME", "COLUMNS", "VIRTUAL_ENV")}
    env["PATH"] = "/usr/local/bin:/usr/bin:/bin"  # a newcomer's shell: justicegap is not on it yet
    return subprocess.run(["bash", "-c", f"{setup} && {command}"], cwd=clone, env=env, capture_output=True, text=True)


def test_every_readme_example_prints_what_the_readme_shows(clone):
    setup, shown, _ = examples((clone / "README.md").read_text())
    assert len(shown) >= 3
    # without the README's line, the first example fails as the issue found it (not on PATH)
    bare = _shell(clone, "true", shown[0][0])
    assert bare.returncode != 0
    abbreviated = []
    for command, output, alone in shown:
        p = _shell(clone, setup, command)
        assert p.returncode == 0, f"{command}\n{p.stderr}"
        if "..." in output or not alone:  # a transcript of several commands, abbreviated: they must work
            abbreviated.append(command)
            continue
        assert _matches(_normal(p.stdout), _normal(output)), f"{command} printed:\n{p.stdout}"
    compared = [c for c, _, _ in shown if c not in abbreviated]
    assert len(compared) >= 4, compared


def test_the_library_example_runs(clone):
    setup, _, python = examples((clone / "README.md").read_text())
    assert python
    for code in python:
        p = _shell(clone, setup, f"python -c {shlex.quote(code)}")
        assert p.returncode == 0, p.stderr
