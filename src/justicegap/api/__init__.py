"""The HTTP API (``/api/v1``): routes over the library, described by the typed results. The
server that composes it with the pages is :mod:`justicegap.server`."""
