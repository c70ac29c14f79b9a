"""Building a report: the years asked, then each section in turn, from one read of each dataset."""

from __future__ import annotations

from datetime import datetime, timezone

from ... import areas as A
from ... import metrics, reference
from ...errors import InvalidParameter
from ...periods import Period, between, financial_year, financial_years, parse
from ...model.report import Column, Report, Table
from ...store import Store
from .. import sentences
from ..funnel import OutcomeGroups
from .common import SMALL_CELLS, STAGE_TITLES, _Collector, _by_year, _calendar_years, _dataset_periods, _family_parts, _figure_table, _holder_for, _int, _victim, latest_financial_year
from .sections import _code_counts, _comparison, _local_table, _moj_sex_age, _outcome_groups, _recorded_status, _revision_notes, _standing_gaps, _victim_crosstab
from .notes import _caveats, _definitions, _sentences, _sources
from .charts import _charts
from .records import records_section, records_sentences


def build_report(area, *, start=None, end=None, offence: str = "sexual_offences", local_areas=None,
                 intervention=None, store: Store | None = None) -> Report:
    """Everything the loaded data hold for ``area``, financial years ``start``..``end`` and ``offence``.

    ``local_areas``: names or codes of districts/CSPs (a list, or one comma-separated string) for
    the local table; by default all the Community Safety Partnerships of the force. Unresolvable
    names raise ``NotFound`` with the closest matches before any figure is computed.
    ``intervention``: a date; adds an interrupted time series of the CPS conviction rate by month
    around it (:func:`justicegap.answers.evaluation.report_section`).
    """
    the_area = area if isinstance(area, A.Area) else A.resolve(area)
    fam = metrics.family(offence)
    start_p = parse(start) if start else None
    end_p = parse(end) if end else None
    if isinstance(local_areas, str):
        local_areas = [x.strip() for x in local_areas.split(",") if x.strip()]
    asked_local = [(name, A.resolve(name)) for name in (local_areas or [])]
    own = store is None
    store = store or Store(read_only=True)
    try:
        with store.prefetched():  # every figure of the report from one read of each dataset
            report = _build(the_area, area, start, end, start_p, end_p, fam, offence, asked_local, local_areas, store)
        if intervention is not None:
            from ..evaluation import report_section

            police = A.get(the_area.parent) if the_area.level in ("csp", "lad") else the_area
            table, item = report_section(police, report.question["years"], intervention, fam, store)
            if table is not None:
                report.tables.append(table)
            else:
                report.not_available.append(item)
        return report
    finally:
        if own:
            store.close()


def _years(store, start_p, end_p) -> tuple[Period, list[Period], str]:
    """The period asked, the financial years inside it and how they were chosen, in words.

    Without ``--to`` the run ends at the latest financial year the loaded police data hold; without
    ``--from`` it starts nine years before its end (ten years in all)."""
    if end_p is None:
        end_p = latest_financial_year(store)
        if start_p is None:
            how = "the last ten financial years up to the latest the loaded police data hold"
        elif start_p.start > end_p.end:
            raise InvalidParameter("from", f"{start_p} is after {end_p.label}, the latest financial year the loaded police data "
                                             "hold: give the last year as well, or load later editions").with_actions("load_data")
        else:
            how = (f"from {start_p.label}, as asked, to {end_p.label}, the latest financial year the loaded police data hold"
                   " (no last year was given)")
    elif start_p is None:
        how = "the ten financial years up to the year asked"
    else:
        how = "as asked"
    if start_p is None:
        last = end_p.start.year if end_p.start.month >= 4 else end_p.start.year - 1
        start_p = financial_year(last - 9)
    whole = between(start_p, end_p)
    years = financial_years(whole)
    if not years:
        return whole, [whole], how
    if years[0].start != whole.start or years[-1].end != whole.end:
        how += (f"; the whole financial years inside {whole.label} ({years[0].label} to {years[-1].label}), "
                "because police data are published by financial year")
    return whole, years, how


def _build(area, area_text, start, end, start_p, end_p, fam, offence_text, asked_local, local_text, store) -> Report:
    whole, years, how = _years(store, start_p, end_p)
    fam_label = reference.families()[fam]["label"]
    if area.level in ("csp", "lad"):
        police = A.get(area.parent)
    else:
        police = area
    force = police if police.level in ("pfa", "btp") else None
    cps_area = metrics.cps_area_of(force) if force and force.level == "pfa" else None
    nation = A.resolve("England and Wales")
    col = _Collector(store)
    report = Report(question={}, small_cells=SMALL_CELLS,
                    created=datetime.now(timezone.utc).replace(microsecond=0).isoformat())
    parts = _family_parts(fam)

    # the question as understood ---------------------------------------------------------------
    q = {
        "asked": {"area": str(area_text if not isinstance(area_text, A.Area) else area_text.name), "from": None if start is None else str(start),
                  "to": None if end is None else str(end), "offence": offence_text,
                  "local_areas": list(local_text) if local_text else None},
        "area": {**area.to_dict(), "level_name": area.level_name},
        "police_area": {**police.to_dict(), "level_name": police.level_name},
        "cps_area": cps_area.to_dict() if cps_area else None,
        "period": {"label": whole.label, "start": whole.start.isoformat(), "end": whole.end.isoformat(), "how": how},
        "years": [y.label for y in years],
        "offence": {"family": fam, "label": fam_label, "parts": [{"family": f, "label": reference.families()[f]["label"]} for f in parts]},
        "notes": [],
    }
    if area.resolved_note:
        q["notes"].append(area.resolved_note)
    if police is not area:
        q["notes"].append(f"{area.name} is a {area.level_name} within {police.name}: police outcomes, CPS and court figures are "
                          f"published for {police.name} as a whole and are given for it, labelled so.")
    q["text"] = (f"{fam_label} in {area.name} ({area.level_name}), {years[0].label} to {years[-1].label}"
                 f" ({how}): offences recorded, what the police did with them, charges on each basis, CPS and court "
                 "stages where published, timeliness, and victims' and defendants' age and sex where the data hold them.")
    report.question = q

    # 1. recorded offences by year (police force area) -----------------------------------------
    rec_cols = [Column("Financial year", "string")]
    rec_cols += [Column(reference.families()[f]["label"], "integer", "offences",
                        f"offences recorded ({reference.families()[f]['note'] or ''})".strip()) for f in parts]
    rec_cols += [Column("Edition", "string"), Column("Status", "string"), Column("Source", "string")]
    rec_rows, missing_years, rec_figs, rec_notes = [], [], [], []
    for y in years:
        vals, eds, used = [], set(), {}
        for f in parts:
            fig = col.compute("recorded", police, y, f, part=f"Offences recorded ({reference.families()[f]['label'].lower()}): {police.name}")
            vals.append(_int(fig.value) if fig else None)
            if fig:
                rec_figs.append(fig)
                eds |= {e.edition for e in fig.editions}
                used.setdefault(fig.dataset, []).append(reference.families()[f]["label"].lower())
                rec_notes += _revision_notes(store, police, y, f)
        status = _recorded_status(used, eds) if any(v is not None for v in vals) else "not in the loaded data"
        if status == "not in the loaded data":
            missing_years.append(y.label)
        rec_rows.append([y.label, *vals, ", ".join(sorted(eds)), status,
                         "; ".join(f"{reference.sources()[d]['title']} ({', '.join(fs)})" for d, fs in used.items())])
        if len(used) > 1:
            rec_notes.append(f"{y.label}: the columns come from different publications ("
                             + "; ".join(f"{', '.join(fs)} from {reference.sources()[d]['title']}" for d, fs in used.items())
                             + "), so the parts need not add up to the whole.")
    t = Table("recorded", f"Offences recorded by the police: {police.name}, by financial year", rec_cols, rec_rows,
              geography=police.level_name, basis="recorded_in_period", unit="offences",
              editions=sorted({e.edition for f in rec_figs for e in f.editions}), metrics=["recorded"] if rec_figs else [])
    t.notes.append("Counts as published (police recorded crime, by the date the offence was recorded). Years marked "
                   "'not in the loaded data' are missing, not zero: nothing is filled in.")
    t.notes.extend(rec_notes)
    if police is not area:
        t.notes.append(f"These are {police.name}'s figures for the whole force area, not {area.name}'s: see the local table.")
    report.tables.append(t)

    # 2. recorded rape and sexual assault by victim sex and age (offence codes) ----------------
    code_rows, victim_notes = [], []
    code_figs: dict[str, dict[str, int]] = {}
    family_codes = reference.family_codes()
    codes = sorted(c for c in family_codes.get(fam, ()) if any(_victim(reference.offences().get(c, {}).get("label", ""))))
    for y, fig_list in _by_year(rec_figs, fam).items():
        g = fig_list.gathered
        if g is None:
            continue
        counts = _code_counts(store, g, codes)
        absent = [c for c in codes if counts.get(c) is None]
        if absent and any(counts.get(c) is not None for c in codes):
            victim_notes.append(f"{y}: no rows for offence code{'s' if len(absent) > 1 else ''} {', '.join(absent)} in "
                                f"{', '.join(e.file_name for e in g.editions)} for {police.name}: not published, so left out "
                                "(not zero).")
        for c in codes:
            v = counts.get(c)
            if v is None:
                continue
            label = reference.offences()[c]["label"]
            sex, age = _victim(label)
            code_rows.append([y, c, label, sex, age, _int(v), ", ".join(e.edition for e in g.editions)])
            code_figs.setdefault(y, {})[c] = int(v)
    if code_rows:
        report.tables.append(Table(
            "victims", f"Offences recorded by victim sex and age, from the offence codes: {police.name}",
            [Column("Financial year", "string"), Column("Offence code", "string"), Column("Offence", "string"),
             Column("Victim sex", "string"), Column("Victim age", "string"), Column("Offences recorded", "integer", "offences"),
             Column("Edition", "string")], code_rows,
            notes=["Victims' sex and age are known only through the offence codes (rape of a female or male aged 16 and over, "
                   "under 16 or under 13; sexual assault aged 13 and over or under 13). Other sexual offence classes record neither.",
                   "Counts as published, by offence code: the Home Office publishes each code's count for every police force area, "
                   "small counts included, so they are shown as published.",
                   *victim_notes],
            geography=police.level_name, basis="recorded_in_period", unit="offences",
            editions=sorted({e for r in code_rows for e in r[-1].split(", ")}), metrics=["recorded"]))
        xt = _victim_crosstab(code_figs, police)
        if xt is not None:
            report.tables.append(xt)
    else:
        col.not_available(f"Offences recorded by victim sex and age: {police.name}", "",
                          "No loaded police recorded crime table for these years gives counts by offence code for this area.",
                          _holder_for(metrics.registry().get("recorded")))

    # 3. local areas (CSPs) --------------------------------------------------------------------
    _local_table(report, col, area, police, force, asked_local, years, fam, parts, store)
    has_local = bool(asked_local) or area.level in ("csp", "lad") or any(t.id == "local" for t in report.tables)

    # 4. police outcomes by outcome group (cohort basis) ---------------------------------------
    outcome_rows = []
    out_eds: set[str] = set()
    groups_by: dict[tuple[str, str], OutcomeGroups] = {}
    for y in years:
        for f in parts:
            rows, eds = _outcome_groups(col, store, police, y, f, groups_by)
            outcome_rows += rows
            out_eds |= eds
    if outcome_rows:
        report.tables.append(Table(
            "outcomes", f"What happened to the offences recorded each year (police outcomes): {police.name}",
            [Column("Financial year", "string"), Column("Offence", "string"), Column("Outcome group", "string"),
             Column("Offences", "integer", "offences"), Column("Share", "percent", "percent", "of all offences recorded in the year"),
             Column("95% CI low", "percent", "percent"), Column("95% CI high", "percent", "percent"),
             Column("Offences recorded (outcomes data)", "integer", "offences"), Column("Basis", "string"),
             Column("Unit", "string"), Column("Edition", "string"), Column("Note", "string")], outcome_rows,
            notes=["Basis: offences recorded in the year, with the outcome they had reached by the date of the edition "
                   "(the Home Office's headline basis). 'Not yet assigned an outcome' are investigations still open: "
                   "recent years will change in later editions.",
                   "The outcomes data are a different publication and edition from the recorded-crime table (the sources "
                   "list gives each edition and its date where known), so their count of the year's offences can differ "
                   "slightly from it.",
                   "A blank count has its reason in the Note column: an outcome type that did not exist yet in the year, or "
                   "published negative counts (the publisher's corrections) that make a group's sum negative."],
            geography=police.level_name, basis="recorded_cohort", unit="offences", editions=sorted(out_eds),
            metrics=["outcome_share_cohort"]))
        if "outcome_share_cohort" not in col.metric_ids:
            col.metric_ids.append("outcome_share_cohort")

    # 5. charge rates on each basis ------------------------------------------------------------
    charge_ids = [k for k, m in metrics.registry().items()
                  if m.get("stage") == "police" and "charge" in k and m.get("kind") in ("proportion", "ratio") and not m.get("needs_outcome")
                  and not m.get("records")]  # published bases only: the case records have their own section
    charge_figs = []
    for y in years:
        for f in parts:
            for mid in charge_ids:
                fig = col.compute(mid, police, y, f)
                if fig:
                    charge_figs.append(fig)
    if charge_figs:
        t = _figure_table("charges", f"Charges on each basis: {police.name}", charge_figs, geography=police.level_name,
                          period_name="Financial year",
                          notes=["Three different measures, each with its own numerator and denominator: "
                                 + "; ".join(f"{metrics.registry()[m]['name']} ({sentences.basis_text(metrics.registry()[m]['basis'])})" for m in charge_ids)
                                 + ". Do not compare a figure on one basis with a figure on another."])
        report.tables.append(t)

    # 6. comparison with other areas (funnel plot) ---------------------------------------------
    _comparison(report, col, police, charge_figs, fam, store)

    # 7. CPS, courts, timeliness: whatever the registry holds ----------------------------------
    stage_figs: dict[str, list] = {}
    for mid, m in metrics.registry().items():
        if m.get("stage") == "police" or m.get("needs_outcome"):
            continue
        key = "timeliness" if m.get("kind") == "average" or m.get("unit") == "days" else m.get("stage", "other")
        periods = years if _dataset_periods(m) == "financial" else _calendar_years(years)
        cps_stage = any(ds.startswith("cps") for ds in m.get("datasets") or [])
        chain = [a for a in (police if police.level != "nation" else None, cps_area if cps_stage else None) if a is not None] or [nation]
        for f in parts:
            for p in periods:
                got = False
                for a in chain:
                    fig = col.compute(mid, a, p, f, record=(f == fam), allow_partial=True)
                    if fig:
                        stage_figs.setdefault(key, []).append(fig)
                        got = True
                if not got and nation not in chain:
                    fig = col.compute(mid, nation, p, f, record=False, allow_partial=True)
                    if fig:
                        fig.scope = f"not published for {police.name}"
                        stage_figs.setdefault(key, []).append(fig)
    for key, figs in stage_figs.items():
        if key == "timeliness":
            title = f"Timeliness: days between stages, {fam_label.lower()}"
            tid = "timeliness"
        else:
            title = f"{STAGE_TITLES.get(key, key.replace('_', ' ').capitalize())}: {fam_label.lower()}"
            tid = f"stage_{key}"
        notes = ["Each stage counts its own thing (suspects, defendants, days) over its own periods and geography: "
                 "the Unit and Level columns say which. They are not the offences recorded by the police and cannot be divided by them."]
        if any("partial" in f.flags for f in figs):
            notes.append("Rows flagged 'partial' cover only part of their period (the months missing are listed under "
                         "'Not available'): they are not comparable with whole periods.")
        if any(f.scope for f in figs):
            notes.append(f"Rows marked 'not published for {police.name}' are the England and Wales figure, given because nothing finer is published.")
        if any(f.dataset == "moj_outcomes" for f in figs):
            notes.append("MoJ court figures are by the police force area of the court, not of the force that investigated.")
        report.tables.append(_figure_table(tid, title, figs, notes=notes, geography="as in the Level column",
                                           period_name="Period"))

    # 8. defendants by sex and age (MoJ), if loaded --------------------------------------------
    _moj_sex_age(report, col, police, years, fam, store)

    # 9. measures from the force's own case records, when they are loaded ---------------------
    record_figs = records_section(report, col, police, years, fam, store)

    # question-level things that cannot be answered -------------------------------------------
    _standing_gaps(col, area, police, force, cps_area, has_local, fam, store)
    if police is not area:
        _own_tables_first(report, area, police)

    # missing, caveats, definitions, sources, sentences, charts ------------------------------
    report.missing = {"years": missing_years, "years_asked": [y.label for y in years], "local_years": col.local_missing,
                      "note": "Years listed here have no police recorded crime figure in the loaded data; they are not zero."}
    if missing_years:
        col.not_available(f"Police recorded crime for {police.name}", "",
                          f"The loaded data hold no police recorded crime for {', '.join(missing_years)}: these years are listed as missing, not filled.",
                          _holder_for(metrics.registry().get("recorded")) + " (load the editions covering them)")
    report.not_available = col.items()
    report.caveats = _caveats(col, police, whole, fam, report)
    report.definitions = _definitions(col.metric_ids)
    report.sources = _sources(col)
    report.sentences = _sentences(col, police, area, charge_figs, rec_figs, fam, stage_figs) + records_sentences(record_figs)
    report.charts = _charts(report, col, police, years, fam, charge_figs, rec_figs, groups_by, store)
    return report


def _own_tables_first(report: Report, area: A.Area, police: A.Area) -> None:
    """A report for a local area: its own figures first, and one plain statement of which tables
    are its force's and why (so a reader never takes Kent's figures for Canterbury's)."""
    own = [t for t in report.tables if t.id == "local"]
    force_tables = [t for t in report.tables if t.id != "local" and t.geography != "as in the Level column"]
    report.tables = own + [t for t in report.tables if t.id != "local"]
    statement = (f"Tables of {area.name} itself: " + (", ".join(f"'{t.title}'" for t in own) if own else
                                                      "none (no loaded local table covers it)") + ". "
                 f"Tables of {police.name}, the police force area {area.name} is in: "
                 + ", ".join(f"'{t.title}'" for t in force_tables)
                 + f". These are given for {police.name} because the publishers give offence codes, police outcomes, charges, "
                 f"CPS and court figures only for whole police force areas (or larger), never for a {area.level_name}.")
    report.question["notes"].append(statement)
    report.question["own_tables"] = [t.id for t in own]
    report.question["force_tables"] = [t.id for t in force_tables]
