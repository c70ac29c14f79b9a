"""Time to charge, to an outcome, or to the end of the prosecution, from the day the crime was
recorded: Kaplan-Meier curves censored at the extract date, and the cumulative incidence of
competing outcomes (Aalen-Johansen), both from lifelines (never hand-written estimators).

A crime still open at the extract date is censored there: it counts as "not yet", never as closed.
For time to charge, a crime closed another way is kept at risk until the extract date (it was not
charged by then), so 1 - KM is the share charged by each day; the cumulative incidence functions
split the same crimes between charge and the outcomes that compete with it.
"""

from __future__ import annotations

import math

from ..errors import InvalidParameter
from . import scope as S
from .measures import CHARGED, charge_dates

EVENTS = {
    "charge": "charged or summonsed (police outcome 1/1A, or a CPS decision to charge)",
    "outcome": "any police outcome assigned (types 1-22)",
    "completion": "the prosecution completed (a linked CPS case finalised)",
}
COMPETING = {  # outcome -> (label, police outcome types); 'other' is every other closure
    "charged": ("Charged or summonsed", CHARGED),
    "victim_does_not_support": ("The victim does not support further action (14, 16)", ("14", "16")),
    "evidential_difficulties": ("Evidential difficulties, the victim supports action (15)", ("15",)),
    "other": ("Other closures", ()),
}
BY = ("year", "force")
MAX_POINTS = 400
VARIANCE_MAX_N = 20_000  # lifelines' Aalen-Johansen variance grows with the square of the distinct times


def _num(x):
    return None if x is None or (isinstance(x, float) and (math.isinf(x) or math.isnan(x))) else float(x)


def _thinned(n: int):
    """Positions of the points drawn: every step-th of ``n`` (about MAX_POINTS), and the last."""
    import numpy as np

    step = max(1, n // MAX_POINTS)
    return np.unique(np.r_[np.arange(0, n, step), n - 1]) if n else np.arange(0)


def durations(frame, event: str):
    """(days, observed) arrays for ``event``, censored at each record's extract date."""
    import polars as pl

    frame = charge_dates(frame)
    when = {"charge": pl.col("charge_date"),
            "outcome": pl.when(pl.col("outcome_type").is_not_null() & (pl.col("outcome_type") != "0")).then(pl.col("outcome_date")),
            "completion": pl.col("completion_date")}[event]
    d = frame.select(when.alias("t"), pl.col("date_recorded"), pl.col("extract_date"))
    observed = d["t"].is_not_null().to_numpy()
    end = d.select(pl.coalesce("t", "extract_date")).to_series()
    days = (end - d["date_recorded"]).dt.total_days().to_numpy().astype(float)
    return days, observed


def km(days, observed, label: str):
    """One Kaplan-Meier curve (lifelines), as the share with the event by each day, with its median
    and the median's 95% interval."""
    from lifelines import KaplanMeierFitter
    from lifelines.utils import median_survival_times

    from ..model.records import Curve, CurvePoint

    kmf = KaplanMeierFitter().fit(days, observed, label="km")
    ci = kmf.confidence_interval_survival_function_
    med = _num(kmf.median_survival_time_)
    mci = median_survival_times(kmf.confidence_interval_)
    lo, hi = (_num(mci.iloc[0, 0]), _num(mci.iloc[0, 1])) if len(mci) else (None, None)
    sf = kmf.survival_function_["km"]
    at = _thinned(len(sf))
    t, s, lo_, hi_ = sf.index.values[at], sf.values[at], ci.values[at, 0], ci.values[at, 1]
    pts = [CurvePoint(days=float(t[j]), value=1 - float(s[j]), ci_low=1 - float(hi_[j]), ci_high=1 - float(lo_[j]))
           for j in range(len(at))]
    return Curve(label=label, n=len(days), events=int(observed.sum()), censored=int((~observed.astype(bool)).sum()),
                 median_days=med, median_ci_low=lo, median_ci_high=hi, points=pts)


def incidence(days, codes, names: list[tuple[str, str]], *, horizon: float = 365.0, seed: int = 0):
    """Cumulative incidence of each competing outcome (codes 1..k; 0 = censored), Aalen-Johansen.
    lifelines breaks tied times by a small seeded jitter, so results are reproducible. Intervals
    are given up to VARIANCE_MAX_N crimes (beyond that lifelines' variance takes minutes)."""
    import warnings

    import numpy as np
    from lifelines import AalenJohansenFitter

    from ..model.records import CurvePoint, Incidence

    out = []
    for k, (key, label) in enumerate(names, 1):
        events = int((codes == k).sum())
        if events == 0:
            out.append(Incidence(outcome=key, label=label, events=0, at_365_days=0.0, at_end=0.0, points=[]))
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ajf = AalenJohansenFitter(seed=seed, calculate_variance=len(days) <= VARIANCE_MAX_N).fit(days, codes, event_of_interest=k)
        cif = ajf.cumulative_density_.iloc[:, 0]
        ci = ajf.confidence_interval_cumulative_density_ if len(days) <= VARIANCE_MAX_N else None
        at = np.searchsorted(cif.index.values, horizon, side="right") - 1
        pick = _thinned(len(cif))
        pts = [CurvePoint(days=float(t), value=float(v)) for t, v in zip(cif.index.values[pick], cif.values[pick])]
        out.append(Incidence(outcome=key, label=label, events=events,
                             at_365_days=float(cif.iloc[at]) if at >= 0 else 0.0,
                             at_365_ci_low=_num(ci.iloc[at, 0]) if at >= 0 and ci is not None else None,
                             at_365_ci_high=_num(ci.iloc[at, 1]) if at >= 0 and ci is not None else None,
                             at_end=float(cif.iloc[-1]), points=pts))
    return out


def competing_codes(frame):
    """(days, code) for the first closure of each crime: 1..4 in COMPETING's order, 0 = open at
    the extract date (censored there)."""
    import numpy as np
    import polars as pl

    frame = charge_dates(frame)
    closed = pl.col("outcome_type").is_not_null() & (pl.col("outcome_type") != "0")
    code = pl.when(pl.col("charge_date").is_not_null()).then(1)
    for k, (key, (_, types)) in enumerate(list(COMPETING.items())[1:3], 2):
        code = code.when(closed & pl.col("outcome_type").is_in(list(types))).then(k)
    code = code.when(closed).then(4).otherwise(0)
    t = pl.when(pl.col("charge_date").is_not_null()).then(pl.col("charge_date")).when(closed).then(pl.col("outcome_date")).otherwise(pl.col("extract_date"))
    d = frame.select(code.alias("code"), (t - pl.col("date_recorded")).dt.total_days().alias("days"))
    return d["days"].to_numpy().astype(float), np.asarray(d["code"].to_numpy(), dtype=int)


def survival(store, area: str, period: str, *, event: str = "charge", offence: str = "sexual_offences", by: str | None = None):
    import polars as pl

    from ..model.records import Survival

    if event not in EVENTS:
        raise InvalidParameter("event", f"'{event}' is not one of {', '.join(EVENTS)}")
    if by is not None and by not in BY:
        raise InvalidParameter("by", f"'{by}' is not one of {', '.join(BY)}")
    sc = S.select(store, area, period, offence)
    rec = sc.recorded
    if rec.height == 0:
        raise InvalidParameter("period", f"no crimes recorded in {sc.period} in the loaded records")
    groups = [("All crimes recorded", rec)]
    if by == "year":
        fy = pl.when(pl.col("date_recorded").dt.month() >= 4).then(pl.col("date_recorded").dt.year()).otherwise(pl.col("date_recorded").dt.year() - 1)
        rec = rec.with_columns(fy.alias("_g"))
        groups = [(f"{y}/{str(y + 1)[2:]}", rec.filter(pl.col("_g") == y)) for y in sorted(rec["_g"].unique())]
    elif by == "force":
        from .. import areas as A

        groups = [(A.get(f).name, rec.filter(pl.col("force_code") == f)) for f in sorted(rec["force_code"].unique())]
    curves = [km(*durations(g, event), label) for label, g in groups]
    inc = []
    if event in ("charge", "outcome"):
        days, codes = competing_codes(rec)
        inc = incidence(days, codes, [(k, v[0]) for k, v in COMPETING.items()])
    return Survival(synthetic=sc.synthetic, area=sc.area.to_dict(), period=sc.period.to_dict(), offence=offence, event=event,
                    start="the date the crime was recorded", extract_date=sc.extract_date,
                    method=(f"Kaplan-Meier (lifelines) of days from recording to {EVENTS[event]}, censored at the extract date "
                            f"{sc.extract_date}; median with its 95% interval"
                            + ("; cumulative incidence of competing first outcomes by Aalen-Johansen (lifelines)" if inc else "")
                            + (f", without intervals above {VARIANCE_MAX_N:,} crimes" if inc and rec.height > VARIANCE_MAX_N else "")),
                    curves=curves, incidence=inc)
