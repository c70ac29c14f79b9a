"""Samples for joint police-CPS case review: a stratified random sample, reproducible from a seed,
written to a review workbook with pseudonymous ids only and the whole sampling frame.

Allocation is proportional to each stratum's size (largest remainders), with at least one case
from every stratum when the size allows; within a stratum, cases are drawn without replacement by
a seeded random permutation of the frame sorted by pseudonymous id, so the same seed and the same
records give the same sample.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import InvalidParameter
from . import scope as S
from .measures import charge_dates

DERIVED = {
    "outcome": "police outcome type reached by the extract date (0 = none yet)",
    "outcome_group": "police outcome group",
    "victim_age_band": "victim's age band at the offence",
    "time_to_outcome": "days from recording to the police outcome: under 30, 30-89, 90-179, 180-364, 365 or more, still open",
}
PANEL_FIELDS = ["record_id", "offence_code", "date_reported", "date_recorded", "date_offence", "victim_sex", "victim_age_band",
                "suspect_identified", "outcome_type", "outcome_date", "support_withdrawn_date", "charge_date",
                "referral_date", "completion_date", "convicted", "cases"]


def _frame(sc):
    import polars as pl

    from .. import reference

    f = charge_dates(sc.recorded).with_columns(pl.col("outcome_type").fill_null("0"))
    groups = {k: v["group"] for k, v in reference.outcomes().items()}
    days = (pl.col("outcome_date") - pl.col("date_recorded")).dt.total_days()
    band = (pl.when(pl.col("outcome_type") == "0").then(pl.lit("still open")).when(days < 30).then(pl.lit("under 30"))
            .when(days < 90).then(pl.lit("30-89")).when(days < 180).then(pl.lit("90-179")).when(days < 365).then(pl.lit("180-364"))
            .otherwise(pl.lit("365 or more")))
    return f.with_columns(pl.col("outcome_type").alias("outcome"),
                          pl.col("outcome_type").replace_strict(groups, default=None).alias("outcome_group"),
                          band.alias("time_to_outcome"))


def allocate(sizes: dict[str, int], n: int) -> dict[str, int]:
    """Proportional allocation by largest remainders, at least one per stratum when n allows,
    never more than a stratum holds."""
    total = sum(sizes.values())
    keys = sorted(sizes)
    if n >= total:
        return dict(sizes)
    quota = {k: n * sizes[k] / total for k in keys}
    alloc = {k: min(int(quota[k]), sizes[k]) for k in keys}
    if n >= len(keys):
        alloc = {k: max(v, 1 if sizes[k] else 0) for k, v in alloc.items()}
    while sum(alloc.values()) > n:  # the minimum of one pushed the total over: take from the largest
        k = max((k for k in keys if alloc[k] > 1), key=lambda k: (alloc[k] - quota[k], alloc[k], k))
        alloc[k] -= 1
    while sum(alloc.values()) < n:
        k = max((k for k in keys if alloc[k] < sizes[k]), key=lambda k: (quota[k] - alloc[k], sizes[k], k))
        alloc[k] += 1
    return alloc


def choose(store, area: str, period: str, *, size: int, by: str, seed: int, offence: str = "sexual_offences"):
    """The stratified sample itself: (scope, the sampling frame with ``stratum`` and ``selected``,
    the sample, the strata with their sizes in the frame and the sample)."""
    import numpy as np
    import polars as pl

    if size < 1:
        raise InvalidParameter("size", "must be at least 1")
    sc = S.select(store, area, period, offence)
    frame = _frame(sc).sort("record_id")
    allowed = sorted(set(DERIVED) | {c for c in frame.columns if c in (
        "offence_code", "victim_sex", "victim_age_band", "suspect_identified", "lad_code", "force_code")})
    if by not in allowed:
        raise InvalidParameter("by", f"'{by}' is not a field to stratify by: {', '.join(allowed)}")
    frame = frame.with_columns(pl.col(by).cast(pl.String).fill_null("unknown").alias("stratum"))
    sizes = dict(frame.group_by("stratum").len().iter_rows())
    if size > frame.height:
        raise InvalidParameter("size", f"{size} is more than the {frame.height} crimes in the sampling frame")
    alloc = allocate(sizes, size)
    rng = np.random.default_rng(seed)
    chosen = set()
    for s in sorted(alloc):
        ids = frame.filter(pl.col("stratum") == s)["record_id"].to_list()
        chosen.update(ids[i] for i in rng.permutation(len(ids))[:alloc[s]])
    frame = frame.with_columns(pl.col("record_id").is_in(list(chosen)).alias("selected"))
    strata = [{"stratum": s, "frame": sizes[s], "sample": alloc[s]} for s in sorted(sizes)]
    return sc, frame, frame.filter(pl.col("selected")), strata


def draw(store, area: str, period: str, *, size: int, by: str, seed: int, out: Path, offence: str = "sexual_offences"):
    from ..model.records import SampleResult

    out = Path(out)
    if out.suffix.lower() != ".xlsx":
        raise InvalidParameter("out", f"'{out.name}': the review workbook is written as .xlsx")
    from ..writable import check_writable

    check_writable(out, "--out")
    sc, frame, sample, strata = choose(store, area, period, size=size, by=by, seed=seed, offence=offence)
    _workbook(out, sc, sample, frame, strata, by, seed, size)
    return SampleResult(synthetic=sc.synthetic, path=str(out), frame=frame.height, size=sample.height, by=by, seed=seed, strata=strata)


def _workbook(out: Path, sc, sample, frame, strata, by, seed, size):
    import xlsxwriter

    tmp = out.with_name(out.name + ".part")
    wb = xlsxwriter.Workbook(str(tmp), {"default_date_format": "yyyy-mm-dd", "remove_timezone": True})
    bold = wb.add_format({"bold": True})
    cover = wb.add_worksheet("Cover")
    lines = [
        ("Case review sample", ""),
        ("SYNTHETIC RECORDS: NOT REAL CASES" if sc.synthetic else "Record-level data: handle under your force's and the CPS's data protection rules", ""),
        ("Area", f"{sc.area.name} ({sc.area.code})"), ("Crimes recorded in", str(sc.period)),
        ("Offences", sc.offence), ("Records extracted on", sc.extract_date.isoformat()),
        ("Sampling frame", f"{frame.height} crimes recorded in the period (cancelled and transferred records excluded)"),
        ("Stratified by", f"{by}" + (f": {DERIVED[by]}" if by in DERIVED else "")),
        ("Sample size asked", str(size)), ("Seed", str(seed)),
        ("Method", "Proportional allocation (largest remainders, at least one per stratum); a seeded random draw without "
                   "replacement within each stratum. Identifiers are pseudonyms (keyed hashes): the force and CPS match them "
                   "back to their own references with the pseudonymisation key."),
    ]
    for i, (a, b) in enumerate(lines):
        cover.write(i, 0, a, bold if i < 2 else None)
        cover.write(i, 1, b)
    cover.set_column(0, 0, 24)
    cover.set_column(1, 1, 100)
    row = len(lines) + 1
    cover.write_row(row, 0, ["Stratum", "Crimes in frame", "Sampled"], bold)
    for j, s in enumerate(strata, 1):
        cover.write_row(row + j, 0, [s["stratum"], s["frame"], s["sample"]])

    def table(name, df, cols):
        ws = wb.add_worksheet(name)
        data = [[v for v in r] for r in df.select(cols).iter_rows()]
        ws.add_table(0, 0, max(len(data), 1), len(cols) - 1,
                     {"data": data or None, "columns": [{"header": c} for c in cols], "name": name.replace(" ", "_")})
        ws.set_column(0, len(cols) - 1, 16)

    table("Sample", sample, ["stratum", *PANEL_FIELDS])
    table("Sampling frame", frame, ["record_id", "stratum", "selected"])
    wb.close()
    tmp.replace(out)
