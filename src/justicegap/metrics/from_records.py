"""Record-based metrics: figures computed from a force's own case records through the same registry
and the same figure (:class:`justicegap.metrics.Figure`) as the published ones, so ``get``,
``compare`` and ``report`` give them like any other metric.

What differs is said on the figure itself: the records' extract date and, for the charge rate,
the follow-up stand where a publication's edition would; a synthetic load says SYNTHETIC; a
count of 1 to 4 says it is record-level (the public surfaces suppress it: :func:`public`). When no
records are loaded for the area the answer is a refusal naming who holds them: absent, not zero.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from .. import areas as A
from ..disclosure import is_small, suppress
from ..errors import InvalidParameter, NotAvailable
from ..model.metric import RECORDS_DATASET
from ..records import scope as S
from ..records import store as rstore
from ..store import Edition
from .caveats import events_touching
from .figure import LOW_COUNT, Figure
from .wording import sentence_fields

SYNTHETIC = ("SYNTHETIC: these case records were made by justicegap's synthesiser to reproduce published counts; "
             "they are not real cases, and no figure from them describes what happened to anyone.")
FROM_RECORDS = ("From case records: computed by justicegap from the force's and the CPS Area's own records as loaded "
                "(pseudonymised), not a published statistic; the records' extract date stands in place of an edition.")
RECORD_LEVEL = ("Record-level: this figure rests on a count of 1 to 4 crimes. Shown here, on the analyst's own machine, "
                "from the records; the pages and the API suppress it (disclosure control). Do not publish it.")
SUPPRESSED = ("Suppressed: a count behind this figure is between 1 and 4 crimes, so it is not shown and no rate or "
              "interval is given (disclosure control of case records; the other count is hidden too so it cannot be worked back).")


@dataclass
class RecordFigure(Figure):
    """A figure from case records: the extract date (and follow-up) in place of an edition."""

    extract_date: date | None = None
    follow_up_days: int | None = None
    synthetic: bool = False
    counts: tuple = ()  # the counts disclosure control looks at (the figure's cells)

    @property
    def edition(self) -> str:
        loads = ", ".join(e.edition for e in self.editions)
        follow = f"; each crime followed {self.follow_up_days} days" if self.follow_up_days else ""
        return f"{loads} (case records{' (SYNTHETIC)' if self.synthetic else ''} extracted {self.extract_date}{follow})"

    def _fields(self) -> dict:
        d = super()._fields()
        d.update(extract_date=self.extract_date.isoformat() if self.extract_date else None,
                 follow_up_days=self.follow_up_days, synthetic=self.synthetic)
        return d


def holder(area: A.Area) -> str:
    """Who holds the case records behind a record-based figure for ``area``."""
    from .compute import cps_area_of

    if area.level == "pfa":
        cps = cps_area_of(area)
        return f"{area.police_name or area.name}{f' and {cps.name}' if cps else ''} (their own case records)"
    if area.level == "cps_area":
        return f"the police forces of {area.name} and {area.name} itself (their own case records)"
    return "each police force and CPS Area (their own case records)"


def not_loaded(m: dict, area: A.Area, missing: list[str], forces: list[str]) -> NotAvailable:
    if area.level == "pfa":
        where = f"{area.police_name or area.name}'s own case records, which are not loaded here"
    else:
        named = ", ".join(A.get(f).name for f in missing[:5]) + (", ..." if len(missing) > 5 else "")
        where = (f"the own case records of the police forces of {area.name}, which are not "
                 + (f"all loaded here ({len(missing)} of {len(forces)} missing: {named})" if len(missing) < len(forces) else "loaded here"))
    return NotAvailable(f"{m['name']} comes from {where}: it is not a published statistic, so there is no figure "
                        "(absent, not zero).", holder=holder(area)).with_actions("load_records")


def _scope(m: dict, area: A.Area, period, fam: str, store):
    forces = list(S.forces_of(area))
    con = store.con
    held = rstore.scope_loads(con, forces) if rstore.has_records(con) else []
    have = {f for d in held for f in d["forces"].split(",")}
    missing = [f for f in forces if f not in have]
    if missing:
        raise not_loaded(m, area, missing, forces)
    extract = min(d["extract_date"] for d in held)
    if period.end > extract:
        raise NotAvailable(f"The case records loaded for {area.name} were extracted on {extract:%-d %B %Y}, before {period} "
                           f"ended: they cannot give {m['name'][:1].lower() + m['name'][1:]} for the whole period.",
                           available=[f"periods ending by {extract:%-d %B %Y}"], holder=holder(area))
    try:
        return S.select(store, area.code, period, fam), held
    except InvalidParameter as e:  # the same reasons, said as what the records cannot give
        raise NotAvailable(e.message, holder=holder(area)) from None


def with_records(m: dict, members: list[A.Area], level: str, store=None) -> tuple[list[A.Area], str | None]:
    """The areas among ``members`` whose forces' case records are all loaded, and a note naming how
    many were left out and why; a refusal when none has records."""
    from ..errors import JusticegapError
    from ..store import Store

    own = store is None
    store = store or Store(read_only=True)
    try:
        held = rstore.loads(store.con) if rstore.has_records(store.con) else []
    finally:
        if own:
            store.close()
    have = {f for d in held for f in d["forces"].split(",")}
    out = []
    for a in members:
        try:
            if set(S.forces_of(a)) <= have:
                out.append(a)
        except JusticegapError:
            continue
    name = A.LEVEL_NAMES[level]
    if not out:
        raise NotAvailable(f"{m['name']} comes from police forces' own case records, and none are loaded here for any "
                           f"{name}: there is nothing to compare (absent, not zero).",
                           holder="each police force and CPS Area (their own case records)").with_actions("load_records")
    left = len(members) - len(out)
    note = (f"Compared: the {len(out)} {name}(s) whose case records are loaded here. The other {left} are not compared: "
            "their figures come from their own case records, which are not loaded (held by each force and CPS Area)."
            if left else None)
    return out, note


def _editions(held: list[dict]) -> list[Edition]:
    out = []
    for d in held:
        files = json.loads(d["files"]) if isinstance(d["files"], str) else d["files"]
        main = next((f for f in files if f["table"] == "offences"), files[0])
        out.append(Edition(edition=d["load_id"], dataset=RECORDS_DATASET,
                           title="Case records (SYNTHETIC)" if d["synthetic"] else "Case records",
                           file_name=", ".join(f["file"] for f in files), sha256=main["sha256"], published=None,
                           loaded_at=d["loaded_at"], rows=int(d["offences"]), period_start=None, period_end=None))
    return out


def compute(m: dict, area: A.Area, period, fam: str, store) -> RecordFigure:
    """One record-based metric for one area, period and offence family."""
    import polars as pl

    from ..records.measures import charged_within
    from ..stats import wilson

    spec = m["records"]
    sc, held = _scope(m, area, period, fam, store)
    fig = RecordFigure(m, area, period, fam, None, dataset=RECORDS_DATASET, editions=_editions(held),
                       extract_date=sc.extract_date, synthetic=sc.synthetic, follow_up_days=spec.get("follow_up_days"))
    measure = spec["measure"]
    extra = {}
    if measure in ("days_to_charge", "days_to_outcome"):
        from ..records.survival import durations, km

        rec = sc.recorded
        if rec.height:
            curve = km(*durations(rec, measure.removeprefix("days_to_")), m["name"])
            fig.value, fig.ci_low, fig.ci_high = curve.median_days, curve.median_ci_low, curve.median_ci_high
            fig.numerator, fig.denominator = curve.events, curve.n
            fig.breakdown["censored_at_extract"] = curve.censored
            fig.counts = (curve.events, curve.censored)
        else:
            fig.numerator = fig.denominator = 0
        extra["median_ci"] = (f"{fig.ci_low:,.0f}–{'not reached' if fig.ci_high is None else f'{fig.ci_high:,.0f}'}"
                              if fig.ci_low is not None else "n/a")
    else:
        if measure == "charged_within":
            k, n, fig.breakdown["left_out_short_follow_up"] = charged_within(sc.recorded, spec["follow_up_days"])
        elif measure == "support_withdrawn":
            rec = sc.recorded
            k, n = rec.filter(pl.col("support_withdrawn_date").is_not_null()).height, rec.height
        else:  # cancelled or transferred: every crime record made in the period, whatever became of it
            k, n = sc.frame.filter(pl.col("status") == measure).height, sc.frame.height
        fig.numerator, fig.denominator = k, n
        fig.value = k / n if n else None
        if n:
            fig.ci_low, fig.ci_high = wilson(k, n)
        fig.counts = (k, n - k)
    _finish(fig, m, sc, extra)
    return fig


def _finish(fig: RecordFigure, m: dict, sc, extra: dict) -> None:
    if fig.synthetic:
        fig.flags.append("synthetic")
        fig.caveats.append(SYNTHETIC)
    fig.flags.append("case_records")
    if any(is_small(c) for c in fig.counts):
        fig.flags.append("record_level")
        fig.caveats.append(RECORD_LEVEL)
    left = fig.breakdown.get("left_out_short_follow_up")
    if left:
        fig.caveats.append(f"{left:,} crimes recorded in {fig.period} less than {fig.follow_up_days} days before the extract date "
                           f"({fig.extract_date}) are left out: they could not be followed for {fig.follow_up_days} days.")
    if not fig.denominator:
        fig.flags.append("no_denominator")
        fig.caveats.append(f"No figure: the loaded records hold no crimes for it in {fig.period}, so there is no "
                           f"{'median' if m['kind'] == 'average' else 'rate'} and no interval.")
    elif m["kind"] == "proportion" and fig.denominator < LOW_COUNT:
        fig.flags.append("low_count")
        fig.caveats.append(f"Low count: the denominator is {fig.denominator:,} (under {LOW_COUNT}), so the rate is unreliable; see the interval.")
    if m["kind"] == "average" and fig.denominator and fig.value is None:
        fig.flags.append("median_not_reached")
    fig.caveats.append(FROM_RECORDS)
    fig.caveats.extend(m.get("caveats", []))
    fig.events = events_touching(fig.period, fig.area, RECORDS_DATASET, fig.offence)
    for ev in fig.events:
        fig.flags.append(f"event:{ev['id']}")
    source = (f" Source: {'SYNTHETIC ' if fig.synthetic else ''}case records of {sentence_fields(fig)['area_police']}, "
              f"extracted {fig.extract_date:%-d %B %Y} ({', '.join(e.edition for e in fig.editions)}).")
    tail = (" These are SYNTHETIC records, not real cases." if fig.synthetic else "") + source
    if fig.value is not None:
        fields = {**sentence_fields(fig), "follow_up": fig.follow_up_days, "extract_date": f"{fig.extract_date:%-d %B %Y}", **extra}
        fig.sentence = m["sentence"].format(**fields) + tail
    elif "median_not_reached" in fig.flags:
        f = sentence_fields(fig)
        reached = {"days_to_charge": "charged or summonsed", "days_to_outcome": "assigned a police outcome"}[m["records"]["measure"]]
        fig.sentence = (f"Fewer than half of the {fig.denominator:,} {f['offence_plural']} recorded by {f['area_police']} in "
                        f"{fig.period.long} had been {reached} by the extract date ({fig.extract_date:%-d %B %Y}; "
                        f"{fig.numerator:,} had), so the median time is not reached: that is a finding, not a missing value." + tail)


def public(fig: dict) -> dict:
    """A record-based figure (its ``to_dict()``) as anyone may see it: disclosure control as for
    the records' aggregates (``justicegap.disclosure``): a count of 1 to 4 is suppressed, with the
    other count of the figure so it cannot be worked back from the total, and no rate, median or
    interval is given. A figure with no small count is returned as it is."""
    if "case_records" not in (fig.get("flags") or ()):
        return fig
    num, den = fig.get("numerator"), fig.get("denominator")
    if fig["kind"] == "average":
        cells = [num or 0, (fig.get("breakdown") or {}).get("censored_at_extract") or 0]
    else:
        cells = [num or 0, (den or 0) - (num or 0)]
    sup = suppress([cells])
    if not sup.suppressed:
        return fig
    out = {**fig, "value": None, "ci_low": None, "ci_high": None, "confidence": None, "numerator": None,
           "flags": [f for f in fig["flags"] if f != "record_level"] + ["suppressed"],
           "caveats": [SUPPRESSED] + [c for c in fig["caveats"] if c != RECORD_LEVEL]}
    if fig["kind"] == "average":
        out["breakdown"] = {k: v for k, v in (fig.get("breakdown") or {}).items() if k != "censored_at_extract"} or None
    out["sentence"] = (f"{fig['name']}: not shown for {fig['area']['name']}, {fig['period']['label']}: a count behind it is "
                       "between 1 and 4 crimes (disclosure control of case records)."
                       + (" These are SYNTHETIC records, not real cases." if fig.get("synthetic") else ""))
    return out


def suppress_small(fig: RecordFigure) -> RecordFigure:
    """The figure itself after disclosure control (:func:`public`): for a file that is sent on."""
    d = public(fig.to_dict())
    if "suppressed" in d["flags"]:
        fig.value = fig.ci_low = fig.ci_high = fig.numerator = None
        fig.flags, fig.caveats, fig.sentence = d["flags"], d["caveats"], d["sentence"]
        fig.breakdown = dict(d.get("breakdown") or {})
    return fig
