"""Publishers' addresses: one file as a publisher lists it, the GOV.UK base, and the rewrites a
test or a mirror applies to an address (``JUSTICEGAP_URL_REWRITE``). Shared by discovery and
downloading, which otherwise know nothing of each other's insides."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import PurePosixPath
from urllib.parse import parse_qsl, unquote, urlsplit

from .errors import DownloadError

DEFAULT_GOVUK_BASE = "https://www.gov.uk"


@dataclass(frozen=True)
class RemoteFile:
    """One file as the publisher lists it. ``url`` is the publisher's real address."""

    url: str
    filename: str
    title: str
    published: date | None
    page_url: str
    source_id: str


def govuk_base() -> str:
    return (os.environ.get("JUSTICEGAP_GOVUK_BASE") or DEFAULT_GOVUK_BASE).rstrip("/")


def _rewrites() -> list[tuple[str, str]]:
    raw = os.environ.get("JUSTICEGAP_URL_REWRITE", "")
    pairs = []
    for item in raw.split(","):
        item = item.strip()
        if not item:
            continue
        prefix, sep, replacement = item.partition("=")
        if not sep or not prefix.strip():
            raise DownloadError(f"JUSTICEGAP_URL_REWRITE: '{item}' is not of the form prefix=replacement")
        pairs.append((prefix.strip(), replacement.strip()))
    return sorted(pairs, key=lambda p: len(p[0]), reverse=True)


def rewrite_url(url: str) -> str:
    """The address actually requested for ``url`` (``JUSTICEGAP_URL_REWRITE`` applied)."""
    for prefix, replacement in _rewrites():
        if url.startswith(prefix):
            return replacement + url[len(prefix):]
    return url


def unrewrite_url(url: str) -> str:
    """The publisher's address for an address that was rewritten (the inverse of rewrite_url)."""
    for prefix, replacement in sorted(_rewrites(), key=lambda p: len(p[1]), reverse=True):
        if replacement and url.startswith(replacement):
            return prefix + url[len(replacement):]
    return url


def filename_from_url(url: str) -> str:
    """The file name in an address; for ``/file?uri=/a/b/name.xlsx`` (ONS) the name in the query."""
    parts = urlsplit(url)
    name = unquote(PurePosixPath(parts.path).name)
    if "." not in name and parts.query:
        for _, value in reversed(parse_qsl(parts.query)):
            candidate = PurePosixPath(unquote(value)).name
            if "." in candidate:
                return candidate
    return name
