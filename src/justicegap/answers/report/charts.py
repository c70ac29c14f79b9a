"""The report's charts, from the figures it has already computed."""

from __future__ import annotations


from ... import metrics, reference
from ...errors import JusticegapError
from ...periods import Period


def _charts(report, col, police, years, fam, charge_figs, rec_figs, groups_by, store) -> dict:
    """Data for the charts (the HTML page draws them): trend, attrition funnel, funnel-plot position.

    The attrition funnel reuses the figures and outcome groups the report has computed already;
    only its stages the report did not compute for the force (CPS, courts) are computed here."""
    from ..funnel import attrition

    charts = dict(report.charts)
    trend = []
    for f in rec_figs:
        if f.offence == fam:
            trend.append({"year": f.period.label, "start": f.period.start.isoformat(), "series": "Offences recorded", "value": f.value, "kind": "count"})
    for f in charge_figs:
        if f.offence == fam:
            trend.append({"year": f.period.label, "start": f.period.start.isoformat(), "series": f.metric["name"], "value": f.value,
                          "ci_low": f.ci_low, "ci_high": f.ci_high, "kind": f.metric["kind"]})
    events = metrics.events_touching(Period(years[0].start, years[-1].end), police, None, fam)
    charts["trend"] = {"points": trend, "years": [y.label for y in years],
                       "events": [{"id": e["id"], "title": e["title"], "start": e["start"], "end": e["end"]} for e in events],
                       "area": police.name, "offence": reference.families()[fam]["label"]}
    with_data = sorted({f.period for f in charge_figs if f.offence == fam}, key=lambda p: p.start)
    if with_data:
        try:
            charts["attrition"] = attrition(area=police, period=with_data[-1], offence=fam, store=store,
                                            figures=col.objects,
                                            groups=groups_by.get((with_data[-1].label, fam))).model_dump()
        except JusticegapError:
            pass
    return charts
