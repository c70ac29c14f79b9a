"""Reconciliation of case records with the loaded Home Office outcomes edition: the crime data
integrity check forces are inspected on.

The edition publishes two counts, and the records are reconciled with either (``basis``):
- ``cohort``: cells are quarter of recording x offence code x outcome type. A record counts in the
  quarter it was recorded, under its offence code and the outcome it had reached by its extract
  date (none yet = type 0), exactly as the Home Office's "outcomes for offences recorded in quarter";
- ``closed``: cells are quarter of the outcome date x offence code x outcome type: every record
  whose outcome was assigned in the period, whenever it was recorded, as the Home Office's
  "outcomes recorded in quarter" (investigations closed in the quarter; no type 0).
A record with a sub-code (1A) counts under the sub-code and its parent, as the Home Office
publishes them. Cancelled and transferred records are not crimes and are not counted. Each
differing cell gets the likely cause, by these rules in order (on the closed basis rule 1 says
only "outcome recorded differently", rule 4 reads the outcome date and comes before rule 3, and
rule 3 counts the records cancelled or transferred in that quarter):
1. the quarter and code agree in total, only the outcomes differ: extract timing (outcomes
   assigned after one extract and before the other) when the difference moves records out of or
   into type 0, otherwise an outcome recorded differently (revised);
2. totals differ and another code in the same quarter differs the other way: reclassification;
3. the records hold fewer, and some records of that quarter and code were cancelled or
   transferred: cancellation ('no crime') after the edition's extract;
4. the same code differs the other way in a neighbouring quarter: recording date moved across a
   quarter boundary;
5. otherwise: records missing from the extract (fewer) or not in the edition (more).
A cell the edition publishes as negative (the Home Office's type 0 count can go below zero when
outcomes are attached to offences recorded in another quarter) cannot be matched by any set of
records: it is shown with its difference and that cause, and counted as ``unreproducible``, not
among the ``differences``.
"""

from __future__ import annotations

from collections import defaultdict

from .. import reference
from ..errors import NotAvailable
from . import scope as S
from . import store as rstore

CAUSES = {
    "timing_later": "extract timing: outcomes assigned after the edition's extract and before the records' extract",
    "timing_earlier": "extract timing: outcomes in the edition that the records do not hold (an earlier extract, or an outcome withdrawn)",
    "outcome_changed": "outcome recorded differently (revised since the edition)",
    "reclassified": "reclassification: the offence code changed between the edition and the records",
    "cancelled": "cancellation ('no crime') or transfer after the edition's extract",
    "quarter": "recording date moved across a quarter boundary",
    "missing": "records missing from the extract (or counted in the edition in error)",
    "extra": "records not in the edition (recorded late, or restored after cancellation)",
    "negative": "the edition publishes a negative count here, which no set of records can reproduce",
    "outcome_quarter": "outcome date moved across a quarter boundary",
    "missing_outcomes": "outcomes missing from the records (an outcome since withdrawn or re-dated, or counted in the edition in error)",
    "extra_outcomes": "outcomes in the records that the edition does not hold (entered after its extract, or back-dated)",
}
BASES = {
    "cohort": "crimes recorded in each quarter by offence code, with the outcome reached so far (Home Office "
              "'outcomes for offences recorded in quarter'); sub-codes counted within their parent too",
    "closed": "outcomes assigned in each quarter by offence code and outcome type, whenever the crime was recorded "
              "(Home Office 'outcomes recorded in quarter', investigations closed in the period); sub-codes counted "
              "within their parent too",
}
MEASURES = {"cohort": "outcomes_cohort", "closed": "outcomes_closed"}


def _quarter(d) -> str:
    fy = d.year if d.month >= 4 else d.year - 1
    return f"{fy}/{str(fy + 1)[2:]} Q{(d.month - 4) % 12 // 3 + 1}"


def reconcile(store, area: str, period: str, *, offence: str = "sexual_offences", edition: str | None = None,
              basis: str = "cohort"):
    import polars as pl

    from ..errors import InvalidParameter
    from ..model.records import ReconcileCell, Reconciliation

    if basis not in BASES:
        raise InvalidParameter("basis", f"'{basis}' is not a basis: cohort (offences recorded in the period) or "
                                        "closed (outcomes assigned in the period)")
    sc = S.select(store, area, period, offence)
    ed, name, rows = rstore.published_cohort(store.con, sc.forces, sc.period.start, sc.period.end, sc.codes, edition,
                                             MEASURES[basis])
    if ed is None:
        raise NotAvailable(f"No Home Office outcomes edition covering {sc.period} is loaded to reconcile against.",
                           holder="the Home Office (crime outcomes open data)").with_actions("load_data")
    parents = {k: v["parent"] for k, v in reference.outcomes().items() if v.get("parent")}
    published: dict[tuple, int] = defaultdict(int)
    for q_start, _force, code, outcome, n in rows:
        published[(_quarter(q_start), code, outcome)] += int(n)
    counts: dict[tuple, int] = defaultdict(int)
    cancelled: dict[tuple, int] = defaultdict(int)
    if basis == "cohort":
        rec = sc.recorded.with_columns(pl.col("outcome_type").fill_null("0"))
        grouped = rec.group_by([pl.col("date_recorded"), "offence_code", "outcome_type"]).len().iter_rows()
        for d, code, n in sc.frame.filter(pl.col("status") != "recorded").group_by(["date_recorded", "offence_code"]).len().iter_rows():
            cancelled[(_quarter(d), code)] += n
    else:
        grouped = rstore.outcomes_assigned(store.con, sc.forces, sc.period.start, sc.period.end, sc.codes)
        for d, code, n in rstore.status_changes(store.con, sc.forces, sc.period.start, sc.period.end, sc.codes):
            cancelled[(_quarter(d), code)] += n
    for d, code, outcome, n in grouped:
        counts[(_quarter(d), code, outcome)] += n
        if outcome in parents:
            counts[(_quarter(d), code, parents[outcome])] += n
    keys = sorted(set(published) | set(counts))
    diff = {k: counts.get(k, 0) - published.get(k, 0) for k in keys}

    def total(src, q, code):
        return sum(v for (qq, cc, o), v in src.items() if qq == q and cc == code and o not in parents)

    quarters = sorted({k[0] for k in keys})
    positive = {k: max(v, 0) for k, v in published.items()}
    tdiff = {(q, c): total(counts, q, c) - total(positive, q, c) for q, c, _ in keys}

    def cause(q, code, outcome, d):
        if published.get((q, code, outcome), 0) < 0:
            return CAUSES["negative"]
        t = tdiff[(q, code)]
        if t == 0:
            if basis == "closed":
                return CAUSES["outcome_changed"]
            open_diff = diff.get((q, code, "0"), 0)
            if (outcome == "0" and d < 0) or (outcome != "0" and d > 0 and open_diff < 0):
                return CAUSES["timing_later"]
            if (outcome == "0" and d > 0) or (outcome != "0" and d < 0 and open_diff > 0):
                return CAUSES["timing_earlier"]
            return CAUSES["outcome_changed"]
        if any(tdiff.get((q, c), 0) * t < 0 for c in sc.codes if c != code):
            return CAUSES["reclassified"]
        i = quarters.index(q)
        moved = any(tdiff.get((quarters[j], code), 0) * t < 0 for j in (i - 1, i + 1) if 0 <= j < len(quarters))
        if basis == "closed" and moved:
            return CAUSES["outcome_quarter"]
        if t < 0 and cancelled.get((q, code)):
            return CAUSES["cancelled"]
        if moved:
            return CAUSES["quarter"]
        if basis == "closed":
            return CAUSES["missing_outcomes" if t < 0 else "extra_outcomes"]
        return CAUSES["missing"] if t < 0 else CAUSES["extra"]

    cells = []
    for k in keys:
        q, code, outcome = k
        pub = published.get(k)
        d = None if pub is None else counts.get(k, 0) - pub
        if pub is None and counts.get(k, 0):
            d = counts[k]
        cells.append(ReconcileCell(quarter=q, offence=code, outcome=outcome, records=counts.get(k, 0), published=pub,
                                   difference=d, likely_cause=cause(q, code, outcome, d) if d else None))
    return Reconciliation(
        synthetic=sc.synthetic, area=sc.area.to_dict(), period=sc.period.to_dict(), extract_date=sc.extract_date,
        edition=ed, edition_file=name, offence_codes=sc.codes, basis=BASES[basis],
        cells=cells, differences=sum(1 for c in cells if c.difference and (c.published or 0) >= 0),
        unreproducible=sum(1 for c in cells if (c.published or 0) < 0),
        records_total=sum(v for (q, c, o), v in counts.items() if o not in parents),
        published_total=sum(v for (q, c, o), v in published.items() if o not in parents))
