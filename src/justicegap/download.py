"""Download publishers' files into the cache: retries, resume, atomic rename, provenance.

``fetch(remote)`` streams a :class:`~justicegap.discover.RemoteFile` to
``<dest_dir>/<source_id>/<hash>_<filename>`` (``dest_dir`` defaults to ``cache_dir()/downloads``;
``<hash>`` is 8 hex digits of the address's SHA-1, so two files of the same name never collide):

* bytes go to ``<name>.part`` first; the SHA-256 is computed while streaming;
* a ``.part`` left by an interrupted run is resumed with an HTTP ``Range`` request; a server that
  ignores ``Range`` (answers 200) is handled by starting the file again;
* connection errors, timeouts, 5xx (and 408/429) are retried with exponential backoff
  (``backoff * 2**n`` seconds); any other 4xx except 416 fails at once;
* a ``Content-Length`` (or ``Content-Range`` total) is checked against the bytes received;
* only a complete file is moved into place, with ``os.replace`` (atomic on one file system), and a
  ``<name>.meta.json`` beside it records address, retrieval time, publisher's date and SHA-256.

When every attempt fails, ``DownloadError`` names the address and the last reason. The final file
is never half-written; the ``.part`` stays so that the next run resumes where this one stopped
(delete it to start afresh).

httpx and rich are imported inside the functions that use them, so importing this module is cheap.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

from . import __version__
from .addresses import RemoteFile, filename_from_url, rewrite_url
from .errors import DownloadError, Unreachable
from .paths import cache_dir

USER_AGENT = f"justicegap/{__version__} (+https://github.com/justicegap/justicegap)"
RETRYABLE_4XX = {408, 429}

Progress = Callable[[int, "int | None"], None]


@dataclass(frozen=True)
class Downloaded:
    """A file in the cache and where it came from."""

    path: Path
    url: str
    sha256: str
    size: int
    retrieved_at: datetime
    published: date | None
    filename: str

    def to_dict(self) -> dict:
        d = asdict(self)
        d["path"] = str(self.path)
        d["retrieved_at"] = self.retrieved_at.isoformat()
        d["published"] = None if self.published is None else self.published.isoformat()
        return d


def make_client(*, timeout: float = 60.0, connect_timeout: float = 15.0):
    """An httpx client with justicegap's User-Agent, redirects followed and sensible timeouts."""
    import httpx

    return httpx.Client(
        headers={"User-Agent": USER_AGENT},
        follow_redirects=True,
        timeout=httpx.Timeout(timeout, connect=connect_timeout),
    )


def _describe(exc: Exception) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# One overall deadline (a time.monotonic() value) for everything an update downloads: set by
# ``update.fetch_all`` around its work, checked before each attempt and as bytes arrive, so a
# server that trickles bytes (which no read timeout catches) cannot hold an update for ever.
_deadline: float | None = None


@contextmanager
def deadline(seconds: float | None):
    global _deadline
    before = _deadline
    _deadline = None if seconds is None else time.monotonic() + seconds
    try:
        yield
    finally:
        _deadline = before


def check_deadline(url: str) -> None:
    if _deadline is not None and time.monotonic() > _deadline:
        raise DownloadError(f"{url}: not finished before the update's overall deadline (--deadline)")


def _timeout(client):
    """The client's timeouts, shortened to what is left before the deadline."""
    if _deadline is None:
        return client.timeout
    import httpx

    left = max(0.1, _deadline - time.monotonic())
    t = client.timeout
    return httpx.Timeout(min(t.read or left, left), connect=min(t.connect or left, left),
                         write=min(t.write or left, left), pool=min(t.pool or left, left))


def _sleep(seconds: float) -> None:
    if _deadline is not None:
        seconds = max(0.0, min(seconds, _deadline - time.monotonic()))
    time.sleep(seconds)


def request(client, url: str, *, retries: int = 2, backoff: float = 0.5):
    """GET a (small) page with retries; ``url`` is the publisher's address (rewrite applied here).

    Returns the httpx response (status 2xx); raises ``DownloadError`` naming ``url`` otherwise, and
    ``Unreachable`` when no attempt reached the server at all.
    """
    import httpx

    target = rewrite_url(url)
    last = ""
    unreachable = True
    for attempt in range(retries + 1):
        if attempt:
            _sleep(backoff * 2 ** (attempt - 1))
        check_deadline(url)
        try:
            response = client.get(target, timeout=_timeout(client))
        except httpx.ConnectError as e:
            last = _describe(e)
            continue
        except httpx.TransportError as e:
            last, unreachable = _describe(e), False
            continue
        unreachable = False
        if response.status_code >= 500 or response.status_code in RETRYABLE_4XX:
            last = f"HTTP {response.status_code} {response.reason_phrase}"
            continue
        if response.status_code >= 400:
            raise DownloadError(f"{url}: HTTP {response.status_code} {response.reason_phrase}")
        return response
    raise (Unreachable if unreachable else DownloadError)(f"could not fetch {url} after {retries + 1} attempts: {last}")


class _Retry(Exception):
    """A failure worth another attempt (the .part is kept for resuming)."""


_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def local_path(remote: RemoteFile, dest_dir: Path | str | None = None) -> Path:
    """Where ``fetch`` puts ``remote``."""
    root = Path(dest_dir) if dest_dir is not None else cache_dir() / "downloads"
    name = Path(remote.filename or filename_from_url(remote.url) or "download").name
    name = _SAFE.sub("_", name).strip("._") or "download"
    tag = hashlib.sha1(remote.url.encode("utf-8")).hexdigest()[:8]
    folder = _SAFE.sub("_", remote.source_id or "").strip("._") or "unsorted"
    return root / folder / f"{tag}_{name}"


def fetch(
    remote: RemoteFile,
    *,
    dest_dir: Path | str | None = None,
    client=None,
    retries: int = 4,
    backoff: float = 0.5,
    progress: Progress | None = None,
) -> Downloaded:
    """Download ``remote`` into the cache (see the module docstring) and return its provenance.

    ``retries`` is the number of attempts after the first. ``progress(done_bytes, total_or_None)``
    is called as bytes arrive (``rich_progress()`` gives one bound to a Rich progress bar).
    """
    final = local_path(remote, dest_dir)
    final.parent.mkdir(parents=True, exist_ok=True)
    part = final.with_name(final.name + ".part")
    target = rewrite_url(remote.url)

    own = client is None
    if own:
        client = make_client()
    last = ""
    try:
        for attempt in range(retries + 1):
            if attempt:
                _sleep(backoff * 2 ** (attempt - 1))
            try:
                check_deadline(remote.url)
            except DownloadError:
                kept = f"; the partial file {part} is kept and will be resumed next time" if part.exists() else ""
                raise DownloadError(f"{remote.url}: not finished before the update's overall deadline (--deadline)"
                                    + (f" after {attempt} attempt(s): {last}" if last else "") + kept) from None
            try:
                digest, size = _attempt(client, remote.url, target, part, progress)
            except _Retry as e:
                last = str(e)
                continue
            break
        else:
            kept = f"; the partial file {part} is kept and will be resumed next time" if part.exists() else ""
            raise DownloadError(f"could not download {remote.url} after {retries + 1} attempts: {last}{kept}")
    finally:
        if own:
            client.close()

    os.replace(part, final)
    result = Downloaded(
        path=final,
        url=remote.url,
        sha256=digest,
        size=size,
        retrieved_at=datetime.now(timezone.utc),
        published=remote.published,
        filename=remote.filename or filename_from_url(remote.url),
    )
    _write_meta(result, remote)
    return result


def _write_meta(result: Downloaded, remote: RemoteFile) -> None:
    meta = {**result.to_dict(), "title": remote.title, "page_url": remote.page_url, "source_id": remote.source_id}
    path = result.path.with_name(result.path.name + ".meta.json")
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)", re.I)


def _int(value) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _hash_file(path: Path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h


def _attempt(client, url: str, target: str, part: Path, progress: Progress | None) -> tuple[str, int]:
    """One GET of ``target`` into ``part``; returns (sha256, size) of the complete file."""
    import httpx

    offset = part.stat().st_size if part.exists() else 0
    headers = {"Accept-Encoding": "identity"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    received = 0
    expected: int | None = None
    try:
        with client.stream("GET", target, headers=headers, timeout=_timeout(client)) as r:
            status = r.status_code
            if status == 416:
                # our .part is as long as the file, or longer: done if it is exactly the file
                m = re.match(r"bytes\s+\*/(\d+)", r.headers.get("Content-Range", ""))
                if m and offset and int(m[1]) == offset:
                    return _hash_file(part).hexdigest(), offset
                part.unlink(missing_ok=True)
                raise _Retry("HTTP 416 Range Not Satisfiable: the partial file did not fit; starting again")
            if status >= 500 or status in RETRYABLE_4XX:
                raise _Retry(f"HTTP {status} {r.reason_phrase}")
            if status >= 400:
                raise DownloadError(f"{url}: HTTP {status} {r.reason_phrase}")
            if status not in (200, 206):
                raise _Retry(f"unexpected HTTP {status} {r.reason_phrase}")

            length = _int(r.headers.get("Content-Length"))
            encoded = r.headers.get("Content-Encoding", "identity").lower() not in ("", "identity")
            if status == 206:
                m = _CONTENT_RANGE.match(r.headers.get("Content-Range", ""))
                if not m or int(m[1]) != offset:
                    part.unlink(missing_ok=True)
                    raise _Retry(f"the server answered a different range ({r.headers.get('Content-Range')!r} "
                                 f"for bytes={offset}-); starting again")
                total = _int(m[3])
                hasher, mode = _hash_file(part), "ab"
            else:  # 200: the whole file (a server that ignores Range starts us again)
                offset, total = 0, (None if encoded else length)
                hasher, mode = hashlib.sha256(), "wb"
            expected = None if encoded else length
            if progress:
                progress(offset, total)
            # no chunk_size: a chunker would hold back bytes that arrived before a dropped connection
            chunks = r.iter_bytes() if encoded else r.iter_raw()
            with open(part, mode) as f:
                for chunk in chunks:
                    f.write(chunk)
                    hasher.update(chunk)
                    received += len(chunk)
                    if progress:
                        progress(offset + received, total)
                    if _deadline is not None and time.monotonic() > _deadline:
                        raise _Retry(f"stopped at the overall deadline after {offset + received} bytes")
                f.flush()
                os.fsync(f.fileno())
    except httpx.TransportError as e:
        if expected is not None and received < expected:
            raise _Retry(f"connection lost after {received} of {expected} bytes (Content-Length): "
                         f"{_describe(e)}") from None
        raise _Retry(_describe(e)) from None

    if expected is not None and received != expected:
        raise _Retry(f"received {received} bytes but Content-Length said {expected}")
    size = offset + received
    if total is not None and size != total:
        raise _Retry(f"file is {size} bytes but the server said {total}")
    return hasher.hexdigest(), size


@contextmanager
def rich_progress(description: str = "Downloading", *, console=None, transient: bool = False) -> Iterator[Progress]:
    """A ``progress`` callable for ``fetch`` bound to a Rich progress bar (shown while open)."""
    from rich.progress import (BarColumn, DownloadColumn, Progress as RichProgress, TextColumn,
                               TimeRemainingColumn, TransferSpeedColumn)

    with RichProgress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=transient,
    ) as bar:
        task = bar.add_task(description, total=None)

        def update(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        yield update
