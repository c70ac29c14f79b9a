"""Loading while the store is being read: ``update`` loads into a copy of the store and publishes
it over the store file when its loads have committed.

DuckDB lets one process write a file or many read it, not both, so loading into the store itself
would stop ``serve`` (and ``get``) for the whole update, and they would stop it. Instead:

* one update at a time holds ``justicegap.duckdb.lock`` (an advisory lock, released if the process dies);
* the store is copied to ``justicegap.duckdb.loading`` and each file is loaded there in its own
  transaction;
* the copy replaces the store with ``os.replace`` (atomic): a reader that has the old file open
  keeps reading it to the end of its answer; the next reader (or the server's next request) gets
  the new one. No reader ever waits for a load.
"""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
from contextlib import contextmanager
from pathlib import Path

from . import paths
from .errors import JusticegapError
from .store import Store


@contextmanager
def loading(path: Path | None = None):
    """A writable copy of the store; on leaving, whatever it committed is published over the store."""
    path = Path(path) if path else paths.store_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise JusticegapError(f"another update is loading into {path}: wait for it to finish "
                                  "(the store can be read, and served, meanwhile)") from None
        work = path.with_name(path.name + ".loading")
        for leftover in (work, work.with_name(work.name + ".wal")):
            leftover.unlink(missing_ok=True)  # from an update that was killed: never published
        if path.exists():
            if path.with_name(path.name + ".wal").exists():
                Store(path).close()  # a store written in place by an older version: checkpoint it first
            try:
                shutil.copyfile(path, work)
            except OSError as e:
                work.unlink(missing_ok=True)
                if e.errno in (errno.ENOSPC, errno.EDQUOT):
                    from .update import disk_full

                    raise disk_full(work, "the copy of the store to load into", path.stat().st_size) from None
                raise
        store = Store(work)
        before = store.state()
        try:
            yield store
        finally:
            changed = store.state() != before
            store.close()
            if changed:
                os.replace(work, path)
            else:
                work.unlink(missing_ok=True)
    finally:
        os.close(lock)  # releases the lock

