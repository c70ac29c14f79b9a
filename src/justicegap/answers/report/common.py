"""The report's shared parts: the datasets it draws on, the collector that runs every computation
and remembers each figure, edition and gap, and the table of figures every section uses."""

from __future__ import annotations

import math
import re
from datetime import date

from ... import areas as A
from ... import metrics, reference
from ...errors import JusticegapError, NotAvailable, NotFound
from ...periods import Period, financial_year, parse
from ...model.report import Column, Table
from ...store import Store, queries
from ..funnel import calendar_overlap


POLICE_DATASETS = ("ho_pfa", "ho_outcomes", "ho_csp")


LOCAL_DATASETS = ("ho_csp", "ons_csp_tables")


STAGE_TITLES = {"cps": "Crown Prosecution Service", "court": "Courts (Ministry of Justice)"}  # the registry's stages


SMALL_CELLS = ("Shown as published: no count is suppressed. Every count in this report is one its publisher releases at the "
               "level shown (police force area, Community Safety Partnership, CPS Area, the court's police force area), or a sum "
               "of such counts shown beside it, so blanking one would hide nothing the publication does not show.")


VICTIM_BANDS = [("16 and over", ("19C", "19F")), ("13 to 15", ("19D", "19G")), ("under 13", ("19E", "19H"))]


FEMALE_RAPE, MALE_RAPE = ("19C", "19D", "19E"), ("19F", "19G", "19H")


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


class _Collector:
    """Runs the computations, remembering every figure, edition and what could not be given."""

    def __init__(self, store: Store):
        self.store = store
        self.figures: list[dict] = []
        self.objects: list = []  # every Figure computed for the report
        self.other_editions: list = []  # editions used outside a Figure (the outcome-group table)
        self.na: dict[tuple[str, str, str], list[str]] = {}
        self.metric_ids: list[str] = []
        self.local_missing: list[str] = []  # years asked that no loaded local (CSP) table covers
        self._coverage: dict[str, list[tuple[date, date]]] = {}
        for ds, s, e in queries.coverage_spans(store):
            self._coverage.setdefault(ds, []).append((s, e))

    def covered(self, m: dict, period: Period) -> bool:
        """Whether any loaded edition of the metric's datasets touches the period (a cheap pre-check)."""
        return any(s <= period.end and e >= period.start for ds in m.get("datasets") or [] for s, e in self._coverage.get(ds, []))

    def loaded_spans(self, m: dict) -> str:
        from ...metrics.data import availability

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
            fig = metrics.measure(metric_id, area=area, period=period, offence=fam, outcome=outcome, store=self.store,
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
    if "average" in kinds:  # a median time: its interval, and the events of how many cases (when given)
        cols += [Column("Days", "number", "days"), Column("Days, 95% CI low", "number", "days"),
                 Column("Days, 95% CI high", "number", "days")]
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
            r.update({"Days": d["value"], "Days, 95% CI low": d["ci_low"], "Days, 95% CI high": d["ci_high"]})
            if "Numerator" in r:
                r.update({"Numerator": _int(d["numerator"]), "Denominator": _int(d["denominator"])})
        rows.append([r[n] for n in names])
    eds = sorted({e.edition for f in figs for e in f.editions})
    units = sorted({f.metric["unit"] for f in figs})
    bases = sorted({f.metric["basis"] for f in figs})
    return Table(tid, title, cols, rows, list(notes), geography=geography, editions=eds,
                 unit=units[0] if len(units) == 1 else None, basis=bases[0] if len(bases) == 1 else None,
                 metrics=sorted({f.metric["id"] for f in figs}))


def _calendar_years(years: list[Period]) -> list[Period]:
    out = []
    for y in years:
        c = calendar_overlap(y)
        if c not in out:
            out.append(c)
    return out


def _by_year(figs, fam) -> dict:
    return {f.period.label: f for f in figs if f.offence == fam}
