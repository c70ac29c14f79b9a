"""Which records a question selects: the area's forces and the period's recording dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .. import areas as A
from .. import reference
from ..errors import InvalidParameter, NotAvailable
from ..periods import Period, parse
from . import store as rstore


@dataclass
class Scope:
    area: A.Area
    period: Period
    offence: str
    codes: list[str]
    forces: list[str]
    frame: object  # polars DataFrame of crime records (all statuses) with linked CPS dates
    extract_date: date
    synthetic: bool

    @property
    def recorded(self):
        """Records that stayed crimes (not cancelled or transferred)."""
        import polars as pl

        return self.frame.filter(pl.col("status") == "recorded")

    def rows(self) -> list[dict]:
        """The crime records as an analyst downloads them (the API's and the page's ``offences``):
        pseudonymous ids, dates as ISO text, the load's own columns left out, synthetic said."""
        return [{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()
                 if k not in ("load_id", "extract_date", "synthetic")} | {"synthetic": self.synthetic}
                for row in self.frame.iter_rows(named=True)]


def forces_of(area: A.Area) -> tuple[str, ...]:
    """The forces whose case records make up ``area``; for an area that is not made of forces (a
    district, a partnership), a refusal in the records' words: they are held by the force and its
    CPS Area, never published."""
    try:
        return A.forces(area, what="Case records")
    except NotAvailable:
        force = area
        while force.parent and force.level != "pfa":
            force = A.get(force.parent)
        if force.level != "pfa":
            raise
        cps = [c.name for c in A.all_areas("cps_area") if force.code in c.members]
        raise NotAvailable(
            f"Case records are held by each police force (and its CPS Area), not kept for a {area.level_name} such as "
            f"{area.name}; they are never published.", available=[f"{force.name} (the whole force area)"],
            holder=" and ".join([force.police_name or force.name, *cps]) + " (their own case records)") from None


def resolve(area: str, period: str, offence: str):
    """What the user typed, for records: (the area, its forces, the period, the offence codes)."""
    ar = A.resolve(area)
    forces = list(forces_of(ar))
    families = reference.family_codes()
    if offence not in families:
        raise InvalidParameter("offence", f"'{offence}' is not an offence family: {', '.join(families)}")
    return ar, forces, parse(period), sorted(families[offence])


def select(store, area: str, period: str, offence: str = "sexual_offences") -> Scope:
    con = store.con
    rstore.require_records(con)
    ar, forces, per, codes = resolve(area, period, offence)
    held = rstore.scope_loads(con, forces)
    if not held:
        raise NotAvailable(f"No case records are loaded for {ar.name}.", holder=f"{ar.police_name or ar.name} (its own records)")
    frame = rstore.offences(con, forces, per.start, per.end)
    import polars as pl

    frame = frame.filter(pl.col("offence_code").is_in(codes))
    extract = min(d["extract_date"] for d in held)
    if per.end > extract:
        raise InvalidParameter("period", f"{per} ends after the records' extract date {extract}")
    missing = sorted(set(forces) - {f for d in held for f in d["forces"].split(",")})
    if missing:
        names = [A.get(f).name for f in missing]
        raise NotAvailable(f"Case records are loaded for only some of the forces of {ar.name}; missing: {', '.join(names)}.",
                           holder=", ".join(A.get(f).police_name or A.get(f).name for f in missing) + " (their own records)")
    return Scope(ar, per, offence, codes, forces, frame, extract, any(d["synthetic"] for d in held))


def held(store, area: A.Area) -> bool:
    """Whether case records are loaded for every force of ``area`` (so its questions can be answered
    from them); False for an area that is not made of forces (a district, a partnership)."""
    con = store.con
    if not rstore.has_records(con):
        return False
    try:
        forces = set(forces_of(area))
    except NotAvailable:
        return False
    loaded = {f for d in rstore.loads(con) for f in d["forces"].split(",")}
    return bool(forces) and forces <= loaded


def extract(store, area: A.Area) -> tuple[date | None, bool]:
    """The extract date of the loaded records of ``area`` (the earliest, when its forces' differ)
    and whether any are synthetic: what a page says of the records whatever it is asked, even when
    the question itself is refused. (None, False) when none are loaded."""
    held_ = rstore.scope_loads(store.con, list(forces_of(area))) if rstore.has_records(store.con) else []
    if not held_:
        return None, False
    return min(d["extract_date"] for d in held_), any(d["synthetic"] for d in held_)


def _span(store, area: A.Area) -> tuple[date, date, date] | None:
    """(first and last recording dates, extract date) of the loaded records of ``area``; None
    when none are loaded."""
    forces = list(forces_of(area))
    held_ = rstore.scope_loads(store.con, forces)
    first, last = rstore.recorded_span(store.con, forces)
    if not held_ or first is None:
        return None
    return first, last, min(d["extract_date"] for d in held_)


def periods(store, area: A.Area) -> list[str]:
    """The financial years the loaded records of ``area`` cover that ended by their extract date,
    newest first (the periods a question about them can be asked for)."""
    span = _span(store, area)
    if span is None:
        return []
    first, last, extract = span
    years = (parse(f"{y}/{str(y + 1)[2:]}") for y in range(_fy(last), _fy(first) - 1, -1))
    return [p.label for p in years if p.end <= extract]


def quarters(store, area: A.Area, follow_up_days: int = 0) -> list[Period]:
    """The financial quarters, oldest first, from the first crime the loaded records of ``area``
    record to the last, whose every crime had been followed ``follow_up_days`` by the extract date
    (a trend of a record-based metric: a quarter followed only in part is left out, not shown low)."""
    from datetime import timedelta

    from ..periods import financial_quarter

    span = _span(store, area)
    if span is None:
        return []
    first, last, extract = span
    out = []
    for y in range(_fy(first), _fy(last) + 1):
        for q in (1, 2, 3, 4):
            p = financial_quarter(y, q)
            if p.end >= first and p.start <= last and p.end + timedelta(days=follow_up_days) <= extract:
                out.append(p)
    return out


def _fy(d: date) -> int:
    """The year a financial year (April to March) holding ``d`` starts in."""
    return d.year if d.month >= 4 else d.year - 1


# What anyone (no analyst's token) may be given from case records: one partition of the offences
# and one level of area. Groups that nest (rape and adult rape; a force and its CPS Area) would let
# a count hidden in one be worked out by subtracting another shown, whatever each table suppresses.
PUBLIC_FAMILIES = ("rape", "other_sexual")
PUBLIC_LEVELS = ("pfa",)


def check_public(area: A.Area, family: str, period: str | Period | None = None, store=None) -> None:
    """Refuse, for the public surfaces, a question about case records outside that partition (of
    offences, areas and, given ``period`` and the ``store``, time: :func:`check_public_period`)."""
    if area.level not in PUBLIC_LEVELS:
        raise NotAvailable(
            f"Figures from case records are given to everyone only for a police force area, not for a {area.level_name} "
            f"such as {area.name}: a total over several forces, shown beside its forces, would let a hidden small count be "
            "worked out. Analysts who sign in see every area.", available=["a police force area"])
    if family not in PUBLIC_FAMILIES:
        labels = reference.families()
        raise NotAvailable(
            f"Figures from case records are given to everyone only for {labels['rape']['label'].lower()} and for "
            f"{labels['other_sexual']['label'].lower()}, each on its own, not for {labels[family]['label'].lower()}: groups "
            "of offences that contain one another would let a hidden small count be worked out by subtraction. "
            "Analysts who sign in see every group.",
            available=[labels[f]["label"] for f in PUBLIC_FAMILIES])
    if period is not None:
        check_public_period(store, area, period)


def check_public_period(store, area: A.Area, period: str | Period) -> None:
    """Refuse, for the public surfaces, any period but one of :func:`periods` (a whole financial
    year the records cover, ended by the extract date). Those years never overlap; a month beside
    its year, or two ranges sharing months, would let a count hidden in one be worked out by
    subtracting the other shown (QA found May's hidden charges as April-May minus April)."""
    p = parse(period)
    years = periods(store, area)
    if any((q.start, q.end) == (p.start, p.end) for q in map(parse, years)):
        return
    can = ("only for a whole financial year the records cover: " + ", ".join(years) if years
           else "only for a whole financial year the records cover, and they cover none that ended by their extract date")
    raise InvalidParameter(
        "period", f"figures from the case records of {area.name} are given to everyone {can}; not for {p}. Periods that "
                  "overlap (a month and the year holding it, or two ranges sharing months) would let a count hidden in one "
                  "be worked out by subtracting another. The force's and the CPS's analysts can have any period.")
