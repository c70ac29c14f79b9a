"""What must travel with a figure on the dashboard, in words: its flags (with the months or areas
missing), its editions, and how its value relates to its denominator.

Shared by the page templates and the charts' labels and text alternatives, so that a partial
figure reads as partial wherever it is shown, and a ratio is never called a rate.
"""

from __future__ import annotations

import re

from ..formats import num, pct
from ..formats import value_text as _value_text
from ..metrics.wording import FLAG_WORDS

PERCENT_KINDS = ("proportion", "ratio")  # shown as %, like formats.value_text

# A metric's basis as readers say it, never its identifier (``recorded_cohort``).
BASIS_WORDS = {
    "recorded_in_period": "offences recorded in the period",
    "recorded_cohort": "offences recorded in the period, with their outcomes so far",
    "closed_in_period": "investigations closed in the period",
    "same_period_ratio": "two counts from the same period, not the same cases",
    "decisions_in_period": "charging decisions made in the period",
    "completed_in_period": "cases completed in the period",
    "records_follow_up": "crimes recorded in the period, each followed for the same time in the case records",
    "records_to_extract": "crimes recorded in the period, followed in the case records",
}
_BASIS = re.compile(r"\b(" + "|".join(BASIS_WORDS) + r")\b")


def basis_words(basis: str | None) -> str:
    """``recorded_cohort`` -> 'offences recorded in the period, with their outcomes so far'."""
    return BASIS_WORDS.get(basis or "", (basis or "").replace("_", " "))


def public_words(text: str) -> str:
    """A text with every basis identifier in it said in words."""
    return _BASIS.sub(lambda m: basis_words(m.group(1)), text)



# A ratio's two counts are different cases, so it is never a percentage of a cohort: it is read as
# so many per 100 of its denominator's cases (formats.value_text writes every ratio as a percentage,
# so the dashboard words ratios here). What each ratio metric counts per, in the plural:
RATIO_PER = {
    "charge_ratio_period": "offences recorded",
    "conviction_to_recorded_ratio": "offences recorded",
    "moj_conviction_ratio": "defendants proceeded against",
}


def ratio_per(metric: str | None) -> str:
    """The cases a ratio is counted per: 'offences recorded' for charges per offence recorded."""
    return RATIO_PER.get(metric or "", "of its denominator's cases")


def value_text(kind: str, x, metric: str | None = None) -> str:
    """A value as its kind reads (formats.value_text), except a ratio: '3.8 per 100 offences recorded'."""
    if kind == "ratio":
        return "n/a" if x is None else f"{100 * x:,.1f} per 100 {ratio_per(metric)}"
    return _value_text(kind, x)


def rate_text(kind: str, x, metric: str | None = None) -> str:
    """The value column of a table of rates and ratios: a rate as %, a ratio per 100."""
    return value_text(kind, x, metric) if kind == "ratio" else pct(x)


def lower_first(name: str) -> str:
    """A metric's name inside a sentence: 'Charge rate' -> 'charge rate', but 'CPS conviction rate'
    keeps its capitals (an acronym is not lowercased)."""
    if not name:
        return name
    first = name.split(" ", 1)[0]
    if len(first) > 1 and first[:2].isupper():
        return name
    return name[:1].lower() + name[1:]


def caveat_text(caveat: str, cmp: dict) -> str:
    """A comparison's caveat worded for its kind: a ratio has no 'rates' to compare (its two counts
    are different cases), so its caveat says what to compare instead."""
    if cmp.get("kind") == "ratio":
        return caveat.replace("compare volumes and rates with care.",
                              f"a ratio's two counts are different cases, so compare each area's two counts beside its ratio "
                              f"(per 100 {ratio_per(cmp.get('metric'))}) with care.")
    return caveat


def kind_word(kind: str) -> str:
    """What to call a figure's value: a proportion is a rate; a ratio of two counts is a ratio."""
    return {"proportion": "rate", "ratio": "ratio"}.get(kind, "value")


def flag_notes(item: dict) -> list[str]:
    """A figure's (or a funnel stage's) flags in words: a partial figure names the missing months,
    a figure that leaves out areas names them, a data break is named by its title."""
    fig = item.get("figure") or item
    missing = fig.get("missing") or item.get("missing") or {}
    flags = item.get("flags") if item.get("flags") is not None else fig.get("flags") or []
    titles = {ev["id"]: ev["title"] for ev in fig.get("events") or []}
    out = []
    for f in flags:
        if f.startswith("event:"):
            eid = f.split(":", 1)[1]
            out.append(f"data break: {titles.get(eid, eid.replace('_', ' '))}")
        elif f == "partial" and missing.get("periods"):
            covered = item.get("covered")
            out.append(f"partial: no data for {missing['periods']}" + (f"; covers only {covered}" if covered else ""))
        elif f == "excludes_areas" and missing.get("areas"):
            out.append("excludes " + "; ".join(f"{a} (no data for {s})" for a, s in missing["areas"].items()))
        else:
            out.append(FLAG_WORDS.get(f, f.replace("_", " ")))
    return out


def data_flags(item: dict) -> list[str]:
    """The flags that qualify the figure itself (not data breaks), in words."""
    return [n for n in flag_notes(item) if not n.startswith("data break: ")]


# What each edition id is called on a page: the publication's title and its file. An id names the
# same file for good (it holds the file's SHA-256), so what is learnt once holds for every store.
_EDITION_NAMES: dict[str, str] = {}


def learn_editions(editions) -> None:
    """Remember the names of the store's editions (``store.Edition`` objects)."""
    for e in editions:
        if e.edition not in _EDITION_NAMES:
            _EDITION_NAMES[e.edition] = f"{e.title} ({e.file_name})" if e.title else e.file_name


def edition_name(edition: str | None) -> str:
    """An edition as a reader knows it (publication and file), not by its id; several ids joined
    by ", " (a figure from two editions) are named each."""
    if not edition:
        return "n/a"
    import re

    records = re.fullmatch(r"(records-[0-9a-f]{12}) \((.+)\)", str(edition))  # a load of case records, described
    if records:
        said = records.group(2)[:1].upper() + records.group(2)[1:]
        _EDITION_NAMES.setdefault(records.group(1), said.split(";")[0])
        return said
    return ", ".join(_EDITION_NAMES.get(e, "Case records loaded on this site" if re.fullmatch(r"records-[0-9a-f]{12}", e) else e)
                     for e in str(edition).split(", "))


def editions_text(editions) -> str:
    """Editions as a short text: named when there are one or two, otherwise counted by dataset
    (a CPS year is twelve monthly files); the full list stays in the tables and downloads."""
    eds = [e for e in (editions or []) if e]
    if len(eds) <= 2:
        return ", ".join(edition_name(e) for e in eds) or "n/a"
    by_ds: dict[str, int] = {}
    for e in eds:
        ds = e.rsplit("-", 1)[0]
        by_ds[ds] = by_ds.get(ds, 0) + 1
    from .. import reference

    titles = reference.sources()
    return "; ".join(f"{n} editions of {titles.get(ds, {}).get('title', ds)}" if n > 1
                     else edition_name(next(e for e in eds if e.startswith(ds + "-"))) for ds, n in by_ds.items())


def of_text(kind: str, numerator, denominator, unit: str = "") -> str:
    """The numerator beside the denominator, worded by kind: a rate is a share of its denominator,
    a ratio's two counts are different cases."""
    unit = f" {unit}" if unit else ""
    if kind == "proportion":
        return f"{num(numerator)} of {num(denominator)}{unit}"
    if kind == "ratio":
        return f"{num(numerator)} against {num(denominator)}{unit}; a ratio, not a share"
    if kind == "per_100k":
        return f"{num(numerator)}{unit}; population {num(denominator)}"
    return ""
