"""The HTTP API and dashboard server: ``create_app(store_path=None)`` (see ``app.py``)."""

from __future__ import annotations


def create_app(store_path=None, **kwargs):
    from .app import create_app as _create

    return _create(store_path, **kwargs)


__all__ = ["create_app"]
