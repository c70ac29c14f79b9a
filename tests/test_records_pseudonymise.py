"""The pseudonymisation key: outside the store, made 0600, refused when others can read it."""

from __future__ import annotations

import hashlib
import hmac
import os
import stat

import pytest

from justicegap.errors import InvalidParameter
from justicegap.records import pseudonymise as P


def test_key_is_created_0600_where_the_environment_says(tmp_path, monkeypatch):
    path = tmp_path / "keys" / "force.key"
    monkeypatch.setenv(P.KEY_ENV, str(path))
    assert P.key_path() == path
    key = P.read_key(P.key_path())
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600 and len(key) == 32
    assert P.read_key(path) == key  # read again, not remade


def test_a_key_others_can_read_is_refused(tmp_path):
    path = tmp_path / "open.key"
    path.write_text("00" * 32)
    path.chmod(0o644)
    with pytest.raises(InvalidParameter, match="chmod 600"):
        P.read_key(path)


def test_pseudonyms_are_keyed_hashes_kept_apart_by_kind():
    key = bytes(range(32))
    assert P.pseudonym(key, "record", "KNT/123") == hmac.new(key, b"record\x1fKNT/123", hashlib.sha256).hexdigest()[:20]
    assert P.pseudonym(key, "record", "X") != P.pseudonym(key, "case", "X")
    assert P.pseudonym(key, "record", "X") != P.pseudonym(bytes(32), "record", "X")


@pytest.mark.parametrize("size", [16, 32, 64, 65, 100])
def test_a_column_is_hashed_as_the_standard_library_hmac_would(size):
    """The precomputed-state HMAC equals hmac.new for keys shorter than, equal to and longer than
    SHA-256's 64-byte block (a longer key is hashed first), with repeats, nulls and non-ASCII ids."""
    import polars as pl

    key = bytes((7 * i + size) % 256 for i in range(size))
    values = ["KNT/123", None, "KNT/123", "Ürn-ø/1", "", "x" * 200]
    got = P.series(key, "case", pl.Series("case_id", values)).to_list()
    want = [None if v is None else hmac.new(key, f"case\x1f{v}".encode(), hashlib.sha256).hexdigest()[:20] for v in values]
    assert got == want
    distinct = [f"R{i}" for i in range(1000)]
    assert P.series(key, "record", pl.Series(distinct)).to_list() == [P.pseudonym(key, "record", v) for v in distinct]
