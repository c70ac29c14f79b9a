"""Identifiers replaced by keyed hashes (HMAC-SHA256) on load; the key never enters the store.

A plain hash of a crime reference can be reversed by hashing every possible reference; a keyed
hash cannot without the key. The key lives in a file outside the store (``JUSTICEGAP_RECORDS_KEY``
or ``--key-file``; default ``$JUSTICEGAP_HOME/records.key``), created with 0600 permissions when
absent. The same key gives the same pseudonym on every load, so later extracts link to earlier
ones; the store keeps only the key's fingerprint, to refuse a load made with a different key.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from .. import paths
from ..errors import InvalidParameter

KEY_ENV = "JUSTICEGAP_RECORDS_KEY"


def key_path(option: Path | None = None) -> Path:
    if option:
        return Path(option).expanduser()
    env = os.environ.get(KEY_ENV)
    return Path(env).expanduser() if env else paths.home() / "records.key"


def read_key(path: Path, *, create: bool = True) -> bytes:
    """The key in ``path``; a new random 256-bit key is written (mode 0600) when absent."""
    if not path.exists():
        if not create:
            raise InvalidParameter("--key-file", f"no pseudonymisation key at {path}")
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32) + "\n")
    if path.stat().st_mode & 0o077:
        raise InvalidParameter("--key-file", f"the key file {path} can be read by other users: chmod 600 it")
    text = path.read_text().strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        raise InvalidParameter("--key-file", f"{path} does not hold a hexadecimal key") from None
    if len(key) < 16:
        raise InvalidParameter("--key-file", f"the key in {path} is shorter than 128 bits")
    return key


def fingerprint(key: bytes) -> str:
    """Identifies the key without revealing it."""
    return hmac.new(key, b"justicegap records key fingerprint", hashlib.sha256).hexdigest()[:16]


def pseudonym(key: bytes, kind: str, value: str) -> str:
    """The keyed hash of one identifier (80 bits shown); ``kind`` keeps a record id and a case id
    with the same text apart."""
    return hmac.digest(key, f"{kind}\x1f{value}".encode(), "sha256").hex()[:20]


def column(key: bytes, kind: str, values, cache: dict | None = None) -> list:
    """Pseudonyms for a column; ``cache`` (identifier -> pseudonym) saves hashing an id twice."""
    cache = {} if cache is None else cache
    digest, prefix = hmac.digest, f"{kind}\x1f"
    out = []
    for v in values:
        if v is None:
            out.append(None)
            continue
        p = cache.get(v)
        if p is None:
            p = cache[v] = digest(key, (prefix + v).encode(), "sha256").hex()[:20]
        out.append(p)
    return out
