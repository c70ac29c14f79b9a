"""Scripts served from the package, never a CDN: the dashboard works offline.

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


@functools.cache
def _bundle() -> Asset:
    import vl_convert as vlc

    # Vega-Lite's ARIA output is turned off per chart; each chart's container carries its own
    # text alternative. The default snippet puts vegaEmbed, vega and vegaLite on window.
    body = vlc.javascript_bundle().encode("utf-8")
    return Asset(body, gzip.compress(body, 6), '"' + hashlib.sha256(body).hexdigest()[:20] + '"')


def vega_bundle() -> Asset:
    with _lock:
        return _bundle()
