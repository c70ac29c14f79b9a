"""The report's section of measures from the force's own case records, when they are loaded for
its police force area: the record-based metrics of the registry, year by year, after disclosure
control (a report is a file that gets sent on, so a count of 1 to 4 is suppressed as on the pages)."""

from __future__ import annotations

from ... import metrics
from ...errors import NotAvailable
from ...model.report import Table
from .. import sentences
from .common import _Collector, _figure_table

SMALL_CELLS_RECORDS = ("Published counts are shown as published, none suppressed: each is one its publisher releases at the "
                       "level shown, or a sum of such counts shown beside it. The measures from case records are not published "
                       "statistics: there a count of 1 to 4 crimes is suppressed, with the other count of its figure so it cannot "
                       "be worked back, and no rate, median or interval is given for it (disclosure control).")


def records_section(report, col: _Collector, police, years, fam: str, store) -> list:
    """Add the table (nothing when no records are loaded for ``police``); returns its figures."""
    from ...metrics.from_records import suppress_small
    from ...records.scope import held

    if police.level not in ("pfa", "cps_area", "nation") or not held(store, police):
        return []
    ids = [k for k, m in metrics.registry().items() if m.get("records")]
    figs, beyond = [], []
    for y in years:
        for mid in ids:
            try:
                fig = metrics.measure(mid, area=police, period=y, offence=fam, store=store)
            except NotAvailable:
                if y.label not in beyond:
                    beyond.append(y.label)
                continue
            if not fig.denominator:  # the records hold no crimes of this year: not a year they cover
                continue
            figs.append(suppress_small(fig))
    if not figs:
        return []
    for f in figs:
        col.keep(f)
    synthetic = any(f.synthetic for f in figs)
    extract = min(f.extract_date for f in figs)
    notes = [f"From {police.police_name or police.name}'s own case records (pseudonymised), extracted {extract:%-d %B %Y}: "
             "not published statistics. Each crime recorded in the year is followed in the records; the charge rate within "
             "365 days counts only crimes recorded at least 365 days before the extract date. Medians are Kaplan-Meier "
             "estimates with investigations still open at the extract date counted as open."]
    if synthetic:
        notes.insert(0, "SYNTHETIC RECORDS: these are not real cases. They were made by justicegap's synthesiser to reproduce "
                        "the published counts, to show what the force's own records would give.")
    if beyond:
        notes.append(f"Not given for {', '.join(beyond)}: the records were extracted before the year ended.")
    notes.append("Counts of 1 to 4 crimes are suppressed (blank), with the other count of the figure, and no rate or median is "
                 "given for them (disclosure control of case records).")
    t: Table = _figure_table("records", f"Measures from case records{' (SYNTHETIC)' if synthetic else ''}: {police.name}", figs,
                             notes=notes, geography=police.level_name, period_name="Financial year")
    t.derived = True
    t.provenance = "Computed by justicegap from the force's own case records, not from published counts" + (
        " (SYNTHETIC records, not real cases)" if synthetic else "")
    report.tables.append(t)
    report.small_cells = SMALL_CELLS_RECORDS
    if synthetic:
        report.question["notes"].append("The measures from case records in this report come from SYNTHETIC records: not real cases.")
    return figs


def records_sentences(figs: list) -> list[dict]:
    """The latest year's sentence of each record-based measure that could be given."""
    out = []
    for mid in dict.fromkeys(f.metric["id"] for f in figs):
        f = max((f for f in figs if f.metric["id"] == mid), key=lambda f: f.period.end)
        if f.sentence:
            s = sentences.sentence(f)
            if f.value is None:  # a median not reached (or a suppressed figure) says so in its own sentence
                s["text"] = f.sentence + f" Basis: {sentences.basis_text(f.metric['basis'])}."
            out.append(s)
    return out
