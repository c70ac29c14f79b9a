"""Gathering the counts behind a figure: which dataset, which editions, which areas, and whether
they fill the period asked exactly.

A figure is answered from the first dataset (in the metric's order of preference) that holds the
offence family for the area's level and tiles the whole period; otherwise the caller gets what is
missing and what is available, never a silent partial sum. Each span of time is taken from the
newest edition holding it, unless an edition is named.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from .. import areas as A
from .. import reference
from ..errors import NotAvailable, NotFound
from ..periods import Period, describe, gaps
from ..store import Edition, Store


@dataclass
class Term:
    """One sum of facts: e.g. charge outcomes for rape in Kent in 2017/18 from one edition."""

    name: str
    measures: tuple[str, ...]
    outcomes: tuple[str, ...] | None = None

    @property
    def measure(self) -> str:
        """The measure whose coverage decides whether the term fills the period."""
        return self.measures[0]


@dataclass
class Gathered:
    dataset: str
    values: dict[str, float]
    by_span: dict[tuple[date, date], dict[str, float]]
    editions: list[Edition]
    areas_used: list[str]
    missing_areas: dict[str, list[tuple[date, date]]] = field(default_factory=dict)
    missing_spans: list[tuple[date, date]] = field(default_factory=list)
    outcome_types: set[str] = field(default_factory=set)
    negatives: list[dict] = field(default_factory=list)

    @property
    def partial(self) -> bool:
        return bool(self.missing_spans)

    def negatives_in(self, term: Term) -> list[dict]:
        """The published negative cells (the publisher's corrections) inside one term's sum."""
        subs = set(sub_codes())
        return [n for n in self.negatives if n["measure"] in term.measures
                and (n["outcome"] in term.outcomes if term.outcomes is not None else n["outcome"] not in subs)]


def describe_negatives(cells: list[dict], limit: int = 4) -> str:
    """Published negative cells as the publisher wrote them: '-8 (19C, 2017/18 Q2, outcome 0)'."""
    from ..periods import describe

    shown = []
    for n in cells[:limit]:
        where = [A.get(n["area"]).name if n.get("several") else None, n["offence"],
                 describe(n["period_start"], n["period_end"]), f"outcome {n['outcome']}" if n["outcome"] else None]
        shown.append(f"{n['value']:,.0f} ({', '.join(w for w in where if w)})")
    more = len(cells) - limit
    return "; ".join(shown) + (f" and {more} more" if more > 0 else "")


def offence_values(dataset: str, family: str) -> list[str]:
    """The stored offence values that make up ``family`` in ``dataset``."""
    vals = set(reference.family_codes().get(family, ())) | {family}
    vals |= {r["category"] for r in reference.table("category_families") if r["dataset"] == dataset and r["family"] == family}
    return sorted(vals)


def dataset_levels(dataset: str) -> set[str]:
    return set((reference.sources()[dataset].get("levels") or "").split())


def _chosen_spans(store: Store, dataset: str, measure: str, period: Period, edition: Edition | None,
                  offences: list[str] | None = None):
    """(span start, span end) -> edition id: the newest edition per span inside the period.

    With ``offences``, only editions holding at least one of them count, when any edition does
    (two files of one dataset can cover the same year for different offences, as the MoJ's rape
    and offence-group timeliness files do); a span no such edition covers is then a gap."""
    rows = store.facts.spans(dataset, measure, period.start, period.end)
    if edition is not None:
        return {(s, e): ed for s, e, ed, _, _ in rows if ed == edition.edition}
    if offences and len({r[2] for r in rows}) > 1:
        held = store.facts.editions_holding(dataset, measure, offences, period.start, period.end)
        if held:
            rows = [r for r in rows if r[2] in held]
    newest: dict = {}
    for s, e, ed, when, loaded in rows:
        if (s, e) not in newest or (when, loaded) > newest[(s, e)][1]:
            newest[(s, e)] = (ed, (when, loaded))
    return {span: ed for span, (ed, _) in newest.items()}


def sub_codes() -> list[str]:
    """Outcome sub-codes (1A, 2A, 3A): counted inside their parent types."""
    return sorted(k for k, v in reference.outcomes().items() if v["parent"])


def tile(spans: list[tuple[date, date]], period: Period) -> list[tuple[date, date]]:
    """A non-overlapping set of spans: the period itself if published whole (a rolling-year row),
    otherwise the finest spans first, coarser ones filling what they leave."""
    if (period.start, period.end) in spans:
        return [(period.start, period.end)]
    chosen: list[tuple[date, date]] = []
    for s, e in sorted(spans, key=lambda x: (x[1] - x[0], x[0])):
        if all(e < cs or s > ce for cs, ce in chosen):
            chosen.append((s, e))
    return sorted(chosen)


def tiles(spans, period: Period) -> bool:
    """Whether ``spans`` (each inside ``period``) cover it from end to end, tiled as a figure is
    tiled (so a period offered is one the library can answer)."""
    return not gaps(period, tile(list(spans), period))


def base_areas(store: Store, dataset: str, measure: str, area: A.Area, spans) -> list[str]:
    """The area codes whose facts add up to ``area`` in this dataset.

    The area's own rows if the dataset publishes it directly (a national row, a CPS Area row),
    otherwise its member forces, using a published group (the Metropolitan and City row) where
    the dataset only has the group.
    """
    if area.level in ("csp", "lad"):
        return [A.local_csp(area).code]
    present = store.facts.areas_present(dataset, measure)
    if area.code in present:
        return [area.code]
    members = list(A.forces(area))
    out = [m for m in members if m in present]
    missing = set(members) - set(out)
    for code in sorted(present):
        if "+" in code:
            group = set(code.split("+"))
            if group <= set(members) and group & missing:
                out.append(code)
                missing -= group
    for code in sorted(missing):
        _only_together(dataset, code, area, [g for g in sorted(present) if code in g.split("+")])
    out += sorted(missing)
    return out


def _only_together(dataset: str, code: str, area: A.Area, groups: list[str]) -> None:
    """A force the dataset publishes only inside a group row (the CPS's "Metropolitan and City")
    cannot be separated from its partners: say so and point to the group, rather than report the
    force's months as missing."""
    for grp_code in groups:
        try:
            grp = A.get(grp_code)
        except NotFound:  # a group code the reference does not name
            continue
        src = reference.sources()[dataset]
        partners = " and ".join(A.get(c).name for c in grp_code.split("+") if c != code)
        raise NotAvailable(
            f"{src['title']} publishes {A.get(code).name} only together with {partners}, as one row; "
            f"no figure can be given for {area.name} on its own.",
            available=[f"{grp.name} (the two together)"],
            holder=f"{src['publisher']} (figures for one of these forces alone, on request)")


def gather(store: Store, dataset: str, terms: list[Term], area: A.Area, period: Period, family: str,
           edition: Edition | None = None) -> Gathered:
    """Sum each term's facts for ``area`` over ``period`` from ``dataset``; check coverage."""
    measure = terms[0].measure
    offences = offence_values(dataset, family)
    chosen = _chosen_spans(store, dataset, measure, period, edition, offences)
    spans = tile(list(chosen), period)
    codes = base_areas(store, dataset, measure, area, spans)
    if not spans:
        return Gathered(dataset, {t.name: 0.0 for t in terms}, {}, [], codes, missing_spans=[(period.start, period.end)])
    pairs = [(chosen[s], s[0], s[1]) for s in spans]
    eds = sorted({p[0] for p in pairs})
    rows = store.facts.sums(dataset, terms, pairs, offences, codes, sub_codes())
    if not rows and not store.facts.any_facts(dataset, eds, offences):
        raise NotAvailable(
            f"{reference.sources()[dataset]['title']} does not publish {reference.families()[family]['label'].lower()} "
            f"separately at this level.", available=_families_held(store, dataset), parameter="offence")
    cover = store.facts.covered(dataset, measure, pairs, codes)
    outcome_types = {o for r in rows for o in (r[3] or ())}
    g = Gathered(dataset, {t.name: 0.0 for t in terms}, {}, [], codes, outcome_types=outcome_types)
    measures = sorted({m for t in terms for m in t.measures})
    g.negatives = [{**n, "several": len(codes) > 1} for n in store.facts.negatives(dataset, pairs, measures, offences, codes)]
    for _area, s, e, _subcodes, *vals in rows:
        for t, v in zip(terms, vals):
            v = v or 0.0
            g.values[t.name] += v
            g.by_span.setdefault((s, e), {}).setdefault(t.name, 0.0)
            g.by_span[(s, e)][t.name] += v
    covered: dict[str, list] = {}
    for a, s, e in cover:
        covered.setdefault(a, []).append((s, e))
    for code in codes:
        holes = gaps(period, covered.get(code, []))
        if holes:
            g.missing_areas[code] = holes
    all_holes = gaps(period, spans)
    if len(g.missing_areas) == len(codes):
        g.missing_spans = sorted(set(all_holes) | {h for v in g.missing_areas.values() for h in v})
    else:
        g.missing_spans = all_holes
    g.editions = store.editions_by_id(sorted({chosen[s] for s in spans}))
    return g


def _families_held(store: Store, dataset: str) -> list[str]:
    vals = store.facts.offences_held(dataset)
    return [f["label"] for fid, f in reference.families().items() if vals & set(offence_values(dataset, fid))]


def availability(store: Store, dataset: str, measure: str, edition: str | None = None) -> list[str]:
    """What periods a dataset (or one edition of it) holds, as readable spans for 'available
    instead' messages, in the periods the data are published in: calendar years read "2011..2018",
    months "2017-07..2018-03", never relabelled as financial quarters that would seem to include
    a period the data do not have."""
    # by start, the longest first: a run is named by the coarsest spans it was published in
    rows = sorted(store.facts.published_spans(dataset, measure, edition), key=lambda r: (r[0], -r[1].toordinal()))
    runs: list[list] = []  # [run start, run end, first span, last span, every span's label]
    for s, e in rows:
        if runs and (s - runs[-1][1]).days <= 1:
            run = runs[-1]
            if e > run[1]:
                run[3] = (s, e)
            run[1] = max(run[1], e)
            run[4].append(describe(s, e))
        else:
            runs.append([s, e, (s, e), (s, e), [describe(s, e)]])
    out = []
    for rs, re_, first, last, labels in runs:
        if all(_FINANCIAL.fullmatch(lbl) for lbl in labels):  # financial quarters add up to financial years
            out.append(describe(rs, re_))
            continue
        a, b = describe(*first), describe(*last)
        out.append(a if first == last else f"{a}..{b}")
    return out


_FINANCIAL = re.compile(r"\d{4}/\d{2}( Q[1-4])?")


def straddling(store: Store, dataset: str, measure: str, period: Period, edition: str | None = None) -> list[str]:
    """Published periods that overlap ``period`` without lying inside it (calendar years around a
    financial year asked): the periods to ask for instead."""
    return [describe(s, e) for s, e in sorted(store.facts.overlapping_spans(dataset, measure, period.start, period.end, edition))]


def describe_spans(spans) -> str:
    """Gaps named by their months, and by their quarter or year where they are one."""
    out = []
    for s, e in spans:
        months = f"{s:%B %Y}" if (s.year, s.month) == (e.year, e.month) else f"{s:%B %Y} to {e:%B %Y}"
        label = describe(s, e)
        out.append(months if label in (f"{s:%Y-%m}", f"{s:%Y-%m}..{e:%Y-%m}") else f"{months} ({label})")
    return "; ".join(out)


def describe_holes(store: Store, dataset: str, measure: str, period: Period, holes) -> str:
    """What a period's uncovered parts are: months the data lack, or months inside a published
    period that runs past the period's edge (a quarter straddling its end), which cannot be cut."""
    around = sorted(store.facts.overlapping_spans(dataset, measure, period.start, period.end))
    missing, parts = [], []
    for s, e in holes:
        over = [(a, b) for a, b in around if a <= s and e <= b]
        if not over:
            missing.append((s, e))
            continue
        a, b = over[0]
        verb = "is" if (s.year, s.month) == (e.year, e.month) else "are"
        edge = (f"runs past the period's end and is published only whole: the data cannot be cut at the end of {period.end:%B %Y}"
                if b > period.end else "begins before the period's start and is published only whole: the data cannot be cut "
                f"at the start of {period.start:%B %Y}")
        parts.append(f"{describe_spans([(s, e)])} {verb} inside {describe(a, b)}, which {edge}")
    if missing:
        parts.insert(0, f"{describe_spans(missing)} {'is' if len(missing) == 1 else 'are'} missing")
    return "; ".join(parts)
