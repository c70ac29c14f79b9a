"""Linking police crime records and CPS cases, and the linkage report.

A CPS case names the crime records it is about (``record_ids``); a record that does not exist is a
schema error (the file is rejected). Everything else that does not fit is kept and listed, each
under a stated rule, because a real extract always has some: the report is the list of what a
linkage clerk would check.
"""

from __future__ import annotations

RULES = {
    "police_charged_unmatched": ("police", "A crime record with a police outcome of charge or summons (type 1 or 1A) has no CPS case linked to it."),
    "cps_unmatched": ("cps", "A CPS case names no crime record (its record_ids are empty)."),
    "record_many_cases": ("police", "A crime record is linked to more than one CPS case (several defendants, or a case split): one-to-many."),
    "case_many_records": ("cps", "A CPS case is linked to more than one crime record (several offences in one case): one-to-many."),
    "referral_before_recording": ("cps", "The CPS referral date is before the date the linked crime was recorded."),
    "decision_before_referral": ("cps", "The charging decision date is before the referral date."),
    "hearing_before_decision": ("cps", "The first hearing is before the charging decision."),
    "completion_before_hearing": ("cps", "The prosecution was completed before its first hearing."),
    "charge_not_in_police_outcome": ("cps", "The CPS charged, but the linked crime record's police outcome is neither charge (1, 1A) nor still open (0)."),
    "reported_after_recorded": ("police", "The offence was reported after the date it was recorded."),
    "offence_after_reported": ("police", "The date of the offence is after the date it was reported."),
    "withdrawn_before_reported": ("police", "The victim's withdrawal of support is dated before the report."),
}


def anomalies(offences, links, cases):
    """(rule, side, id) rows for the rules above, from pseudonymised frames (ids are pseudonyms)."""
    import polars as pl

    out = []

    def add(rule, frame, col):
        for v in frame.get_column(col).unique().sort().to_list():
            out.append((rule, RULES[rule][0], v))

    charged = offences.filter(pl.col("outcome_type").is_in(["1", "1A"]))
    add("police_charged_unmatched", charged.join(links, on="record_id", how="anti"), "record_id")
    add("cps_unmatched", cases.join(links, on="case_id", how="anti"), "case_id")
    per_record = links.group_by("record_id").len()
    add("record_many_cases", per_record.filter(pl.col("len") > 1), "record_id")
    per_case = links.group_by("case_id").len()
    add("case_many_records", per_case.filter(pl.col("len") > 1), "case_id")
    joined = links.join(cases, on="case_id").join(offences.select(["record_id", "date_recorded", "outcome_type"]), on="record_id")
    add("referral_before_recording", joined.filter(pl.col("referral_date") < pl.col("date_recorded")), "case_id")
    add("decision_before_referral", cases.filter(pl.col("decision_date") < pl.col("referral_date")), "case_id")
    add("hearing_before_decision", cases.filter(pl.col("first_hearing_date") < pl.col("decision_date")), "case_id")
    add("completion_before_hearing", cases.filter(pl.col("completion_date") < pl.col("first_hearing_date")), "case_id")
    add("charge_not_in_police_outcome", joined.filter(
        (pl.col("charging_decision") == "charge") & pl.col("outcome_type").is_not_null()
        & ~pl.col("outcome_type").is_in(["0", "1", "1A"])), "case_id")
    add("reported_after_recorded", offences.filter(pl.col("date_reported") > pl.col("date_recorded")), "record_id")
    add("offence_after_reported", offences.filter(pl.col("date_offence") > pl.col("date_reported")), "record_id")
    add("withdrawn_before_reported", offences.filter(pl.col("support_withdrawn_date") < pl.col("date_reported")), "record_id")
    return pl.DataFrame(out, schema={"rule": pl.String, "side": pl.String, "id": pl.String}, orient="row")


def report(rows, *, offences: int, cases: int, links: int, synthetic: bool):
    """The linkage report: every rule stated, with its count and up to five pseudonymous ids."""
    from ..model.records import LinkageReport, LinkageRule

    by_rule: dict[str, list[str]] = {}
    for rule, _side, ident in rows:
        by_rule.setdefault(rule, []).append(ident)
    return LinkageReport(
        synthetic=synthetic, offences=offences, cps_cases=cases, links=links,
        rules=[LinkageRule(rule=r, side=side, statement=text, count=len(by_rule.get(r, [])),
                           examples=by_rule.get(r, [])[:5]) for r, (side, text) in RULES.items()])
