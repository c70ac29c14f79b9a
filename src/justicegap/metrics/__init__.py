"""Metrics that say what they measure.

The registry (``registry.toml``) describes every metric as data; :func:`compute` turns one into
a :class:`Figure`: the value with its numerator, denominator, basis, counting unit, the editions
it came from, its interval, flags, caveats and a sentence that can be printed as it stands.
"""

from __future__ import annotations

import difflib
import functools
import tomllib
from dataclasses import dataclass, field, replace
from importlib import resources

from .. import areas as A
from .. import reference
from ..errors import InvalidParameter, NotAvailable, NotFound
from ..formats import pct, pct_number
from ..periods import Period, parse
from ..store import Edition, Store
from .data import (Gathered, Term, availability, dataset_levels, describe_negatives, describe_spans, gather, straddling,
                   sub_codes)

LOW_COUNT = 30
PROPORTION_KINDS = ("proportion",)


@functools.cache
def registry() -> dict[str, dict]:
    """The metrics, validated against :class:`justicegap.model.MetricSpec` when they load."""
    text = resources.files(__name__).joinpath("registry.toml").read_text(encoding="utf-8")
    return validate_registry(text)


def validate_registry(text: str, *, stamp_dir=None) -> dict[str, dict]:
    """Parse and check the registry: a bad entry is an ``InputError`` naming the metric and the
    field. A registry that passed once is not checked again while its text is unchanged (a stamp
    named by its SHA-256 in the store's cache folder), so that ``get`` need not load the checker."""
    import hashlib

    from .. import paths
    from ..errors import InputError

    try:
        entries = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise InputError(str(e), file="metrics/registry.toml") from None
    reg = {mid: {"id": mid, **spec} for mid, spec in entries.items()}
    stamp = (stamp_dir or paths.cache_dir()) / f"registry-{hashlib.sha256(text.encode()).hexdigest()[:16]}.valid"
    if stamp.exists():
        return reg
    from pydantic import ValidationError

    from ..model.metric import MetricSpec

    for mid, spec in reg.items():
        try:
            MetricSpec.model_validate(spec)
        except ValidationError as e:
            err = e.errors()[0]
            where = ".".join(str(x) for x in err["loc"]) or "(entry)"
            raise InputError(f"metric '{mid}', field '{where}': {err['msg']}", file="metrics/registry.toml") from None
    known = set(reg)
    for mid, spec in reg.items():
        for i, c in enumerate(spec.get("confused_with", [])):
            if c["metric"] not in known:
                raise InputError(f"metric '{mid}', field 'confused_with.{i}.metric': no metric '{c['metric']}'",
                                 file="metrics/registry.toml")
        for ds in spec["datasets"]:
            if ds not in reference.sources():
                raise InputError(f"metric '{mid}', field 'datasets': no source '{ds}' in reference/sources.csv",
                                 file="metrics/registry.toml")
    try:
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.touch()
    except OSError:  # a read-only home: check again next time
        pass
    return reg


def get(metric_id: str) -> dict:
    reg = registry()
    if metric_id not in reg:
        raise NotFound("metric", metric_id, difflib.get_close_matches(metric_id, list(reg), 4, 0.4)).with_actions("list_metrics")
    return reg[metric_id]


def family(text: str) -> str:
    fams = reference.families()
    t = (text or "").strip().lower().replace(" ", "_").replace("-", "_")
    if t in fams:
        return t
    raise NotFound("offence family", text, difflib.get_close_matches(t, list(fams), 4, 0.4) or list(fams))


def outcome_types(text: str) -> tuple[tuple[str, ...], str]:
    """--outcome: a type ('14', '1A') or a group ('victim_does_not_support') -> (types, label)."""
    outs, groups = reference.outcomes(), reference.outcome_groups()
    t = (text or "").strip()
    if t.upper() in outs:
        return (t.upper(),), outs[t.upper()]["label"]
    g = t.lower().removeprefix("group:")
    if g in groups:
        types = tuple(k for k, v in outs.items() if v["group"] == g and not v["parent"])
        return types, groups[g]["label"]
    raise NotFound("outcome", text, difflib.get_close_matches(g, list(groups), 4, 0.4),
                   "Give an outcome type (0 to 22, 1A) or a group: " + ", ".join(groups))


def _term_outcomes(spec: str | list, outcome: tuple[str, ...] | None) -> tuple[str, ...] | None:
    outs = reference.outcomes()
    if spec == "all":
        return None
    if spec == "assigned":
        return tuple(k for k, v in outs.items() if k != "0" and not v["parent"])
    if spec == "param":
        return outcome
    if isinstance(spec, str) and spec.startswith("group:"):
        return tuple(k for k, v in outs.items() if v["group"] == spec[6:] and not v["parent"])
    return tuple(spec)


@dataclass
class _Term(Term):
    """A term whose measures may differ by dataset (``by_dataset`` in the registry): the CPS monthly
    files give convictions and unsuccessful outcomes where the quarterly summaries give completed
    prosecutions."""

    by_dataset: dict = field(default_factory=dict)

    def for_dataset(self, ds: str) -> Term:
        if ds not in self.by_dataset:
            return self
        alt = self.by_dataset[ds]
        return Term(self.name, tuple(alt if isinstance(alt, list) else [alt]), self.outcomes)


def _for(terms, ds: str) -> list[Term]:
    return [t.for_dataset(ds) if isinstance(t, _Term) else t for t in terms]


@dataclass
class Figure:
    metric: dict
    area: A.Area
    period: Period
    offence: str
    value: float | None
    numerator: float | None = None
    denominator: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    dataset: str | None = None
    editions: list[Edition] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    caveats: list[str] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    outcome: dict | None = None
    breakdown: dict = field(default_factory=dict)
    missing: dict = field(default_factory=dict)
    population: dict | None = None
    sentence: str = ""
    gathered: Gathered | None = None
    all_gathered: list[Gathered] = field(default_factory=list)
    scope: str | None = None  # set when a larger area's figure stands in for one not published (a report's note)

    @property
    def edition(self) -> str:
        return ", ".join(e.edition for e in self.editions)

    def to_dict(self) -> dict:
        """The figure as its typed result (:class:`justicegap.model.Figure`) dumps it: counts are
        integers, absent values null."""
        return self.model().model_dump()

    def model(self):
        from ..model.figure import Figure as FigureModel

        return FigureModel.model_validate(self._fields())

    def _fields(self) -> dict:
        m = self.metric
        fam = reference.families()[self.offence]
        return {
            "metric": m["id"], "name": m["name"], "kind": m["kind"],
            "area": self.area.to_dict(), "period": self.period.to_dict(),
            "offence": {"family": self.offence, "label": fam["label"]},
            "outcome": self.outcome,
            "value": self.value, "numerator": self.numerator, "denominator": self.denominator,
            "ci_low": self.ci_low, "ci_high": self.ci_high, "confidence": 0.95 if self.ci_low is not None else None,
            "basis": m["basis"], "unit": m["unit"],
            "numerator_definition": m.get("numerator"), "denominator_definition": m.get("denominator"),
            "edition": self.edition,
            "sources": [{**e.to_dict(), "publisher": reference.sources().get(e.dataset, {}).get("publisher")} for e in self.editions],
            "population": self.population, "breakdown": self.breakdown or None,
            "flags": self.flags, "caveats": self.caveats,
            "events": [{"id": ev["id"], "title": ev["title"]} for ev in self.events],
            "missing": self.missing or None,
            "sentence": self.sentence, "definition": m.get("definition"),
        }


# --- caveats -------------------------------------------------------------------------------------

def conditional_caveats(m: dict, datasets, offence: str | None, level: str | None = None) -> list[str]:
    """The metric's ``caveats_when`` that apply to a figure from ``datasets`` for ``offence``: a
    caveat about rape-flagged CPS cases is not attached to sexual-offences figures from the
    monthly case outcomes."""
    out = []
    for c in m.get("caveats_when", []):
        if c.get("datasets") and not set(c["datasets"]) & set(datasets):
            continue
        if c.get("families") and offence not in c["families"]:
            continue
        if c.get("levels") and level is not None and level not in c["levels"]:
            continue
        out.append(c["text"])
    return out


def all_caveats(m: dict) -> list[str]:
    """Every caveat the metric can carry (the general ones, then the conditional ones)."""
    return [*m.get("caveats", []), *(c["text"] for c in m.get("caveats_when", []))]


def events_touching(period: Period, area: A.Area, dataset: str | None, offence: str | None) -> list[dict]:
    """Data breaks whose dates, area, dataset and offence family touch this figure."""
    from datetime import date

    scope = {area.code, *area.members, *(c for m in area.members for c in m.split("+"))}
    if area.parent:
        scope.add(area.parent)
    out = []
    for ev in reference.table("events"):
        start = date.fromisoformat(ev["start"])
        end = date.fromisoformat(ev["end"]) if ev["end"] else None
        if not period.overlaps(start, end):
            continue
        if dataset and ev["datasets"] and dataset not in ev["datasets"].split():
            continue
        if ev["areas"] and not scope & set(ev["areas"].split()):
            continue
        if offence and ev["families"] and offence not in ev["families"].split():
            continue
        out.append(ev)
    return out


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


def _sentence_fields(fig: Figure) -> dict:
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


def _finish(fig: Figure, allow_partial: bool) -> Figure:
    """Flags, caveats and the sentence: everything that must travel with the number."""
    m = fig.metric
    several = len(fig.all_gathered) > 1
    for g in fig.all_gathered:
        whose = f" in {reference.sources()[g.dataset]['title']}" if several else ""
        if g.missing_spans:
            text = describe_spans(g.missing_spans) + whose
            fig.missing["periods"] = "; ".join(filter(None, [fig.missing.get("periods"), text]))
            if "partial" not in fig.flags:
                fig.flags.append("partial")
            fig.caveats.insert(0, f"PARTIAL: the data do not cover {text} of {fig.period}; this figure covers only the rest.")
        excluded = {a: [h for h in holes if h not in g.missing_spans] for a, holes in g.missing_areas.items()}
        excluded = {a: h for a, h in excluded.items() if h}
        if excluded and len(g.areas_used) > 1:
            if "excludes_areas" not in fig.flags:
                fig.flags.append("excludes_areas")
            fig.missing.setdefault("areas", {}).update({A.get(a).name: describe_spans(h) for a, h in excluded.items()})
            fig.caveats.append("Excludes " + "; ".join(f"{A.get(a).name} (no data for {describe_spans(h)})" for a, h in excluded.items())
                               + whose + ": no figures are imputed for missing forces.")
    if m["kind"] != "count" and fig.denominator == 0:
        fig.caveats.append(f"No figure: nothing is in the denominator (no {m['unit']} in it for this area and period), "
                           "so there is no rate and no interval.")
    elif m["kind"] in PROPORTION_KINDS and fig.denominator is not None and fig.denominator < LOW_COUNT:
        fig.flags.append("low_count")
        fig.caveats.append(f"Low count: the denominator is {_fmt_int(fig.denominator)} (under {LOW_COUNT}), so the rate is unreliable; see the interval.")
    cohort_eds = [e for e in fig.editions if e.dataset == fig.dataset] if m["basis"] == "recorded_cohort" else []
    if len(cohort_eds) > 1:
        fig.flags.append("mixed_editions")
        fig.caveats.append(f"This figure joins {len(cohort_eds)} editions extracted at different dates ("
                           + "; ".join(e.file_name for e in cohort_eds) + "): each part counts outcomes up to its own "
                           "edition's extract date, so the parts are at different stages of maturity.")
    if fig.dataset == "ho_outcomes" and m["basis"] == "recorded_cohort":
        pending = fig.breakdown.get("not_yet_assigned")
        if pending and pending > 0:
            fig.flags.append("maturing")
            fig.caveats.append(f"{_fmt_pct(pending / fig.denominator)} of these offences ({_fmt_int(pending)}) had not yet been assigned an outcome "
                               f"{'in these editions' if len(cohort_eds) > 1 else 'in this edition'}; the rate will change as they are.")
    provisional = [reference.sources()[e.dataset].get("provisional") for e in fig.editions]
    if any(provisional):
        fig.flags.append("provisional")
        fig.caveats.append(next(p for p in provisional if p))
    fig.events = events_touching(fig.period, fig.area, fig.dataset, fig.offence)
    for ev in fig.events:
        fig.flags.append(f"event:{ev['id']}")
        fig.caveats.append(f"{ev['title']} ({ev['start']}{'–' + ev['end'] if ev['end'] and ev['end'] != ev['start'] else ''}): {ev['description']}")
    fig.caveats.extend(m.get("caveats", []))
    fig.caveats.extend(conditional_caveats(m, {g.dataset for g in fig.all_gathered} or {fig.dataset}, fig.offence, fig.area.level))
    btp = {a.code for a in A.all_areas("btp")}
    if fig.area.level == "nation" and any(c in btp for g in fig.all_gathered for c in g.areas_used):
        fig.caveats.append("Includes British Transport Police, who police the railways rather than an area: comparisons of "
                           "police force areas leave them out, so the forces' total there is smaller than this one.")
    if fig.area.resolved_note:
        fig.caveats.append(fig.area.resolved_note)
    if fig.value is not None:
        fig.sentence = m["sentence"].format(**_sentence_fields(fig))
        if len(cohort_eds) > 1:
            fig.sentence = fig.sentence.replace("by the time of this edition", "by the time of the editions used (extracted at different dates)")
        if "partial" in fig.flags:
            fig.sentence += f" This figure is partial: the data do not cover {fig.missing['periods']}."
        if fig.editions:
            fig.sentence += f" Source: {source_line(fig.editions)}."
    return fig


# --- computing -----------------------------------------------------------------------------------

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
                       holder=_police_name(area) if gaps and area.level == "pfa" else "")


def level_message(m: dict, area: A.Area) -> str:
    if m["kind"] == "per_100k" and area.level == "btp":
        return f"{m['name']} cannot be given for British Transport Police: it polices the railways and has no resident population."
    if "ho_outcomes" in m["datasets"]:
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
            allow_partial: bool = False) -> Figure:
    """One metric for one area, period and offence family, with everything that must travel with it."""
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
    out_types, out_label = (None, None)
    if m.get("needs_outcome"):
        if not outcome:
            raise InvalidParameter("--outcome", "this metric needs an outcome type (e.g. 14) or group (e.g. victim_does_not_support)")
        out_types, out_label = outcome_types(outcome)
        _check_introduced(out_types, out_label, period)
    elif outcome:
        raise InvalidParameter("--outcome", f"{m['id']} does not take an outcome; use outcome_share_cohort or outcome_share_closed")
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
            have = ", ".join(availability(store, g.dataset, _for(terms, g.dataset)[0].measure))
            raise NotAvailable(
                f"The data cover only part of {period} for {area.name}: {describe_spans(g.missing_spans)} "
                f"{'is' if len(g.missing_spans) == 1 else 'are'} missing, so no figure is given for the whole period.",
                available=[f"{reference.sources()[g.dataset]['title']}: {have}"]).with_actions("allow_partial", code="partial_period")
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
        fig.value = _count(v["value"])
    elif kind == "average":
        fig.value = v["value"]
    elif kind == "per_100k":
        from ..population import population_for

        fam_row = reference.families()[fam]
        pop = population_for(store, area, period, sex=fam_row.get("population_sex"), ages=fam_row.get("population_ages"))
        fig.population = pop.to_dict()
        fig.numerator, fig.denominator = _count(v["value"]), _count(pop.value)
        fig.value = 100_000 * v["value"] / pop.value if pop.value else None
        fig.editions = [*editions, *pop.editions]
    else:
        fig.numerator, fig.denominator = _count(v["numerator"]), _count(v["denominator"])
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


def _count(x):
    """A count as the whole number it is (the store keeps doubles): 880, not 880.0."""
    return int(x) if isinstance(x, float) and x.is_integer() else x


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
    """Where the same figure is published instead: the enclosing force or CPS Area, or the levels."""
    out = []
    if area.parent and "pfa" in m["levels"]:
        out.append(f"{A.get(area.parent).name} (the whole force area)")
    if area.level in ("pfa", "csp", "lad") and "cps_area" in m["levels"] and "pfa" not in m["levels"]:
        cps = cps_area_of(area)
        if cps:
            out.append(f"{cps.name} (the CPS Area covering {A.get(area.parent).name if area.parent else area.name})")
    if "csp" in m["levels"] and area.level != "csp":
        out.append("Community Safety Partnerships")
    if not out:
        out.append("published for: " + ", ".join(A.LEVEL_NAMES[x] for x in m["levels"]))
    return out


def explain(metric_id: str) -> dict:
    """A metric's definition, basis, unit, caveats and how it differs from those it is confused with."""
    m = get(metric_id)
    out = {k: m.get(k) for k in ("id", "name", "official_name", "stage", "kind", "basis", "unit", "numerator",
                                  "denominator", "definition", "datasets", "levels", "caveats", "sentence", "confused_with")}
    out["caveats"] = all_caveats(m)
    return out


from .panel import Cell, panel  # noqa: E402  (the engine is built on compute, above)
