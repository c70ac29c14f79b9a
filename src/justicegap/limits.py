"""How large a file may expand: an archive (zip member or gzip) that expands implausibly is a
damaged or hostile file, refused before it is read (shared by the readers and the loads' checks)."""

from __future__ import annotations

from .errors import InputError

# An archive (zip member or gzip) may expand to this many times its size, and never beyond
# MAX_EXPANDED bytes in all: the largest publication read (the CSP workbook's XML) is about 1 GB
# inside an ODS, which ``ods.py`` streams itself; CSVs and XLSX inside a zip are far smaller.
MAX_RATIO = 100
RATIO_FLOOR = 64 << 20  # below this, any ratio is plausible (a small CSV of zeros compresses well)
MAX_EXPANDED = 1 << 30

def mb(n: float) -> str:
    """A size for a message: kB, MB or GB."""
    if n < 1e6:
        return f"{max(n, 1) / 1e3:,.1f} kB"
    return f"{n / 1e6:,.1f} MB" if n < 1e9 else f"{n / 1e9:,.2f} GB"


def expansion(name: str, packed: int, expanded: int) -> None:
    """Refuse an archive whose contents are implausibly large for its size (before reading them)."""
    too_big = expanded > MAX_EXPANDED
    too_dense = expanded > RATIO_FLOOR and expanded > MAX_RATIO * max(packed, 1)
    if too_big or too_dense:
        why = (f"more than the {mb(MAX_EXPANDED)} any publication justicegap reads expands to" if too_big else
               f"{expanded / max(packed, 1):,.0f} times its size, more than the {MAX_RATIO} times a published table compresses")
        raise InputError(f"the archive expands to {mb(expanded)} from {mb(packed)}: {why}; it was not read "
                         "(a damaged or hostile file, not a publication)", file=name)


def expansion_limit(packed: int) -> int:
    """The most bytes a compressed file of ``packed`` bytes may expand to."""
    return min(MAX_EXPANDED, max(RATIO_FLOOR, MAX_RATIO * packed))
