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
            raise InvalidParameter("key_file", f"no pseudonymisation key at {path}")
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32) + "\n")
    if path.stat().st_mode & 0o077:
        raise InvalidParameter("key_file", f"the key file {path} can be read by other users: chmod 600 it")
    text = path.read_text().strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        raise InvalidParameter("key_file", f"{path} does not hold a hexadecimal key") from None
    if len(key) < 16:
        raise InvalidParameter("key_file", f"the key in {path} is shorter than 128 bits")
    return key


def fingerprint(key: bytes) -> str:
    """Identifies the key without revealing it."""
    return hmac.new(key, b"justicegap records key fingerprint", hashlib.sha256).hexdigest()[:16]


def pseudonym(key: bytes, kind: str, value: str) -> str:
    """The keyed hash of one identifier (80 bits shown); ``kind`` keeps a record id and a case id
    with the same text apart."""
    return hmac.digest(key, f"{kind}\x1f{value}".encode(), "sha256").hex()[:20]


def series(key: bytes, kind: str, values):
    """Pseudonyms for a Polars string Series (nulls stay null), each distinct identifier hashed once.

    The same HMAC as ``pseudonym``, from the key's inner and outer SHA-256 states computed once
    (RFC 2104): per identifier only the message blocks are hashed, twice as fast as ``hmac.digest``
    on millions of ids. The key stays in this process: nothing is sent to the database.
    """
    import polars as pl

    k = key if len(key) <= 64 else hashlib.sha256(key).digest()
    k = k.ljust(64, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in k) + f"{kind}\x1f".encode())
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in k))
    icopy, ocopy = inner.copy, outer.copy

    def one(v: str) -> str:
        h = icopy()
        h.update(v.encode())
        o = ocopy()
        o.update(h.digest())
        return o.hexdigest()[:20]

    distinct = values.drop_nulls().unique(maintain_order=True)
    hashed = pl.Series(values.name, [one(v) for v in distinct.to_list()], dtype=pl.String)
    if distinct.len() == values.len():  # no nulls, no repeats (a table's own ids): already in order
        return hashed
    return values.replace_strict(distinct, hashed, default=None, return_dtype=pl.String).alias(values.name)
