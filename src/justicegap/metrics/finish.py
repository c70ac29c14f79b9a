"""Flags, caveats and the sentence: everything that must travel with a number, attached once the
number is known."""

from __future__ import annotations

from .. import areas as A
from .. import reference
from .caveats import conditional_caveats, events_touching
from .data import describe_spans
from .figure import LOW_COUNT, PROPORTION_KINDS, Figure
from .wording import _fmt_int, _fmt_pct, sentence_fields, source_line


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
    if "partial" in fig.flags:  # only the breaks of the months the figure holds, not of those it lacks
        fig.events = [ev for ev in fig.events if _touches_spans(ev, [s for g in fig.all_gathered for s in g.by_span])]
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
        fig.sentence = m["sentence"].format(**sentence_fields(fig))
        if len(cohort_eds) > 1:
            fig.sentence = fig.sentence.replace("by the time of this edition", "by the time of the editions used (extracted at different dates)")
        if "partial" in fig.flags:
            fig.sentence += f" This figure is partial: the data do not cover {fig.missing['periods']}."
        if fig.editions:
            fig.sentence += f" Source: {source_line(fig.editions)}."
    return fig


def _touches_spans(ev: dict, spans: list[tuple]) -> bool:
    from datetime import date

    start, end = date.fromisoformat(ev["start"]), date.fromisoformat(ev["end"]) if ev["end"] else None
    return any(start <= e and (end is None or end >= s) for s, e in spans)
