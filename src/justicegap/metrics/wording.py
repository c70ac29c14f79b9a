"""The words of a figure's sentence: who recorded it, the period, the counts and the sources."""

from __future__ import annotations

from .. import areas as A
from .. import reference
from ..formats import pct, pct_number
from ..store import Edition
from .figure import LOW_COUNT


def _area_names(codes) -> str:
    return ", ".join(A.get(c).name for c in codes)


def _police_name(area: A.Area) -> str:
    if area.level in ("pfa", "btp", "pfa_group"):
        return area.police_name or area.name
    if area.level == "nation":
        return "police forces in England and Wales"
    if area.level == "cps_area":
        return f"the police forces in {area.name} ({_area_names(area.members)})"
    if area.parent:
        return A.get(area.parent).police_name
    return f"the police in {area.name}"


def _lower_first(text: str) -> str:
    """'Charge rate' -> 'charge rate' mid-sentence, but 'CPS charge rate' stays as it is."""
    return text if text[1:2].isupper() else text[:1].lower() + text[1:]


def _fmt_int(x) -> str:
    return f"{x:,.0f}" if x is not None else "n/a"


def _fmt_pct(x, dp=1) -> str:
    return pct(x, dp)


def sentence_fields(fig) -> dict:
    fam = reference.families()[fig.offence]
    police = _police_name(fig.area)
    return {
        "area": fig.area.name, "area_police": police, "area_police_cap": police[:1].upper() + police[1:],
        "area_in": f" in {fig.area.name}" if fig.area.level in ("csp", "lad") else "",
        "period": fig.period.long, "offence_plural": fam["noun_plural"], "offence_singular": fam["noun_singular"],
        "value_int": _fmt_int(fig.value), "value_pct": _fmt_pct(fig.value), "value_1dp": f"{fig.value:,.1f}" if fig.value is not None else "n/a",
        "numerator_int": _fmt_int(fig.numerator), "denominator_int": _fmt_int(fig.denominator),
        "ci": f"{pct_number(fig.ci_low)}–{pct_number(fig.ci_high)}%" if fig.ci_low is not None else "n/a",
        "outcome_label": (fig.outcome or {}).get("label", "").lower(),
        "population_note": (fig.population or {}).get("note", ""),
        "population_per": (fig.population or {}).get("per", "residents"),
        "edition": fig.edition,
    }


def source_line(editions: list[Edition]) -> str:
    """The editions behind a figure, one phrase per dataset (monthly files are summarised)."""
    by_ds: dict[str, list[Edition]] = {}
    for e in editions:
        by_ds.setdefault(e.dataset, []).append(e)
    parts = []
    for eds in by_ds.values():
        if len(eds) <= 2:
            parts += [e.label() for e in eds]
        else:
            names = sorted(e.file_name for e in eds)
            parts.append(f"{eds[0].title or eds[0].dataset}, {len(eds)} files ({names[0]} to {names[-1]}; "
                         "editions and SHA-256 in the sources list)")
    return "; ".join(parts)


# Each flag a figure can carry, in words for readers (the pages and the HTML report); data breaks
# (``event:ID``) are said with their titles.
FLAG_WORDS = {
    "partial": "partial",
    "excludes_areas": "excludes areas",
    "low_count": f"low count (denominator under {LOW_COUNT})",
    "provisional": "provisional",
    "maturing": "maturing (outcomes still being assigned)",
    "different_sources": "numerator and denominator from different publications",
    "mixed_editions": "joins editions extracted at different dates",
    "no_denominator": "no denominator",
    "negative_published": "includes negative counts the publisher gave as corrections",
}
