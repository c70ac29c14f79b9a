"""The report's tables, one builder per table: recorded offences by code and by victim, local areas,
police outcome groups, the area on the funnel plot, the court stage by sex and age, standing gaps."""

from __future__ import annotations


from ... import areas as A
from ... import metrics, reference
from ...errors import JusticegapError, NotAvailable
from ...periods import Period, describe, parse
from ...model.report import Column, Table
from ...store import queries
from ..funnel import outcome_groups
from .common import FEMALE_RAPE, LOCAL_DATASETS, MALE_RAPE, VICTIM_BANDS, _Collector, _calendar_years, _holder_for, _int


def _recorded_status(used: dict, eds: set) -> str:
    """'published', or where the year's count comes from: the outcomes data (no recorded-crime table
    covers the year) or the ONS first release."""
    if "ho_outcomes" in used:
        which = ", ".join(sorted(e for e in eds if e.startswith("ho_outcomes")))
        return f"counted from the outcomes data (offences recorded in the year; edition {which})"
    if "ons_pfa_tables" in used:
        return "published (ONS first release)"
    return "published"


def _revision_notes(store, police, year, fam) -> list[str]:
    """The revision of a year's recorded count between the editions loaded (the ONS first release and
    the Home Office table), each as published."""
    from ..maturation import revision

    text = revision("recorded", area=police, period=year, offence=fam, store=store)
    return [f"{year.label}, {reference.families()[fam]['label'].lower()}: {text}"] if text else []


def _code_counts(store, g, codes) -> dict[str, float | None]:
    """Each offence code's count over the spans and editions behind a family figure: one query
    for all the codes. A code with no rows for the area is None (not published), never zero. From
    the outcomes data (a year no recorded-crime table covers) the count is the offences recorded,
    summed over their outcomes (sub-codes such as 1A are inside their parents)."""
    from ...metrics.data import sub_codes

    spans = list(g.by_span) or []
    if not spans or not codes:
        return {}
    eds = [e.edition for e in g.editions]
    measure = "outcomes_cohort" if g.dataset == "ho_outcomes" else "recorded"
    got = queries.code_counts(store, g.dataset, eds, codes, g.areas_used, spans, measure=measure, except_outcomes=sub_codes())
    return {c: got.get(c) for c in codes}


def _victim_crosstab(code_figs: dict, police: A.Area) -> Table | None:
    """Rape by victim sex and age band, arranged by justicegap from the published offence codes.

    Every sex-and-band cell is one offence code's count as the Home Office publishes it for the
    force (the same count the per-code table shows), and the totals are sums of those published
    counts: nothing here is below the level published, so small-cell suppression has nothing to
    protect (blanking a cell would hide only what the per-code table and the publication show)."""
    rows = []
    for y, counts in code_figs.items():
        if not all(c in counts for _, cs in VICTIM_BANDS for c in cs):
            continue
        mat = [[sum(counts[c] for c in cs if c in sex_codes) for _, cs in VICTIM_BANDS] for sex_codes in (FEMALE_RAPE, MALE_RAPE)]
        for sex, cells in zip(("Female", "Male"), mat):
            rows.append([y, sex, *cells, sum(cells)])
        rows.append([y, "Both", *[sum(c) for c in zip(*mat)], sum(map(sum, mat))])
    if not rows:
        return None
    notes = ["Arranged by justicegap: the Home Office publishes each rape offence code (19C to 19H) for every police force area; "
             "this table sets them out by victim sex and age band (13 to 15 is 'under 16' in the code labels, which exclude the "
             "under-13 codes). Each Female and Male cell is one code's published count, as in the table by offence code; "
             "'All ages' and 'Both' are sums of those published counts."]
    notes.append("Not a small-cell table: no cell is below the level the Home Office publishes, so counts of 1 to 4 are shown "
                 "as published: blanking one would hide nothing that the table by offence code and the publication itself do not show.")
    return Table("victims_crosstab", f"Rape by victim sex and age band (arranged from the offence codes): {police.name}",
                 [Column("Financial year", "string"), Column("Victim sex", "string"), Column("16 and over", "integer", "offences"),
                  Column("13 to 15", "integer", "offences"), Column("Under 13", "integer", "offences"),
                  Column("All ages", "integer", "offences")],
                 rows, notes, derived=True, geography=police.level_name, basis="recorded_in_period", unit="offences",
                 metrics=["recorded"])


def _local_table(report, col, area, police, force, asked_local, years, fam, parts, store):
    """Recorded offences by Community Safety Partnership, every asked name resolved."""
    if force is None or force.level != "pfa":
        if asked_local:
            for name, a in asked_local:
                col.not_available(f"Local figures for {name}", "", f"{name} is not inside {area.name}'s police force area.", "")
        return []
    csps = [a for a in A.all_areas("csp") if a.parent == force.code]
    wanted: list[tuple[str, A.Area]] = []
    if asked_local:
        wanted = list(asked_local)
    elif area.level in ("csp", "lad"):
        wanted = [(area.name, area)]
    # map each name asked to its CSP (or say why it has none of its own)
    asked_by_csp: dict[str, list[str]] = {}
    notes_by_csp: dict[str, list[str]] = {}
    resolution = []
    for name, a in wanted:
        if a.level not in ("csp", "lad") or a.parent != force.code:
            col.not_available(f"Local figures for {name}", "", f"'{name}' resolves to {a.name} ({a.level_name}), which is not a local area of {force.name}.", "")
            resolution.append({"asked": name, "shown_as": a.name, "code": a.code, "csp": None, "note": "not a local area of the force"})
            continue
        note = a.resolved_note or ""
        try:
            csp = A.local_csp(a)
        except NotAvailable as e:
            if a.level == "lad" and len(a.csps) == 1:
                csp = A.get(a.csps[0])  # a shared partnership: the shared-CSP note below says so
            else:
                col.not_available(f"Local figures for {name}", "", e.message, e.holder)
                resolution.append({"asked": name, "shown_as": a.name, "code": a.code, "csp": None, "note": e.message})
                continue
        asked_by_csp.setdefault(csp.code, []).append(name)
        if note:
            notes_by_csp.setdefault(csp.code, [])
            if note not in notes_by_csp[csp.code]:
                notes_by_csp[csp.code].append(note)
        resolution.append({"asked": name, "shown_as": a.name, "code": a.code, "csp": csp.name, "csp_code": csp.code, "note": note})
    report.question["local_areas"] = resolution
    # the partnerships asked for, or the local area the report is for; else every one of the force
    show = csps if not wanted else [c for c in csps if c.code in asked_by_csp]
    for c in csps:  # shared and renamed partnerships say so even when not asked by that name
        if len(c.lads) > 1:
            names = " and ".join(A.get(x).name for x in c.lads)
            n = f"{names} share one Community Safety Partnership: recorded crime is published for the partnership, not for each district."
            if n not in notes_by_csp.get(c.code, []):
                notes_by_csp.setdefault(c.code, []).append(n)
        if c.former_names:
            n = f"Formerly {', '.join(c.former_names)} (renamed; same code)."
            if not any(", ".join(c.former_names) in x for x in notes_by_csp.get(c.code, [])):
                notes_by_csp.setdefault(c.code, []).append(n)
    extra_rows = [A.get(f"{force.code}:unassigned"), force] if not (wanted and not asked_local) else [force]
    # which periods have local data: the years asked, else the latest local period loaded
    local_fam = fam
    periods = []
    for y in years:
        if col.compute("recorded", show[0] if show else csps[0], y, local_fam, record=False) is not None:
            periods.append(y)
    outside = None
    if not periods:
        outside = _latest_local_period(store)
        if outside is not None and col.compute("recorded", csps[0], outside, local_fam, record=False) is not None:
            periods = [outside]
        elif outside is not None:
            # the local data hold the headline group only (sexual offences, not rape): say so
            col.compute("recorded", csps[0], outside, local_fam,
                        part=f"{reference.families()[local_fam]['label']} by local area (Community Safety Partnership)")
            if fam != "sexual_offences" and col.compute("recorded", csps[0], outside, "sexual_offences", record=False) is not None:
                local_fam = "sexual_offences"
                periods = [outside]
    col.local_missing = [y.label for y in years if y not in periods]
    if not periods:
        col.not_available(f"Recorded offences by local area in {force.name}", ", ".join(y.label for y in years),
                          "No loaded Community Safety Partnership table covers these years.",
                          "Home Office (police recorded crime CSP open data tables); Office for National Statistics (PFA data tables)")
        return resolution
    missing_local = col.local_missing
    if missing_local:
        col.not_available(f"Recorded offences by local area in {force.name}", ", ".join(missing_local),
                          "No loaded Community Safety Partnership table covers these years: they are listed as missing, not filled.",
                          "Home Office (police recorded crime CSP open data tables); Office for National Statistics (PFA data tables)")
    cols = [Column("Local area as asked", "string"), Column("Community Safety Partnership", "string"), Column("CSP code", "string"),
            Column("Districts", "string")]
    labels = []
    for p in periods:
        lab = p.label + (" (latest loaded; outside the years asked)" if p is outside else "")
        labels.append(lab)
        cols.append(Column(lab, "integer", "offences", f"{reference.families()[local_fam]['label']} recorded, {p.long}"))
    cols += [Column("Notes", "string")]
    rows, figs = [], []
    for c in [*show, *extra_rows]:
        vals = []
        for p in periods:
            fig = col.compute("recorded", c, p, local_fam, part=f"Offences recorded: {c.name}")
            vals.append(_int(fig.value) if fig else None)
            if fig:
                figs.append(fig)
        asked = "; ".join(asked_by_csp.get(c.code, [])) if asked_local else ("" if c.level != "csp" or ":" in c.code else c.name)
        districts = ", ".join(f"{A.get(x).name} ({x})" for x in c.lads) if c.lads else ""
        note = " ".join(notes_by_csp.get(c.code, []))
        if c is force:
            note = "The force total as published, including offences not assigned to any partnership."
        elif c.code.endswith(":unassigned"):
            note = c.note or ""
        rows.append([asked, c.name if c is not force else f"{force.name} (whole force area)", c.code, districts, *vals, note])
    notes = [f"{reference.families()[local_fam]['label']} recorded, as published for each Community Safety Partnership "
             f"(the finest level published). Source: {', '.join(sorted({reference.sources()[f.dataset]['title'] for f in figs}))}."]
    if outside is not None:
        notes.append(f"No loaded local table covers {years[0].label} to {years[-1].label}; the latest loaded local period "
                     f"({outside.label}) is shown for reference, labelled as outside the years asked. The years asked are listed as missing.")
    if local_fam != fam:
        notes.append(f"The local tables publish {reference.families()[local_fam]['label'].lower()} as a whole, not "
                     f"{reference.families()[fam]['label'].lower()} separately.")
    notes.append("Police outcomes, charge rates and conviction rates are not published for local areas: see 'Not available'.")
    title = (f"Offences recorded in {area.name} ({area.level_name}), beside {force.name} as a whole" if wanted and not asked_local
             else f"Offences recorded by local area (Community Safety Partnership): {force.name}")
    report.tables.append(Table("local", title,
                               cols, rows, notes, geography="Community Safety Partnership", basis="recorded_in_period",
                               unit="offences", editions=sorted({e.edition for f in figs for e in f.editions}), metrics=["recorded"]))
    return resolution


def _latest_local_period(store) -> Period | None:
    row = queries.latest_span(store, LOCAL_DATASETS, "recorded")
    if not row:
        return None
    s, e = row
    try:
        return parse(describe(s, e))
    except JusticegapError:
        return Period(s, e, describe(s, e), "range")


def _outcome_groups(col: _Collector, store, police, year, fam, groups_by: dict):
    """Outcome groups of the offences recorded in ``year`` as table rows (the funnel's one-query
    implementation); the groups are kept in ``groups_by`` for the attrition chart. A year the
    outcomes data cover only in part gives no rows here (the charge table flags what is missing)."""
    try:
        og = outcome_groups(store, police, year, fam)
    except Exception as e:  # noqa: BLE001 - a fault in justicegap: say so rather than crash the whole report
        col.not_available(f"Police outcomes by group: {police.name}", year.label,
                          f"justicegap could not compute this table ({type(e).__name__}: {e}); "
                          "this is a fault in justicegap, not a gap in the data.", _holder_for(metrics.registry().get("outcome_share_cohort")))
        return [], set()
    groups_by[(year.label, fam)] = og
    if not og.rows or og.partial:
        return [], set()
    rows = [[year.label, reference.families()[fam]["label"], r["label"], _int(r["count"]), r["share"], r["ci_low"], r["ci_high"],
             _int(r["denominator"]), r["basis"], r["unit"], r["edition"], r.get("reason")] for r in og.rows]
    for e in og.editions:
        col.other_editions.append(e)
    return rows, {e.edition for e in og.editions}


def _comparison(report, col, police, charge_figs, fam, store):
    """Where the area sits among all areas at its level (funnel plot), latest year, each proportion basis."""
    from ..compare import compare

    if police.level not in ("pfa", "cps_area"):
        return
    latest = {}
    for f in charge_figs:
        if f.offence == fam and f.metric["kind"] == "proportion":
            if f.metric["id"] not in latest or f.period.end > latest[f.metric["id"]].period.end:
                latest[f.metric["id"]] = f
    rows, first = [], None
    for mid, f in latest.items():
        try:
            r = compare(mid, level=police.level, period=f.period, offence=fam, store=store).model_dump()
        except JusticegapError as e:
            col.not_available(f"Comparison with other areas ({f.metric['name'].lower()}, {f.period.label})", "", str(e), "")
            continue
        me = next((a for a in r["areas"] if a["area"]["code"] == police.code), None)
        if me is None:
            col.not_available(f"Comparison with other areas ({f.metric['name'].lower()}, {f.period.label})", "",
                              f"{police.name} has no complete figure to place on the funnel plot.", "")
            continue
        first = first or r
        report.charts.setdefault("compare", {})[mid] = r
        rows.append([f.period.label, r["name"], me["area"]["name"], _int(me["numerator"]), _int(me["denominator"]), me["value"],
                     me["ci_low"], me["ci_high"], r["target"], me.get("lower95"), me.get("upper95"), me.get("lower998"),
                     me.get("upper998"), me.get("position"), len(r["areas"]), r["basis"], r["unit"], ", ".join(r["editions"])])
    if rows:
        report.tables.append(Table(
            "comparison", f"{police.name} compared with all {A.LEVEL_NAMES[police.level]}s (funnel plot), latest year",
            [Column("Financial year", "string"), Column("Measure", "string"), Column("Area", "string"),
             Column("Numerator", "integer"), Column("Denominator", "integer"), Column("Rate", "percent", "percent"),
             Column("95% CI low", "percent", "percent"), Column("95% CI high", "percent", "percent"),
             Column("Pooled rate, all areas", "percent", "percent", "the target: all areas' numerators over all their denominators"),
             Column("95% limit low", "percent", "percent"), Column("95% limit high", "percent", "percent"),
             Column("99.8% limit low", "percent", "percent"), Column("99.8% limit high", "percent", "percent"),
             Column("Position", "string", description="against the 99.8% limits: above, below or within"),
             Column("Areas compared", "integer"), Column("Basis", "string"), Column("Unit", "string"), Column("Edition", "string")],
            rows, notes=["Not a league table: an area inside the limits differs from the pooled rate by no more than chance "
                         "alone would give at its size (exact binomial limits, Spiegelhalter 2005)."],
            geography=police.level_name, unit="offences", editions=sorted({e for r in rows for e in r[-1].split(", ")}),
            metrics=sorted(latest)))


def _moj_sex_age(report, col, police, years, fam, store):
    """Defendants by sex and age group (MoJ Outcomes by Offence), where loaded."""
    from ...metrics.data import offence_values

    holder = "Ministry of Justice (Criminal Justice Statistics): Outcomes by Offence data"
    eds = store.editions("moj_outcomes")
    cal = _calendar_years(years)
    if not eds:
        col.not_available("Age and sex of the accused (defendants proceeded against and convicted)", "",
                          "The MoJ's Outcomes by Offence data (defendants by sex and age group, by the police force area of the court) "
                          "are not loaded; the police data record nothing about suspects' age or sex.", holder)
        return
    offences = offence_values("moj_outcomes", fam)
    codes = [police.code] if police.level != "nation" else None
    rows = []
    for p in cal:
        ed = None
        for e in reversed(eds):
            if e.period_start and e.period_end and e.period_start <= p.start and e.period_end >= p.end:
                ed = e
                break
        if ed is None:
            col.not_available(f"Defendants by sex and age (MoJ): {police.name}", p.label, "No loaded MoJ Outcomes by Offence edition covers this year.", holder)
            continue
        got = queries.defendants_by_sex_age(store, ed.edition, p.start, p.end, offences, codes[0] if codes else None)
        if not got:
            col.not_available(f"Defendants by sex and age (MoJ): {police.name}", p.label,
                              "The loaded MoJ edition holds no defendants for this offence family and area in this year.", holder)
            continue
        for measure, sex, age, v in got:
            rows.append([p.label, police.name, measure.replace("_", " "), str(sex).capitalize(), str(age), _int(v), "defendants", ed.edition])
        col.other_editions.append(ed)
    if rows:
        report.tables.append(Table(
            "defendants", f"Defendants by sex and age group (MoJ court data): {police.name}",
            [Column("Year", "string"), Column("Police force area of the court", "string"), Column("Stage", "string"),
             Column("Sex", "string"), Column("Age group", "string"), Column("Defendants", "integer", "defendants"),
             Column("Unit", "string"), Column("Edition", "string")], rows,
            notes=["Counts are defendants by principal offence at each stage, by the police force area of the court: "
                   "proceeded-against and convicted counts are not the same people.", "Counts as published."],
            geography="police force area of the court", unit="defendants",
            editions=sorted({r[-1] for r in rows})))


def _standing_gaps(col, area, police, force, cps_area, local, fam, store):
    name = police.name
    holder_police = f"{force.police_name or force.name} (case-level records; on request under the Freedom of Information Act 2000)" if force else "the police forces"
    if local:
        col.not_available("Conviction rates by local area (borough or district)", "",
                          "No conviction rate is published below police force area: the CPS publishes case outcomes by CPS Area "
                          "(and, in its monthly case outcomes, by police force area), and the MoJ publishes court outcomes by the "
                          "police force area of the court. A conviction rate for a borough would need case-level data.",
                          "Crown Prosecution Service" + (f" ({cps_area.name})" if cps_area else "") + " and Ministry of Justice "
                          "(on request); " + holder_police)
        col.not_available("Police outcomes and charge rates by local area", "",
                          "The Home Office publishes police outcomes by police force area only.", holder_police)
    col.not_available(f"Crime records cancelled by the police (formerly 'no-crimed'): {name}", "",
                      "No published data on crime records the police cancelled or transferred (formerly 'no-crimes') by force "
                      "are loaded, so justicegap cannot say how many recorded rapes were later cancelled or transferred, or how "
                      "that compares with other forces.",
                      "Home Office (police recorded crime: transferred or cancelled records); HMICFRS (Rape Monitoring Group force digests); " + holder_police)
    col.not_available("Victims' age and sex beyond the offence codes", "",
                      "The police data give victims' sex and age only through the offence codes (adult or child, female or male, "
                      "for rape and sexual assault); other sexual offences record neither, and no other victim characteristics are published.",
                      holder_police + "; Office for National Statistics (Crime Survey for England and Wales, for prevalence)")
    if not store.editions("cps_quarterly"):
        col.not_available("Rape-flagged CPS figures (referrals, charges, completed prosecutions, convictions)", "",
                          "The CPS quarterly data summaries (rape-flagged and adult-rape-flagged cases by CPS Area) are not loaded. "
                          "The CPS monthly case outcomes count sexual offences as a whole, with no rape split.",
                          "Crown Prosecution Service (quarterly data summaries, by CPS Area)")
    if fam != "other_sexual" and not store.editions("cps_quarterly"):
        col.not_available("CPS prosecutions and convictions for rape separately", "",
                          "The CPS monthly case outcomes by principal offence count sexual offences as one category, with no rape split.",
                          "Crown Prosecution Service")
