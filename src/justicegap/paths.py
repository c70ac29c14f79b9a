"""Where justicegap keeps its store, archive and download cache.

``JUSTICEGAP_HOME`` overrides the user's data directory, so tests and analysts can keep separate
stores side by side.
"""

from __future__ import annotations

import os
from pathlib import Path


def home() -> Path:
    env = os.environ.get("JUSTICEGAP_HOME")
    if env:
        path = Path(env).expanduser()
    else:
        from platformdirs import user_data_dir

        path = Path(user_data_dir("justicegap", appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def store_path() -> Path:
    return home() / "justicegap.duckdb"


def archive_dir() -> Path:
    """Every file ever loaded, by dataset and SHA-256: editions are never overwritten."""
    return home() / "archive"


def cache_dir() -> Path:
    """Downloads in progress and finished, before they are identified and archived."""
    return home() / "cache"
