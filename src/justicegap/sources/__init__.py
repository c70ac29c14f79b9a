"""The publications justicegap reads, one module per publication, described by the catalogue
``reference/sources.csv``.

Every source module is small and alike: ``DATASET``, ``HEADER`` (canonical column -> accepted
header texts), optional ``OPTIONAL`` and ``FORBID`` (headers that mean another publication), and
``normalise(frame, ctx) -> facts``; ``KEY``, ``COUNTS`` and ``KNOWN`` (and optional ``NEGATIVE``,
``COUNT_CELLS``, ``rows``) describe what ``checks`` verifies of the whole file before it is read (a
key given once, every count present, negative counts, the layout's columns). This module finds which
source a file is (by its header row), reads it into a frame of text cells, checks it and hands it to
the source's ``normalise``.
"""

from __future__ import annotations

import errno
import importlib
import importlib.util
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from .. import limits, reference
from ..errors import InputError
from ..readers import HEADER_SCAN_ROWS, Sheet, header_key, kind, sheets
from . import checks
from .fields import Context, Warn


def modules() -> dict:
    """Source id -> its module, in catalogue order (rows whose module is not written yet are left out;
    tests/test_sources.py checks that there are none)."""
    out = {}
    for sid, row in reference.sources().items():
        if importlib.util.find_spec(f"{__name__}.{row['module']}") is not None:
            out[sid] = importlib.import_module(f"{__name__}.{row['module']}")
    return out


# A header row that has this many of a source's columns, and lacks no more than this many, is
# that source with columns renamed or missing (an error); fewer in common is another publication.
NEAR_MIN_MATCHED, NEAR_MAX_MISSING = 4, 2


@dataclass
class Match:
    source: str
    sheet: Sheet
    header_row: int
    columns: dict[str, int]
    headers: dict[str, str]
    preamble: tuple[str, ...] = ()  # text of the rows above the header (titles that name the period)
    unexpected: tuple[str, ...] = ()  # header cells the publisher's layout does not have


@dataclass
class Near:
    source: str
    sheet: Sheet
    header_row: int
    missing: list[str] = field(default_factory=list)


def _match_row(values: list, module) -> tuple[dict[str, int], dict[str, str], list[str]]:
    keys = [header_key(v) for v in values]
    columns, headers, missing = {}, {}, []
    for canon, accepted in {**module.HEADER, **getattr(module, "OPTIONAL", {})}.items():
        for i, k in enumerate(keys):
            if k in accepted:
                columns[canon], headers[canon] = i, str(values[i]).strip()
                break
        else:
            if canon in module.HEADER:
                missing.append(accepted[0])
    return columns, headers, missing


def identify(path: Path) -> tuple[list[Match], list[Near]]:
    """Which sources a file holds, by header row; near misses say which columns are missing."""
    found, near = [], []
    mods = modules()
    for sheet in sheets(path):
        best_near = None
        head = sheet.head(HEADER_SCAN_ROWS)
        for number, values in head:
            keys = {header_key(v) for v in values if v is not None}
            for sid, mod in mods.items():
                if any(k in keys for k in getattr(mod, "FORBID", ())):
                    continue
                columns, headers, missing = _match_row(values, mod)
                if not missing:
                    above = tuple(" ".join(str(v) for v in vals if v not in (None, "")) for n, vals in head if n < number)
                    found.append(Match(sid, sheet, number, columns, headers, above,
                                       tuple(checks.unexpected_columns(values, columns, mod))))
                    break
                hit = len(mod.HEADER) - len(missing)
                if hit >= NEAR_MIN_MATCHED and len(missing) <= NEAR_MAX_MISSING and (
                        best_near is None or len(missing) < len(best_near.missing)):
                    best_near = Near(sid, sheet, number, missing)
            else:
                continue
            break
        else:
            if best_near:
                near.append(best_near)
    return found, near


def read_frame(match: Match):
    """The rows under the header as a Polars frame of text, one column per canonical name, plus _row:
    surrounding spaces removed and empty cells null, whichever reader produced them."""
    import polars as pl

    df = match.sheet.frame(match.columns, match.header_row)
    return df.with_columns([pl.col(c).str.strip_chars().replace("", None) for c in df.columns if c != "_row"])


def parse(match: Match):
    """Facts and notes from one matched sheet, checked against the publisher's layout."""
    mod = modules()[match.source]
    ctx = Context(match.sheet.file, match.sheet.name, match.headers, match.preamble)
    frame = read_frame(match)
    if frame.height == 0:
        raise ctx.error("the table has a header row but no data rows", match.header_row)
    checks.check_rows(frame, ctx, mod)
    facts, notes, *extras = mod.normalise(frame, ctx)
    facts, found = checks.validate(facts, frame, ctx, mod)
    if match.unexpected:
        where = f"file {match.sheet.file.name}, " + (f"sheet '{match.sheet.name}', " if match.sheet.name else "")
        found.append(Warn(f"{where}header row {match.header_row}: column(s) " + ", ".join(f"'{c}'" for c in match.unexpected)
                          + " are not in the publisher's layout and were not read"))
    return (facts, [*notes, *found], *extras)


def expand(path: Path, workdir: Path) -> list[Path]:
    """A zip archive of data files (as the MoJ publishes) -> its members; anything else -> itself."""
    if kind(path) != "zip":
        return [path]
    out = []
    packed = path.stat().st_size
    try:
        with zipfile.ZipFile(path) as z:
            members = [i for i in z.infolist()
                       if not i.is_dir() and Path(i.filename).name.lower().endswith((".csv", ".xlsx", ".ods"))]
            # the sizes the archive declares, checked before anything is expanded; then the bytes
            # really written, in case the declaration lies
            limits.expansion(path.name, packed, sum(i.file_size for i in members))
            written = 0
            for info in members:
                name = Path(info.filename).name
                target = workdir / f"{path.stem}__{name}"
                with z.open(info) as src, open(target, "wb") as dst:
                    while chunk := src.read(1 << 20):
                        written += len(chunk)
                        limits.expansion(path.name, packed, written)
                        dst.write(chunk)
                out.append(target)
    except (zipfile.BadZipFile, EOFError, zlib.error, OSError) as e:
        if isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT):
            raise  # the disk is full, the archive is fine
        raise InputError(f"the zip archive is truncated or corrupt: {e}", file=path) from None
    return out


def tempdir() -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix="justicegap-")
