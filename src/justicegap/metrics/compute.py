"""Computing one figure: choosing the dataset that can answer, gathering its counts, and refusing
with the reason (and who holds the data) when the data cannot answer."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from .. import areas as A
from .. import reference
from ..errors import InvalidParameter, NotAvailable
from ..formats import whole
from ..periods import Period, parse
from ..store import Edition, Store
from .caveats import events_touching
from .data import (Gathered, Term, availability, dataset_levels, describe_holes, describe_negatives, describe_spans, gather,
                   straddling, sub_codes)
from .figure import PROPORTION_KINDS, Figure
from .finish import _finish
from .parameters import _for, _term_outcomes, _Term, family, outcome_types
from .registry import get
from .wording import _fmt_int, _lower_first, _police_name

if TYPE_CHECKING:
    from ..model.figure import Figure as FigureModel


def _resolve_edition(store: Store, text: str | None, datasets: list[str]) -> Edition | None:
    return store.find_edition(text, datasets) if text else None


def _choose_dataset(store, m, area, period, fam, edition, terms) -> Gathered:
    """The first dataset in the metric's order that can answer fully; or say what is available."""
    if area.level == "lad":
        A.local_csp(area)  # a district without figures of its own says so, whatever the dataset
    usable = [ds for ds in m["datasets"] if area.level in dataset_levels(ds)
              and (edition is None or edition.dataset == ds)]
    if not usable:
        level_ok = sorted({lvl for ds in m["datasets"] for lvl in dataset_levels(ds)})
        raise NotAvailable(level_message(m, area), available=[A.LEVEL_NAMES[x] for x in level_ok], holder=data_holder(m, area))
    reasons, partial = [], None
    for ds in usable:
        try:
            g = gather(store, ds, _for(terms, ds), area, period, fam, edition)
        except NotAvailable as e:
            reasons.append(e)
            continue
        if not g.editions:
            continue
        if not g.missing_spans:
            return g
        partial = partial or g
    if partial is not None:
        return partial
    if reasons:
        raise reasons[0]
    avail = []
    for ds in usable:
        spans = availability(store, ds, _for(terms, ds)[0].measure, edition.edition if edition is not None else None)
        if spans:
            which = f", edition {edition.edition} ({edition.file_name}), covers only" if edition is not None else ":"
            avail.append(f"{reference.sources()[ds]['title']}{which} " + ", ".join(spans))
    if not avail:
        titles = " or ".join(reference.sources()[ds]["title"] for ds in usable)
        raise NotAvailable(f"No edition of {titles} is loaded, so {_lower_first(m['name'])} cannot be given.",
                           holder=", ".join(sorted({reference.sources()[ds]["publisher"] for ds in usable}))).with_actions("load_data")
    what = f"Edition {edition.edition} does not cover" if edition is not None else "No loaded data cover"
    across = sorted({lbl for ds in usable for lbl in straddling(store, ds, _for(terms, ds)[0].measure, period,
                                                                   edition.edition if edition is not None else None)})
    named = across[:4] + (["others"] if len(across) > 4 else [])
    why = (f" The data are published for {' and '.join(filter(None, [', '.join(named[:-1]), named[-1]]))}, which "
           f"{'straddles' if len(across) == 1 else 'straddle'} {period}: ask for one of those instead.") if across else ""
    gaps = {ev["id"]: ev for ds in usable for ev in events_touching(period, area, ds, fam) if ev["kind"] == "missing_data"}
    known = "".join(f" Known gap: {ev['title']}: {ev['description']}" for ev in gaps.values())
    raise NotAvailable(f"{what} {period} for {_lower_first(m['name'])} in {area.name}.{why}{known}",
                       available=avail or ["nothing loaded yet"],
                       holder=_police_name(area) if gaps and area.level == "pfa" else "", parameter="period")


def level_message(m: dict, area: A.Area) -> str:
    """Why the metric cannot be given for an area of this level, in terms of this metric and this
    kind of area (a reporting body is not a police force; British Transport Police has no residents)."""
    if m.get("records"):
        return (f"{m['name']} comes from police forces' own case records, which are followed by police force area only (and "
                f"for the CPS Areas and England and Wales they add up to), not for a {area.level_name} such as {area.name}.")
    if area.level == "reporting_body":
        return (f"{m['name']} cannot be given for {area.name} ({area.level_name}): justicegap gives figures for police forces "
                "and the areas they cover." + (f" {area.note}" if area.note else ""))
    if m["kind"] == "per_100k" and area.level == "btp":
        return f"{m['name']} cannot be given for British Transport Police: it polices the railways and has no resident population."
    if set(m["datasets"]) == {"ho_outcomes"}:
        return (f"{m['name']} cannot be given for {area.name} ({area.level_name}): the Home Office publishes police "
                "outcomes by police force area only.")
    return f"{m['name']} is not published for a {area.level_name} such as {area.name}."


def data_holder(m: dict, area: A.Area) -> str:
    if m["stage"] == "police" and area.parent:
        force = A.get(area.parent)
        return f"{force.police_name} holds case-level outcomes and may release local figures on request (Freedom of Information Act 2000)"
    if m["stage"] == "cps":
        return "the Crown Prosecution Service (figures below CPS Area level on request)"
    if m["stage"] in ("court", "moj"):
        return "the Ministry of Justice (Criminal Justice System statistics)"
    return ""


def cps_area_of(area: A.Area) -> A.Area | None:
    force = area.code if area.level == "pfa" else area.parent
    for cps in A.all_areas("cps_area"):
        if force in cps.members and not cps.valid_to:
            return cps
    return None


def compute(metric_id: str, *, area: str | A.Area, period: str | Period, offence: str = "rape",
            outcome: str | None = None, edition: str | None = None, store: Store | None = None,
            allow_partial: bool = False) -> "FigureModel":
    """One metric for one area, period and offence family, with everything that must travel with it:
    the typed result every surface returns (:class:`justicegap.model.Figure`)."""
    return measure(metric_id, area=area, period=period, offence=offence, outcome=outcome, edition=edition,
                   store=store, allow_partial=allow_partial).model()


def measure(metric_id: str, *, area: str | A.Area, period: str | Period, offence: str = "rape",
            outcome: str | None = None, edition: str | None = None, store: Store | None = None,
            allow_partial: bool = False) -> Figure:
    """The engine's figure for :func:`compute`: the same answer, holding the area, period, editions
    and counts it was gathered from, for the answers built on figures (a report, a comparison). A
    panel makes thousands of these; it is turned into its typed result once, at the surface."""
    m = get(metric_id)
    the_area = area if isinstance(area, A.Area) else A.resolve(area)
    the_period = parse(period)
    fam = family(offence)
    own = store is None
    store = store or Store(read_only=True)
    try:
        return _compute(m, the_area, the_period, fam, outcome, edition, store, allow_partial)
    finally:
        if own:
            store.close()


def _compute(m, area, period, fam, outcome, edition_text, store, allow_partial) -> Figure:
    if area.level not in m["levels"]:
        raise NotAvailable(level_message(m, area), available=level_alternatives(m, area), holder=data_holder(m, area))
    if m.get("records"):  # a force's own case records, not a publication
        if outcome:
            raise InvalidParameter("outcome", f"{m['id']} does not take an outcome")
        if edition_text:
            raise InvalidParameter("edition", f"{m['id']} comes from the loaded case records, which have an extract date, "
                                                "not editions")
        from .from_records import compute as records_figure

        return records_figure(m, area, period, fam, store)
    out_types, out_label = (None, None)
    if m.get("needs_outcome"):
        if not outcome:
            raise InvalidParameter("outcome", "this metric needs an outcome type (e.g. 14) or group (e.g. victim_does_not_support)")
        out_types, out_label = outcome_types(outcome)
        _check_introduced(out_types, out_label, period)
    elif outcome:
        raise InvalidParameter("outcome", f"{m['id']} does not take an outcome; use outcome_share_cohort or outcome_share_closed")
    kind = m["kind"]
    edition = _resolve_edition(store, edition_text,
                               [*m["datasets"], *m.get("denominator_term", {}).get("datasets", [])])

    def term(name, spec):
        measures = spec["measure"] if isinstance(spec["measure"], list) else [spec["measure"]]
        return _Term(name, tuple(measures), _term_outcomes(spec.get("outcomes", "all"), out_types),
                     by_dataset=dict(spec.get("by_dataset", {})))

    if kind in ("count", "per_100k", "average"):
        groups = [(m, [term("value", m["value"])])]
    else:
        num, den = term("numerator", m["numerator_term"]), term("denominator", m["denominator_term"])
        extra = []
        if m["basis"] == "recorded_cohort":
            extra.append(Term("not_yet_assigned", den.measures, ("0",)))
        if "1" in (num.outcomes or ()):
            extra.append(Term("alternate", num.measures, ("1A",)))
        if "datasets" in m["denominator_term"]:
            groups = [(m, [num, *extra]), ({**m, "datasets": m["denominator_term"]["datasets"]}, [den])]
        else:
            groups = [(m, [num, den, *extra])]
    if kind == "per_100k" and any(A.get(c).level == "btp" for c in area.members):
        # British Transport Police offences have no resident population behind them
        area = replace(area, members=tuple(c for c in area.members if A.get(c).level != "btp"))
        btp_note = "British Transport Police offences are left out: they have no resident population."
    else:
        btp_note = None
    found = [_choose_dataset(store, spec, area, period, fam,
                             edition if edition is not None and edition.dataset in spec["datasets"] else None, terms)
             for spec, terms in groups]
    if edition is not None and not any(edition in g.editions for g in found):
        raise NotAvailable(f"Edition {edition.edition} ({edition.file_name}) does not cover {period} for {area.name}.")
    wanted_subcodes = [t for t in (out_types or ()) if t in sub_codes()]
    if wanted_subcodes and not set(wanted_subcodes) <= found[0].outcome_types:
        raise NotAvailable(f"This edition does not publish outcome {', '.join(wanted_subcodes)} separately: in it, these "
                           "cases are inside their parent outcome type.", available=["the parent outcome type, e.g. 1 for 1A"])
    for g, (spec, terms) in zip(found, groups):
        if g.partial and not allow_partial:
            measure = _for(terms, g.dataset)[0].measure
            have = ", ".join(availability(store, g.dataset, measure))
            raise NotAvailable(
                f"The data cover only part of {period} for {area.name}: "
                f"{describe_holes(store, g.dataset, measure, period, g.missing_spans)}, so no figure is given for the whole period.",
                available=[f"{reference.sources()[g.dataset]['title']}: {have}"], parameter="period",
            ).with_actions("allow_partial", code="partial_period")
    if kind == "average":
        _check_average(found[0], area, period)
    g = found[0]
    v = dict(g.values)
    editions = list(g.editions)
    for other in found[1:]:
        v.update(other.values)
        editions += [e for e in other.editions if e not in editions]
    fig = Figure(m, area, period, fam, None, dataset=g.dataset, editions=editions, gathered=g, all_gathered=found)
    if btp_note:
        fig.caveats.append(btp_note)
    if len(found) > 1:
        fig.flags.append("different_sources")
        fig.caveats.append("The numerator and denominator come from different publications (" +
                           " and ".join(reference.sources()[x.dataset]["title"] for x in found) +
                           "), which count different things over different periods: this is a ratio, not a rate.")
    if out_types:
        fig.outcome = {"types": list(out_types), "label": out_label}
    if kind == "count":
        fig.value = whole(v["value"])
    elif kind == "average":
        fig.value = v["value"]
    elif kind == "per_100k":
        from ..population import population_for

        fam_row = reference.families()[fam]
        pop = population_for(store, area, period, sex=fam_row.get("population_sex"), ages=fam_row.get("population_ages"))
        fig.population = pop.to_dict()
        fig.numerator, fig.denominator = whole(v["value"]), whole(pop.value)
        fig.value = 100_000 * v["value"] / pop.value if pop.value else None
        fig.editions = [*editions, *pop.editions]
    else:
        fig.numerator, fig.denominator = whole(v["numerator"]), whole(v["denominator"])
        fig.value = fig.numerator / fig.denominator if fig.denominator else None
        if kind in PROPORTION_KINDS and fig.denominator and 0 <= fig.numerator <= fig.denominator:
            from ..stats import wilson

            fig.ci_low, fig.ci_high = wilson(int(round(fig.numerator)), int(round(fig.denominator)))
        if "not_yet_assigned" in v:
            fig.breakdown["not_yet_assigned"] = v["not_yet_assigned"]
        if "alternate" in v and "1A" in g.outcome_types:
            fig.breakdown["charged_same_offence"] = v["numerator"] - v["alternate"]
            fig.breakdown["charged_alternate_offence"] = v["alternate"]
            fig.caveats.append(f"Of the {_fmt_int(v['numerator'])} charges, {_fmt_int(v['alternate'])} were for an alternate offence (sub-code 1A), "
                               f"leaving {_fmt_int(v['numerator'] - v['alternate'])} charged with the offence recorded.")
        elif "alternate" in v and not any("1A" in c for c in m.get("caveats", [])):  # said once, not twice
            fig.caveats.append("This edition does not separate alternate-offence charges (1A): the charged count may include charges for a different offence from the one recorded.")
    _negatives(fig, found, groups)
    if fig.denominator == 0 and kind != "count":
        fig.flags.append("no_denominator")
    return _finish(fig, allow_partial)


def _negatives(fig: Figure, found: list[Gathered], groups) -> None:
    """Published negative counts (the publisher's corrections) are kept as published: a sum that
    includes them says so, and a sum they make negative is no count, no rate and no interval."""
    cells, negative_sum = [], False
    for g, (_spec, terms) in zip(found, groups):
        for t in _for(terms, g.dataset):
            inside = g.negatives_in(t)
            cells += [c for c in inside if c not in cells]
            if inside and g.values.get(t.name, 0) < 0 and t.name in ("value", "numerator", "denominator"):
                negative_sum = True
    if not cells:
        return
    shown = describe_negatives(cells)
    fig.flags.append("negative_published")
    if fig.breakdown.get("not_yet_assigned") is not None and fig.breakdown["not_yet_assigned"] < 0:
        del fig.breakdown["not_yet_assigned"]  # not a count: the caveat says why it is missing
        fig.caveats.append("How many of these offences had not yet been assigned an outcome is not available: the "
                           "published counts for it include negative corrections that make it negative.")
    if negative_sum or (fig.numerator is not None and fig.numerator < 0) or (fig.value is not None and fig.value < 0):
        fig.value = fig.ci_low = fig.ci_high = None
        if fig.numerator is not None and fig.numerator < 0:
            fig.numerator = None
        if fig.denominator is not None and fig.denominator < 0:
            fig.denominator = None
        fig.caveats.insert(0, f"Not available: the published counts include negative numbers ({shown}), corrections "
                              "the publisher made to earlier figures, and they make this sum negative, so no count, share or "
                              "interval can be given. The negative counts are shown as published.")
    else:
        fig.caveats.append(f"The published counts include negative numbers ({shown}): corrections the publisher made to "
                           "earlier figures, kept as published in this sum.")


def _check_introduced(types: tuple[str, ...], label: str, period: Period) -> None:
    """An outcome type cannot be measured for a period wholly before it existed (outcome 22 from
    1 April 2019, 21 from January 2016): that is no figure, not a measured zero. A period that
    spans the introduction is answered, and carries the event (see :func:`events_touching`)."""
    from datetime import date

    outs = reference.outcomes()
    starts = [outs[t].get("introduced") for t in types]
    if not starts or not all(starts):
        return
    first = min(date.fromisoformat(x) for x in starts)
    if period.end < first:
        which = f"Outcome type {types[0]}" if len(types) == 1 else f"Outcome types {', '.join(types)}"
        raise NotAvailable(
            f"{which} ({label}) did not exist yet in {period}: it was introduced on {first:%-d %B %Y}, so there is "
            "no figure for it before then (not a zero).",
            available=[f"periods from {first:%-d %B %Y}"])


def _check_average(g: Gathered, area: A.Area, period: Period) -> None:
    """An average (mean or median days) is never added up: only the area's own published row for
    exactly the period asked can answer."""
    title = reference.sources()[g.dataset]["title"]
    if g.areas_used != [area.code]:
        raise NotAvailable(f"{title} does not publish this average for {area.name} itself, and averages for its "
                           "parts cannot be added up.")
    spans = sorted(g.by_span)
    if spans and spans != [(period.start, period.end)]:
        raise NotAvailable(f"This average is published for {describe_spans(spans)}, not for {period} as a whole: "
                           "averages for shorter periods cannot be combined.")


def level_alternatives(m: dict, area: A.Area) -> list[str]:
    """Where the same figure is published instead: the enclosing force or CPS Area, the local areas
    (for an area that has them), or the levels; for British Transport Police, which has no residents,
    the count without a rate."""
    out = []
    if area.parent and "pfa" in m["levels"]:
        out.append(f"{A.get(area.parent).name} (the whole force area)")
    if area.level in ("pfa", "csp", "lad") and "cps_area" in m["levels"] and "pfa" not in m["levels"]:
        cps = cps_area_of(area)
        if cps:
            out.append(f"{cps.name} (the CPS Area covering {A.get(area.parent).name if area.parent else area.name})")
    if "csp" in m["levels"] and area.level not in ("csp", "btp", "reporting_body"):  # these have no partnerships
        out.append("Community Safety Partnerships")
    if m["kind"] == "per_100k" and area.level in ("btp", "reporting_body"):
        from .registry import registry

        out += [f"{c['name']} (a count, without a rate)" for c in registry().values() if c["kind"] == "count"
                and area.level in c["levels"] and c["datasets"][:1] == m["datasets"][:1]][:1]
    if not out:
        out.append("published for: " + ", ".join(A.LEVEL_NAMES[x] for x in m["levels"]))
    return out
