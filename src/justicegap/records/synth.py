"""``justicegap synth``: synthetic case records whose counts reproduce the published ones exactly.

For the force(s) and period asked, one crime record is made for every offence in the loaded Home
Office outcomes cohort (offences recorded in each quarter by offence code, with the outcome type
each had reached at the edition's extract), and the outcomes are dated so that the outcomes
assigned in each quarter equal the same edition's "outcomes recorded in quarter" count too; the
outcomes that count holds beyond the period's own offences belong to offences recorded before the
period, which are made as well (``synthetic_earlier = true``, ids marked ``-PRE-``). Reconciling
the synthetic records against that edition shows no difference on either basis, except in cells
published as negative counts (the Home Office's corrections), which no records can reproduce and
which the manifest lists. Times are drawn from log-normal distributions whose medians are the
published MoJ timeliness medians (offence to charge, charge to first listing, first listing to
completion), and prosecutions end in a conviction with the probability the CPS published for
sexual offences in that force and period. What the publications do not give (victims' ages for
non-rape codes, cancellation shares, plea shares...) is drawn from stated assumptions, listed in
the manifest. Every file carries ``synthetic = true`` on every row, and ``manifest.json`` and
``README.txt`` say the records are synthetic. The same seed gives the same files.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from .. import areas as A
from .. import reference
from ..errors import InvalidParameter, NotAvailable
from . import schema
from . import store as rstore

SIGMA = 0.9  # spread of every log-normal time (no published spread): an assumption
CANCELLED_SHARE, TRANSFERRED_SHARE = 0.06, 0.02
CPS_NFA_EVIDENTIAL_SHARE = 0.2  # of type-15 records with a suspect, referred to the CPS and not charged
GUILTY_PLEA_SHARE = 0.4  # of convictions
UNSUCCESSFUL = {"acquitted": 0.6, "discontinued": 0.3, "dismissed": 0.1}
ASSUMPTIONS = [
    f"Times are log-normal with the published medians and a log-scale spread of {SIGMA} (no spread is published).",
    "Offences are recorded on a uniformly drawn day of their quarter; 80% are recorded on the day they are reported.",
    "Offence-to-charge times are log-normal, at least the time from the report to the charge, with their median over "
    "the charged records equal to the MoJ median (the distribution's own median is lowered to allow for that floor).",
    "Offences with no charge: 70% reported within a week of the offence, 30% non-recent (median two years before).",
    f"{CANCELLED_SHARE:.0%} extra records are cancelled ('no crime') and {TRANSFERRED_SHARE:.0%} transferred: "
    "no shares are published; they are outside the Home Office counts.",
    f"{CPS_NFA_EVIDENTIAL_SHARE:.0%} of records closed as outcome 15 with a suspect were referred to the CPS, which took no further action.",
    f"{GUILTY_PLEA_SHARE:.0%} of convictions are guilty pleas; unsuccessful prosecutions are "
    + ", ".join(f"{v:.0%} {k}" for k, v in UNSUCCESSFUL.items()) + ".",
    "Victims' sex and age follow the offence code where it says them (19C adult female ...); otherwise 85% female, ages spread across bands.",
    "Time from recording to outcome is log-normal with a median of 120 days; where more outcomes would fall in a quarter "
    "than the Home Office says were assigned in it, the surplus (in random order) moves on to the next quarter, or to a "
    "day between the end of the period and the extract date.",
    "Outcomes published as assigned in a quarter beyond those of the period's own offences belong to offences recorded "
    "before the period: each is a record dated in that quarter, recorded a log-normal time (median 120 days) before, "
    "conditioned on falling before the period.",
    "Victims withdraw support (outcomes 14 and 16) on a uniformly drawn day between recording and the outcome.",
    "The extract date is the outcomes edition's publication date, or 91 days after the period when the edition has none.",
    "CPS cases of a force without a CPS Area of its own (British Transport Police) go to CPS London.",
]
RAPE_VICTIM = {"19C": ("female", "adult"), "19D": ("female", "13-15"), "19E": ("female", "0-12"),
               "19F": ("male", "adult"), "19G": ("male", "13-15"), "19H": ("male", "0-12")}
ADULT_BANDS = ["16-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+"]
ADULT_P = [0.08, 0.34, 0.26, 0.16, 0.1, 0.04, 0.02]
ALL_BANDS = ["0-12", "13-15", *ADULT_BANDS]
ALL_P = [0.12, 0.18, *(0.7 * p for p in ADULT_P)]


def _lognormal(rng, median, n, low=None, high=None):
    """Log-normal draws with ``median``, truncated to [low, high] by inverse CDF (arrays allowed)."""
    import numpy as np
    from scipy.special import ndtr, ndtri

    mu = np.log(max(median, 0.5))
    lo = np.zeros(n) if low is None else ndtr((np.log(np.maximum(low, 1e-9)) - mu) / SIGMA) * (np.asarray(low) > 0)
    hi = np.ones(n) if high is None else ndtr((np.log(np.maximum(high, 1e-9)) - mu) / SIGMA)
    u = lo + rng.random(n) * np.maximum(hi - lo, 0)
    u = np.clip(u, 1e-12, 1 - 1e-12)
    out = np.exp(mu + SIGMA * ndtri(u))
    if low is not None:
        out = np.maximum(out, low)
    if high is not None:
        out = np.minimum(out, high)
    return out


def _pure(rows) -> tuple[dict, list]:
    """Published (quarter, force, code, outcome, count) rows as counts of records per outcome type:
    a sub-code (1A) is its own type and is taken out of its parent (1), which the Home Office
    publishes including it. Cells that come out negative (the publisher's corrections) are left out
    and returned: no set of records can reproduce them."""
    parents = {k: v["parent"] for k, v in reference.outcomes().items() if v.get("parent")}
    cells: dict[tuple, int] = {}
    for q, force, code, outcome, n in rows:
        cells[(q, force, code, outcome)] = cells.get((q, force, code, outcome), 0) + int(n)
        if outcome in parents:
            cells[(q, force, code, parents[outcome])] = cells.get((q, force, code, parents[outcome]), 0) - int(n)
    return {k: v for k, v in cells.items() if v > 0}, sorted(k + (v,) for k, v in cells.items() if v < 0)


def _median_matched(rng, median, low, mask):
    """Log-normal draws, each at least ``low``, whose median over ``mask`` is ``median`` where the
    floors allow it: the distribution's own median is lowered (by bisection, the same uniform
    draws throughout) to make up for the draws the floors push up."""
    import numpy as np
    from scipy.special import ndtr, ndtri

    u = rng.random(len(low))
    floor = np.maximum(low, 1e-9)

    def draw(mu):
        lo = ndtr((np.log(floor) - mu) / SIGMA) * (low > 0)
        return np.maximum(np.exp(mu + SIGMA * ndtri(np.clip(lo + u * (1 - lo), 1e-12, 1 - 1e-12))), low)

    a, b = 0.0, np.log(max(median, 1.0))
    if mask.any():
        for _ in range(40):
            mid = (a + b) / 2
            a, b = (mid, b) if np.median(draw(mid)[mask]) < median else (a, mid)
    return draw(b)


def _span(days) -> str:
    import numpy as np

    return f"{np.min(days)} to {np.max(days)}" if len(days) else "none"


def _quarter_label(d) -> str:
    from .reconcile import _quarter

    return _quarter(d)


def _unreproducible(cells) -> str:
    if not cells:
        return ""
    shown = "; ".join(f"{_quarter_label(q)} {code} outcome {o}: {n}" for q, _f, code, o, n in cells[:5])
    return (f". {len(cells)} published cell(s) are negative (the Home Office's corrections) and cannot be reproduced "
            f"by any records: {shown}" + (" ..." if len(cells) > 5 else ""))


def _quarter_starts(per) -> list[date]:
    out, d = [], per.start
    while d <= per.end:
        out.append(d)
        m = d.month + 3
        d = date(d.year + (m - 1) // 12, (m - 1) % 12 + 1, 1)
    return out


def _allocate(rng, group, bucket, cap):
    """The quarter (bucket) each outcome is assigned in, given the one it would fall in (``bucket``)
    and the published count of outcomes assigned in each quarter (``cap``, groups x buckets, the last
    bucket after the period and unbounded). A quarter keeps at most its published count (its own
    records first, in random order, then those moved on to it); the rest move on to the next."""
    import numpy as np

    n, nb = len(group), cap.shape[1]
    native = np.zeros_like(cap)
    np.add.at(native, (group, bucket), 1)
    order = np.lexsort((rng.random(n), bucket, group))
    key = group[order] * nb + bucket[order]
    firsts = np.r_[0, np.flatnonzero(np.diff(key)) + 1]
    pos = np.empty(n, dtype=np.int64)
    pos[order] = np.arange(n) - np.repeat(firsts, np.diff(np.r_[firsts, n]))
    final = bucket.copy()
    for b in range(nb - 1):
        over = (final == b) & (pos >= cap[group, b])
        g = group[over]
        pos[over] = native[g, b + 1] + pos[over] - cap[g, b]
        final[over] = b + 1
    return final


def _uniform_in(rng, bucket, edges, ext):
    """A day drawn uniformly in each bucket's quarter (the last bucket: after the period, up to the extract date)."""
    import numpy as np

    lo = np.r_[edges, edges[-1]][bucket]
    hi = np.r_[edges[1:], ext + 1][bucket]
    return lo + (rng.random(len(bucket)) * (hi - lo).astype(int)).astype(int)


def _typed(frame, table):
    import polars as pl

    kinds = {"date": pl.Date, "boolean": pl.Boolean, "string": pl.String}
    frame = frame.with_columns([pl.Series(c, [None if v is None else str(v) for v in frame[c].to_list()], dtype=pl.String)
                                for c, t in frame.schema.items() if t == pl.Object])
    return frame.select([pl.col(f.name).cast(kinds[f.type]) for f in schema.fields(table) if f.name in frame.columns])


def _median_for(con, measure: str, family: str, year: int) -> tuple[float, str]:
    for fam in (family, "rape", "sexual_offences"):
        rows = rstore.published_values(con, "moj_timeliness", measure, fam, "K04000001")
        if rows:
            fitting = [r for r in rows if r[1].year <= year <= r[2].year] or sorted(rows, key=lambda r: r[2])[-1:]
            ed, s, e, _, v = fitting[0]
            return float(v), f"MoJ timeliness {measure} = {v:g} days ({fam}, {s.year}, edition {ed})"
    raise NotAvailable("No MoJ timeliness medians are loaded (needed for synthetic times).",
                       holder="the Ministry of Justice (its prosecution-times data)").with_actions("load_data")


def _conviction_rate(con, forces, start, end) -> tuple[float, str]:
    """Convictions / completed prosecutions for sexual offences in the forces (else nationally),
    over the months of the period that are loaded (the source says how many)."""
    for scope in (forces, ["K04000001"]):
        conv = uns = 0.0
        months = set()
        for measure in ("convictions", "unsuccessful"):
            for f in scope:
                for _ed, s, e, _a, v in rstore.published_values(con, "cps_case_outcomes", measure, "sexual_offences", f):
                    if start <= s and e <= end:
                        months.add(s)
                        if measure == "convictions":
                            conv += v
                        else:
                            uns += v
        if conv + uns > 0:
            n_months = (end.year - start.year) * 12 + end.month - start.month + 1
            return conv / (conv + uns), (f"CPS case outcomes, sexual offences, {'/'.join(scope)}: {conv:g} convictions of "
                                         f"{conv + uns:g} completed prosecutions ({conv / (conv + uns):.1%}), "
                                         f"{len(months)} of the period's {n_months} months loaded")
    raise NotAvailable("No CPS case outcomes for sexual offences are loaded for this period (needed for synthetic verdicts).",
                       holder="the CPS (its case outcomes by principal offence category)").with_actions("load_data")


def synthesise(store, area: str, period: str, out: Path, *, seed: int = 1, offence: str = "sexual_offences",
               extract_date: date | None = None, edition: str | None = None):
    """Write synthetic offences, suspects and cps_cases CSVs (and manifest.json) to ``out``."""
    import numpy as np
    import polars as pl

    from ..model.records import SynthResult

    from ..writable import check_writable_folder
    from .scope import resolve

    check_writable_folder(out, "out")
    con = store.con
    ar, forces, per, codes = resolve(area, period, offence)
    ed_id, ed_file, rows = rstore.published_cohort(con, forces, per.start, per.end, codes, edition)
    if not rows:
        raise NotAvailable(f"No Home Office outcomes cohort is loaded for {ar.name} in {per}.",
                           holder="the Home Office (its crime outcomes open data)").with_actions("load_data")
    if extract_date is None:
        pub = rstore.edition_published(con, ed_id)
        extract_date = pub[0] if pub and pub[0] else per.end + timedelta(days=91)
    if extract_date <= per.end:
        raise InvalidParameter("extract_date", f"{extract_date} is not after the end of the period ({per.end})")
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise InvalidParameter("out", f"{out} exists and is not empty: give a new folder")
    year = per.end.year
    med_oc, src_oc = _median_for(con, "median_offence_to_charge_days", offence, year)
    med_cl, src_cl = _median_for(con, "median_charge_to_first_listing_days", offence, year)
    med_mh, src_mh = _median_for(con, "median_sending_to_crown_court_to_main_hearing_days", offence, year)
    med_hc, src_hc = _median_for(con, "median_main_hearing_to_completion_days", offence, year)
    conv_rate, src_cr = _conviction_rate(con, forces, per.start, per.end)
    rng = np.random.default_rng(seed)
    _, _, closed_rows = rstore.published_cohort(con, forces, per.start, per.end, codes, ed_id, "outcomes_closed")
    cohort, cohort_negative = _pure(rows)
    assigned, closed_negative = _pure(closed_rows)
    ext = np.datetime64(extract_date, "D")
    # Quarter edges of the period; bucket nq is "after the period, by the extract date".
    starts = _quarter_starts(per)
    nq = len(starts)
    edges = np.array([*starts, per.end + timedelta(days=1)], dtype="datetime64[D]")

    # One record per offence in the published cohort (sub-codes such as 1A split from their parents).
    keys = sorted(cohort)
    counts = np.array([cohort[k] for k in keys], dtype=np.int64)

    def repeat(i, dtype=None):
        return np.repeat(np.array([k[i] for k in keys], dtype=dtype), counts)

    q_start, force, code, otype = repeat(0, "datetime64[D]"), repeat(1), repeat(2), repeat(3)
    n_cohort = len(otype)
    q_end = (q_start.astype("datetime64[M]") + 3).astype("datetime64[D]")
    recorded = q_start + (rng.random(n_cohort) * (q_end - q_start).astype(int)).astype(int)
    t_out = _lognormal(rng, 120, n_cohort, high=(ext - recorded).astype(int)).astype(int)
    outcome_date = recorded + t_out
    # Outcomes assigned in each quarter must add up to the published "outcomes recorded in quarter":
    # a quarter's surplus moves on to the next quarter (or after the period); what a quarter still
    # lacks was assigned to offences recorded before the period, made below.
    groups = sorted({k[1:] for k in keys if k[3] != "0"} | {k[1:] for k in assigned})
    gid = {g: i for i, g in enumerate(groups)}
    unbounded = np.iinfo(np.int64).max // 4
    cap = np.zeros((len(groups), nq + 1), dtype=np.int64)
    cap[:, nq] = unbounded
    qidx = {d: i for i, d in enumerate(starts)}
    for (q, f, c, o), v in assigned.items():
        cap[gid[(f, c, o)], qidx[q]] = v
    # A force's quarter with no closed count at all published (not provided) constrains nothing.
    g_force = np.array([g[0] for g in groups], dtype=object)
    unpublished = sorted({(q, f) for f in set(g_force) for q in starts} - {(q, f) for q, f, *_ in closed_rows})
    for q, f in unpublished:
        cap[g_force == f, qidx[q]] = unbounded
    has = otype != "0"
    g_rec = np.array([gid.get((f, c, o), -1) for f, c, o in zip(force, code, otype)], dtype=np.int64)
    desired = np.searchsorted(edges, outcome_date, side="right") - 1
    final = desired.copy()
    final[has] = _allocate(rng, g_rec[has], desired[has], cap)
    moved = has & (final != desired)
    outcome_date[moved] = _uniform_in(rng, final[moved], edges, ext)
    outcome_date = np.where(has, outcome_date, np.datetime64("NaT"))
    kept = np.zeros_like(cap)
    np.add.at(kept, (g_rec[has], final[has]), 1)
    spare = np.where(cap[:, :nq] == unbounded, 0, cap[:, :nq] - kept[:, :nq])
    g_e, b_e = np.nonzero(spare)
    reps = spare[g_e, b_e]
    e_group, e_bucket = np.repeat(g_e, reps), np.repeat(b_e, reps)
    n_earlier = len(e_group)
    e_outcome = _uniform_in(rng, e_bucket, edges, ext)
    before_start = (e_outcome - np.datetime64(per.start, "D")).astype(int) + 1
    e_recorded = e_outcome - _lognormal(rng, 120, n_earlier, low=before_start).astype(int)
    force, code, otype = (np.concatenate([a.astype(object), np.array([groups[g][i] for g in e_group], dtype=object)]).astype(str)
                          for i, a in enumerate((force, code, otype)))
    recorded = np.concatenate([recorded, e_recorded])
    outcome_date = np.concatenate([outcome_date, e_outcome]).astype("datetime64[D]")
    earlier = np.r_[np.zeros(n_cohort, bool), np.ones(n_earlier, bool)]
    n = n_cohort + n_earlier

    lag = np.where(rng.random(n) < 0.8, 0, rng.integers(1, 15, n))
    reported = recorded - lag
    closed = otype != "0"
    charged = np.isin(otype, ["1", "1A"])
    # Charged records: offence-to-charge drawn with the MoJ median; the offence is before the report.
    t_charge = np.nan_to_num((outcome_date - recorded).astype("timedelta64[D]").astype(float))
    d_oc = _median_matched(rng, med_oc, t_charge + lag, charged).astype(int)
    recent = rng.random(n) < 0.7
    d_or = np.where(recent, rng.integers(0, 8, n), _lognormal(rng, 730, n, low=8).astype(int))
    offence_date = np.where(charged, outcome_date - d_oc, reported - d_or)
    approx = ~recent & ~charged & (rng.random(n) < 0.5)
    sex = np.where(rng.random(n) < 0.85, "female", "male").astype(object)
    band = rng.choice(ALL_BANDS, n, p=np.array(ALL_P) / sum(ALL_P)).astype(object)
    adult = rng.choice(ADULT_BANDS, n, p=np.array(ADULT_P) / sum(ADULT_P)).astype(object)
    for c, (sx, bd) in RAPE_VICTIM.items():
        m = code == c
        sex[m] = sx
        band[m] = adult[m] if bd == "adult" else bd
    suspect = np.where(np.isin(otype, ["14", "18"]), False, np.where(otype == "0", rng.random(n) < 0.7, True))
    withdraws = np.isin(otype, ["14", "16"])
    w_days = (rng.random(n) * np.nan_to_num((outcome_date - recorded).astype("timedelta64[D]").astype(float))).astype(int)
    withdrawn = np.where(withdraws, recorded + w_days, np.datetime64("NaT"))
    lads_by_force: dict[str, list[str]] = {}
    for r in reference.table("lad_csp_pfa"):
        lads_by_force.setdefault(r["pfa_code"], []).append(r["lad_code"])
    lad = np.full(n, None, dtype=object)
    for f in np.unique(force):
        m = force == f
        if lads_by_force.get(f):
            lad[m] = rng.choice(sorted(lads_by_force[f]), int(m.sum()))
    prefix = "SYN-" + "".join(w[0] for w in ar.name.upper().split())[:4]
    ids = np.array([f"{prefix}-{i + 1:07d}" for i in range(n_cohort)] + [f"{prefix}-PRE-{i + 1:07d}" for i in range(n_earlier)])

    # Cancelled and transferred records (not in the Home Office counts).
    n_c = int(round(n_cohort * CANCELLED_SHARE))
    n_t = int(round(n_cohort * TRANSFERRED_SHARE))
    pick = rng.integers(0, n_cohort, n_c + n_t)
    extra_rec = recorded[pick]
    extra = pl.DataFrame({
        "record_id": [f"{prefix}-{n_cohort + i + 1:07d}" for i in range(n_c + n_t)],
        "force_code": force[pick], "lad_code": lad[pick], "offence_code": code[pick],
        "date_reported": extra_rec, "date_recorded": extra_rec, "date_offence": extra_rec - rng.integers(0, 30, n_c + n_t),
        "date_offence_approximate": [False] * (n_c + n_t), "victim_sex": sex[pick], "victim_age_band": band[pick],
        "status": ["cancelled"] * n_c + ["transferred"] * n_t,
        "status_reason": list(rng.choice(["A", "C", "D"], n_c, p=[0.7, 0.2, 0.1])) + ["B"] * n_t,
        "status_date": np.minimum(extra_rec + rng.integers(1, 60, n_c + n_t), ext),
        "outcome_type": [None] * (n_c + n_t), "outcome_date": np.array([np.datetime64("NaT")] * (n_c + n_t), dtype="datetime64[D]"),
        "suspect_identified": [None] * (n_c + n_t), "support_withdrawn_date": np.array([np.datetime64("NaT")] * (n_c + n_t), dtype="datetime64[D]"),
        "synthetic_earlier": [False] * (n_c + n_t),
    }, strict=False)
    offences = pl.DataFrame({
        "record_id": ids, "force_code": force, "lad_code": lad, "offence_code": code,
        "date_reported": reported, "date_recorded": recorded, "date_offence": offence_date,
        "date_offence_approximate": approx, "victim_sex": sex, "victim_age_band": band, "status": ["recorded"] * n,
        "status_reason": [None] * n, "status_date": np.array([np.datetime64("NaT")] * n, dtype="datetime64[D]"),
        "outcome_type": otype, "outcome_date": outcome_date.astype("datetime64[D]"), "suspect_identified": suspect,
        "support_withdrawn_date": withdrawn.astype("datetime64[D]"), "synthetic_earlier": earlier,
    }, strict=False)
    offences = pl.concat([_typed(offences, "offences"), _typed(extra, "offences")], how="vertical")

    # CPS cases: every charge, the CPS's public-interest decisions, some evidential NFAs.
    # A force without a CPS Area of its own (British Transport Police) is given CPS London: an assumption.
    cps_area = {f: next((a.code for a in A.all_areas("cps_area") if f in a.members), "CPS-LON") for f in set(force)}
    rape = reference.family_codes()["rape"]
    nfa_ev = (otype == "15") & suspect & (rng.random(n) < CPS_NFA_EVIDENTIAL_SHARE)
    with_case = charged | (otype == "9") | nfa_ev
    idx = np.flatnonzero(with_case)
    k = len(idx)
    decision = outcome_date[idx]
    to_ref = _lognormal(rng, 30, k, high=np.maximum((decision - recorded[idx]).astype(int), 0)).astype(int)
    referral = decision - to_ref
    is_charge = charged[idx]
    hearing = decision + _lognormal(rng, med_cl, k).astype(int)
    completion = hearing + (_lognormal(rng, med_mh, k) + _lognormal(rng, med_hc, k)).astype(int)
    hearing_ok = is_charge & (hearing <= ext)
    done = hearing_ok & (completion <= ext)
    convicted = rng.random(k) < conv_rate
    result = np.where(~done, None, np.where(convicted, np.where(rng.random(k) < GUILTY_PLEA_SHARE, "guilty_plea", "convicted_after_trial"),
                                            rng.choice(list(UNSUCCESSFUL), k, p=list(UNSUCCESSFUL.values()))))
    cases = pl.DataFrame({
        "case_id": [f"SYN-URN-{i + 1:07d}" for i in range(k)], "record_ids": ids[idx],
        "cps_area": [cps_area[f] for f in force[idx]], "referral_date": referral.astype("datetime64[D]"),
        "charging_decision": np.where(is_charge, "charge", np.where(otype[idx] == "9", "nfa_public_interest", "nfa_evidential")),
        "decision_date": decision.astype("datetime64[D]"), "charge_offence_code": np.where(is_charge, code[idx], None),
        "first_hearing_date": np.where(hearing_ok, hearing, np.datetime64("NaT")).astype("datetime64[D]"),
        "completion_date": np.where(done, completion, np.datetime64("NaT")).astype("datetime64[D]"),
        "completion_result": result, "rape_flag": np.isin(code[idx], list(rape)),
        "defendant_sex": np.where(rng.random(k) < 0.97, "male", "female"),
        "defendant_age_band": rng.choice(["10-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+"], k,
                                         p=[0.12, 0.22, 0.24, 0.18, 0.13, 0.07, 0.04]),
    }, strict=False)
    # Victims who withdraw support after charge: discontinued prosecutions, half of them.
    disc = np.flatnonzero(result == "discontinued")
    half = disc[rng.random(len(disc)) < 0.5]
    wd = np.array(offences["support_withdrawn_date"].to_numpy(), dtype="datetime64[D]")
    for j in half:
        wd[idx[j]] = hearing[j] + max(int((completion[j] - hearing[j]).astype(int) * rng.random()), 0)
    offences = offences.with_columns(pl.Series("support_withdrawn_date", wd))
    case_ref = dict(zip(ids[idx], referral.astype("datetime64[D]")))
    sid = np.flatnonzero(suspect)
    arrest = np.where(rng.random(len(sid)) < 0.6, recorded[sid] + rng.integers(0, 30, len(sid)), np.datetime64("NaT"))
    arrest = np.minimum(arrest, np.where(closed[sid], outcome_date[sid], ext))
    suspects = pl.DataFrame({
        "record_id": ids[sid], "suspect_id": [f"SYN-NOM-{i + 1:07d}" for i in range(len(sid))],
        "arrest_date": arrest.astype("datetime64[D]"), "interview_date": arrest.astype("datetime64[D]"),
        "cps_referral_date": np.array([case_ref.get(r, np.datetime64("NaT")) for r in ids[sid]], dtype="datetime64[D]"),
    }, strict=False)
    out.mkdir(parents=True, exist_ok=True)
    for name, frame in (("offences", offences), ("suspects", suspects), ("cps_cases", cases)):
        _typed(frame, name).with_columns(pl.lit(True).alias("synthetic")).write_csv(out / f"{name}.csv", date_format="%Y-%m-%d")
    in_period = int((has & (final < nq)).sum())
    bases = {
        "cohort": (f"Home Office crime outcomes cohort, edition {ed_id} ({ed_file}): offences recorded in each quarter by "
                   f"offence code and the outcome reached, reproduced exactly: one record each ({n_cohort:,})"
                   + _unreproducible(cohort_negative)),
        "closed": (f"Home Office outcomes assigned in each quarter (closed in the period), the same edition: "
                   f"{sum(assigned.values()):,} outcomes, reproduced exactly by quarter of the outcome date, offence code and "
                   f"outcome type: {in_period:,} to offences recorded in the period and {n_earlier:,} to SYNTHETIC records of "
                   f"offences recorded before the period (synthetic_earlier = true, ids with '-PRE-', recorded "
                   f"{_span(e_recorded)}), made only to "
                   "carry them; the period's other outcomes "
                   f"({int((has & (final == nq)).sum()):,}) were assigned after it, by the extract date {extract_date}"
                   + _unreproducible(closed_negative)
                   + (f". No closed counts are published for {len(unpublished)} force-quarter(s) ("
                      + ", ".join(f"{f} {_quarter_label(q)}" for q, f in unpublished[:5]) + (" ..." if len(unpublished) > 5 else "")
                      + "): outcomes there are drawn freely and carry no earlier records" if unpublished else "")),
    }
    sources = [bases["cohort"], bases["closed"], src_oc, src_cl, src_mh, src_hc, src_cr]
    info = {"synthetic": True, "note": "SYNTHETIC records made by justicegap synth: not real cases.",
            "area": ar.to_dict(), "period": per.to_dict(), "offence_family": offence, "extract_date": extract_date.isoformat(),
            "seed": seed, "edition": ed_id, "bases": bases,
            "earlier_records": {"count": n_earlier, "field": "synthetic_earlier", "id_marker": "-PRE-", "recorded": _span(e_recorded),
                                "why": "offences recorded before the period whose outcomes were assigned in it (the published "
                                       "'outcomes recorded in quarter' count them); not part of the period's cohort"},
            "unreproducible": {"cohort": [list(map(str, c)) for c in cohort_negative],
                               "closed": [list(map(str, c)) for c in closed_negative]},
            "sources": sources, "assumptions": ASSUMPTIONS}
    (out / "manifest.json").write_text(json.dumps(info, indent=2) + "\n")
    (out / "README.txt").write_text(
        "SYNTHETIC RECORDS: NOT REAL CASES.\n\nMade by `justicegap synth` for demonstration and testing. Counts reproduce "
        f"the published Home Office outcomes for {ar.name}, {per} (edition {ed_id}) on both bases: offences recorded "
        "in each quarter with the outcome reached, and outcomes assigned in each quarter. "
        f"{n_earlier:,} records (synthetic_earlier = true, ids with '-PRE-') are of offences recorded before the period, "
        "made only to carry "
        "outcomes assigned in it. Times and verdicts are drawn from published medians and rates. See manifest.json "
        "for sources, assumptions and the cells no records can reproduce.\n")
    return SynthResult(out=str(out), area=ar.to_dict(), period=per.to_dict(), extract_date=extract_date, seed=seed,
                       offences=offences.height, suspects=suspects.height, cps_cases=cases.height, edition=ed_id,
                       sources=sources, assumptions=ASSUMPTIONS)
