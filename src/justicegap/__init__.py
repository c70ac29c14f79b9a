"""justicegap: the justice gap for rape and other sexual offences in England and Wales.

The library is the product; the command line (``cli/``) and the HTTP API (``api/``) are thin
skins over it. Heavy libraries (Polars, DuckDB, SciPy) are imported where they are used, so that
``justicegap get`` starts quickly.
"""

__version__ = "0.1.0"
