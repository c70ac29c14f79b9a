"""Resident population of an area, for rates per 100,000: the ONS mid-year estimates summed over
the area's local authority districts.

An area is its districts: a force area those of ``reference/lad_csp_pfa.csv``, a group of forces
or a CPS Area those of its forces, a Community Safety Partnership its own, England and Wales every
district in England and Wales. Estimates published on older district codes (before the
reorganisations listed in ``reference/lad_changes.csv``) are followed to today's districts, which
never cross a force boundary. The year used is the loaded mid-year estimate nearest the middle of
the period asked, and the figure says which it is. Persons are taken from persons figures when a
year has them, else as females plus males (see ``sources/ons_population.py``): never both.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date

from . import areas as A
from . import reference
from .errors import InvalidParameter, NotAvailable
from .periods import Period, parse
from .store import Edition, Store

DATASET = "ons_population"
AGE_LABELS = [str(a) for a in range(90)] + ["90+"]


@dataclass
class Population:
    value: float
    year: int
    editions: list[Edition]
    note: str
    area: str
    sex: str | None = None
    ages: tuple[str, ...] | None = None
    districts: list[str] = field(default_factory=list)

    @property
    def per(self) -> str:
        """Who a rate over this population is per: 'residents', 'women aged 16 and over', 'girls aged 0 to 15'."""
        ages = sorted(AGE_LABELS.index(a) for a in self.ages) if self.ages else None
        adult, child = ages is not None and ages[0] >= 16, ages is not None and ages[-1] < 18
        noun = {"female": "women" if adult else "girls" if child else "females",
                "male": "men" if adult else "boys" if child else "males",
                None: "adults" if adult else "children" if child else "residents"}[self.sex]
        return f"{noun} {_age_text(self.ages)}" if self.ages else noun

    def to_dict(self) -> dict:
        return {"value": self.value, "year": self.year, "date": date(self.year, 6, 30).isoformat(), "area": self.area,
                "sex": self.sex, "ages": list(self.ages) if self.ages else None, "per": self.per, "note": self.note,
                "districts": len(self.districts), "editions": [e.to_dict() for e in self.editions]}


@functools.cache
def _successor() -> dict[str, str]:
    return {r["old_code"]: r["new_code"] for r in reference.table("lad_changes") if r["old_code"] != r["new_code"]}


def current_code(code: str) -> str:
    """A district code followed through every later merger to today's district."""
    seen, succ = {code}, _successor()
    while code in succ and succ[code] not in seen:
        code = succ[code]
        seen.add(code)
    return code


def _lads_of_force(pfa: str) -> set[str]:
    return {r["lad_code"] for r in reference.table("lad_csp_pfa") if r["pfa_code"] == pfa}


def districts(area: A.Area) -> tuple[set[str] | None, set[str]]:
    """(today's district codes of the area, or None for every district in England and Wales;
    older codes that stand for the area themselves)."""
    if area.level == "nation":
        return None, set()
    if area.level in ("btp", "reporting_body"):
        raise NotAvailable(f"{area.name} has no resident population: it is not a geographical area.")
    if area.level == "pfa":
        return _lads_of_force(area.code), set()
    if area.level in ("pfa_group", "cps_area"):
        forces = A.forces(area, what="Population figures")
        return set().union(*(_lads_of_force(f) for f in forces if A.get(f).level == "pfa")), set()
    if area.level == "csp":
        split = [c for c in area.lads if len(A.get(c).csps) > 1]
        if split:
            # a legacy partnership of a new unitary district is its former district
            former = [r["old_code"] for r in reference.table("lad_changes")
                      if r["new_code"] in split and A.key(r["old_name"]) == A.key(area.name)]
            if former:
                return set(), set(former)
            raise NotAvailable(f"{area.name} is one of several Community Safety Partnerships in {A.get(split[0]).name}; "
                               "population estimates are published for the whole district.", available=[A.get(split[0]).name])
        return set(area.lads), set()
    if area.level == "lad":
        if area.valid_to:  # a former district: only estimates on its own code can answer
            return set(), {area.code}
        return {area.code}, set()
    raise NotAvailable(f"No population is available for a {area.level_name}.")


def _ages(ages) -> tuple[str, ...] | None:
    if ages is None:
        return None
    if isinstance(ages, str):
        t = ages.strip().lower().replace(" ", "")
        if t.endswith("+") and t[:-1].isdigit():
            return tuple(AGE_LABELS[min(int(t[:-1]), 90):])
        if "-" in t and all(p.isdigit() for p in t.split("-", 1)):
            lo, hi = (int(p) for p in t.split("-", 1))
            return _ages(range(lo, hi + 1))
        raise InvalidParameter("ages", f"'{ages}' is not an age range such as '16+' or '0-17'")
    out = []
    for a in ages:
        label = "90+" if (str(a) == "90+" or (str(a).isdigit() and int(a) >= 90)) else str(int(a))
        if label not in out:
            out.append(label)
    if not out:
        raise InvalidParameter("ages", "no ages given")
    return tuple(out)


def _age_text(ages: tuple[str, ...] | None) -> str:
    if not ages:
        return "all ages"
    idx = sorted(AGE_LABELS.index(a) for a in ages)
    if idx == list(range(idx[0], idx[-1] + 1)):
        lo, hi = AGE_LABELS[idx[0]], AGE_LABELS[idx[-1]]
        if hi == "90+":
            return f"aged {lo} and over" if lo != "0" else "all ages"
        return f"aged {lo}" if lo == hi else f"aged {lo} to {hi}"
    return "aged " + ", ".join(AGE_LABELS[i] for i in idx)


def _variants(store: Store):
    """(year, sex, by_age) -> editions newest first, for the population estimates loaded."""
    rows = store.facts.population_variants(DATASET)
    out: dict[tuple, list] = {}
    for day, sex, by_age, edition, pub, loaded in sorted(rows, key=lambda r: (r[4], r[5]), reverse=True):
        out.setdefault((day.year, sex, bool(by_age)), []).append(edition)
    return out


def _plan(variants, year: int, sex: str | None, ages) -> list[tuple[str, str | None]] | None:
    """The editions (with their sex) that give the population asked for one year, or None."""
    def first(s, by_age=None):
        for b in ((True, False) if by_age is None else (by_age,)):
            eds = variants.get((year, s, b))
            if eds:
                return eds[0]
        return None

    by_age = True if ages else None
    if sex is not None:
        e = first(sex, by_age)
        return [(e, sex)] if e else None
    if ages is None and first(None, False):
        return [(first(None, False), None)]
    e = first(None, by_age)
    if e:
        return [(e, None)]
    f, m = first("female", by_age), first("male", by_age)
    return [(f, "female"), (m, "male")] if f and m else None


def population_for(store: Store, area, period, *, sex: str | None = None, ages=None) -> Population:
    """The resident population of ``area`` for ``period`` (the nearest mid-year estimate loaded)."""
    the_area = area if isinstance(area, A.Area) else A.resolve(area)
    the_period: Period = parse(period)
    if sex is not None:
        s = str(sex).strip().lower().rstrip("s")
        sex = {"female": "female", "male": "male", "women": "female", "men": "male", "woman": "female", "man": "male"}.get(s)
        if sex is None:
            raise InvalidParameter("sex", "give female or male (or nothing for everyone)")
    labels = _ages(ages)
    targets, own_codes = districts(the_area)
    variants = _variants(store)
    if not variants:
        raise NotAvailable("No population estimates are loaded, so no rate per resident can be given.",
                           available=["the ONS mid-year population estimates, once loaded"],
                           holder="Office for National Statistics").with_actions("load_data")
    mid = the_period.start + (the_period.end - the_period.start) / 2
    years = sorted({y for (y, _s, _b) in variants if _plan(variants, y, sex, labels)},
                   key=lambda y: (abs((date(y, 6, 30) - mid).days), -y))
    if not years:
        what = f"{sex}s" if sex else "persons"
        raise NotAvailable(f"The population estimates loaded do not give {what} {_age_text(labels)}.",
                           available=[f"mid-{y} ({'persons' if s is None else s}{', by age' if b else ', all ages'})"
                                      for (y, s, b) in sorted(variants)])
    year = years[0]
    plan = _plan(variants, year, sex, labels)
    day = date(year, 6, 30)
    stored = store.facts.population_areas(tuple(e for e, _ in plan), day)
    if targets is None:
        chosen = [c for c in stored if c[:1] in ("E", "W")]
    else:
        chosen = [c for c in stored if c in own_codes or current_code(c) in targets]
        covered = {current_code(c) for c in chosen} | ({c for c in chosen} & own_codes)
        missing = sorted((targets | own_codes) - covered - {c for c in chosen})
        if missing:
            names = ", ".join(A.get(c).name if _known(c) else c for c in missing[:5])
            raise NotAvailable(f"The mid-{year} population estimates loaded do not cover all of {the_area.name} "
                               f"(no figures for {names}{' ...' if len(missing) > 5 else ''}).")
    if not chosen:
        raise NotAvailable(f"The mid-{year} population estimates loaded have no districts in {the_area.name}.")
    total = 0.0
    for edition, s in plan:
        by_area = store.facts.population_by_area(edition, day, s, labels)
        total += sum(by_area.get(c, 0.0) for c in chosen)
    who = {None: "", "female": "females ", "male": "males "}[sex]
    ages_text = _age_text(labels)
    if who and ages_text == "all ages":
        described = f"{who.strip()}, all ages"
    else:
        described = f"{who}{ages_text}"
    note = f"ONS mid-{year} population estimate, {described}"
    if not (the_period.start <= day <= the_period.end):
        note += f" (the estimate loaded nearest to {the_period})"
    if sex is None and len(plan) == 2:
        note += "; females plus males"
    return Population(total, year, [store.edition(e) for e, _ in plan], note, the_area.code, sex, labels, sorted(chosen))


def _known(code: str) -> bool:
    try:
        A.get(code)
        return True
    except Exception:
        return False
