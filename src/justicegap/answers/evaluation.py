"""Did it work? An interrupted time series evaluation of a metric (or a user's series) around an
intervention date, with comparison areas, placebos and the data breaks that could explain a
change instead.

The series is built from the store through the metrics code: one figure over the whole window
(:func:`justicegap.metrics.compute`), whose gathered counts are kept period by period. A period
with no data is a gap, left out of the model and shown as one. The statistics are in
:mod:`justicegap.timeseries`; this module adds what must travel with them: sources, breaks,
flags, placebos, comparisons and a sentence that says "consistent with", never more.
"""

from __future__ import annotations

import math
import re
from datetime import date, timedelta
from pathlib import Path

from .. import areas as A
from .. import metrics as M
from .. import reference
from .. import timeseries as T
from ..errors import InvalidParameter, JusticegapError, NotAvailable, NotFound
from ..formats import p_text, pct_number
from ..model.evaluation import (AreaRef, Autocorrelation, Break, Candidate, ComparisonAreas, Effect, Evaluation, Intervention, Interval,
                                SegmentedModel, Placebo, Placebos, PeriodPoint, SeriesSource, Term, Window)
from ..periods import Period, between, calendar_quarter, describe, parse
from ..store import Store

AUTO_AREAS = 5
AUTO_MIN_P = 0.10
NEAR_MONTHS = 3
LOW_COUNT = 30
MODELLED = {"proportion": "proportion", "count": "count", "ratio": "rate"}


# --- inputs -------------------------------------------------------------------------------------

def intervention_date(text: str | date) -> date:
    """2016-10-01, 2016-10 (its first day) or any period justicegap reads (its first day)."""
    if isinstance(text, date):
        return text
    t = (text or "").strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", t):
        try:
            return date.fromisoformat(t)
        except ValueError:
            raise InvalidParameter("intervention", f"'{text}' is not a date") from None
    try:
        return parse(t).start
    except InvalidParameter:
        raise InvalidParameter("intervention", f"'{text}' is not a date: write 2016-10-01, or a month such as 2016-10") from None


def _area_ref(a: A.Area) -> AreaRef:
    return AreaRef(code=a.code, name=a.name, level=a.level)


def _interval(r: T.Ratio | None) -> Interval | None:
    return None if r is None else Interval(estimate=r.estimate, ci_low=r.ci_low, ci_high=r.ci_high, p_value=r.p_value)


class _Built:
    """A series with what travels with it: metric, area, editions, dataset."""

    def __init__(self, series: T.Series, *, metric: dict | None = None, area: A.Area | None = None, dataset: str | None = None,
                 sources: list[SeriesSource] | None = None, offence: str | None = None, name: str = "", unit: str | None = None):
        self.series, self.metric, self.area, self.dataset = series, metric, area, dataset
        self.sources, self.offence, self.name, self.unit = sources or [], offence, name, unit


def _periods_of(window: Period, frequency: str) -> list[Period]:
    if frequency == "month":
        return window.months()
    out, d = [], window.start
    while True:
        q = calendar_quarter(d.year, (d.month - 1) // 3 + 1)
        if q.start > window.end:
            return out
        if q.start >= window.start and q.end <= window.end:
            out.append(q)
        d = q.end + timedelta(days=1)


def _frequency(spans) -> str:
    labels = {describe(s, e) for s, e in spans}
    if all(re.fullmatch(r"\d{4}-\d{2}", x) for x in labels):
        return "month"
    if all(re.fullmatch(r"\d{4}/\d{2} Q[1-4]", x) for x in labels):
        return "quarter"
    raise NotAvailable("This metric's data are not published by month or by quarter for this window (they come in "
                       f"{', '.join(sorted(labels)[:4])}), so there is no series to evaluate.")


def store_series(metric_id: str, area: str | A.Area, window: Period, offence: str, store: Store) -> _Built:
    """The metric for ``area`` period by period over ``window``, from one pass of the metrics code.

    A period that the data do not cover, or cover for only some of the area's forces, is a gap."""
    m = M.get(metric_id)
    if m["kind"] not in MODELLED:
        why = {"per_100k": "a rate per resident uses one population for a whole year, not a count per period: evaluate the "
                           "count of offences (recorded) instead",
               "average": "an average of days cannot be added up or modelled as counts"}.get(m["kind"], "it is not a count")
        raise NotAvailable(f"{m['name']} cannot be evaluated as a time series: {why}.")
    the_area = area if isinstance(area, A.Area) else A.resolve(area)
    fig = M.measure(metric_id, area=the_area, period=window, offence=offence, store=store, allow_partial=True)
    gathered = fig.all_gathered or [fig.gathered]
    spans = {s for g in gathered for s in g.by_span}
    if not spans:
        raise NotAvailable(f"No data for {m['name'].lower()} in {the_area.name} between {window.start:%B %Y} and {window.end:%B %Y}.")
    frequency = _frequency(spans)
    periods = _periods_of(window, frequency)
    holes = [h for g in gathered for hs in g.missing_areas.values() for h in hs]
    values: dict[tuple, dict] = {}
    for g in gathered:
        for span, v in g.by_span.items():
            values.setdefault(span, {}).update(v)
    counts, dens, flags = [], [], []
    two = MODELLED[m["kind"]] != "count"
    for p in periods:
        v = values.get((p.start, p.end))
        partial = any(s <= p.end and e >= p.start for s, e in holes)
        if v is None or partial or (two and "denominator" not in v):
            counts.append(None)
            dens.append(None)
            flags.append(["partial_areas"] if v is not None and partial else [])
            continue
        num = v["numerator"] if two else v["value"]
        counts.append(int(round(num)))
        dens.append(int(round(v["denominator"])) if two else None)
        flags.append(["low_count"] if two and v["denominator"] < LOW_COUNT else [])
    kind = MODELLED[m["kind"]]
    series = T.Series(periods, counts, dens if kind == "proportion" else None,
                      [float(d) if d else None for d in dens] if kind == "rate" else None, frequency, 1.0, flags)
    sources = [SeriesSource(dataset=e.dataset, edition=e.edition, title=e.title, file=e.file_name, sha256=e.sha256) for e in fig.editions]
    return _Built(series, metric=m, area=the_area, dataset=fig.dataset, sources=sources, offence=fig.offence,
                  name=m["name"], unit=m["unit"])


def file_series(path: str | Path, window: Period | None) -> _Built:
    from ..store import sha256_of
    from .series_file import read_series

    s = read_series(path)
    if window is not None:
        keep = [i for i, p in enumerate(s.periods) if window.start <= p.start and p.end <= window.end]
        if not keep:
            raise InvalidParameter("from", f"no period of {Path(path).name} lies between {window.start:%B %Y} and {window.end:%B %Y}")
        s = T.Series([s.periods[i] for i in keep], [s.counts[i] for i in keep],
                     [s.denominators[i] for i in keep] if s.denominators is not None else None,
                     [s.exposures[i] for i in keep] if s.exposures is not None else None, s.frequency, s.per)
    what = {"proportion": "proportion (count of denominator)", "rate": "rate per 100,000 of exposure", "count": "count"}[s.kind]
    return _Built(s, sources=[SeriesSource(file=Path(path).name, sha256=sha256_of(Path(path)))], name=f"{what} in {Path(path).name}")


# --- breaks -------------------------------------------------------------------------------------

def _months_between(a: date, b: date) -> float:
    return abs((a - b).days) / 30.44


def _near(when: date, start: date, end: date | None) -> bool:
    """Whether a break from ``start`` to ``end`` lies within NEAR_MONTHS of the intervention."""
    if start <= when and (end is None or end >= when):
        return True
    return _months_between(start, when) <= NEAR_MONTHS or (end is not None and _months_between(end, when) <= NEAR_MONTHS)


def breaks(b: _Built, window: Period, when: date) -> list[Break]:
    """Data breaks inside the window: the reference events that touch the series (recording
    changes, new outcome types, COVID-19, missing data...) and every run of missing periods."""
    out = []
    if b.area is not None:
        for ev in M.events_touching(window, b.area, b.dataset, b.offence):
            start = date.fromisoformat(ev["start"])
            end = date.fromisoformat(ev["end"]) if ev["end"] else None
            out.append(Break(id=ev["id"], title=ev["title"], kind=ev["kind"], start=ev["start"], end=ev["end"] or None,
                             description=ev["description"], near_intervention=_near(when, start, end)))
    s = b.series
    run: list[Period] = []
    for i, p in enumerate([*s.periods, None]):
        if p is not None and not s.observed(i):
            run.append(p)
            continue
        if run:
            a, z = run[0], run[-1]
            label = a.label if a is z else f"{a.label} to {z.label}"
            out.append(Break(id=f"missing:{a.label}", title=f"No data for {label}", kind="missing_data",
                             start=a.start.isoformat(), end=z.end.isoformat(),
                             description=f"The data hold nothing for {label}: {'this period is' if a is z else 'these periods are'} "
                                         "left out of the model, not filled in.",
                             near_intervention=_near(when, a.start, z.end)))
            run = []
    return out


# --- the evaluation -----------------------------------------------------------------------------

def _terms(f: T.Fit) -> list[Term]:
    out = []
    for j, nm in enumerate(f.names):
        b, s = float(f.params[j]), f.se(nm)
        r = f.ratio(nm)
        out.append(Term(name=nm, coefficient=b, std_error=s, ratio=r.estimate, ci_low=r.ci_low, ci_high=r.ci_high, p_value=r.p_value))
    return out


def _as_large(real: T.Ratio, other: T.Ratio) -> bool:
    return abs(math.log(other.estimate)) >= abs(math.log(real.estimate)) - 1e-12


def _placebos(b: _Built, k: int, real: T.Ratio, seasonality: str, errors: str, comparisons: list[_Built]) -> Placebos:
    """The same model at false dates inside the pre-period (on the pre-period alone), and in each
    comparison area at the real date: how many placebo level changes are as large as the real one."""
    s = b.series
    results: list[Placebo] = []
    obs = [i for i in range(k) if s.observed(i)]
    for j in range(len(obs)):
        kj = obs[j]
        before, after = j, len(obs) - j
        if before < T.MIN_POINTS or after < T.MIN_POINTS:
            continue
        try:
            f = T.fit(s, kj, seasonality=seasonality, errors=errors, rows=list(range(k)))
            r = f.ratio("level")
            results.append(Placebo(kind="pre_period", intervention=s.periods[kj].label, level_change=_interval(r), as_large=_as_large(real, r)))
        except NotAvailable as e:
            results.append(Placebo(kind="pre_period", intervention=s.periods[kj].label, reason=str(e)))
    for c in comparisons:
        try:
            T.check_points(c.series, k, c.area.name)
            f = T.fit(c.series, k, seasonality=seasonality, errors=errors)
            r = f.ratio("level")
            results.append(Placebo(kind="comparison_area", intervention=s.periods[k].label, area=_area_ref(c.area),
                                   level_change=_interval(r), as_large=_as_large(real, r)))
        except NotAvailable as e:
            results.append(Placebo(kind="comparison_area", intervention=s.periods[k].label, area=_area_ref(c.area), reason=str(e)))
    fitted = [p for p in results if p.as_large is not None]
    large = sum(p.as_large for p in fitted)
    if not fitted:
        summary = (f"No placebo could be fitted: placebo dates need {T.MIN_POINTS} points on each side inside the pre-period "
                   f"({2 * T.MIN_POINTS} before the intervention), and no comparison area was given.")
    else:
        summary = (f"{large} of {len(fitted)} placebo level changes "
                   f"({sum(p.kind == 'pre_period' for p in fitted)} at false dates before the intervention, "
                   f"{sum(p.kind == 'comparison_area' for p in fitted)} in comparison areas at the real date) "
                   f"{'is' if large == 1 else 'are'} as large as the real one.")
    return Placebos(results=results, fitted=len(fitted), as_large=large, summary=summary)


def _candidates(treated: _Built) -> list[A.Area]:
    """Forces other than the treated area and its members: where an automatic comparison looks."""
    own = {treated.area.code, *treated.area.members, *(c for mm in treated.area.members for c in mm.split("+"))}
    return [a for a in [*A.all_areas("pfa"), *A.all_areas("pfa_group")] if a.code not in own and a.level in ("pfa", "pfa_group")
            and not (a.level == "pfa_group" and set(a.members) & own)]


def _comparison(treated: _Built, k: int, window: Period, spec: str, seasonality: str, errors: str,
                store: Store) -> tuple[ComparisonAreas, list[_Built]]:
    """Named comparison areas, or ``auto``: forces whose pre-period series track the treated one
    (highest correlation of pre-period values, among those whose pre-period trend does not differ,
    p >= 0.10), up to five. The chosen areas are pooled into one comparison series."""
    s = treated.series
    pre_rows = list(range(k))
    candidates: list[Candidate] = []
    chosen: list[_Built] = []
    if spec.strip().lower() == "auto":
        method = "auto"
        scored = []
        built: list[tuple[A.Area, _Built | JusticegapError]] = []
        with store.prefetched():  # every force's series from a few queries (the panel engine's store)
            for a in _candidates(treated):
                try:
                    built.append((a, store_series(treated.metric["id"], a, window, treated.offence, store)))
                except JusticegapError as e:
                    built.append((a, e))
        for a, c in built:
            if isinstance(c, JusticegapError):
                candidates.append(Candidate(area=_area_ref(a), chosen=False, reason=str(c)))
                continue
            both = sum(1 for i in pre_rows if s.observed(i) and c.series.observed(i))
            if both < T.MIN_POINTS:
                candidates.append(Candidate(area=_area_ref(a), points=both, chosen=False,
                                            reason=f"only {both} pre-period points in common (at least {T.MIN_POINTS} needed)"))
                continue
            try:
                trend = T.comparative(s, c.series, k, seasonality=seasonality, pre_only=True).ratio("group:time", s.periods_per_year)
            except NotAvailable as e:
                candidates.append(Candidate(area=_area_ref(a), points=both, chosen=False, reason=str(e)))
                continue
            corr = T.correlation(s, c.series, pre_rows)
            scored.append((c, Candidate(area=_area_ref(a), points=both, correlation=corr, pre_trend_ratio_per_year=_interval(trend),
                                        chosen=False)))
        eligible = [(c, cand) for c, cand in scored if cand.correlation is not None and cand.correlation > 0
                    and (cand.pre_trend_ratio_per_year.p_value or 0) >= AUTO_MIN_P]
        eligible.sort(key=lambda x: -x[1].correlation)
        picked = {id(cand) for _, cand in eligible[:AUTO_AREAS]}
        chosen = [c for c, _ in eligible[:AUTO_AREAS]]
        for c, cand in scored:
            if id(cand) in picked:
                cand.chosen = True
            elif cand.correlation is None or cand.correlation <= 0:
                cand.reason = "its pre-period values do not move with the treated area's"
            elif (cand.pre_trend_ratio_per_year.p_value or 0) < AUTO_MIN_P:
                cand.reason = "its pre-period trend differs from the treated area's (p < 0.10)"
            else:
                cand.reason = f"others track the treated area more closely (only the {AUTO_AREAS} closest are used)"
            candidates.append(cand)
        candidates.sort(key=lambda c: (not c.chosen, -(c.correlation if c.correlation is not None else -2)))
    else:
        method = "named"
        for text in [x.strip() for x in spec.split(",") if x.strip()]:
            try:
                a = A.resolve(text)
            except NotFound as e:  # say which parameter named it: the treated area is given separately
                raise InvalidParameter("comparison", str(e)) from None
            if a.code == treated.area.code:
                raise InvalidParameter("comparison", f"{a.name} is the area being evaluated; name other areas to compare with")
            chosen.append(store_series(treated.metric["id"], a, window, treated.offence, store))
        if not chosen:
            raise InvalidParameter("comparison", "name one or more areas, comma-separated, or auto")
    areas = [_area_ref(c.area) for c in chosen]
    if not chosen:
        return ComparisonAreas(method=method, areas=[], candidates=candidates,
                          reason="No force's pre-period series tracks the treated one closely enough to stand for what would "
                                 "have happened without the change."), []
    pooled = T.pooled([c.series for c in chosen]) if len(chosen) > 1 else chosen[0].series
    try:
        T.check_points(pooled, k, "the comparison areas")
        f = T.comparative(s, pooled, k, seasonality=seasonality, errors=errors)
    except NotAvailable as e:
        return ComparisonAreas(method=method, areas=areas, candidates=candidates, reason=str(e)), chosen
    ppy = s.periods_per_year
    check = f.ratio("group:time", ppy)
    series = [PeriodPoint(period=p.label, start=p.start.isoformat(), end=p.end.isoformat(), observed=pooled.observed(i), after=i >= k,
                    count=pooled.counts[i], denominator=pooled.denominators[i] if pooled.denominators is not None else None,
                    exposure=pooled.exposures[i] if pooled.exposures is not None else None, value=pooled.value(i))
              for i, p in enumerate(pooled.periods)]
    return ComparisonAreas(method=method, areas=areas, candidates=candidates, level_change=_interval(f.ratio("group:level")),
                      trend_change_per_year=_interval(f.ratio("group:slope", ppy)), pre_trend_check=_interval(check),
                      pre_trends_differ=check.excludes_one, points_used=f.n_used, series=series), chosen


def _lower_first(name: str) -> str:
    """'CPS conviction rate' stays as it is mid-sentence; 'Convictions in...' reads 'convictions in...'."""
    return name if name[1:2].isupper() else name[:1].lower() + name[1:]


def _ratio_words(r: Interval, measure: str) -> str:
    return f"{r.estimate:.2f} ({measure}, 95% CI {r.ci_low:.2f} to {r.ci_high:.2f})"


def _signed_points(x: float) -> str:
    return ("+" if x > 0 else "−" if x < 0 else "") + pct_number(abs(x))


def _sentence(b: _Built, when_label: str, eff: Effect, ev: dict) -> str:
    s = b.series
    if b.metric:
        what = ("the number of " if s.kind == "count" else "the ") + _lower_first(b.name)
    else:
        what = f"the {b.name}"
    where = f" in {b.area.name}" if b.area is not None else ""
    off = f" for {reference.families()[b.offence]['label'].lower()}" if b.offence else ""
    lvl = eff.level_change
    direction = "higher" if lvl.estimate > 1 else "lower"
    text = (f"From {when_label}, {what}{off}{where} was {abs(lvl.estimate - 1) * 100:.0f}% {direction} than its earlier trend "
            f"projected{ {'proportion': ', in odds', 'rate': ', as a rate', 'count': ''}[s.kind]}: {_ratio_words(lvl, eff.measure)}")
    if eff.level_change_points is not None:
        d = eff.level_change_points
        text += (f"; {_signed_points(d.estimate)} percentage points (95% CI {_signed_points(d.ci_low)} to "
                 f"{_signed_points(d.ci_high)})")
    text += "."
    if eff.trend_change_per_year is not None:
        t = eff.trend_change_per_year
        text += f" Its trend changed by a factor of {_ratio_words(t, eff.measure + ' per year')}."
    verdict_level = ("consistent with a change in level at the intervention" if lvl.ci_low > 1 or lvl.ci_high < 1
                     else "consistent with no change in level at the intervention")
    text += (f" These {ev['used']} {'months' if s.frequency == 'month' else 'quarters'} are {verdict_level}; a series like "
             "this cannot show what brought a change about, since anything else that changed at the same time would look the same.")
    return text


def evaluate(metric: str | None = None, *, area: str | None = None, start: str | None = None, end: str | None = None,
             intervention: str | date, offence: str = "rape", comparison: str | None = None, seasonality: str = "none",
             errors: str = "model", series_file: str | Path | None = None, store: Store | None = None) -> Evaluation:
    """Evaluate a change at ``intervention`` in ``metric`` for ``area`` over ``start``..``end``
    (or in the series in ``series_file``): segmented regression, comparison areas, placebos,
    breaks, flags and a sentence."""
    if seasonality not in T.SEASONALITY:
        raise InvalidParameter("seasonality", f"'{seasonality}': use none, harmonic or month")
    if errors not in T.ERRORS:
        raise InvalidParameter("errors", f"'{errors}': use model or newey-west")
    when = intervention_date(intervention)
    own = store is None and series_file is None
    if own:
        store = Store(read_only=True)
    try:
        return _evaluate(metric, area, start, end, when, offence, comparison, seasonality, errors, series_file, store)
    finally:
        if own:
            store.close()


def _window(start, end) -> Period | None:
    if start is None and end is None:
        return None
    if start is None or end is None:
        raise InvalidParameter("from" if start is None else "to", "give both the first and the last period of the window (or neither, with your own series)")
    return between(start, end)


def _evaluate(metric, area, start, end, when, offence, comparison, seasonality, errors, series_file, store) -> Evaluation:
    if series_file is not None:
        if metric or area:
            raise InvalidParameter("series", "give either a metric and an area, or your own series, not both")
        if comparison:
            raise InvalidParameter("comparison", "comparison areas come from the loaded data: they need a metric and an area, "
                                                 "not your own series")
        b = file_series(series_file, _window(start, end))
    else:
        if not metric:
            raise InvalidParameter("metric", "give a metric (e.g. cps_conviction_rate) with an area and a window, or your own series")
        if not area:
            raise InvalidParameter("area", "give the area to evaluate")
        window = _window(start, end)
        if window is None:
            raise InvalidParameter("from", "give the window to evaluate: its first and last period")
        if M.get(metric).get("records"):
            raise NotAvailable(f"{M.get(metric)['name']} comes from case records, not a published series: to evaluate it, "
                               "give its series by month or quarter as your own series file (counts from the records).")
        b = store_series(metric, area, window, offence, store)
    s = b.series
    window = Period(s.periods[0].start, s.periods[-1].end, f"{s.periods[0].label}..{s.periods[-1].label}", "range")
    k = T.first_after(s, when)
    if k == 0 or k >= len(s.periods):
        raise InvalidParameter("intervention", f"{when.isoformat()} is not inside the window {window.label} "
                                                 "(it needs periods before and after it)")
    what = f"{b.name} for {b.area.name}" if b.area else b.name
    T.check_points(s, k, what)
    f = T.fit(s, k, seasonality=seasonality, errors=errors)
    ppy = s.periods_per_year
    measure = "odds ratio" if f.family == "binomial" else "rate ratio"
    eff = Effect(measure=measure, level_change=_interval(f.ratio("level")),
                 trend_change_per_year=_interval(f.ratio("slope", ppy)) if "slope" in f.names else None,
                 pre_trend_per_year=_interval(f.ratio("time", ppy)),
                 level_change_points=_interval(T.points_change(s, f, k, seasonality)))
    pred = T.predictions(s, f, k, seasonality)
    pts = []
    for i, p in enumerate(s.periods):
        after = i >= k
        pts.append(PeriodPoint(period=p.label, start=p.start.isoformat(), end=p.end.isoformat(), observed=s.observed(i), after=after,
                         count=s.counts[i], denominator=s.denominators[i] if s.denominators is not None else None,
                         exposure=s.exposures[i] if s.exposures is not None else None, value=s.value(i),
                         fitted=float(pred["fitted"][i]),
                         counterfactual=float(pred["counterfactual"][i]) if after else None,
                         counterfactual_low=float(pred["cf_low"][i]) if after else None,
                         counterfactual_high=float(pred["cf_high"][i]) if after else None,
                         flags=list(s.flags[i]) if s.flags else []))
    brk = breaks(b, window, when)
    comp, comp_series = (None, [])
    if comparison:
        comp, comp_series = _comparison(b, k, window, comparison, seasonality, errors, store)
    plac = _placebos(b, k, f.ratio("level"), seasonality, errors, comp_series)
    before, after = T.counts_around(s, k)
    gaps = [p.label for i, p in enumerate(s.periods) if not s.observed(i)]
    flags, caveats = [], []
    near = [x for x in brk if x.near_intervention]
    if near:
        flags.append("break_near_intervention")
        caveats.append("FLAGGED: a data break lies within three months of the intervention (" + "; ".join(x.title for x in near)
                       + "): a change in recording or missing data at that time would look the same as a change brought "
                         "about by the intervention.")
    if gaps:
        flags.append("gaps")
        caveats.append(f"{len(gaps)} of {len(s.periods)} periods have no data ({', '.join(gaps)}): they are left out of the model, "
                       "never filled in.")
    low = [p.period for p in pts if "low_count" in p.flags]
    if low:
        flags.append("low_count")
        caveats.append(f"{len(low)} periods have fewer than {LOW_COUNT} cases in the denominator, so their values swing widely "
                       "from chance alone; the model weights them by their size.")
    ac = f.autocorrelation
    if ac is not None and ac.suggests_newey_west:
        flags.append("autocorrelation")
        caveats.append(f"The residuals are autocorrelated (Ljung-Box over {ac.lags} lags, {p_text(ac.p_value)}): "
                       + ("intervals robust to autocorrelation (Newey-West errors) are advisable; the model's own intervals "
                          "are likely too narrow." if errors == "model" else "the Newey-West intervals allow for it."))
    if f.scale > 1.5:
        caveats.append(f"The counts vary more than the {f.family} model expects (dispersion {f.scale:.2f}); the intervals are "
                       "widened accordingly (quasi-likelihood).")
    if plac.fitted and (plac.as_large + 1) / (plac.fitted + 1) >= 0.05:
        flags.append("placebos_as_large")
        caveats.append(f"{plac.summary} The real change does not stand out from what false dates and other areas show.")
    if comp is not None and comp.pre_trends_differ:
        flags.append("pre_trends_differ")
        caveats.append("The treated and comparison areas' pre-period trends differ (the pre-trend check's interval excludes 1), "
                       "so the comparison areas may not show what would have happened without the change.")
    if comp is not None and comp.reason:
        caveats.append(f"No comparison: {comp.reason}")
    if b.metric:
        caveats.extend(M.conditional_caveats(b.metric, {b.dataset}, b.offence))
        caveats.extend(b.metric.get("caveats", []))
    caveats.append("An interrupted time series shows whether a series changed when something else did; it cannot rule out "
                   "other changes at the same time. Read it with the data breaks, placebo tests and comparison areas that come with it.")
    when_label = f"{when:%-d %B %Y}" if when.day != 1 else f"{when:%B %Y}"
    sentence = _sentence(b, when_label, eff, {"used": f.n_used})
    if near:
        sentence += " This result is flagged: a data break lies within three months of the intervention."
    if comp is not None and comp.level_change is not None:
        c = comp.level_change
        verdict = "consistent with a change beyond the comparison areas'" if c.ci_low > 1 or c.ci_high < 1 else \
            "consistent with no change beyond the comparison areas'"
        sentence += (f" Against {len(comp.areas)} comparison area{'s' if len(comp.areas) != 1 else ''}, the level change was "
                     f"{_ratio_words(c, 'ratio of ' + measure + 's')}: {verdict}.")
    if plac.fitted:
        sentence += f" {plac.as_large} of {plac.fitted} placebo effects were as large."
    season_words = {"none": "no seasonal terms", "harmonic": "two sine-cosine pairs for the yearly cycle",
                    "month": f"one indicator per {'month' if s.frequency == 'month' else 'quarter'}"}[seasonality]
    model = SegmentedModel(family=f.family, link="logit" if f.family == "binomial" else "log",
                  offset="log exposure" if s.kind == "rate" else None, scale=f.scale, seasonality=seasonality, errors=errors,
                  hac_lags=f.hac_lags, frequency=s.frequency, terms=_terms(f),
                  autocorrelation=Autocorrelation(test=ac.test, lags=ac.lags, statistic=ac.statistic, p_value=ac.p_value,
                                                  suggests_newey_west=ac.suggests_newey_west) if ac else None,
                  description=(f"Segmented {'binomial (logit)' if f.family == 'binomial' else 'Poisson (log)'} regression"
                               + (" with log exposure as offset" if s.kind == "rate" else "")
                               + f": pre-period trend, level change and trend change at {s.periods[k].label}, {season_words}; "
                               f"quasi-likelihood scale {f.scale:.2f}; "
                               + ("Newey-West (HAC) errors, Bartlett kernel, " + str(f.hac_lags) + " lags counted in observed points"
                                  if errors == "newey-west" else "model-based errors") + "."))
    m = b.metric or {}
    return Evaluation(
        metric=m.get("id"), name=b.name, kind=s.kind, basis=m.get("basis"), unit=b.unit,
        area=_area_ref(b.area) if b.area else None, offence=b.offence,
        window=Window(label=window.label, start=window.start.isoformat(), end=window.end.isoformat()),
        intervention=Intervention(date=when.isoformat(), first_period_after=s.periods[k].label),
        points_before=before, points_after=after, points_used=f.n_used, gaps=gaps, effect=eff, model=model, points=pts,
        breaks=brk, placebos=plac, comparison=comp, sources=b.sources, flags=flags, caveats=caveats, sentence=sentence)


# --- a section of `justicegap report` -------------------------------------------------------------

REPORT_METRIC = "cps_conviction_rate"


def report_section(area: A.Area, years: list[str], intervention: str | date, offence: str, store: Store):
    """For ``justicegap report --intervention``: the CPS conviction rate by month around the date,
    over the months of the report's years that the monthly case outcomes cover, as a report table;
    or, when it cannot be given, a 'not available' item with the reason. Returns (table, item)."""
    from ..model.report import Column, Table

    when = intervention_date(intervention)
    window = between(years[0], years[-1])
    part = f"Evaluation of the change on {when:%-d %B %Y} (CPS conviction rate by month)"
    try:
        s = store_series(REPORT_METRIC, area, window, offence, store).series
        seen = [i for i in range(len(s.periods)) if s.observed(i)]
        if not seen:
            raise NotAvailable(f"The monthly CPS case outcomes loaded hold nothing for {area.name} between {window.start:%B %Y} "
                               f"and {window.end:%B %Y}.")
        ev = evaluate(REPORT_METRIC, area=area, start=s.periods[seen[0]].label, end=s.periods[seen[-1]].label,
                      intervention=when, offence=offence, store=store)
    except (NotAvailable, InvalidParameter) as e:
        return None, {"part": part, "reason": str(e), "holder": "", "periods": []}
    cols = [Column("Month", "string"), Column("Completed prosecutions", "integer", "defendants"),
            Column("Convictions", "integer", "defendants"), Column("Conviction rate", "percent"),
            Column("Fitted", "percent", description="The segmented regression's fitted rate"),
            Column("Earlier trend carried on", "percent", description="After the change: the counterfactual"),
            Column("95% band, low", "percent"), Column("95% band, high", "percent"),
            Column("After the change", "string")]
    rows = [[p.period, p.denominator, p.count, p.value, p.fitted, p.counterfactual, p.counterfactual_low, p.counterfactual_high,
             "yes" if p.after else "no"] for p in ev.points]
    e = ev.effect
    notes = [ev.sentence, f"Model: {ev.model.description}", f"Placebos: {ev.placebos.summary}",
             *(f"Data break: {b.title}: {b.description}" for b in ev.breaks if b.kind != "missing_data"), *ev.caveats]
    if e.trend_change_per_year is not None:
        notes.insert(1, f"Level change {e.level_change.estimate:.3f} (95% CI {e.level_change.ci_low:.3f} to "
                        f"{e.level_change.ci_high:.3f}); change in trend per year {e.trend_change_per_year.estimate:.3f} "
                        f"(95% CI {e.trend_change_per_year.ci_low:.3f} to {e.trend_change_per_year.ci_high:.3f}); {e.measure}s.")
    table = Table("evaluation", f"Did it change? {ev.name}, {area.name}, by month around {when:%-d %B %Y}", cols, rows, notes,
                  derived=True, geography="police force area (CPS)", basis=ev.basis, unit=ev.unit,
                  editions=[s.edition for s in ev.sources if s.edition], metrics=[REPORT_METRIC])
    return table, None
