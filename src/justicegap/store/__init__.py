"""The embedded DuckDB store: a tidy fact table, its dimensions, editions and lineage.

One file, no server. Every load is one transaction: a file that fails leaves the store exactly as
it was. Every file loaded is an edition, archived by SHA-256 and never overwritten, because the
same year's outcomes mature from edition to edition and users need both.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

from .. import paths, reference
from ..errors import JusticegapError, NotFound
from .facts import Facts, Prefetched

SCHEMA = """
create table if not exists editions (
    edition varchar primary key,
    dataset varchar not null,
    title varchar,
    file_name varchar not null,
    sha256 varchar not null,
    size bigint,
    url varchar,
    page_url varchar,
    retrieved_at timestamp,
    published date,
    loaded_at timestamp not null,
    rows bigint not null,
    period_start date,
    period_end date,
    archive_path varchar,
    sheets varchar,
    unique (dataset, sha256)
);
create table if not exists facts (
    dataset varchar not null,
    edition varchar not null,
    measure varchar not null,
    offence varchar,
    outcome varchar,
    area varchar not null,
    period_start date not null,
    period_end date not null,
    sex varchar,
    age varchar,
    ethnicity varchar,
    value double,
    flags varchar
);
create table if not exists coverage (
    dataset varchar not null,
    edition varchar not null,
    measure varchar not null,
    area varchar not null,
    period_start date not null,
    period_end date not null,
    rows bigint not null
);
create table if not exists lineage (
    edition varchar not null,
    step integer not null,
    action varchar not null,
    detail varchar,
    recorded_at timestamp not null
);
create table if not exists areas (code varchar primary key, name varchar, level varchar, parent varchar);
create table if not exists offences (code varchar primary key, label varchar, ho_group varchar, ho_subgroup varchar);
create table if not exists offence_families (family varchar, code varchar);
create table if not exists outcome_types (type varchar primary key, parent varchar, label varchar, grp varchar);
create table if not exists boundaries (edition varchar not null, code varchar not null, name varchar, level varchar not null, geometry varchar not null);
create table if not exists geo_lookup (edition varchar not null, lad_code varchar, lad_name varchar, csp_code varchar, csp_name varchar, pfa_code varchar, pfa_name varchar);
create table if not exists meta (key varchar primary key, value varchar);
"""
EXTRA_TABLES = {
    "boundaries": ("code", "name", "level", "geometry"),
    "geo_lookup": ("lad_code", "lad_name", "csp_code", "csp_name", "pfa_code", "pfa_name"),
}
SCHEMA_VERSION = "1"


@dataclass
class Edition:
    edition: str
    dataset: str
    title: str | None
    file_name: str
    sha256: str
    published: date | None
    loaded_at: datetime
    rows: int
    period_start: date | None
    period_end: date | None
    url: str | None = None
    retrieved_at: datetime | None = None
    archive_path: str | None = None
    size: int | None = None
    page_url: str | None = None
    sheets: str | None = None

    def label(self) -> str:
        when = f"published {self.published.isoformat()}" if self.published else f"loaded {self.loaded_at:%Y-%m-%d}"
        return f"{self.title or self.dataset}, {self.file_name} ({when}, SHA-256 {self.sha256[:12]})"

    def to_dict(self) -> dict:
        return {"dataset": self.dataset, "edition": self.edition, "title": self.title, "file": self.file_name,
                "sha256": self.sha256, "published": self.published.isoformat() if self.published else None,
                "loaded_at": self.loaded_at.isoformat(timespec="seconds"), "url": self.url,
                "period_start": self.period_start.isoformat() if self.period_start else None,
                "period_end": self.period_end.isoformat() if self.period_end else None, "rows": self.rows}


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _close_editions(text: str, eds: list[Edition], n: int = 5) -> list[str]:
    """Editions whose id or file name is genuinely close to ``text`` (a typo, a missing suffix or
    a prefix of an id or file name), not the first few loaded: none when nothing is close."""
    import difflib

    t = text.lower()
    names: dict[str, Edition] = {}
    for e in eds:
        for key in (e.edition, e.file_name):
            if key:
                names.setdefault(key.lower(), e)
                names.setdefault(key.lower().split(".")[0], e)  # the file name without .csv.gz
    hits = [names[k] for k in names if len(t) >= 4 and t in k]
    hits += [names[k] for k in difflib.get_close_matches(t, list(names), n, 0.8)]
    out = []
    for e in hits:
        label = f"{e.edition} ({e.file_name})"
        if label not in out:
            out.append(label)
    return out[:n]


class Store:
    """A connection to the store file. Open read-only to serve or answer; read-write to load."""

    def __init__(self, path: Path | None = None, *, read_only: bool = False):
        import duckdb

        self.path = Path(path) if path else paths.store_path()
        if read_only and not self.path.exists():
            raise JusticegapError(f"no data loaded yet (no store at {self.path})").with_actions("load_data")
        try:
            self.con = duckdb.connect(str(self.path), read_only=read_only)
        except duckdb.IOException as e:
            if "lock" in str(e).lower():
                raise JusticegapError(
                    f"the store {self.path} is in use by another justicegap process (a server, or a load in progress), "
                    "so it cannot be written now: stop the server or wait for the load, then try again.", ) from None
            raise JusticegapError(f"cannot open the store {self.path}: {e}") from None
        self.read_only = read_only
        self.facts: Facts = Facts(self.con)
        if not read_only:
            self.con.execute(SCHEMA)
            self._dimensions()

    @classmethod
    def snapshot(cls, path: Path) -> "Store":
        """The store file as it is now, read-only, in a database instance of its own: ``update``
        publishes a new file over it, and reopening the same path would give DuckDB's cached
        instance of the old one, so a server opens each file it switches to as a snapshot."""
        import duckdb

        path = Path(path)
        if not path.exists():
            raise JusticegapError(f"no data loaded yet (no store at {path})").with_actions("load_data")
        store = cls.__new__(cls)
        store.path, store.read_only = path, True
        store.con = duckdb.connect(":memory:")
        quoted = str(path).replace("'", "''")
        try:
            store.con.execute(f"attach '{quoted}' as snapshot (read_only)")
        except duckdb.Error as e:
            store.con.close()
            raise JusticegapError(f"cannot open the store {path}: {e}") from None
        store.con.execute("use snapshot")
        store.facts = Facts(store.con)
        return store

    def serving(self) -> "Store":
        """Keep what is read in memory for as long as this read-only store is open (a server
        answering many requests from one set of editions)."""
        if not isinstance(self.facts, Prefetched):
            self.facts = Prefetched(self.con)
        return self

    def cursor(self) -> "Store":
        """Another handle on this read-only store for another thread: its own cursor, sharing what
        this one has read into memory."""
        other = object.__new__(Store)
        other.path, other.read_only, other.con = self.path, True, self.con.cursor()
        catalog = self.con.execute("select current_database()").fetchone()[0]
        other.con.execute(f'use "{catalog}"')  # a snapshot's database is attached, not the default
        other.facts = Prefetched(other.con, self.facts.memory) if isinstance(self.facts, Prefetched) else Facts(other.con)
        return other

    @contextmanager
    def prefetched(self):
        """Answer the metrics' questions from memory while many figures are computed at once (a
        panel): a few queries instead of several per figure. The store must not change meanwhile."""
        if isinstance(self.facts, Prefetched):
            yield self
            return
        before, self.facts = self.facts, Prefetched(self.con)
        try:
            yield self
        finally:
            self.facts = before

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.con.close()

    def _dimensions(self):
        """The dimension tables, rewritten only when the reference tables have changed."""
        from .. import areas

        digest = hashlib.sha256("".join(reference._text(n) for n in reference.names()).encode()).hexdigest()
        held = self.con.execute("select value from meta where key = 'reference_sha256'").fetchall()
        if held and held[0][0] == digest:
            return
        self.con.begin()
        for table in ("areas", "offences", "offence_families", "outcome_types"):
            self.con.execute(f"delete from {table}")
        self.con.executemany("insert into areas values (?, ?, ?, ?)",
                             [(a.code, a.name, a.level, a.parent) for a in areas.all_areas()])
        self.con.executemany("insert into offences values (?, ?, ?, ?)",
                             [(r["code"], r["label"], r["ho_group"], r["ho_subgroup"]) for r in reference.table("offences")])
        self.con.executemany("insert into offence_families values (?, ?)",
                             [(f, c) for f, codes in reference.family_codes().items() for c in sorted(codes)])
        self.con.executemany("insert into outcome_types values (?, ?, ?, ?)",
                             [(r["type"], r["parent"], r["label"], r["group"]) for r in reference.table("outcomes")])
        self.con.execute("insert or replace into meta values ('schema_version', ?)", [SCHEMA_VERSION])
        self.con.execute("insert or replace into meta values ('reference_sha256', ?)", [digest])
        self.con.commit()

    # editions -----------------------------------------------------------------------------

    def editions_with_sha(self, sha256: str) -> list[Edition]:
        return self._editions("where sha256 = ?", [sha256])

    def find_file(self, dataset: str, sha256: str) -> Edition | None:
        rows = self._editions("where dataset = ? and sha256 = ?", [dataset, sha256])
        return rows[0] if rows else None

    def _editions(self, where: str = "", params=()) -> list[Edition]:
        cur = self.con.execute(
            "select edition, dataset, title, file_name, sha256, published, loaded_at, rows, period_start, period_end,"
            " url, retrieved_at, archive_path, size, page_url, sheets from editions " + where +
            " order by dataset, coalesce(published, cast(loaded_at as date)), loaded_at", list(params))
        return [Edition(*row) for row in cur.fetchall()]

    def _held(self) -> dict[str, Edition] | None:
        """Every edition, read once and in the store's order, while prefetched (a panel); else None."""
        if isinstance(self.facts, Prefetched):
            return self.facts.once(("editions",), lambda: {e.edition: e for e in self._editions()})
        return None

    def editions_by_id(self, ids: list[str]) -> list[Edition]:
        if not ids:
            return []
        held = self._held()
        if held is not None:
            wanted = set(ids)
            return [e for e in held.values() if e.edition in wanted]
        return self._editions(f"where edition in ({','.join('?' * len(ids))})", ids)

    def find_edition(self, text: str, datasets=None) -> Edition:
        """An edition of one of ``datasets`` (any, if None) by id, SHA-256 prefix, file name or
        publication date; one rule for the CLI, the API and the library."""
        eds = [e for ds in datasets for e in self.editions(ds)] if datasets else self.editions()
        t = text.strip()
        hits = [e for e in eds if t in (e.edition, e.file_name) or (len(t) >= 6 and e.sha256.startswith(t.lower()))
                or (e.published and e.published.isoformat() == t)]
        if len(hits) == 1:
            return hits[0]
        if hits:
            raise NotFound("edition", text, [f"{e.edition} ({e.file_name})" for e in hits], "Several editions match: give its id")
        close = _close_editions(t, eds)
        hint = ""
        if not close and datasets and 0 < len(eds) <= 5:  # the few editions that could answer, named as such
            hint = "The loaded editions of these data are " + ", ".join(f"{e.edition} ({e.file_name})" for e in eds)
        raise NotFound("edition", text, close, hint).with_actions("list_editions")

    def editions(self, dataset: str | None = None) -> list[Edition]:
        held = self._held()
        if held is not None:
            return [e for e in held.values() if dataset is None or e.dataset == dataset]
        return self._editions("where dataset = ?", [dataset]) if dataset else self._editions()

    def edition(self, text: str, dataset: str | None = None) -> Edition:
        """An edition by id, SHA-256 prefix, file name or publication date."""
        return self.find_edition(text, [dataset] if dataset else None)

    def state(self) -> tuple:
        """What changes when a file is loaded (to know whether a load changed anything)."""
        return self.con.execute("select count(*), max(loaded_at) from editions").fetchone()

    def same_series(self, edition: str, other: str) -> bool:
        """Whether two editions hold any of the same series (measure, offence, outcome, sex, age,
        ethnicity): the female and the male population files are different series, not editions
        of one another."""
        cols = "measure, offence, outcome, sex, age, ethnicity"
        return self.con.execute(f"select count(*) from (select distinct {cols} from facts where edition = ? intersect "
                                f"select distinct {cols} from facts where edition = ?)", [edition, other]).fetchone()[0] > 0

    def lineage(self, edition: str) -> list[tuple]:
        return self.con.execute("select step, action, detail, recorded_at from lineage where edition = ? order by step",
                                [edition]).fetchall()

    # loading ------------------------------------------------------------------------------

    def load(self, *, dataset: str, title: str, facts, source_file: Path, sha256: str, file_name: str,
             lineage: list[tuple[str, str]], published: date | None = None, url: str | None = None,
             page_url: str | None = None, retrieved_at: datetime | None = None, sheets: str | None = None,
             extras: dict | None = None, archive_file: Path | None = None, archive_name: str | None = None) -> Edition:
        """Add one file's facts as a new edition, in one transaction, and archive the file.

        ``archive_file`` is the file as published when ``source_file`` came out of it (a member of a
        zip archive): the original bytes are archived, under their own SHA-256, not the expansion.

        ``extras`` holds non-fact tables a source provides (``boundaries``, ``geo_lookup``): frames
        with the columns of ``EXTRA_TABLES``, stored against the same edition.
        """
        if self.read_only:
            raise JusticegapError("the store is open read-only")
        existing = self.find_file(dataset, sha256)
        if existing:
            return existing
        edition = f"{dataset}-{sha256[:12]}"
        original = Path(archive_file) if archive_file else source_file
        archive = (paths.archive_dir() / dataset / (sha256 if original == source_file else sha256_of(original))
                   / (archive_name if original != source_file and archive_name else file_name))
        new_archive = not archive.exists()
        if new_archive:
            archive.parent.mkdir(parents=True, exist_ok=True)
            tmp = archive.with_name(archive.name + ".part")
            try:
                shutil.copyfile(original, tmp)
                os.replace(tmp, archive)
            except OSError:  # a full disk, say: no half-written copy stays behind
                tmp.unlink(missing_ok=True)
                raise
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        try:
            self.con.begin()
            self.con.register("incoming", facts)
            self.con.execute(
                "insert into facts select ?, ?, measure, offence, outcome, area, period_start, period_end,"
                " sex, age, ethnicity, value, flags from incoming", [dataset, edition])
            self.con.execute(
                "insert into coverage select ?, ?, measure, area, period_start, period_end, count(*)"
                " from incoming group by all", [dataset, edition])
            span = self.con.execute("select min(period_start), max(period_end) from incoming").fetchall()[0]
            self.con.unregister("incoming")
            for table, frame in (extras or {}).items():
                cols = EXTRA_TABLES[table]
                self.con.register("extra", frame)
                self.con.execute(f"insert into {table} select ?, {', '.join(cols)} from extra", [edition])
                self.con.unregister("extra")
            self.con.execute(
                "insert into editions values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [edition, dataset, title, file_name, sha256, original.stat().st_size, url, page_url, retrieved_at,
                 published, now, facts.height, span[0], span[1], str(archive), sheets])
            self.con.executemany("insert into lineage values (?, ?, ?, ?, ?)",
                                 [(edition, i, action, detail, now) for i, (action, detail) in enumerate(
                                     [*lineage, ("loaded", f"{facts.height} facts into the store as edition {edition}")], 1)])
            self.con.commit()
        except BaseException:
            self.con.rollback()
            if new_archive:
                shutil.rmtree(archive.parent, ignore_errors=True)
            raise
        return self.edition(edition)
