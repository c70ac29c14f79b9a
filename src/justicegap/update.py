"""Loading publications into the store: from the publishers (discover, download) or from local
copies (``--source-dir``), each file identified by its content and loaded in its own transaction.
"""

from __future__ import annotations

import errno
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from . import limits, sources
from .sources import fields
from .errors import DiskFull, InputError, InvalidParameter, JusticegapError, Unreachable
from .readers import kind
from .store import Store, sha256_of

DATA_SUFFIXES = (".csv", ".gz", ".xlsx", ".ods", ".zip", ".json", ".geojson")


@dataclass
class FileResult:
    file: str
    status: str  # loaded | already loaded | skipped | failed
    dataset: str | None = None
    edition: str | None = None
    rows: int = 0
    message: str = ""
    unreachable: bool = False  # a download that reached no server at all

    def to_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "unreachable"}


def _describe_near(path: Path, near) -> str:
    n = near[0]
    where = f"sheet '{n.sheet.name}', " if n.sheet.name else ""
    return (f"looks like {sources.modules()[n.source].TITLE} ({where}header row {n.header_row}) but the column(s) "
            + ", ".join(f"'{m}'" for m in n.missing) + " are missing or renamed")


def _parse_file(path: Path):
    """(dataset -> (facts, notes, sheets)) for every source found in one data file."""
    import polars as pl

    if kind(path) == "json":
        for sid, mod in sources.modules().items():
            sniff = getattr(mod, "sniff_json", None)
            if sniff and sniff(path):
                return {sid: (*mod.read_json(path), [])}
        return {}
    matches, near = sources.identify(path)
    if not matches:
        if near:
            raise InputError(_describe_near(path, near), file=path.name)
        return {}
    out: dict[str, list] = {}
    for m in matches:
        facts, notes, *extras = sources.parse(m)
        where = f"sheet '{m.sheet.name}' " if m.sheet.name else ""
        entry = out.setdefault(m.source, [[], [], {}, []])
        entry[0].append(facts)
        entry[1].extend([f"{where}header at row {m.header_row}: {facts.height} facts", *notes])
        for table, frame in (extras[0] if extras else {}).items():
            entry[2].setdefault(table, []).append(frame)
        entry[3].append(m.sheet.name)
    return {sid: (pl.concat(f), n, {t: pl.concat(v) for t, v in x.items()}, [s for s in sh if s])
            for sid, (f, n, x, sh) in out.items()}


def load_file(store: Store, path: Path, *, published: date | None = None, url: str | None = None,
              page_url: str | None = None, retrieved_at: datetime | None = None,
              file_name: str | None = None) -> list[FileResult]:
    """Identify, parse and load one file (or each data file inside a zip). Raises on bad input."""
    path = Path(path)
    original = file_name or path.name
    need = [path.stat().st_size]  # bytes this load writes, known so far (for a full disk's message)
    try:
        return _load_file(store, path, original, need, published=published, url=url, page_url=page_url,
                          retrieved_at=retrieved_at)
    except OSError as e:
        if e.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        raise disk_full(Path(e.filename) if e.filename else store.path, original, sum(need)) from None
    except Exception as e:  # DuckDB reports a full disk as its own IOException
        if "no space left" not in str(e).lower():
            raise
        raise disk_full(store.path, original, sum(need)) from None


def disk_full(where: Path, file_name: str, need: int) -> DiskFull:
    """One sentence: where the disk is full, how much the load needs, and that nothing was stored."""
    import shutil

    probe = where if where.is_dir() else where.parent
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    free = shutil.disk_usage(probe).free
    return DiskFull(f"no space left on the device holding {where}: loading {file_name} needs about "
                    f"{limits.mb(need)} free there ({limits.mb(free)} free now); nothing from it was stored")


def _load_file(store: Store, path: Path, original: str, need: list[int], *, published, url, page_url,
               retrieved_at) -> list[FileResult]:
    results = []
    with sources.tempdir() as tmp:
        members = sources.expand(path, Path(tmp))
        need.extend(m.stat().st_size for m in members if m != path)
        for member in members:
            name = original if member == path else f"{original}!{member.name.split('__', 1)[-1]}"
            sha = sha256_of(member)
            loaded = store.editions_with_sha(sha)
            if loaded:  # the same bytes were loaded before: no need to read them again
                results += [FileResult(name, "already loaded", e.dataset, e.edition, e.rows) for e in loaded]
                continue
            parsed = _parse_file(member)
            if not parsed:
                results.append(FileResult(name, "skipped", message="not a publication justicegap reads"))
                continue
            member_name = original if member == path else member.name.split("__", 1)[-1]
            when, when_note = (published, None) if published else date_in_name(member_name)
            for dataset, (facts, notes, extras, sheet_names) in parsed.items():
                need.append(facts.estimated_size())
                lineage = [("retrieved", url or f"local file {path.resolve()}"),
                           ("identified", f"{sources.modules()[dataset].TITLE} by its header row"
                            + (f" (from zip archive {path.name})" if member != path else "")),
                           *[("normalised", str(n)) for n in notes], *([("dated", when_note)] if when_note else [])]
                ed = store.load(dataset=dataset, title=sources.modules()[dataset].TITLE, facts=facts, source_file=member,
                                sha256=sha, file_name=member_name, lineage=lineage, published=when,
                                url=url, page_url=page_url, retrieved_at=retrieved_at, sheets=", ".join(sheet_names) or None,
                                extras=extras, archive_file=path, archive_name=original)
                warnings = [n for n in notes if isinstance(n, fields.Warn)] + [_undated_warning(store, ed)]
                results.append(FileResult(name, "loaded", dataset, ed.edition, ed.rows, message="; ".join(w for w in warnings if w)))
    return results


_NAME_DATE = re.compile(r"[-_](\d{2})(\d{2})(\d{2})(?=\.[A-Za-z]+(?:\.gz)?$)")


def date_in_name(name: str) -> tuple[date | None, str | None]:
    """The publication date GOV.UK statistics files carry at the end of their names
    (``prc-outcomes-open-data-mar2025-tables-290126.ods`` was issued on 29 January 2026)."""
    m = _NAME_DATE.search(name)
    if not m:
        return None, None
    try:
        d = date(2000 + int(m[3]), int(m[2]), int(m[1]))
    except ValueError:
        return None, None
    return d, f"publication date {d.isoformat()} taken from the file name {name} (DDMMYY)"


def _undated_warning(store: Store, ed) -> str:
    """Editions without a publication date are ordered by when they were loaded: say so when that
    decides which of two editions of the same period is the newest."""
    if ed.published and not any(o.published is None for o in store.editions(ed.dataset) if o.edition != ed.edition):
        return ""
    overlapping = [o for o in store.editions(ed.dataset) if o.edition != ed.edition and o.period_start and ed.period_start
                   and o.period_start <= ed.period_end and ed.period_start <= o.period_end
                   and store.same_series(ed.edition, o.edition)]
    if not overlapping:
        return ""
    return ("another edition covers the same periods and at least one has no publication date, so the newest is the one "
            "loaded last; give --published YYYY-MM-DD to order them")


def data_files(directory: Path) -> list[Path]:
    """The data files under ``directory``; a folder with none is an error, not an empty load."""
    directory = Path(directory)
    if not directory.is_dir():
        raise InputError("not a directory", file=directory)
    files = sorted(p for p in directory.rglob("*")
                   if p.is_file() and not any(part.startswith(".") for part in p.relative_to(directory).parts)
                   and p.name.lower().endswith(DATA_SUFFIXES))
    if not files:
        raise InvalidParameter("source_dir", f"'{directory}' holds no publication files to load (looked for "
                               f"{', '.join(sorted(set(DATA_SUFFIXES)))}), so nothing was loaded")
    return files


def load_dir(store: Store, directory: Path, *, progress=None, published: date | None = None) -> list[FileResult]:
    """Load every data file under ``directory``; a bad file is reported and the others still load."""
    results = []
    files = data_files(directory)
    for i, path in enumerate(files):
        if progress:
            progress(i, len(files), path.name)
        try:
            results.extend(load_file(store, path, published=published))
        except JusticegapError as e:
            results.append(FileResult(path.name, "failed", message=str(e)))
    if progress:
        progress(len(files), len(files), "")
    return results


@dataclass
class Fetched:
    """A publisher's file downloaded into the cache, ready to load."""

    source: str
    remote: object  # discover.RemoteFile
    got: object  # download.Downloaded


def fetch_all(source_ids: list[str] | None = None, *, timeout: float = 30.0, deadline: float | None = None,
              on_progress=None) -> tuple[list[Fetched], list[FileResult]]:
    """Discover and download the current files of each source, before any store is opened (so no
    lock is held while the network is slow): connect and read timeouts of ``timeout`` seconds and
    one overall ``deadline`` in seconds. ``on_progress(source, text, done, total)`` is told what each
    source is doing. One source failing does not stop the rest; each failure is a FileResult.
    """
    from . import download
    from .discover import discover

    report = on_progress or (lambda *a: None)
    fetched, failed = [], []
    client = download.make_client(timeout=timeout, connect_timeout=min(timeout, 15.0))
    try:
        with download.deadline(deadline):
            for sid in source_ids or list(sources.modules()):
                report(sid, "finding the current files", 0, None)
                try:
                    download.check_deadline(sid)
                    remotes = discover(sid, client=client)
                except JusticegapError as e:
                    failed.append(FileResult(sid, "failed", sid, message=str(e), unreachable=isinstance(e, Unreachable)))
                    report(sid, "failed", 1, 1)
                    continue
                for remote in remotes:
                    name = remote.filename or remote.url
                    try:
                        got = download.fetch(remote, client=client, progress=lambda done, total, sid=sid, name=name:
                                             report(sid, f"downloading {name}", done, total))
                    except JusticegapError as e:
                        failed.append(FileResult(name, "failed", sid, message=str(e), unreachable=isinstance(e, Unreachable)))
                        continue
                    fetched.append(Fetched(sid, remote, got))
                report(sid, "downloaded" if any(f.source == sid for f in fetched) else "failed", 1, 1)
    finally:
        client.close()
    return fetched, failed


def load_fetched(store: Store, fetched: list[Fetched]) -> list[FileResult]:
    """Load downloaded files, each in its own transaction; a bad file is reported, the rest load."""
    results = []
    for f in fetched:
        try:
            results.extend(load_file(store, f.got.path, published=f.got.published, url=f.got.url, page_url=f.remote.page_url,
                                     retrieved_at=f.got.retrieved_at, file_name=f.got.filename))
        except JusticegapError as e:
            results.append(FileResult(f.got.filename, "failed", f.source, message=str(e)))
    return results


def offline(results: list[FileResult]) -> bool:
    """Whether nothing could be reached at all: every source failed as unreachable."""
    return bool(results) and all(r.status == "failed" and r.unreachable for r in results)
