"""What travels with the report's tables: caveats, definitions, sources and editions, and the
sentences a reader can quote."""

from __future__ import annotations

import math

from ... import metrics, reference
from ...errors import JusticegapError
from ...formats import pct
from .. import sentences
from .common import _Collector, _int


def _caveats(col: _Collector, police, whole, fam, report) -> list[dict]:
    out, seen = [], set()

    def add(kind, text):
        if text and text not in seen:
            seen.add(text)
            out.append({"kind": kind, "text": text})

    datasets = sorted({f.dataset for f in col.objects if f.dataset} | {e.dataset for e in col.other_editions})
    for ds in datasets:
        for ev in metrics.events_touching(whole, police, ds, fam):
            when = ev["start"] + (f" to {ev['end']}" if ev["end"] and ev["end"] != ev["start"] else ("" if ev["end"] else " onward"))
            add("data break", f"{ev['title']} ({when}): {ev['description']}")
    for f in col.figures:
        miss = (f.get("missing") or {}).get("areas")
        if miss:
            add("missing forces", f"{f['name']}, {f['period']['label']}: excludes " + "; ".join(f"{k} ({v})" for k, v in miss.items())
                + ". No figures are imputed for missing forces.")
    for ds in datasets:
        prov = (reference.sources().get(ds) or {}).get("provisional")
        if prov:
            add("provisional", prov)
    if "cps_case_outcomes" in datasets or "cps_quarterly" in datasets:
        add("geography", "The CPS publishes by CPS Area (groups of forces); its monthly case outcomes also give police force areas. "
                         "CPS counts are defendants or suspects in cases, not offences.")
    if "moj_outcomes" in datasets or "moj_timeliness" in datasets:
        add("geography", "MoJ court figures are by the police force area of the court, by calendar year, and count defendants by principal offence.")
    for n in report.question.get("notes", []):
        add("geography", n)
    for r in report.question.get("local_areas") or []:
        if r.get("note"):
            add("geography", f"{r['asked']}: {r['note']}")
    for f in col.figures:
        for c in sentences.must_travel(f):
            add("figure", f"{f['name']} ({f['area']['name']}, {f['period']['label']}, {f['offence']['label'].lower()}): {c}")
    return out


def _definitions(ids: list[str]) -> list[dict]:
    out = []
    for mid in ids:
        try:
            d = metrics.explain(mid)
        except JusticegapError:
            continue
        out.append({"metric": mid, "name": d.get("name"), "official_name": d.get("official_name"), "stage": d.get("stage"),
                    "kind": d.get("kind"), "basis": d.get("basis"), "basis_text": sentences.basis_text(d.get("basis")),
                    "unit": d.get("unit"), "numerator": d.get("numerator"), "denominator": d.get("denominator"),
                    "definition": d.get("definition"), "caveats": list(d.get("caveats") or []),
                    "confused_with": [f"{c['metric']}: {c['how']}" for c in d.get("confused_with") or []]})
    return out


def _sources(col: _Collector) -> list[dict]:
    seen, out = set(), []
    for e in [e for f in col.objects for e in f.editions] + col.other_editions:
        if e.edition in seen:
            continue
        seen.add(e.edition)
        src = reference.sources().get(e.dataset) or {}
        out.append({**e.to_dict(), "publisher": src.get("publisher"), "licence": src.get("licence"), "holder": src.get("holder"),
                    "source_title": src.get("title")})
    return sorted(out, key=lambda s: (s["dataset"], s["period_start"] or "", s["edition"]))


def _sentences(col, police, area, charge_figs, rec_figs, fam, stage_figs) -> list[dict]:
    out = []
    scope = None
    label = None
    if police is not area:
        scope = (f"Figure for the whole {police.name} police force area: it is not published for {area.name} ({area.level_name}).")
        label = f"For the whole {police.name} police force area (not published for {area.name}):"

    def latest(figs, mid):
        c = [f for f in figs if f.metric["id"] == mid and f.offence == fam]
        return max(c, key=lambda f: f.period.end) if c else None

    for mid, figs in (("recorded", rec_figs), *((m, charge_figs) for m in dict.fromkeys(f.metric["id"] for f in charge_figs))):
        f = latest(figs, mid)
        if f:
            out.append(sentences.sentence(f, scope_note=scope, scope_label=label))
    trend = _trend_sentence(charge_figs, fam, police)
    if trend:
        out.append(trend)
    for figs in stage_figs.values():
        for mid in dict.fromkeys(f.metric["id"] for f in figs):
            c = [f for f in figs if f.metric["id"] == mid]
            f = max(c, key=lambda f: (f.period.end, f.area.level != "nation"))
            s = sentences.sentence(f, scope_note=(f"England and Wales figure: not published for {police.name}." if f.scope else None))
            out.append(s)
    return out


def newcombe_difference(k1, n1, k2, n2):
    """Newcombe's hybrid score interval for p2 - p1 (method 10), from Wilson intervals."""
    from ...stats import wilson

    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = wilson(k1, n1)
    l2, u2 = wilson(k2, n2)
    d = p2 - p1
    lo = d - math.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
    hi = d + math.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    return d, lo, hi


def _trend_sentence(charge_figs, fam, police) -> dict | None:
    """Has the (cohort) charge rate risen, and by how much: first and last years with data."""
    c = sorted((f for f in charge_figs if f.metric["id"] == "charge_rate_cohort" and f.offence == fam), key=lambda f: f.period.start)
    if len(c) < 2:
        return None
    a, b = c[0], c[-1]
    d, lo, hi = newcombe_difference(int(a.numerator), int(a.denominator), int(b.numerator), int(b.denominator))
    word = "rose" if d > 0 else ("fell" if d < 0 else "did not change")
    sure = ("the interval for the change excludes zero, so chance alone is unlikely to explain it" if (lo > 0 or hi < 0)
            else "the interval for the change includes zero, so the data cannot rule out no real change")
    text = (f"On the Home Office's headline basis (offences recorded in the year, followed to each edition's date), the charge rate for "
            f"{reference.families()[fam]['noun_plural']} recorded by {police.police_name or police.name} {word} from "
            f"{pct(a.value)} ({_int(a.numerator):,} of {_int(a.denominator):,}) in {a.period.label} to {pct(b.value)} "
            f"({_int(b.numerator):,} of {_int(b.denominator):,}) in {b.period.label}: a change of {100 * d:+.1f} percentage points "
            f"(95% CI {100 * lo:+.1f} to {100 * hi:+.1f}, Newcombe); {sure}.")
    travel = [f"The years come from different editions with different times to mature: {b.period.label}'s cases have had less time to be charged, "
              "so part of any fall (or all of a small rise) may be maturation, not a real change."]
    travel += [x for x in sentences.must_travel(b.to_dict()) if x not in travel]
    return {"metric": "charge_rate_cohort", "name": "Change in the charge rate", "area": police.to_dict(),
            "period": {"label": f"{a.period.label} to {b.period.label}"}, "offence": {"family": fam, "label": reference.families()[fam]["label"]},
            "value": d, "ci_low": lo, "ci_high": hi, "basis": "recorded_cohort", "unit": "percentage points",
            "edition": ", ".join(sorted({a.edition, b.edition})), "text": text, "must_travel": travel, "flags": [],
            "events": [], "not_to_be_confused_with": [], "definition": a.metric.get("definition")}
