"""Write the golden figures: every metric over many areas, periods and offence families, as the
engine computes them, so that a change to the engine can be checked to give the same answers.

Run against a store loaded from ../shared/data:
    JUSTICEGAP_HOME=DIR python tests/golden/make_golden.py tests/golden/figures.json
"""

from __future__ import annotations

import json
import sys


def cases():
    from justicegap import areas as A
    from justicegap.metrics import registry

    places = ([a.code for a in A.all_areas("pfa")][::3] + ["K04000001", "Metropolitan Police", "CPS South East",
              "CPS London North", "Ashford", "Canterbury", "British Transport Police", "Sussex", "Dorset"])
    periods = ["2017/18", "2018/19", "2017/18 Q3", "2018-03", "2016", "YE Jun 2025"]
    offences = ["rape", "sexual_offences", "rape_child"]
    for mid, m in registry().items():
        if m.get("records"):  # from a force's own case records: the golden store holds none (tests/test_records_metrics.py)
            continue
        outcomes = ["14", "victim_does_not_support", "22"] if m.get("needs_outcome") else [None]
        for area in places:
            for period in periods:
                for fam in offences:
                    for out in outcomes:
                        yield mid, area, period, fam, out


def figure(mid, area, period, fam, out, store, allow_partial=False) -> dict:
    from justicegap import metrics
    from justicegap.errors import JusticegapError

    try:
        f = metrics.compute(mid, area=area, period=period, offence=fam, outcome=out, store=store,
                            allow_partial=allow_partial)
    except JusticegapError as e:  # a refusal: its kind (its wording is tested where it is made)
        return {"error": type(e).__name__}
    d = f.to_dict()
    return {k: d[k] for k in ("value", "numerator", "denominator", "ci_low", "ci_high", "edition", "flags", "sentence")}


def compute_all(store) -> dict:
    out = {}
    for mid, area, period, fam, o in cases():
        out["|".join([mid, area, period, fam, o or ""])] = figure(mid, area, period, fam, o, store)
    return out


if __name__ == "__main__":
    from justicegap.store import Store

    with Store(read_only=True) as s:
        res = compute_all(s)
    with open(sys.argv[1], "w") as fh:
        json.dump(res, fh, indent=0, sort_keys=True)
    print(len(res), "figures;", sum("error" not in v for v in res.values()), "with a value")
