"""Answers people ask for: one report holding every figure the published data support for an
area, a run of years and an offence family, at the finest level each is published, and saying
plainly what cannot be answered, why, and who holds it.

A :class:`Report` is plain data (the question as understood, typed tables, sentences, definitions,
caveats, what is not available, the editions used); :mod:`.workbook` and :mod:`.html` only lay it
out. Nothing is filled in: a year the data lack is listed as missing; a figure published only for
a larger area is given for that area and labelled so.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timezone

from .. import areas as A
from .. import metrics, reference
from ..errors import InvalidParameter, JusticegapError, NotAvailable, NotFound
from ..formats import pct
from ..periods import Period, between, describe, financial_year, financial_years, parse
from ..model.report import Column, Report, Table
from ..store import Store, queries
from . import sentences
from .funnel import OutcomeGroups, calendar_overlap, outcome_groups

POLICE_DATASETS = ("ho_pfa", "ho_outcomes", "ho_csp")
LOCAL_DATASETS = ("ho_csp", "ons_csp_tables")
STAGE_TITLES = {"cps": "Crown Prosecution Service", "court": "Courts (Ministry of Justice)"}  # the registry's stages


# --- helpers -------------------------------------------------------------------------------------

def _int(x):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    return int(round(x)) if float(x).is_integer() else float(x)


def _family_parts(fam: str) -> list[str]:
    """The family asked and the families inside it (sexual offences -> rape, adult, child, other)."""
    codes = reference.family_codes()
    mine = codes.get(fam, frozenset())
    parts = [f for f in reference.families() if f != fam and codes.get(f) and codes[f] < mine]
    return [fam, *parts]


def latest_financial_year(store: Store) -> Period:
    """The latest financial year wholly covered by the loaded police data (else by any data)."""
    for datasets in (POLICE_DATASETS, None):
        end = queries.latest_end(store, datasets)
        if end:
            y = end.year - 1 if end >= date(end.year, 3, 31) else end.year - 2
            return financial_year(y)
    raise NotAvailable("No data are loaded yet, so there is nothing to report.").with_actions("load_data")


def _holder_for(m: dict | None) -> str:
    if not m:
        return ""
    hs = []
    for ds in m.get("datasets") or []:
        h = (reference.sources().get(ds) or {}).get("holder")
        if h and h not in hs:
            hs.append(h)
    return "; ".join(hs)


def _dataset_periods(m: dict) -> str:
    kinds = [(reference.sources().get(ds) or {}).get("periods", "") for ds in m.get("datasets") or []]
    return "calendar" if kinds and all("calendar" in k for k in kinds) else "financial"


def _victim(label: str) -> tuple[str, str]:
    """Victim sex and age as the offence code's label gives them ('' where it gives none)."""
    t = label.lower()
    sex = "Female" if "female" in t else ("Male" if re.search(r"\bmale\b", t) else "")
    m = re.search(r"(aged \d+ and over|under \d+)", t)
    age = m.group(1).replace("aged ", "") if m else ""
    return sex, age


# --- figure tables -------------------------------------------------------------------------------

class _Collector:
    """Runs the computations, remembering every figure, edition and what could not be given."""

    def __init__(self, store: Store):
        self.store = store
        self.figures: list[dict] = []
        self.objects: list = []  # every Figure computed for the report
        self.other_editions: list = []  # editions used outside a Figure (the outcome-group table)
        self.na: dict[tuple[str, str, str], list[str]] = {}
        self.metric_ids: list[str] = []
        self._coverage: dict[str, list[tuple[date, date]]] = {}
        for ds, s, e in queries.coverage_spans(store):
            self._coverage.setdefault(ds, []).append((s, e))

    def covered(self, m: dict, period: Period) -> bool:
        """Whether any loaded edition of the metric's datasets touches the period (a cheap pre-check)."""
        return any(s <= period.end and e >= period.start for ds in m.get("datasets") or [] for s, e in self._coverage.get(ds, []))

    def loaded_spans(self, m: dict) -> str:
        from ..metrics.data import availability

        out = []
        for ds in m.get("datasets") or []:
            if ds in self._coverage:
                spans = availability(self.store, ds, self.store.facts.a_measure(ds))
                out.append(f"{reference.sources()[ds]['title']}: {', '.join(spans)}")
        return "; ".join(out) or "nothing loaded yet"

    def compute(self, metric_id, area, period, fam, *, part: str | None = None, outcome=None, record=True,
                allow_partial=False):
        m = metrics.registry().get(metric_id)
        label = part or f"{(m or {}).get('name', metric_id)}: {area.name}" + (
            "" if fam is None else f", {reference.families()[fam]['label'].lower()}")
        if m and area.level not in (m.get("levels") or []):
            if record:
                self.not_available(label, str(period), f"{m['name']} is not published for a {area.level_name} such as {area.name}: "
                                   "published for " + ", ".join(A.LEVEL_NAMES.get(x, x) for x in m.get("levels") or []) + " only.",
                                   _holder_for(m))
            return None
        if m and not self.covered(m, period):
            if record:
                self.not_available(label, str(period), "No loaded data cover {period}. Loaded: " + self.loaded_spans(m) + ".", _holder_for(m))
            return None
        try:
            fig = metrics.compute(metric_id, area=area, period=period, offence=fam, outcome=outcome, store=self.store,
                                  allow_partial=allow_partial)
        except NotAvailable as e:
            if record:
                self.not_available(label, str(period), _normalise(e, period), e.holder or _holder_for(m))
            return None
        except NotFound as e:
            if record:
                self.not_available(label, str(period), f"The metric is not in this version's registry ({e}).", _holder_for(m))
            return None
        except JusticegapError as e:
            if record:
                self.not_available(label, str(period), str(e), _holder_for(m))
            return None
        except Exception as e:  # a fault in justicegap: say so rather than crash the whole report
            if record:
                self.not_available(label, str(period), f"justicegap could not compute this figure ({type(e).__name__}: {e}); "
                                   "this is a fault in justicegap, not a gap in the data.", _holder_for(m))
            return None
        if fig.value is None:
            if record:
                self.not_available(label, str(period), "The data hold no denominator for this figure.", _holder_for(m))
            return None
        if "partial" in fig.flags and record:
            self.not_available(label, str(period),
                               f"The data cover only part of the period: {(fig.missing or {}).get('periods', 'some months')} "
                               "missing. The figure given covers the rest and is flagged 'partial'; it is not comparable with whole periods.",
                               _holder_for(m))
        self.keep(fig)
        return fig

    def keep(self, fig):
        self.objects.append(fig)
        self.figures.append(fig.to_dict())
        if fig.metric["id"] not in self.metric_ids:
            self.metric_ids.append(fig.metric["id"])

    def not_available(self, part: str, period: str, reason: str, holder: str = ""):
        self.na.setdefault((part, reason, holder or ""), [])
        if period and period not in self.na[(part, reason, holder or "")]:
            self.na[(part, reason, holder or "")].append(period)

    def items(self) -> list[dict]:
        out = []
        for (part, reason, holder), periods in self.na.items():
            out.append({"part": part + (f" ({_join_periods(periods)})" if periods else ""), "reason": reason.replace("{period}", "these periods"),
                        "holder": holder, "periods": periods})
        return out


def _normalise(e: NotAvailable, period) -> str:
    """The reason without the period, when it only names the period (so years group into one line)."""
    text = str(e)
    prefix = f"No loaded data cover {period} "
    return "No loaded data cover {period} " + text[len(prefix):] if text.startswith(prefix) else text


def _join_periods(periods: list[str]) -> str:
    if len(periods) <= 3:
        return ", ".join(periods)
    return f"{periods[0]} to {periods[-1]}, {len(periods)} periods" if _consecutive(periods) else ", ".join(periods)


def _consecutive(periods: list[str]) -> bool:
    try:
        ps = [parse(p) for p in periods]
    except JusticegapError:
        return False
    return all((b.start - a.end).days == 1 for a, b in zip(ps, ps[1:]))


def _figure_table(tid: str, title: str, figs: list, *, notes=(), geography="", period_name="Period") -> Table:
    kinds = {f.metric["kind"] for f in figs}
    cols = [Column(period_name, "string"), Column("Area", "string"), Column("Level", "string"), Column("Offence", "string"),
            Column("Measure", "string"), Column("Metric", "string", description="justicegap metric id: see the Definitions")]
    if "count" in kinds:
        cols.append(Column("Count", "integer", description="the count itself; its unit is in the Unit column"))
    if kinds & {"proportion", "ratio"}:
        cols += [Column("Numerator", "integer"), Column("Denominator", "integer")]
        if "proportion" in kinds:
            cols.append(Column("Rate", "percent", "percent", "a proportion: the numerator's cases are among the denominator's"))
        if "ratio" in kinds:
            cols.append(Column("Ratio", "percent", "percent", "a ratio, not a rate: numerator and denominator count different "
                                                               "sets of cases (e.g. charges in the period per offence recorded in it)"))
        cols += [Column("95% CI low", "percent", "percent", "Wilson score interval (proportions only)"),
                 Column("95% CI high", "percent", "percent", "Wilson score interval (proportions only)")]
    if "per_100k" in kinds:
        cols += [Column("Per 100,000", "number", "per 100,000 residents")]
    if "average" in kinds:
        cols += [Column("Days", "number", "days")]
    cols += [Column("Basis", "string"), Column("Unit", "string"), Column("Edition", "string"), Column("Flags", "string")]
    names = [c.name for c in cols]
    rows = []
    for f in figs:
        d = f.to_dict()
        r = dict.fromkeys(names)
        scope = f.scope
        r.update({period_name: d["period"]["label"], "Area": d["area"]["name"] + (f" ({scope})" if scope else ""),
                  "Level": A.LEVEL_NAMES.get(d["area"]["level"], d["area"]["level"]), "Offence": d["offence"]["label"],
                  "Measure": d["name"] + (f": {d['outcome']['label']}" if d.get("outcome") else ""), "Metric": d["metric"],
                  "Basis": d["basis"], "Unit": d["unit"], "Edition": d["edition"],
                  "Flags": ", ".join(d["flags"])})
        k = d["kind"]
        if k == "count":
            r["Count"] = _int(d["value"])
        elif k in ("proportion", "ratio"):
            r.update({"Numerator": _int(d["numerator"]), "Denominator": _int(d["denominator"]),
                      ("Rate" if k == "proportion" else "Ratio"): d["value"], "95% CI low": d["ci_low"], "95% CI high": d["ci_high"]})
        elif k == "per_100k":
            r["Per 100,000"] = d["value"]
        elif k == "average":
            r["Days"] = d["value"]
        rows.append([r[n] for n in names])
    eds = sorted({e.edition for f in figs for e in f.editions})
    units = sorted({f.metric["unit"] for f in figs})
    bases = sorted({f.metric["basis"] for f in figs})
    return Table(tid, title, cols, rows, list(notes), geography=geography, editions=eds,
                 unit=units[0] if len(units) == 1 else None, basis=bases[0] if len(bases) == 1 else None,
                 metrics=sorted({f.metric["id"] for f in figs}))


# --- the report ----------------------------------------------------------------------------------

def build_report(area, *, start=None, end=None, offence: str = "sexual_offences", local_areas=None,
                 intervention=None, store: Store | None = None) -> Report:
    """Everything the loaded data hold for ``area``, financial years ``start``..``end`` and ``offence``.

    ``local_areas``: names or codes of districts/CSPs (a list, or one comma-separated string) for
    the local table; by default all the Community Safety Partnerships of the force. Unresolvable
    names raise ``NotFound`` with the closest matches before any figure is computed.
    ``intervention``: a date; adds an interrupted time series of the CPS conviction rate by month
    around it (:func:`justicegap.answers.evaluation.report_section`).
    """
    the_area = area if isinstance(area, A.Area) else A.resolve(area)
    fam = metrics.family(offence)
    start_p = parse(start) if start else None
    end_p = parse(end) if end else None
    if isinstance(local_areas, str):
        local_areas = [x.strip() for x in local_areas.split(",") if x.strip()]
    asked_local = [(name, A.resolve(name)) for name in (local_areas or [])]
    own = store is None
    store = store or Store(read_only=True)
    try:
        with store.prefetched():  # every figure of the report from one read of each dataset
            report = _build(the_area, area, start, end, start_p, end_p, fam, offence, asked_local, local_areas, store)
        if intervention is not None:
            from .evaluation import report_section

            police = A.get(the_area.parent) if the_area.level in ("csp", "lad") else the_area
            table, item = report_section(police, report.question["years"], intervention, fam, store)
            if table is not None:
                report.tables.append(table)
            else:
                report.not_available.append(item)
        return report
    finally:
        if own:
            store.close()


def _years(store, start_p, end_p) -> tuple[Period, list[Period], str]:
    """The period asked, the financial years inside it and how they were chosen, in words.

    Without ``--to`` the run ends at the latest financial year the loaded police data hold; without
    ``--from`` it starts nine years before its end (ten years in all)."""
    if end_p is None:
        end_p = latest_financial_year(store)
        if start_p is None:
            how = "the last ten financial years up to the latest the loaded police data hold"
        elif start_p.start > end_p.end:
            raise InvalidParameter("--from", f"{start_p} is after {end_p.label}, the latest financial year the loaded police data "
                                             "hold: give the last year as well, or load later editions").with_actions("load_data")
        else:
            how = (f"from {start_p.label}, as asked, to {end_p.label}, the latest financial year the loaded police data hold"
                   " (no last year was given)")
    elif start_p is None:
        how = "the ten financial years up to the year asked"
    else:
        how = "as asked"
    if start_p is None:
        last = end_p.start.year if end_p.start.month >= 4 else end_p.start.year - 1
        start_p = financial_year(last - 9)
    whole = between(start_p, end_p)
    years = financial_years(whole)
    if not years:
        return whole, [whole], how
    if years[0].start != whole.start or years[-1].end != whole.end:
        how += (f"; the whole financial years inside {whole.label} ({years[0].label} to {years[-1].label}), "
                "because police data are published by financial year")
    return whole, years, how


def _build(area, area_text, start, end, start_p, end_p, fam, offence_text, asked_local, local_text, store) -> Report:
    whole, years, how = _years(store, start_p, end_p)
    fam_label = reference.families()[fam]["label"]
    if area.level in ("csp", "lad"):
        police = A.get(area.parent)
    else:
        police = area
    force = police if police.level in ("pfa", "btp") else None
    cps_area = metrics.cps_area_of(force) if force and force.level == "pfa" else None
    nation = A.resolve("England and Wales")
    col = _Collector(store)
    report = Report(question={}, small_cells=SMALL_CELLS,
                    created=datetime.now(timezone.utc).replace(microsecond=0).isoformat())
    parts = _family_parts(fam)

    # the question as understood ---------------------------------------------------------------
    q = {
        "asked": {"area": str(area_text if not isinstance(area_text, A.Area) else area_text.name), "from": None if start is None else str(start),
                  "to": None if end is None else str(end), "offence": offence_text,
                  "local_areas": list(local_text) if local_text else None},
        "area": {**area.to_dict(), "level_name": area.level_name},
        "police_area": {**police.to_dict(), "level_name": police.level_name},
        "cps_area": cps_area.to_dict() if cps_area else None,
        "period": {"label": whole.label, "start": whole.start.isoformat(), "end": whole.end.isoformat(), "how": how},
        "years": [y.label for y in years],
        "offence": {"family": fam, "label": fam_label, "parts": [{"family": f, "label": reference.families()[f]["label"]} for f in parts]},
        "notes": [],
    }
    if area.resolved_note:
        q["notes"].append(area.resolved_note)
    if police is not area:
        q["notes"].append(f"{area.name} is a {area.level_name} within {police.name}: police outcomes, CPS and court figures are "
                          f"published for {police.name} as a whole and are given for it, labelled so.")
    q["text"] = (f"{fam_label} in {area.name} ({area.level_name}), {years[0].label} to {years[-1].label}"
                 f" ({how}): offences recorded, what the police did with them, charges on each basis, CPS and court "
                 "stages where published, timeliness, and victims' and defendants' age and sex where the data hold them.")
    report.question = q

    # 1. recorded offences by year (police force area) -----------------------------------------
    rec_cols = [Column("Financial year", "string")]
    rec_cols += [Column(reference.families()[f]["label"], "integer", "offences",
                        f"offences recorded ({reference.families()[f]['note'] or ''})".strip()) for f in parts]
    rec_cols += [Column("Edition", "string"), Column("Status", "string"), Column("Source", "string")]
    rec_rows, missing_years, rec_figs, rec_notes = [], [], [], []
    for y in years:
        vals, eds, used = [], set(), {}
        for f in parts:
            fig = col.compute("recorded", police, y, f, part=f"Offences recorded ({reference.families()[f]['label'].lower()}): {police.name}")
            vals.append(_int(fig.value) if fig else None)
            if fig:
                rec_figs.append(fig)
                eds |= {e.edition for e in fig.editions}
                used.setdefault(fig.dataset, []).append(reference.families()[f]["label"].lower())
                rec_notes += _revision_notes(store, police, y, f)
        status = _recorded_status(used, eds) if any(v is not None for v in vals) else "not in the loaded data"
        if status == "not in the loaded data":
            missing_years.append(y.label)
        rec_rows.append([y.label, *vals, ", ".join(sorted(eds)), status,
                         "; ".join(f"{reference.sources()[d]['title']} ({', '.join(fs)})" for d, fs in used.items())])
        if len(used) > 1:
            rec_notes.append(f"{y.label}: the columns come from different publications ("
                             + "; ".join(f"{', '.join(fs)} from {reference.sources()[d]['title']}" for d, fs in used.items())
                             + "), so the parts need not add up to the whole.")
    t = Table("recorded", f"Offences recorded by the police: {police.name}, by financial year", rec_cols, rec_rows,
              geography=police.level_name, basis="recorded_in_period", unit="offences",
              editions=sorted({e.edition for f in rec_figs for e in f.editions}), metrics=["recorded"] if rec_figs else [])
    t.notes.append("Counts as published (police recorded crime, by the date the offence was recorded). Years marked "
                   "'not in the loaded data' are missing, not zero: nothing is filled in.")
    t.notes.extend(rec_notes)
    if police is not area:
        t.notes.append(f"These are {police.name}'s figures for the whole force area, not {area.name}'s: see the local table.")
    report.tables.append(t)

    # 2. recorded rape and sexual assault by victim sex and age (offence codes) ----------------
    code_rows, victim_notes = [], []
    code_figs: dict[str, dict[str, int]] = {}
    family_codes = reference.family_codes()
    codes = sorted(c for c in family_codes.get(fam, ()) if any(_victim(reference.offences().get(c, {}).get("label", ""))))
    for y, fig_list in _by_year(rec_figs, fam).items():
        g = fig_list.gathered
        if g is None:
            continue
        counts = _code_counts(store, g, codes)
        absent = [c for c in codes if counts.get(c) is None]
        if absent and any(counts.get(c) is not None for c in codes):
            victim_notes.append(f"{y}: no rows for offence code{'s' if len(absent) > 1 else ''} {', '.join(absent)} in "
                                f"{', '.join(e.file_name for e in g.editions)} for {police.name}: not published, so left out "
                                "(not zero).")
        for c in codes:
            v = counts.get(c)
            if v is None:
                continue
            label = reference.offences()[c]["label"]
            sex, age = _victim(label)
            code_rows.append([y, c, label, sex, age, _int(v), ", ".join(e.edition for e in g.editions)])
            code_figs.setdefault(y, {})[c] = int(v)
    if code_rows:
        report.tables.append(Table(
            "victims", f"Offences recorded by victim sex and age, from the offence codes: {police.name}",
            [Column("Financial year", "string"), Column("Offence code", "string"), Column("Offence", "string"),
             Column("Victim sex", "string"), Column("Victim age", "string"), Column("Offences recorded", "integer", "offences"),
             Column("Edition", "string")], code_rows,
            notes=["Victims' sex and age are known only through the offence codes (rape of a female or male aged 16 and over, "
                   "under 16 or under 13; sexual assault aged 13 and over or under 13). Other sexual offence classes record neither.",
                   "Counts as published, by offence code: the Home Office publishes each code's count for every police force area, "
                   "small counts included, so they are shown as published.",
                   *victim_notes],
            geography=police.level_name, basis="recorded_in_period", unit="offences",
            editions=sorted({e for r in code_rows for e in r[-1].split(", ")}), metrics=["recorded"]))
        xt = _victim_crosstab(code_figs, police)
        if xt is not None:
            report.tables.append(xt)
    else:
        col.not_available(f"Offences recorded by victim sex and age: {police.name}", "",
                          "No loaded police recorded crime table for these years gives counts by offence code for this area.",
                          _holder_for(metrics.registry().get("recorded")))

    # 3. local areas (CSPs) --------------------------------------------------------------------
    _local_table(report, col, area, police, force, asked_local, years, fam, parts, store)
    has_local = bool(asked_local) or area.level in ("csp", "lad") or any(t.id == "local" for t in report.tables)

    # 4. police outcomes by outcome group (cohort basis) ---------------------------------------
    outcome_rows = []
    out_eds: set[str] = set()
    groups_by: dict[tuple[str, str], OutcomeGroups] = {}
    for y in years:
        for f in parts:
            rows, eds = _outcome_groups(col, store, police, y, f, groups_by)
            outcome_rows += rows
            out_eds |= eds
    if outcome_rows:
        report.tables.append(Table(
            "outcomes", f"What happened to the offences recorded each year (police outcomes): {police.name}",
            [Column("Financial year", "string"), Column("Offence", "string"), Column("Outcome group", "string"),
             Column("Offences", "integer", "offences"), Column("Share", "percent", "percent", "of all offences recorded in the year"),
             Column("95% CI low", "percent", "percent"), Column("95% CI high", "percent", "percent"),
             Column("Offences recorded (outcomes data)", "integer", "offences"), Column("Basis", "string"),
             Column("Unit", "string"), Column("Edition", "string"), Column("Note", "string")], outcome_rows,
            notes=["Basis: offences recorded in the year, with the outcome they had reached by the date of the edition "
                   "(the Home Office's headline basis). 'Not yet assigned an outcome' are investigations still open: "
                   "recent years will change in later editions.",
                   "The outcomes data are a different publication and edition from the recorded-crime table (the sources "
                   "list gives each edition and its date where known), so their count of the year's offences can differ "
                   "slightly from it.",
                   "A blank count has its reason in the Note column: an outcome type that did not exist yet in the year, or "
                   "published negative counts (the publisher's corrections) that make a group's sum negative."],
            geography=police.level_name, basis="recorded_cohort", unit="offences", editions=sorted(out_eds),
            metrics=["outcome_share_cohort"]))
        if "outcome_share_cohort" not in col.metric_ids:
            col.metric_ids.append("outcome_share_cohort")

    # 5. charge rates on each basis ------------------------------------------------------------
    charge_ids = [k for k, m in metrics.registry().items()
                  if m.get("stage") == "police" and "charge" in k and m.get("kind") in ("proportion", "ratio") and not m.get("needs_outcome")]
    charge_figs = []
    for y in years:
        for f in parts:
            for mid in charge_ids:
                fig = col.compute(mid, police, y, f)
                if fig:
                    charge_figs.append(fig)
    if charge_figs:
        t = _figure_table("charges", f"Charges on each basis: {police.name}", charge_figs, geography=police.level_name,
                          period_name="Financial year",
                          notes=["Three different measures, each with its own numerator and denominator: "
                                 + "; ".join(f"{metrics.registry()[m]['name']} ({sentences.basis_text(metrics.registry()[m]['basis'])})" for m in charge_ids)
                                 + ". Do not compare a figure on one basis with a figure on another."])
        report.tables.append(t)

    # 6. comparison with other areas (funnel plot) ---------------------------------------------
    _comparison(report, col, police, charge_figs, fam, store)

    # 7. CPS, courts, timeliness: whatever the registry holds ----------------------------------
    stage_figs: dict[str, list] = {}
    for mid, m in metrics.registry().items():
        if m.get("stage") == "police" or m.get("needs_outcome"):
            continue
        key = "timeliness" if m.get("kind") == "average" or m.get("unit") == "days" else m.get("stage", "other")
        periods = years if _dataset_periods(m) == "financial" else _calendar_years(years)
        cps_stage = any(ds.startswith("cps") for ds in m.get("datasets") or [])
        chain = [a for a in (police if police.level != "nation" else None, cps_area if cps_stage else None) if a is not None] or [nation]
        for f in parts:
            for p in periods:
                got = False
                for a in chain:
                    fig = col.compute(mid, a, p, f, record=(f == fam), allow_partial=True)
                    if fig:
                        stage_figs.setdefault(key, []).append(fig)
                        got = True
                if not got and nation not in chain:
                    fig = col.compute(mid, nation, p, f, record=False, allow_partial=True)
                    if fig:
                        fig.scope = f"not published for {police.name}"
                        stage_figs.setdefault(key, []).append(fig)
    for key, figs in stage_figs.items():
        if key == "timeliness":
            title = f"Timeliness: days between stages, {fam_label.lower()}"
            tid = "timeliness"
        else:
            title = f"{STAGE_TITLES.get(key, key.replace('_', ' ').capitalize())}: {fam_label.lower()}"
            tid = f"stage_{key}"
        notes = ["Each stage counts its own thing (suspects, defendants, days) over its own periods and geography: "
                 "the Unit and Level columns say which. They are not the offences recorded by the police and cannot be divided by them."]
        if any("partial" in f.flags for f in figs):
            notes.append("Rows flagged 'partial' cover only part of their period (the months missing are listed under "
                         "'Not available'): they are not comparable with whole periods.")
        if any(f.scope for f in figs):
            notes.append(f"Rows marked 'not published for {police.name}' are the England and Wales figure, given because nothing finer is published.")
        if any(f.dataset == "moj_outcomes" for f in figs):
            notes.append("MoJ court figures are by the police force area of the court, not of the force that investigated.")
        report.tables.append(_figure_table(tid, title, figs, notes=notes, geography="as in the Level column",
                                           period_name="Period"))

    # 8. defendants by sex and age (MoJ), if loaded --------------------------------------------
    _moj_sex_age(report, col, police, years, fam, store)

    # question-level things that cannot be answered -------------------------------------------
    _standing_gaps(col, area, police, force, cps_area, has_local, fam, store)
    if police is not area:
        _own_tables_first(report, area, police)

    # missing, caveats, definitions, sources, sentences, charts ------------------------------
    report.missing = {"years": missing_years, "years_asked": [y.label for y in years],
                      "note": "Years listed here have no police recorded crime figure in the loaded data; they are not zero."}
    if missing_years:
        col.not_available(f"Police recorded crime for {police.name}", "",
                          f"The loaded data hold no police recorded crime for {', '.join(missing_years)}: these years are listed as missing, not filled.",
                          _holder_for(metrics.registry().get("recorded")) + " (load the editions covering them)")
    report.not_available = col.items()
    report.caveats = _caveats(col, police, whole, fam, report)
    report.definitions = _definitions(col.metric_ids)
    report.sources = _sources(col)
    report.sentences = _sentences(col, police, area, charge_figs, rec_figs, fam, stage_figs)
    report.charts = _charts(report, col, police, years, fam, charge_figs, rec_figs, groups_by, store)
    return report


def _own_tables_first(report: Report, area: A.Area, police: A.Area) -> None:
    """A report for a local area: its own figures first, and one plain statement of which tables
    are its force's and why (so a reader never takes Kent's figures for Canterbury's)."""
    own = [t for t in report.tables if t.id == "local"]
    force_tables = [t for t in report.tables if t.id != "local" and t.geography != "as in the Level column"]
    report.tables = own + [t for t in report.tables if t.id != "local"]
    statement = (f"Tables of {area.name} itself: " + (", ".join(f"'{t.title}'" for t in own) if own else
                                                      "none (no loaded local table covers it)") + ". "
                 f"Tables of {police.name}, the police force area {area.name} is in: "
                 + ", ".join(f"'{t.title}'" for t in force_tables)
                 + f". These are given for {police.name} because the publishers give offence codes, police outcomes, charges, "
                 f"CPS and court figures only for whole police force areas (or larger), never for a {area.level_name}.")
    report.question["notes"].append(statement)
    report.question["own_tables"] = [t.id for t in own]
    report.question["force_tables"] = [t.id for t in force_tables]


SMALL_CELLS = ("Shown as published: no count is suppressed. Every count in this report is one its publisher releases at the "
               "level shown (police force area, Community Safety Partnership, CPS Area, the court's police force area), or a sum "
               "of such counts shown beside it, so blanking one would hide nothing the publication does not show.")


def _recorded_status(used: dict, eds: set) -> str:
    """'published', or where the year's count comes from: the outcomes data (no recorded-crime table
    covers the year) or the ONS first release."""
    if "ho_outcomes" in used:
        which = ", ".join(sorted(e for e in eds if e.startswith("ho_outcomes")))
        return f"counted from the outcomes data (offences recorded in the year; edition {which})"
    if "ons_pfa_tables" in used:
        return "published (ONS first release)"
    return "published"


def _revision_notes(store, police, year, fam) -> list[str]:
    """The revision of a year's recorded count between the editions loaded (the ONS first release and
    the Home Office table), each as published."""
    from .maturation import revision

    text = revision("recorded", area=police, period=year, offence=fam, store=store)
    return [f"{year.label}, {reference.families()[fam]['label'].lower()}: {text}"] if text else []


def _calendar_years(years: list[Period]) -> list[Period]:
    out = []
    for y in years:
        c = calendar_overlap(y)
        if c not in out:
            out.append(c)
    return out


def _by_year(figs, fam) -> dict:
    return {f.period.label: f for f in figs if f.offence == fam}


def _code_counts(store, g, codes) -> dict[str, float | None]:
    """Each offence code's count over the spans and editions behind a family figure: one query
    for all the codes. A code with no rows for the area is None (not published), never zero. From
    the outcomes data (a year no recorded-crime table covers) the count is the offences recorded,
    summed over their outcomes (sub-codes such as 1A are inside their parents)."""
    from ..metrics.data import sub_codes

    spans = list(g.by_span) or []
    if not spans or not codes:
        return {}
    eds = [e.edition for e in g.editions]
    measure = "outcomes_cohort" if g.dataset == "ho_outcomes" else "recorded"
    got = queries.code_counts(store, g.dataset, eds, codes, g.areas_used, spans, measure=measure, except_outcomes=sub_codes())
    return {c: got.get(c) for c in codes}


VICTIM_BANDS = [("16 and over", ("19C", "19F")), ("13 to 15", ("19D", "19G")), ("under 13", ("19E", "19H"))]
FEMALE_RAPE, MALE_RAPE = ("19C", "19D", "19E"), ("19F", "19G", "19H")


def _victim_crosstab(code_figs: dict, police: A.Area) -> Table | None:
    """Rape by victim sex and age band, arranged by justicegap from the published offence codes.

    Every sex-and-band cell is one offence code's count as the Home Office publishes it for the
    force (the same count the per-code table shows), and the totals are sums of those published
    counts: nothing here is below the level published, so small-cell suppression has nothing to
    protect (blanking a cell would hide only what the per-code table and the publication show)."""
    rows = []
    for y, counts in code_figs.items():
        if not all(c in counts for _, cs in VICTIM_BANDS for c in cs):
            continue
        mat = [[sum(counts[c] for c in cs if c in sex_codes) for _, cs in VICTIM_BANDS] for sex_codes in (FEMALE_RAPE, MALE_RAPE)]
        for sex, cells in zip(("Female", "Male"), mat):
            rows.append([y, sex, *cells, sum(cells)])
        rows.append([y, "Both", *[sum(c) for c in zip(*mat)], sum(map(sum, mat))])
    if not rows:
        return None
    notes = ["Arranged by justicegap: the Home Office publishes each rape offence code (19C to 19H) for every police force area; "
             "this table sets them out by victim sex and age band (13 to 15 is 'under 16' in the code labels, which exclude the "
             "under-13 codes). Each Female and Male cell is one code's published count, as in the table by offence code; "
             "'All ages' and 'Both' are sums of those published counts."]
    notes.append("Not a small-cell table: no cell is below the level the Home Office publishes, so counts of 1 to 4 are shown "
                 "as published: blanking one would hide nothing that the table by offence code and the publication itself do not show.")
    return Table("victims_crosstab", f"Rape by victim sex and age band (arranged from the offence codes): {police.name}",
                 [Column("Financial year", "string"), Column("Victim sex", "string"), Column("16 and over", "integer", "offences"),
                  Column("13 to 15", "integer", "offences"), Column("Under 13", "integer", "offences"),
                  Column("All ages", "integer", "offences")],
                 rows, notes, derived=True, geography=police.level_name, basis="recorded_in_period", unit="offences",
                 metrics=["recorded"])


def _local_table(report, col, area, police, force, asked_local, years, fam, parts, store):
    """Recorded offences by Community Safety Partnership, every asked name resolved."""
    if force is None or force.level != "pfa":
        if asked_local:
            for name, a in asked_local:
                col.not_available(f"Local figures for {name}", "", f"{name} is not inside {area.name}'s police force area.", "")
        return []
    csps = [a for a in A.all_areas("csp") if a.parent == force.code]
    wanted: list[tuple[str, A.Area]] = []
    if asked_local:
        wanted = list(asked_local)
    elif area.level in ("csp", "lad"):
        wanted = [(area.name, area)]
    # map each name asked to its CSP (or say why it has none of its own)
    asked_by_csp: dict[str, list[str]] = {}
    notes_by_csp: dict[str, list[str]] = {}
    resolution = []
    for name, a in wanted:
        if a.level not in ("csp", "lad") or a.parent != force.code:
            col.not_available(f"Local figures for {name}", "", f"'{name}' resolves to {a.name} ({a.level_name}), which is not a local area of {force.name}.", "")
            resolution.append({"asked": name, "shown_as": a.name, "code": a.code, "csp": None, "note": "not a local area of the force"})
            continue
        note = a.resolved_note or ""
        try:
            csp = A.local_csp(a)
        except NotAvailable as e:
            if a.level == "lad" and len(a.csps) == 1:
                csp = A.get(a.csps[0])  # a shared partnership: the shared-CSP note below says so
            else:
                col.not_available(f"Local figures for {name}", "", e.message, e.holder)
                resolution.append({"asked": name, "shown_as": a.name, "code": a.code, "csp": None, "note": e.message})
                continue
        asked_by_csp.setdefault(csp.code, []).append(name)
        if note:
            notes_by_csp.setdefault(csp.code, [])
            if note not in notes_by_csp[csp.code]:
                notes_by_csp[csp.code].append(note)
        resolution.append({"asked": name, "shown_as": a.name, "code": a.code, "csp": csp.name, "csp_code": csp.code, "note": note})
    report.question["local_areas"] = resolution
    # the partnerships asked for, or the local area the report is for; else every one of the force
    show = csps if not wanted else [c for c in csps if c.code in asked_by_csp]
    for c in csps:  # shared and renamed partnerships say so even when not asked by that name
        if len(c.lads) > 1:
            names = " and ".join(A.get(x).name for x in c.lads)
            n = f"{names} share one Community Safety Partnership: recorded crime is published for the partnership, not for each district."
            if n not in notes_by_csp.get(c.code, []):
                notes_by_csp.setdefault(c.code, []).append(n)
        if c.former_names:
            n = f"Formerly {', '.join(c.former_names)} (renamed; same code)."
            if not any(", ".join(c.former_names) in x for x in notes_by_csp.get(c.code, [])):
                notes_by_csp.setdefault(c.code, []).append(n)
    extra_rows = [A.get(f"{force.code}:unassigned"), force] if not (wanted and not asked_local) else [force]
    # which periods have local data: the years asked, else the latest local period loaded
    local_fam = fam
    periods = []
    for y in years:
        if col.compute("recorded", show[0] if show else csps[0], y, local_fam, record=False) is not None:
            periods.append(y)
    outside = None
    if not periods:
        outside = _latest_local_period(store)
        if outside is not None and col.compute("recorded", csps[0], outside, local_fam, record=False) is not None:
            periods = [outside]
        elif outside is not None:
            # the local data hold the headline group only (sexual offences, not rape): say so
            col.compute("recorded", csps[0], outside, local_fam,
                        part=f"{reference.families()[local_fam]['label']} by local area (Community Safety Partnership)")
            if fam != "sexual_offences" and col.compute("recorded", csps[0], outside, "sexual_offences", record=False) is not None:
                local_fam = "sexual_offences"
                periods = [outside]
    if not periods:
        col.not_available(f"Recorded offences by local area in {force.name}", ", ".join(y.label for y in years),
                          "No loaded Community Safety Partnership table covers these years.",
                          "Home Office (police recorded crime CSP open data tables); Office for National Statistics (PFA data tables)")
        return resolution
    missing_local = [y.label for y in years if y not in periods]
    if missing_local:
        col.not_available(f"Recorded offences by local area in {force.name}", ", ".join(missing_local),
                          "No loaded Community Safety Partnership table covers these years: they are listed as missing, not filled.",
                          "Home Office (police recorded crime CSP open data tables); Office for National Statistics (PFA data tables)")
    cols = [Column("Local area as asked", "string"), Column("Community Safety Partnership", "string"), Column("CSP code", "string"),
            Column("Districts", "string")]
    labels = []
    for p in periods:
        lab = p.label + (" (latest loaded; outside the years asked)" if p is outside else "")
        labels.append(lab)
        cols.append(Column(lab, "integer", "offences", f"{reference.families()[local_fam]['label']} recorded, {p.long}"))
    cols += [Column("Notes", "string")]
    rows, figs = [], []
    for c in [*show, *extra_rows]:
        vals = []
        for p in periods:
            fig = col.compute("recorded", c, p, local_fam, part=f"Offences recorded: {c.name}")
            vals.append(_int(fig.value) if fig else None)
            if fig:
                figs.append(fig)
        asked = "; ".join(asked_by_csp.get(c.code, [])) if asked_local else ("" if c.level != "csp" or ":" in c.code else c.name)
        districts = ", ".join(f"{A.get(x).name} ({x})" for x in c.lads) if c.lads else ""
        note = " ".join(notes_by_csp.get(c.code, []))
        if c is force:
            note = "The force total as published, including offences not assigned to any partnership."
        elif c.code.endswith(":unassigned"):
            note = c.note or ""
        rows.append([asked, c.name if c is not force else f"{force.name} (whole force area)", c.code, districts, *vals, note])
    notes = [f"{reference.families()[local_fam]['label']} recorded, as published for each Community Safety Partnership "
             f"(the finest level published). Source: {', '.join(sorted({reference.sources()[f.dataset]['title'] for f in figs}))}."]
    if outside is not None:
        notes.append(f"No loaded local table covers {years[0].label} to {years[-1].label}; the latest loaded local period "
                     f"({outside.label}) is shown for reference, labelled as outside the years asked. The years asked are listed as missing.")
    if local_fam != fam:
        notes.append(f"The local tables publish {reference.families()[local_fam]['label'].lower()} as a whole, not "
                     f"{reference.families()[fam]['label'].lower()} separately.")
    notes.append("Police outcomes, charge rates and conviction rates are not published for local areas: see 'Not available'.")
    title = (f"Offences recorded in {area.name} ({area.level_name}), beside {force.name} as a whole" if wanted and not asked_local
             else f"Offences recorded by local area (Community Safety Partnership): {force.name}")
    report.tables.append(Table("local", title,
                               cols, rows, notes, geography="Community Safety Partnership", basis="recorded_in_period",
                               unit="offences", editions=sorted({e.edition for f in figs for e in f.editions}), metrics=["recorded"]))
    return resolution


def _latest_local_period(store) -> Period | None:
    row = queries.latest_span(store, LOCAL_DATASETS, "recorded")
    if not row:
        return None
    s, e = row
    try:
        return parse(describe(s, e))
    except JusticegapError:
        return Period(s, e, describe(s, e), "range")


def _outcome_groups(col: _Collector, store, police, year, fam, groups_by: dict):
    """Outcome groups of the offences recorded in ``year`` as table rows (the funnel's one-query
    implementation); the groups are kept in ``groups_by`` for the attrition chart. A year the
    outcomes data cover only in part gives no rows here (the charge table flags what is missing)."""
    try:
        og = outcome_groups(store, police, year, fam)
    except Exception as e:  # noqa: BLE001 - a fault in justicegap: say so rather than crash the whole report
        col.not_available(f"Police outcomes by group: {police.name}", year.label,
                          f"justicegap could not compute this table ({type(e).__name__}: {e}); "
                          "this is a fault in justicegap, not a gap in the data.", _holder_for(metrics.registry().get("outcome_share_cohort")))
        return [], set()
    groups_by[(year.label, fam)] = og
    if not og.rows or og.partial:
        return [], set()
    rows = [[year.label, reference.families()[fam]["label"], r["label"], _int(r["count"]), r["share"], r["ci_low"], r["ci_high"],
             _int(r["denominator"]), r["basis"], r["unit"], r["edition"], r.get("reason")] for r in og.rows]
    for e in og.editions:
        col.other_editions.append(e)
    return rows, {e.edition for e in og.editions}


def _comparison(report, col, police, charge_figs, fam, store):
    """Where the area sits among all areas at its level (funnel plot), latest year, each proportion basis."""
    from .compare import compare

    if police.level not in ("pfa", "cps_area"):
        return
    latest = {}
    for f in charge_figs:
        if f.offence == fam and f.metric["kind"] == "proportion":
            if f.metric["id"] not in latest or f.period.end > latest[f.metric["id"]].period.end:
                latest[f.metric["id"]] = f
    rows, first = [], None
    for mid, f in latest.items():
        try:
            r = compare(mid, level=police.level, period=f.period, offence=fam, store=store)
        except JusticegapError as e:
            col.not_available(f"Comparison with other areas ({f.metric['name'].lower()}, {f.period.label})", "", str(e), "")
            continue
        me = next((a for a in r["areas"] if a["area"]["code"] == police.code), None)
        if me is None:
            col.not_available(f"Comparison with other areas ({f.metric['name'].lower()}, {f.period.label})", "",
                              f"{police.name} has no complete figure to place on the funnel plot.", "")
            continue
        first = first or r
        report.charts.setdefault("compare", {})[mid] = r
        rows.append([f.period.label, r["name"], me["area"]["name"], _int(me["numerator"]), _int(me["denominator"]), me["value"],
                     me["ci_low"], me["ci_high"], r["target"], me.get("lower95"), me.get("upper95"), me.get("lower998"),
                     me.get("upper998"), me.get("position"), len(r["areas"]), r["basis"], r["unit"], ", ".join(r["editions"])])
    if rows:
        report.tables.append(Table(
            "comparison", f"{police.name} compared with all {A.LEVEL_NAMES[police.level]}s (funnel plot), latest year",
            [Column("Financial year", "string"), Column("Measure", "string"), Column("Area", "string"),
             Column("Numerator", "integer"), Column("Denominator", "integer"), Column("Rate", "percent", "percent"),
             Column("95% CI low", "percent", "percent"), Column("95% CI high", "percent", "percent"),
             Column("Pooled rate, all areas", "percent", "percent", "the target: all areas' numerators over all their denominators"),
             Column("95% limit low", "percent", "percent"), Column("95% limit high", "percent", "percent"),
             Column("99.8% limit low", "percent", "percent"), Column("99.8% limit high", "percent", "percent"),
             Column("Position", "string", description="against the 99.8% limits: above, below or within"),
             Column("Areas compared", "integer"), Column("Basis", "string"), Column("Unit", "string"), Column("Edition", "string")],
            rows, notes=["Not a league table: an area inside the limits differs from the pooled rate by no more than chance "
                         "alone would give at its size (exact binomial limits, Spiegelhalter 2005)."],
            geography=police.level_name, unit="offences", editions=sorted({e for r in rows for e in r[-1].split(", ")}),
            metrics=sorted(latest)))


def _moj_sex_age(report, col, police, years, fam, store):
    """Defendants by sex and age group (MoJ Outcomes by Offence), where loaded."""
    from ..metrics.data import offence_values

    holder = "Ministry of Justice (Criminal Justice Statistics): Outcomes by Offence data"
    eds = store.editions("moj_outcomes")
    cal = _calendar_years(years)
    if not eds:
        col.not_available("Age and sex of the accused (defendants proceeded against and convicted)", "",
                          "The MoJ's Outcomes by Offence data (defendants by sex and age group, by the police force area of the court) "
                          "are not loaded; the police data record nothing about suspects' age or sex.", holder)
        return
    offences = offence_values("moj_outcomes", fam)
    codes = [police.code] if police.level != "nation" else None
    rows = []
    for p in cal:
        ed = None
        for e in reversed(eds):
            if e.period_start and e.period_end and e.period_start <= p.start and e.period_end >= p.end:
                ed = e
                break
        if ed is None:
            col.not_available(f"Defendants by sex and age (MoJ): {police.name}", p.label, "No loaded MoJ Outcomes by Offence edition covers this year.", holder)
            continue
        got = queries.defendants_by_sex_age(store, ed.edition, p.start, p.end, offences, codes[0] if codes else None)
        if not got:
            col.not_available(f"Defendants by sex and age (MoJ): {police.name}", p.label,
                              "The loaded MoJ edition holds no defendants for this offence family and area in this year.", holder)
            continue
        for measure, sex, age, v in got:
            rows.append([p.label, police.name, measure.replace("_", " "), str(sex).capitalize(), str(age), _int(v), "defendants", ed.edition])
        col.other_editions.append(ed)
    if rows:
        report.tables.append(Table(
            "defendants", f"Defendants by sex and age group (MoJ court data): {police.name}",
            [Column("Year", "string"), Column("Police force area of the court", "string"), Column("Stage", "string"),
             Column("Sex", "string"), Column("Age group", "string"), Column("Defendants", "integer", "defendants"),
             Column("Unit", "string"), Column("Edition", "string")], rows,
            notes=["Counts are defendants by principal offence at each stage, by the police force area of the court: "
                   "proceeded-against and convicted counts are not the same people.", "Counts as published."],
            geography="police force area of the court", unit="defendants",
            editions=sorted({r[-1] for r in rows})))


def _standing_gaps(col, area, police, force, cps_area, local, fam, store):
    name = police.name
    holder_police = f"{force.police_name or force.name} (case-level records; on request under the Freedom of Information Act 2000)" if force else "the police forces"
    if local:
        col.not_available("Conviction rates by local area (borough or district)", "",
                          "No conviction rate is published below police force area: the CPS publishes case outcomes by CPS Area "
                          "(and, in its monthly case outcomes, by police force area), and the MoJ publishes court outcomes by the "
                          "police force area of the court. A conviction rate for a borough would need case-level data.",
                          "Crown Prosecution Service" + (f" ({cps_area.name})" if cps_area else "") + " and Ministry of Justice "
                          "(on request); " + holder_police)
        col.not_available("Police outcomes and charge rates by local area", "",
                          "The Home Office publishes police outcomes by police force area only.", holder_police)
    col.not_available(f"Crime records cancelled by the police (formerly 'no-crimed'): {name}", "",
                      "No published data on crime records the police cancelled or transferred (formerly 'no-crimes') by force "
                      "are loaded, so justicegap cannot say how many recorded rapes were later cancelled or transferred, or how "
                      "that compares with other forces.",
                      "Home Office (police recorded crime: transferred or cancelled records); HMICFRS (Rape Monitoring Group force digests); " + holder_police)
    col.not_available("Victims' age and sex beyond the offence codes", "",
                      "The police data give victims' sex and age only through the offence codes (adult or child, female or male, "
                      "for rape and sexual assault); other sexual offences record neither, and no other victim characteristics are published.",
                      holder_police + "; Office for National Statistics (Crime Survey for England and Wales, for prevalence)")
    if not store.editions("cps_quarterly"):
        col.not_available("Rape-flagged CPS figures (referrals, charges, completed prosecutions, convictions)", "",
                          "The CPS quarterly data summaries (rape-flagged and adult-rape-flagged cases by CPS Area) are not loaded. "
                          "The CPS monthly case outcomes count sexual offences as a whole, with no rape split.",
                          "Crown Prosecution Service (quarterly data summaries, by CPS Area)")
    if fam != "other_sexual" and not store.editions("cps_quarterly"):
        col.not_available("CPS prosecutions and convictions for rape separately", "",
                          "The CPS monthly case outcomes by principal offence count sexual offences as one category, with no rape split.",
                          "Crown Prosecution Service")


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
    from ..stats import wilson

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


def _charts(report, col, police, years, fam, charge_figs, rec_figs, groups_by, store) -> dict:
    """Data for the charts (the HTML page draws them): trend, attrition funnel, funnel-plot position.

    The attrition funnel reuses the figures and outcome groups the report has computed already;
    only its stages the report did not compute for the force (CPS, courts) are computed here."""
    from .funnel import attrition

    charts = dict(report.charts)
    trend = []
    for f in rec_figs:
        if f.offence == fam:
            trend.append({"year": f.period.label, "start": f.period.start.isoformat(), "series": "Offences recorded", "value": f.value, "kind": "count"})
    for f in charge_figs:
        if f.offence == fam:
            trend.append({"year": f.period.label, "start": f.period.start.isoformat(), "series": f.metric["name"], "value": f.value,
                          "ci_low": f.ci_low, "ci_high": f.ci_high, "kind": f.metric["kind"]})
    events = metrics.events_touching(Period(years[0].start, years[-1].end), police, None, fam)
    charts["trend"] = {"points": trend, "years": [y.label for y in years],
                       "events": [{"id": e["id"], "title": e["title"], "start": e["start"], "end": e["end"]} for e in events],
                       "area": police.name, "offence": reference.families()[fam]["label"]}
    with_data = sorted({f.period for f in charge_figs if f.offence == fam}, key=lambda p: p.start)
    if with_data:
        try:
            charts["attrition"] = attrition(area=police, period=with_data[-1], offence=fam, store=store,
                                            figures=col.objects,
                                            groups=groups_by.get((with_data[-1].label, fam)))
        except JusticegapError:
            pass
    return charts
