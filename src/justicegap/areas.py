"""Areas as people name them, resolved to ONS codes and to the police forces that make them up.

Police data are published by force; the CPS publishes by CPS Area (groups of forces); local
recorded crime is published by Community Safety Partnership (CSP), which is not always one
district. Everything is keyed on codes: names differ between publishers ("Devon & Cornwall",
"Dyfed Powys", "GreaterManchester", "London, City of", "Shepway").
"""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass, field, replace

from . import reference
from .errors import NotAvailable, NotFound

LEVELS = ("nation", "pfa", "btp", "pfa_group", "cps_area", "csp", "lad", "reporting_body")
LEVEL_NAMES = {
    "nation": "England and Wales", "pfa": "police force area", "btp": "British Transport Police",
    "pfa_group": "group of police force areas", "cps_area": "CPS Area",
    "csp": "Community Safety Partnership", "lad": "local authority district",
    "reporting_body": "non-police reporting body",
}
_PREFERENCE = {lvl: i for i, lvl in enumerate(("nation", "pfa", "pfa_group", "cps_area", "btp", "csp", "lad", "reporting_body"))}


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    level: str
    police_name: str | None = None
    parent: str | None = None
    members: tuple[str, ...] = ()
    csps: tuple[str, ...] = ()
    lads: tuple[str, ...] = ()
    note: str | None = None
    valid_from: str | None = None
    valid_to: str | None = None
    former_names: tuple[str, ...] = ()
    resolved_note: str | None = field(default=None, compare=False)

    @property
    def level_name(self) -> str:
        return LEVEL_NAMES[self.level]

    def to_dict(self) -> dict:
        d = {"code": self.code, "name": self.name, "level": self.level}
        if self.parent:
            d["parent"] = self.parent
        if self.resolved_note:
            d["note"] = self.resolved_note
        return d


def key(text: str) -> str:
    """Normalise a name for matching: case, punctuation, '&', footnote markers, spacing."""
    t = re.sub(r"\[[^\]]*\]", "", str(text)).lower().replace("&", " and ")
    return re.sub(r"[^a-z0-9]+", "", t)


@functools.cache
def _index() -> tuple[dict[str, Area], dict[str, list[tuple[str, str | None]]]]:
    areas: dict[str, Area] = {}
    members: dict[str, list[str]] = {}
    for row in reference.table("area_members"):
        members.setdefault(row["parent"], []).append(row["child"])
    for row in reference.table("areas"):
        own = (row["code"],) if row["level"] in ("pfa", "btp", "reporting_body") else ()
        areas[row["code"]] = Area(row["code"], row["name"], row["level"], row["police_name"],
                                  members=tuple(members.get(row["code"], own)), note=row["note"],
                                  valid_from=row["valid_from"], valid_to=row["valid_to"])
    renames = {r["old_code"]: r for r in reference.table("lad_changes") if r["kind"] == "rename"}
    csp_lads: dict[str, list[tuple[str, str]]] = {}
    lad_csps: dict[str, list[str]] = {}
    csp_info: dict[str, tuple[str, str]] = {}
    for row in reference.table("lad_csp_pfa"):
        csp_lads.setdefault(row["csp_code"], []).append((row["lad_code"], row["lad_name"]))
        lad_csps.setdefault(row["lad_code"], []).append(row["csp_code"])
        csp_info[row["csp_code"]] = (row["csp_name"], row["pfa_code"])
        areas.setdefault(row["lad_code"], Area(row["lad_code"], row["lad_name"], "lad", parent=row["pfa_code"]))
    for code, (name, pfa) in csp_info.items():
        lads = csp_lads[code]
        former = ()
        if len(lads) == 1 and lads[0][0] in renames and renames[lads[0][0]]["old_name"] == name:
            former, name = (name,), lads[0][1]
        areas[code] = Area(code, name, "csp", parent=pfa, lads=tuple(sorted(c for c, _ in lads)), former_names=former)
    for code, csps in lad_csps.items():
        a = areas[code]
        former = (renames[code]["old_name"],) if code in renames else ()
        areas[code] = replace(a, csps=tuple(sorted(set(csps))), former_names=former)
    for row in reference.table("lad_changes"):
        if row["kind"] == "merge" and row["old_code"] not in areas:
            areas[row["old_code"]] = Area(row["old_code"], row["old_name"], "lad", parent=row["pfa_code"],
                                          valid_to=row["date"], note=f"Merged into {row['new_name']} ({row['new_code']}) on {row['date']}.")
    names: dict[str, list[tuple[str, str | None]]] = {}

    def add(text, code, note=None):
        entry = names.setdefault(key(text), [])
        if (code, note) not in entry and code not in [c for c, _ in entry]:
            entry.append((code, note))

    for a in areas.values():
        add(a.name, a.code)
        add(a.code, a.code)
        if a.level == "cps_area":
            add(a.name.removeprefix("CPS "), a.code)
        if a.police_name:
            add(a.police_name.removeprefix("the "), a.code)
        for f in a.former_names:
            change = next(r for r in renames.values() if r["old_name"] == f)
            add(f, a.code, f"{f} is shown as {a.name}: renamed on {change['date']}, same code {change['new_code']}.")
    for row in reference.table("area_aliases"):
        add(row["alias"], row["code"], row["note"])
    return areas, names


def get(code: str) -> Area:
    if code.endswith(":unassigned"):
        force = get(code.split(":")[0])
        return Area(code, f"Unassigned {force.name}", "csp", parent=force.code,
                    note=f"Records {force.police_name} could not assign to a Community Safety Partnership.")
    try:
        return _index()[0][code]
    except KeyError:
        raise NotFound("area code", code) from None


def all_areas(level: str | None = None, search: str | None = None) -> list[Area]:
    """Areas of a level (or all); with ``search``, first the area the text names as :func:`resolve`
    reads it ('City of London' is 'London, City of'), then every area whose name or code contains it."""
    if level is not None and level not in LEVELS:
        raise NotFound("area level", level, difflib.get_close_matches(level, LEVELS, 3, 0.3),
                       "Levels: " + ", ".join(LEVELS))
    out = [a for a in _index()[0].values() if level is None or a.level == level]
    if not search:
        return sorted(out, key=lambda a: (_PREFERENCE[a.level], a.name))
    k = key(search)
    out = sorted((a for a in out if k in key(a.name) or k in a.code.lower() or any(k in key(f) for f in a.former_names)),
                 key=lambda a: (_match_rank(search, a), _PREFERENCE[a.level], a.name))
    try:
        named = resolve(search, level)
    except NotFound:
        return out
    return [named, *(a for a in out if a.code != named.code)]


def _match_rank(text: str, area: Area) -> int:
    """How wholly ``text`` names an area: 0 the whole name, 1 the start of the name ('Brighton' for
    Brighton and Hove), 2 the start of a word in it, 3 anywhere (inside a word, or a code)."""
    k, name = key(text), key(area.name)
    if k == name or k == area.code.lower():
        return 0
    if name.startswith(k):
        return 1
    words = [key(w) for w in re.split(r"[\s,()-]+", area.name) if w]
    if any(key("".join(words[i:])).startswith(k) for i in range(len(words))):
        return 2
    return 3


def resolve(text: str, level: str | None = None) -> Area:
    """An ONS code, a name or an alias, any case -> one Area; unknown names list the closest matches.

    When one name is several areas (Ashford the CSP and the district), the coarsest level whose
    figures are published wins: force before CPS Area before CSP before district.
    """
    if text is None or not str(text).strip():
        raise NotFound("area", "", hint="Give a force, CPS Area, CSP or district name or ONS code, e.g. Kent or E23000032")
    areas, names = _index()
    hits = names.get(key(text), [])
    if level:
        hits = [h for h in hits if areas[h[0]].level == level]
    if not hits:
        pool = {a.name: a for a in areas.values() if level is None or a.level == level}
        # names that hold the text whole come first (Brighton -> Brighton and Hove), then the
        # names spelt most like it (a typo: Knet -> Kent)
        holding = sorted((n for n in pool if key(text) and key(text) in key(n)),
                         key=lambda n: (_match_rank(text, pool[n]), _PREFERENCE[pool[n].level], n))
        close = list(dict.fromkeys([*holding, *difflib.get_close_matches(str(text), list(pool), n=5, cutoff=0.6)]))[:5]
        raise NotFound("area", str(text), [f"{n} ({pool[n].level_name})" for n in close]).with_actions("search_areas")
    code, note = min(hits, key=lambda h: _PREFERENCE[areas[h[0]].level])
    area = areas[code]
    return replace(area, resolved_note=note) if note else area


def forces(area: Area, *, what: str = "Police figures") -> tuple[str, ...]:
    """The force codes whose police data add up to ``area`` (nation, CPS Area, force, group).

    Raises NotAvailable for areas the Home Office does not publish police outcomes for.
    """
    if area.members:
        return area.members
    if area.code in ("CPS-LN", "CPS-LS"):
        raise NotAvailable(
            f"{what} cannot be split between CPS London North and CPS London South: they cover the "
            "Metropolitan Police and City of London areas together.",
            available=["Metropolitan Police and City of London (together)"], holder="the Metropolitan Police Service")
    pfa = get(area.parent).name if area.parent else "the force"
    raise NotAvailable(
        f"{what} are published by police force area only, not for a {area.level_name} such as {area.name}.",
        available=[f"{pfa} (the whole force area)"], holder=f"{get(area.parent).police_name if area.parent else 'the police force'} (on request)")


def local_csp(area: Area) -> Area:
    """The CSP whose published figures are this area's: itself, or a district's own CSP.

    A district that shares its CSP (Dartford and Gravesham) or is split across legacy CSPs has
    no figures of its own.
    """
    if area.level == "csp":
        return area
    if area.level != "lad":
        raise NotAvailable(f"{area.name} is a {area.level_name}, not a local area.")
    if len(area.csps) == 1:
        csp = get(area.csps[0])
        if csp.lads == (area.code,):
            return csp
        others = ", ".join(get(c).name for c in csp.lads if c != area.code)
        raise NotAvailable(
            f"{area.name} shares one Community Safety Partnership with {others}; recorded crime is published for the partnership as a whole.",
            available=[csp.name], holder=f"{get(area.parent).police_name} (district-level figures, on request)")
    if not area.csps:
        raise NotAvailable(f"{area.name} no longer exists as a district ({area.note or 'changed'}); no local figures are published under it.",
                           available=[get(area.parent).name] if area.parent else [])
    names = ", ".join(get(c).name for c in area.csps)
    raise NotAvailable(f"{area.name} is published as several legacy Community Safety Partnerships ({names}), not as one area.",
                       available=[get(c).name for c in area.csps])
