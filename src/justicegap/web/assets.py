"""Scripts served from the package, never a CDN: the dashboard works offline.

Swagger UI (the API's reference at /api/docs) comes from the ``swagger-ui-bundle`` package.

Vega, Vega-Lite and vega-embed come from ``vl_convert.javascript_bundle()`` (vl-convert-python
bundles all three); the bundle is built once per process, kept in memory with a gzip copy, and
served under a versioned address with a long cache lifetime.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import threading
from dataclasses import dataclass

_lock = threading.Lock()


@dataclass(frozen=True)
class Asset:
    body: bytes
    gzipped: bytes
    etag: str
    media_type: str = "text/javascript; charset=utf-8"


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("vl-convert-python")
    except Exception:  # pragma: no cover
        return "0"


VEGA_VERSION = _version()
VEGA_PATH = f"/assets/vega-bundle-{VEGA_VERSION}.js"


def _cache_file():
    """Where the built bundle is kept between runs: building it takes seconds, reading it does not."""
    from pathlib import Path

    import platformdirs

    return Path(platformdirs.user_cache_dir("justicegap")) / f"vega-bundle-{VEGA_VERSION}.js"


def _build() -> bytes:
    import vl_convert as vlc

    # Vega-Lite's ARIA output is turned off per chart; each chart's container carries its own
    # text alternative. The default snippet puts vegaEmbed, vega and vegaLite on window.
    return vlc.javascript_bundle().encode("utf-8")


@functools.cache
def _bundle() -> Asset:
    import os

    path = _cache_file()
    try:
        body = path.read_bytes()
    except OSError:
        body = b""
    if len(body) < 100_000:  # absent or cut short: build it again
        body = _build()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(body)
            os.replace(tmp, path)
        except OSError:  # a read-only cache folder: serve from memory
            pass
    return Asset(body, gzip.compress(body, 6), '"' + hashlib.sha256(body).hexdigest()[:20] + '"')


def vega_bundle() -> Asset:
    with _lock:
        return _bundle()


def swagger_dir():
    """Swagger UI's scripts and styles, as installed by the swagger-ui-bundle package."""
    from swagger_ui_bundle import swagger_ui_path

    return swagger_ui_path


def _swagger_version() -> str:
    try:
        from importlib.metadata import version

        return version("swagger-ui-bundle")
    except Exception:  # pragma: no cover
        return "0"


SWAGGER_PATH = f"/assets/swagger-ui-{_swagger_version()}"
