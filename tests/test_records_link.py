"""The linkage report: each rule finds what it states, and the anomalies are kept, not rejected."""

from __future__ import annotations

import shutil

from justicegap.records.load import linkage_report, load_records
from justicegap.store import Store

from test_records_load import rows, write


def test_synthetic_records_link_cleanly(records_store):
    rep = linkage_report(records_store, ["E23000032"])
    assert rep.synthetic and all(r.count == 0 for r in rep.rules)
    assert all(r.statement for r in rep.rules)


def test_each_rule_lists_what_breaks_it(loaded_copy, synth_kent, tmp_path):
    d = tmp_path / "linked"
    shutil.copytree(synth_kent, d)
    offences, cases = rows(d / "offences.csv"), rows(d / "cps_cases.csv")
    charged = [c for c in cases if c["charging_decision"] == "charge"]
    # a charged record whose case is removed: unmatched on the police side
    lost = charged[0]
    cases.remove(lost)
    # a case naming no record; a case naming two charged records (one-to-many both ways)
    nfa = [c for c in cases if c["charging_decision"] != "charge"]
    nfa[0]["record_ids"] = ""
    nfa[1]["record_ids"] = f"{charged[1]['record_ids']};{charged[2]['record_ids']}"
    # a decision before its referral
    c3 = charged[3]
    c3["decision_date"], c3["referral_date"] = c3["referral_date"], c3["decision_date"]
    # a record reported after it was recorded
    o = next(r for r in offences if r["status"] == "recorded" and r["outcome_type"] == "18")
    o["date_reported"] = o["outcome_date"]
    write(d / "offences.csv", offences)
    write(d / "cps_cases.csv", cases)
    with Store() as s:
        res = load_records(s, d)
    counts = {r.rule: r.count for r in res.linkage.rules}
    assert counts["police_charged_unmatched"] == 1
    assert counts["cps_unmatched"] == 1
    assert counts["case_many_records"] == 1
    assert counts["record_many_cases"] == 2  # charged[1]'s and charged[2]'s records: their own cases and nfa[1]
    assert counts["decision_before_referral"] == (1 if c3["referral_date"] != c3["decision_date"] else 0)
    assert counts["reported_after_recorded"] == (1 if o["outcome_date"] > o["date_recorded"] else 0)
    # every example is a pseudonym, never a raw id
    assert not any(e.startswith("SYN-") for r in res.linkage.rules for e in r.examples)
    with Store(read_only=True) as s:
        again = linkage_report(s, ["E23000032"])
    assert {r.rule: r.count for r in again.rules} == counts
