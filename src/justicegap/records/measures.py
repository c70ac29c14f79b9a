"""Measures on case records, each following the same crimes: the true cohort charge rate with equal
follow-up, cancelled and transferred shares, when victims withdraw support, and attrition from
report to conviction.

A record's charge date is the earlier of its police outcome date when the outcome is a charge or
summons (type 1 or 1A) and the first CPS decision to charge in a linked case.
"""

from __future__ import annotations

from .. import reference
from ..stats import wilson
from . import scope as S

CHARGED = ("1", "1A")


def charge_dates(frame):
    """The frame with ``charge_date`` (earliest of police charge outcome and CPS charge decision)."""
    import polars as pl

    police = pl.when(pl.col("outcome_type").is_in(list(CHARGED))).then(pl.col("outcome_date"))
    return frame.with_columns(pl.min_horizontal(police, pl.col("cps_charge_date")).alias("charge_date"))


def charged_within(recorded, follow_up: int) -> tuple[int, int, int]:
    """(charged within ``follow_up`` days of recording, crimes followed that long by the extract
    date, crimes left out because they were recorded too close to it). One definition, for the
    records' measures and the registry's ``records_charge_rate_365``."""
    import polars as pl

    rec = charge_dates(recorded)
    eligible = rec.filter((pl.col("date_recorded") + pl.duration(days=follow_up)) <= pl.col("extract_date"))
    k = eligible.filter((pl.col("charge_date") - pl.col("date_recorded")).dt.total_days() <= follow_up).height
    return k, eligible.height, rec.height - eligible.height


def _pct(x) -> str:
    return "—" if x is None else f"{100 * x:.1f}%"


def cohort_charge_rate(store, area: str, period: str, *, offence: str = "sexual_offences", follow_up: int = 365):
    """Of the crimes recorded in the period with at least ``follow_up`` days before the extract date,
    the share charged within ``follow_up`` days of recording."""
    from ..errors import InvalidParameter
    from ..model.records import CohortRate

    if follow_up < 1:
        raise InvalidParameter("follow_up", "must be a positive number of days")
    sc = S.select(store, area, period, offence)
    k, n, excluded = charged_within(sc.recorded, follow_up)
    if not n and excluded:  # not a charge rate of 0 of 0: no crime of the period could be followed that long
        longest = (sc.extract_date - sc.recorded["date_recorded"].min()).days
        raise InvalidParameter("follow_up", f"no crime recorded in {sc.period} could have been followed for {follow_up:,} days by "
                                            f"the extract date ({sc.extract_date}); the longest any had is {longest:,} days")
    lo, hi = wilson(k, n) if n else (None, None)
    value = k / n if n else None
    basis = (f"crimes recorded in {sc.period} followed for {follow_up} days each: charged or summonsed within "
             f"{follow_up} days of recording (records extracted {sc.extract_date})")
    sentence = (f"Of the {n:,} crimes recorded by {sc.area.name} in {sc.period} and followed for a full {follow_up} days, "
                f"{k:,} ({_pct(value)}) were charged within {follow_up} days of being recorded"
                + (f"; {excluded:,} recorded less than {follow_up} days before the extract date ({sc.extract_date}) are left out." if excluded else ".")
                + (" These are SYNTHETIC records." if sc.synthetic else ""))
    return CohortRate(synthetic=sc.synthetic, area=sc.area.to_dict(), period=sc.period.to_dict(), offence=offence,
                      extract_date=sc.extract_date, follow_up_days=follow_up, numerator=k, denominator=n, value=value,
                      ci_low=lo, ci_high=hi, excluded_short_follow_up=excluded, basis=basis, sentence=sentence)


STATUS_LABELS = {"recorded": "Recorded as a crime", "cancelled": "Cancelled ('no crime')", "transferred": "Transferred"}


def status_shares(store, area: str, period: str, *, offence: str = "sexual_offences"):
    """Cancelled ('no crime') and transferred shares of the crime records made in the period, with
    the Counting Rules reasons."""
    import polars as pl

    from ..model.records import Share, StatusShares
    from . import schema

    sc = S.select(store, area, period, offence)
    total = sc.frame.height
    reason_text = next(f.description for f in schema.fields("offences") if f.name == "status_reason")

    def share(key, label, count, of):
        lo, hi = wilson(count, of) if of else (None, None)
        return Share(key=key, label=label, count=count, share=count / of if of else None, ci_low=lo, ci_high=hi)

    counts = dict(sc.frame.group_by("status").len().iter_rows())
    statuses = [share(s, STATUS_LABELS[s], int(counts.get(s, 0)), total) for s in STATUS_LABELS]
    gone = sc.frame.filter(pl.col("status") != "recorded")
    rc = dict(gone.group_by("status_reason").len().iter_rows())
    labels = {c: c for c in "ABCDE"}
    for part in reason_text.split(":", 1)[1].split(";"):
        part = part.strip()
        if len(part) > 2 and part[0] in labels and part[1] == " ":
            labels[part[0]] = part[2:].split(". ")[0]
    reasons = [share(r, labels[r], int(rc.get(r, 0)), gone.height) for r in "ABCDE"]
    return StatusShares(synthetic=sc.synthetic, area=sc.area.to_dict(), period=sc.period.to_dict(), offence=offence,
                        total=total, statuses=statuses, reasons=reasons, reasons_of=gone.height)


WITHDRAWAL_STAGES = {
    "before_arrest": "Before a suspect was arrested",
    "after_arrest": "After arrest, before referral to the CPS",
    "after_referral": "After referral to the CPS, before a charge",
    "after_charge": "After charge, before the prosecution ended",
}


def withdrawal(store, area: str, period: str, *, offence: str = "sexual_offences"):
    """Where in the process victims withdrew support, and how many days after reporting."""
    import polars as pl

    from ..model.records import Share, Withdrawal

    sc = S.select(store, area, period, offence)
    rec = charge_dates(sc.recorded)
    w = rec.filter(pl.col("support_withdrawn_date").is_not_null())
    wd = pl.col("support_withdrawn_date")
    stage = (pl.when(pl.col("charge_date").is_not_null() & (wd >= pl.col("charge_date"))).then(pl.lit("after_charge"))
             .when(pl.col("referral_date").is_not_null() & (wd >= pl.col("referral_date"))).then(pl.lit("after_referral"))
             .when(pl.col("arrest_date").is_not_null() & (wd >= pl.col("arrest_date"))).then(pl.lit("after_arrest"))
             .otherwise(pl.lit("before_arrest")))
    w = w.with_columns(stage.alias("stage"),
                       (wd - pl.coalesce("date_reported", "date_recorded")).dt.total_days().alias("days"))
    counts = dict(w.group_by("stage").len().iter_rows())
    stages = []
    for key, label in WITHDRAWAL_STAGES.items():
        c = int(counts.get(key, 0))
        lo, hi = wilson(c, w.height) if w.height else (None, None)
        stages.append(Share(key=key, label=label, count=c, share=c / w.height if w.height else None, ci_low=lo, ci_high=hi))
    days = w["days"]
    return Withdrawal(synthetic=sc.synthetic, area=sc.area.to_dict(), period=sc.period.to_dict(), offence=offence,
                      records=rec.height, withdrawn=w.height, stages=stages,
                      median_days_from_report=float(days.median()) if w.height else None,
                      quartiles_days_from_report=[float(days.quantile(q, "linear")) for q in (0.25, 0.5, 0.75)] if w.height else None)


STAGES = [
    ("reported", "Reported and recorded"),
    ("crime", "Kept as a crime (not cancelled or transferred)"),
    ("suspect", "Suspect identified"),
    ("referred", "Referred to the CPS"),
    ("charged", "Charged or summonsed"),
    ("completed", "Prosecution completed"),
    ("convicted", "Convicted"),
]


def attrition(store, area: str, period: str, *, offence: str = "sexual_offences"):
    """The same crimes followed from report to verdict: how many reach each stage, and why the
    others went no further (police outcome group, still open, or the verdict)."""
    import polars as pl

    from ..model.records import RecordAttrition, RecordAttritionStage

    sc = S.select(store, area, period, offence)
    f = charge_dates(sc.frame)
    groups = {k: v["group"] for k, v in reference.outcomes().items()}
    glabels = {k: v["label"] for k, v in reference.outcome_groups().items()}
    f = f.with_columns(pl.col("outcome_type").fill_null("0").replace_strict(groups, default="not_yet_assigned").alias("grp"))
    masks = {
        "reported": pl.lit(True),
        "crime": pl.col("status") == "recorded",
        "suspect": (pl.col("status") == "recorded") & (pl.col("suspect_identified").fill_null(False) | pl.col("charge_date").is_not_null()),
        "referred": (pl.col("status") == "recorded") & (pl.col("referral_date").is_not_null() | pl.col("charge_date").is_not_null()),
        "charged": (pl.col("status") == "recorded") & pl.col("charge_date").is_not_null(),
        "completed": (pl.col("status") == "recorded") & pl.col("charge_date").is_not_null() & pl.col("completed"),
        "convicted": (pl.col("status") == "recorded") & pl.col("charge_date").is_not_null() & pl.col("convicted"),
    }
    flags = f.select([m.alias(k) for k, m in masks.items()] + [pl.col("grp"), pl.col("status")])
    total = flags.height
    out = []
    for i, (key, label) in enumerate(STAGES):
        here = flags.filter(pl.col(key))
        nxt = STAGES[i + 1][0] if i + 1 < len(STAGES) else None
        left = here.filter(~pl.col(nxt)) if nxt else here.head(0)
        if key == "reported":
            reasons = dict(left.group_by("status").len().iter_rows())
            reasons = {STATUS_LABELS.get(k, k): int(v) for k, v in reasons.items()}
        elif key == "charged":
            reasons = {"Prosecution not yet completed": left.height}
        elif key == "completed":
            reasons = {"Not convicted": left.height}
        else:
            reasons = {glabels.get(k, k): int(v) for k, v in left.group_by("grp").len().iter_rows()}
        out.append(RecordAttritionStage(stage=key, label=label, count=here.height, share_of_reports=here.height / total if total else None,
                                  left=left.height, left_reasons=dict(sorted(reasons.items(), key=lambda kv: -kv[1]))))
    return RecordAttrition(synthetic=sc.synthetic, area=sc.area.to_dict(), period=sc.period.to_dict(), offence=offence,
                     extract_date=sc.extract_date, stages=out,
                     note=(f"The same crime records at every stage, recorded in {sc.period}, as at the extract date {sc.extract_date}: "
                           "cases still open at the extract date are counted where they had reached, not as closed."))
