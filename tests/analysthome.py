"""A store with the synthetic records and one analyst's token, for the record pages' tests."""

from __future__ import annotations

import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def with_analyst(records_home: Path, home: Path):
    """A copy of ``records_home`` at ``home``, the environment pointing at it, and one analyst's
    token: -> (home, token). For the record pages' tests."""
    from justicegap.records import access
    from justicegap.store import Store

    shutil.copytree(records_home, home)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JUSTICEGAP_HOME", str(home))
        mp.delenv("JUSTICEGAP_RECORDS_KEY", raising=False)
        with Store(home / "justicegap.duckdb") as s:
            token = access.add_token(s, "Ana Lyst")
        yield home, token
