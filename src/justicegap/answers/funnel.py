"""The attrition funnel for one area and period: the stages that exist, volumes beside rates.

Each stage counts its own thing (offences, then suspects, then defendants), over its own
periods and geography, so the funnel never divides one stage by another unless the publisher's
metric does; it says plainly wherever two neighbouring stages do not count the same cases.
"""

from __future__ import annotations

import functools
import tomllib
from importlib import resources

from .. import areas as A
from .. import metrics, reference
from ..errors import NotAvailable, NotFound
from ..periods import Period, calendar_year, parse
from ..store import Store


@functools.cache
def stages() -> list[dict]:
    return tomllib.loads(resources.files(__package__).joinpath("stages.toml").read_text(encoding="utf-8"))["stage"]


def calendar_overlap(p: Period) -> Period:
    """The calendar year sharing most days with ``p`` (MoJ data are by calendar year)."""
    years = range(p.start.year, p.end.year + 1)
    return max((calendar_year(y) for y in years),
               key=lambda c: (min(c.end, p.end) - max(c.start, p.start)).days)


def _geography(dataset: str) -> str:
    g = reference.sources()[dataset]["geography"]
    return "police force area of the court" if dataset == "moj_outcomes" else g


def attrition(*, area, period, offence: str = "rape", edition: str | None = None, store: Store | None = None) -> dict:
    """Every stage available for ``area`` and ``period``, with what each counts and where they differ."""
    the_area = area if isinstance(area, A.Area) else A.resolve(area)
    p = parse(period)
    fam = metrics.family(offence)
    own = store is None
    store = store or Store(read_only=True)
    out_stages = []
    try:
        for st in stages():
            try:
                m = metrics.get(st["metric"])
            except NotFound:
                continue
            sp = p if st["period"] == "same" else calendar_overlap(p)
            entry = {"id": st["id"], "label": st["label"], "metric": m["id"], "name": m["name"], "stage": m["stage"],
                     "unit": m["unit"], "basis": m["basis"], "kind": m["kind"], "period": sp.to_dict()}
            try:
                fig = metrics.compute(m["id"], area=the_area, period=sp, offence=fam, store=store, allow_partial=True,
                                      edition=edition if edition and _edition_in(store, edition, m) else None)
            except NotAvailable as e:
                out_stages.append({**entry, "available": False, "reason": str(e)})
                continue
            d = fig.to_dict()
            entry.update(available=True, value=d["value"], numerator=d["numerator"], denominator=d["denominator"],
                         ci_low=d["ci_low"], ci_high=d["ci_high"], volume=d["numerator"] if d["numerator"] is not None else d["value"],
                         dataset=fig.dataset, geography=_geography(fig.dataset), editions=[e["edition"] for e in d["sources"]],
                         flags=d["flags"], caveats=d["caveats"], sentence=d["sentence"], figure=d)
            out_stages.append(entry)
        outcome_groups = _outcome_groups(the_area, p, fam, edition, store)
    finally:
        if own:
            store.close()
    return {"area": the_area.to_dict(), "period": p.to_dict(), "offence": {"family": fam, "label": reference.families()[fam]["label"]},
            "stages": out_stages, "outcome_groups": outcome_groups, "statements": statements(out_stages)}


def _edition_in(store: Store, edition: str, m: dict) -> bool:
    return any(e.edition == edition or e.sha256.startswith(edition) or e.file_name == edition
               for ds in m["datasets"] for e in store.editions(ds))


def _outcome_groups(area, p, fam, edition, store) -> list[dict]:
    """Police outcomes of the offences recorded in the period, by outcome group (volumes and shares)."""
    rows = []
    for gid, g in sorted(reference.outcome_groups().items(), key=lambda kv: int(kv[1]["order"])):
        try:
            fig = metrics.compute("outcome_share_cohort", area=area, period=p, offence=fam, outcome=gid,
                                  edition=edition, store=store, allow_partial=True)
        except NotAvailable:
            return []
        if fig.numerator:
            rows.append({"group": gid, "label": g["label"], "count": fig.numerator, "share": fig.value,
                         "ci_low": fig.ci_low, "ci_high": fig.ci_high, "denominator": fig.denominator,
                         "basis": "recorded_cohort", "unit": "offences", "edition": fig.edition})
    return rows


def statements(stages_: list[dict]) -> list[str]:
    """Plain statements wherever neighbouring stages do not count the same cases."""
    out = []
    avail = [s for s in stages_ if s.get("available")]
    for a, b in zip(avail, avail[1:]):
        bits = []
        if a["unit"] != b["unit"]:
            bits.append(f"'{a['label']}' counts {a['unit']}, '{b['label']}' counts {b['unit']}")
        if a["period"]["label"] != b["period"]["label"]:
            bits.append(f"they cover different periods ({a['period']['label']} and {b['period']['label']})")
        if a["geography"] != b["geography"]:
            bits.append(f"they use different geographies ({a['geography']} and {b['geography']})")
        if bits:
            out.append("; ".join(bits).capitalize() + ": they are not the same cases, so one cannot be divided by the other.")
        elif a["dataset"] != b["dataset"] and a["basis"] == "recorded_in_period" and b["basis"] == "recorded_cohort":
            same = b["denominator"] == a["volume"]
            out.append(f"'{b['label']}' follows the offences recorded in {b['period']['label']} in {reference.sources()[b['dataset']]['title']}, "
                       f"a later extract than {reference.sources()[a['dataset']]['title']}: its own total is the denominator"
                       + (f" (here the two agree: {a['volume']:,.0f})." if same else
                          f" ({b['denominator']:,.0f}, against {a['volume']:,.0f} in the recorded-crime table)."))
        elif b["basis"] == "closed_in_period" and a["basis"] != "closed_in_period":
            out.append(f"'{b['label']}' counts investigations closed in {b['period']['label']}, whenever the offence was recorded: "
                       "they are not the offences recorded in the period.")
    return out
