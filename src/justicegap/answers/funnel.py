"""The attrition funnel for one area and period: the stages that exist, volumes beside rates.

Each stage counts its own thing (offences, then suspects, then defendants), over its own
periods and geography, so the funnel never divides one stage by another unless the publisher's
metric does; it says plainly wherever two neighbouring stages do not count the same cases, and
wherever a stage covers only part of the period asked.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass, field
from datetime import date, timedelta
from importlib import resources
from typing import TYPE_CHECKING

from .. import areas as A
from .. import metrics, reference
from ..errors import NotAvailable, NotFound
from ..periods import Period, calendar_year, parse
from ..store import Edition, Store

if TYPE_CHECKING:
    from ..model.attrition import Attrition


@functools.cache
def stages() -> list[dict]:
    return tomllib.loads(resources.files(__package__).joinpath("stages.toml").read_text(encoding="utf-8"))["stage"]


def calendar_overlap(p: Period) -> Period:
    """The calendar year sharing most days with ``p`` (MoJ data are by calendar year)."""
    years = range(p.start.year, p.end.year + 1)
    return max((calendar_year(y) for y in years),
               key=lambda c: (min(c.end, p.end) - max(c.start, p.start)).days)


def _geography(fig) -> str:
    """The geography a stage's figure was published for, as it was used for this area: the
    publisher's own row for the area, or a sum of its forces (a CPS Area or the nation made from
    police force areas), naming a group row (the CPS's "Metropolitan and City") only where one
    was used."""
    published = reference.sources()[fig.dataset]["geography"].split(" (")[0]
    base = "police force area of the court" if fig.dataset == "moj_outcomes" else published
    g = getattr(fig, "gathered", None)
    used = list(g.areas_used) if g is not None else []
    area = fig.area
    if len(used) > 1:
        text = f"{area.level_name}: the sum of {len(used)} {base.replace('area', 'areas', 1)}"
    elif used == [area.code] and area.level not in ("pfa", "btp", "csp", "lad"):
        text = area.level_name
    else:
        text = base
    groups = [A.get(c).name for c in used if "+" in c]
    if groups:
        text += f" ({'; '.join(groups)} published together)"
    return text


def edition_of(store: Store, edition: str | None, datasets) -> str | None:
    """The id of the edition asked when it is an edition of one of ``datasets``; else None, so the
    newest editions are used (an edition of the CPS data says nothing about which police file to use)."""
    if not edition:
        return None
    try:
        return store.find_edition(edition, list(datasets)).edition
    except NotFound:
        return None


# --- police outcomes by group: one gather for every group ----------------------------------------

@dataclass
class OutcomeGroups:
    """The outcome groups of the offences recorded in a period, from one gather of the outcomes data."""

    rows: list[dict] = field(default_factory=list)
    editions: list[Edition] = field(default_factory=list)
    missing_spans: list[tuple[date, date]] = field(default_factory=list)
    period: Period | None = None
    negatives: list[dict] = field(default_factory=list)

    @property
    def partial(self) -> bool:
        return bool(self.missing_spans)


def outcome_groups(store: Store, area: A.Area, period: Period, fam: str, edition: str | None = None) -> OutcomeGroups:
    """Police outcomes of the offences recorded in ``period`` by outcome group (volumes, shares
    with Wilson intervals, the total as denominator): one query for all the groups.

    ``edition`` is used when it is an edition of the outcomes data, ignored otherwise. An area
    the outcomes data are not published for, or no data, gives no rows; a period the data cover
    only in part gives the rows with ``missing_spans`` set, for the caller to say so.
    """
    from ..metrics.data import Term, dataset_levels, describe_negatives, gather
    from ..stats import wilson

    m = metrics.registry().get("outcome_share_cohort")
    if not m or area.level not in (m.get("levels") or []):
        return OutcomeGroups(period=period)
    outs = reference.outcomes()
    groups = sorted(reference.outcome_groups().items(), key=lambda kv: int(kv[1]["order"]))
    measure = m["denominator_term"]["measure"]
    terms = [Term("total", (measure,), None)]
    terms += [Term(gid, (measure,), tuple(k for k, v in outs.items() if v["group"] == gid and not v["parent"])) for gid, _ in groups]
    ed_id = edition_of(store, edition, m["datasets"])
    for ds in m["datasets"]:
        if area.level not in dataset_levels(ds):
            continue
        ed = next((e for e in store.editions(ds) if e.edition == ed_id), None) if ed_id else None
        try:
            g = gather(store, ds, terms, area, period, fam, ed)
        except NotAvailable:
            continue
        if not g.editions:
            continue
        total = g.values["total"]
        out = OutcomeGroups(editions=list(g.editions), missing_spans=list(g.missing_spans), period=period)
        if not total:
            return out
        eds = ", ".join(e.edition for e in g.editions)
        out.negatives = list(g.negatives)
        for t, (gid, grp) in zip(terms[1:], groups):
            k = g.values.get(gid, 0.0)
            row = {"group": gid, "label": grp["label"], "count": k, "share": None, "ci_low": None, "ci_high": None,
                   "denominator": total, "basis": m["basis"], "unit": m["unit"], "edition": eds, "reason": None,
                   "flags": ["partial"] if g.missing_spans else []}  # a period held only in part: its rows say so
            negative = g.negatives_in(t)
            if negative:
                row["flags"].append("negative_published")
            before = _not_yet_introduced(t.outcomes, period)
            if before:
                row.update(count=None, reason=before)
            elif k < 0 or total < 0:
                row.update(count=None, reason=f"Not available: the published counts include negative numbers "
                           f"({describe_negatives(negative)}), corrections the publisher made, and they make this "
                           "group's sum negative, so no count or share can be given.")
            else:
                row["share"] = k / total
                row["ci_low"], row["ci_high"] = wilson(int(round(k)), int(round(total)))
                if negative:
                    row["reason"] = (f"Includes published negative counts ({describe_negatives(negative)}), corrections "
                                     "the publisher made, kept as published.")
            out.rows.append(row)
        return out
    return OutcomeGroups(period=period)


def _not_yet_introduced(types, period: Period) -> str | None:
    """Why a group has no count when every outcome type in it was introduced after the period
    (outcome 22 from April 2019): it did not exist yet, which is not a zero."""
    from datetime import date as _date

    outs = reference.outcomes()
    starts = [outs[t].get("introduced") for t in types or ()]
    if not starts or not all(starts):
        return None
    first = min(_date.fromisoformat(x) for x in starts)
    if period.end >= first:
        return None
    return (f"Not available: outcome type{'s' if len(types) > 1 else ''} {', '.join(types)} did not exist yet in {period.label}: "
            f"introduced on {first:%-d %B %Y}, so there is no count for it before then (not a zero).")


# --- the funnel ----------------------------------------------------------------------------------

def attrition(*, area, period, offence: str = "rape", edition: str | None = None, store: Store | None = None,
              figures=(), groups: OutcomeGroups | None = None, refuse_empty: bool = False) -> "Attrition":
    """Every stage available for ``area`` and ``period``, with what each counts and where they differ.

    ``figures`` and ``groups``: figures and outcome groups the caller has already computed for this
    area and offence from the newest editions (the report's); a stage they answer is not computed
    again. They are ignored when ``edition`` is given. ``refuse_empty``: when no stage has a figure
    (a period nothing loaded covers), one ``NotAvailable`` instead of a funnel of empty stages (the
    pages show such a funnel with what is held instead; a command answers with the error).
    """
    the_area = area if isinstance(area, A.Area) else A.resolve(area)
    p = parse(period)
    fam = metrics.family(offence)
    own = store is None
    store = store or Store(read_only=True)
    known = {} if edition else {(f.metric["id"], f.period.start, f.period.end): f for f in figures
                                if getattr(f, "metric", None) and f.area.code == the_area.code and f.offence == fam}
    out_stages, missing = [], []
    try:
        if edition:
            store.find_edition(edition)  # an edition of nothing loaded: NotFound naming those that are
        for st in stages():
            try:
                m = metrics.get(st["metric"])
            except NotFound:
                continue
            sp = p if st["period"] == "same" else calendar_overlap(p)
            # the row's volume is the numerator: it carries the numerator's own basis (defendants
            # convicted in the period), the rate beside it the metric's (a same-period ratio)
            entry = {"id": st["id"], "label": st["label"], "metric": m["id"], "name": m["name"], "stage": m["stage"],
                     "unit": m["unit"], "basis": m.get("numerator_basis", m["basis"]), "rate_basis": m["basis"],
                     "kind": m["kind"], "period": sp.to_dict()}
            fig = known.get((m["id"], sp.start, sp.end))
            if fig is None:
                try:
                    fig = metrics.measure(m["id"], area=the_area, period=sp, offence=fam, store=store, allow_partial=True,
                                          edition=edition_of(store, edition, m["datasets"]))
                except NotAvailable as e:
                    out_stages.append({**entry, "available": False, "reason": str(e)})
                    missing.append(e)
                    continue
            d = fig.to_dict()
            entry.update(available=True, value=d["value"], numerator=d["numerator"], denominator=d["denominator"],
                         ci_low=d["ci_low"], ci_high=d["ci_high"], volume=d["numerator"] if d["numerator"] is not None else d["value"],
                         dataset=fig.dataset, geography=_geography(fig), editions=[e["edition"] for e in d["sources"]],
                         flags=d["flags"], caveats=d["caveats"], sentence=d["sentence"], figure=d, covered=_covered(fig))
            out_stages.append(entry)
        if groups is None or edition or groups.period is None or (groups.period.start, groups.period.end) != (p.start, p.end):
            groups = outcome_groups(store, the_area, p, fam, edition)
        if refuse_empty and not any(st["available"] for st in out_stages) and not groups.rows:
            raise NotAvailable(f"No data are loaded for {p.label} that give any stage of the funnel for {the_area.name} "
                               f"({reference.families()[fam]['label'].lower()}): no stage has a figure for that period.",
                               available=list(dict.fromkeys(a for e in missing for a in e.available)), parameter="period")
        revisions = [] if edition else _revisions(out_stages, the_area, fam, store)
    finally:
        if own:
            store.close()
    says = statements(out_stages)
    says += revisions
    if groups.rows and groups.partial:
        from ..metrics.data import describe_spans

        says.append(f"The police outcome groups cover only part of {p.label}: the outcomes data do not cover "
                    f"{describe_spans(groups.missing_spans)}, so they are not the whole period's offences.")
    says += [f"Police outcome group '{r['label']}': {r['reason']}" for r in groups.rows if r.get("reason")]
    from ..model.attrition import Attrition

    return Attrition.model_validate({
        "area": the_area.to_dict(), "period": p.to_dict(), "offence": {"family": fam, "label": reference.families()[fam]["label"]},
        "stages": out_stages, "outcome_groups": list(groups.rows), "statements": says,
        "published_negatives": [_published(n) for n in groups.negatives]})


def _published(cell: dict) -> dict:
    """A negative count as the publisher printed it (a correction to earlier figures)."""
    from ..periods import describe

    return {"area": cell["area"], "offence": cell["offence"], "outcome": cell["outcome"], "measure": cell["measure"],
            "period": describe(cell["period_start"], cell["period_end"]), "published": cell["value"]}


def _revisions(stages_: list[dict], area, fam: str, store: Store) -> list[str]:
    """A count published in more than one edition (the ONS first release, then the Home Office
    table) says how it was revised, each figure as published."""
    from .maturation import revision

    out = []
    for s in stages_:
        if s.get("available") and s["kind"] == "count":
            text = revision(s["metric"], area=area, period=parse(s["period"]["label"]), offence=fam, store=store)
            if text:
                out.append(f"'{s['label']}': {text}")
    return out


def _covered(fig) -> str | None:
    """The months a partial figure does cover, as readable spans (None for a whole-period figure)."""
    g = getattr(fig, "gathered", None)
    if "partial" not in fig.flags or g is None or not g.by_span:
        return None
    from ..metrics.data import describe_spans

    merged: list[list[date]] = []
    for s, e in sorted(g.by_span):
        if merged and s - merged[-1][1] <= timedelta(days=1):
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return describe_spans([(s, e) for s, e in merged])


def _edition_words(stage: dict) -> str:
    """A stage's publication and edition, with its publication date where known."""
    srcs = [x for x in (stage.get("figure") or {}).get("sources") or () if x.get("dataset") == stage["dataset"]]
    title = reference.sources()[stage["dataset"]]["title"]
    if not srcs:
        return title
    dates = ", ".join(f"{x['file']} (published {x['published']})" if x.get("published") else
                      f"{x['file']} (publication date not known)" for x in srcs)
    return f"{title}, {dates}"


def statements(stages_: list[dict]) -> list[str]:
    """Plain statements wherever neighbouring stages do not count the same cases, and wherever a
    stage covers only part of its period (its period label alone would hide that; a stage's
    ``covered`` names the months it does cover)."""
    out = []
    avail = [s for s in stages_ if s.get("available")]
    for s in avail:
        if "partial" in (s.get("flags") or []):
            missing = ((s.get("figure") or {}).get("missing") or {}).get("periods") or "some months"
            have = s.get("covered")
            out.append(f"'{s['label']}' covers only " + (have or "part") + f" of {s['period']['label']}: "
                       f"the data do not cover {missing}. It is not a whole-period count and cannot be set beside the "
                       "other stages' figures for the whole period.")
    for a, b in zip(avail, avail[1:]):
        bits = []
        if a["unit"] != b["unit"]:
            bits.append(f"'{a['label']}' counts {a['unit']}, '{b['label']}' counts {b['unit']}")
        if a["period"]["label"] != b["period"]["label"]:
            bits.append(f"they cover different periods ({a['period']['label']} and {b['period']['label']})")
        if a["geography"] != b["geography"]:
            bits.append(f"they use different geographies ({a['geography']} and {b['geography']})")
        if bits:
            text = "; ".join(bits)
            out.append(text[:1].upper() + text[1:] + ": they are not the same cases, so one cannot be divided by the other.")
        elif a["dataset"] != b["dataset"] and a["basis"] == "recorded_in_period" and b["basis"] == "recorded_cohort":
            same = b["denominator"] == a["volume"]
            out.append(f"'{b['label']}' follows the offences recorded in {b['period']['label']} in {_edition_words(b)}, a "
                       f"different publication and edition from {_edition_words(a)}: its own total is the denominator"
                       + (f" (here the two agree: {a['volume']:,.0f})." if same else
                          f" ({b['denominator']:,.0f}, against {a['volume']:,.0f} in the recorded-crime table)."))
        elif b["basis"] == "closed_in_period" and a["basis"] != "closed_in_period":
            out.append(f"'{b['label']}' counts investigations closed in {b['period']['label']}, whenever the offence was recorded: "
                       "they are not the offences recorded in the period.")
    return out
