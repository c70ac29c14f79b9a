"""Local mode: a force's and CPS Area's own case records (synth, the records commands, audit)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from ..formats import pct as _pct
from .app import Group, open_store
from .options import AreaOpt, JsonOpt, PeriodOpt, RecOffenceOpt
from .output import console, print_json, table


records_app = typer.Typer(cls=Group, no_args_is_help=True, rich_markup_mode=None,
                          help="Local mode: a force's and CPS Area's own case records, pseudonymised on load.")


def _synthetic_banner(c, result) -> None:
    if getattr(result, "synthetic", False):
        c.print("SYNTHETIC RECORDS: not real cases (made by `justicegap synth`).", style="bold yellow", markup=False)


def _date_opt(text: Optional[str], name: str):
    from datetime import date

    from ..errors import InvalidParameter

    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidParameter(name, f"'{text}' is not a date like 2018-06-30") from None


def _local_audit(what: str, rows: int) -> None:
    import getpass

    from ..records import access

    access.record(getpass.getuser(), "local", what, rows, "command line")


def synth(area: str = AreaOpt, period: str = PeriodOpt,
          out: Path = typer.Option(..., "--out", help="A new folder for the synthetic record files"),
          seed: int = typer.Option(1, "--seed", help="Random seed: the same seed gives the same files"),
          offence: str = RecOffenceOpt,
          extract_date: Optional[str] = typer.Option(None, "--extract-date", help="Extract date (default: the edition's publication date, or 91 days after the period)"),
          as_json: bool = JsonOpt):
    """Write SYNTHETIC case records whose counts reproduce the loaded published counts exactly."""
    from ..records.synth import synthesise

    with open_store() as store:
        r = synthesise(store, area, period, out, seed=seed, offence=offence, extract_date=_date_opt(extract_date, "--extract-date"))
    if as_json:
        return print_json(r.model_dump(mode="json"))
    c = console()
    c.print(f"SYNTHETIC records written to {r.out}: {r.offences:,} crime records, {r.suspects:,} suspects, "
            f"{r.cps_cases:,} CPS cases for {r.area['name']}, {r.period['label']} (extract date {r.extract_date}, seed {r.seed}).", markup=False)
    for s in r.sources:
        c.print(f"  • From: {s}", markup=False)
    c.print("Assumptions are listed in manifest.json.", markup=False)


@records_app.command("load")
def records_load(directory: Path = typer.Argument(..., help="Folder holding offences, cps_cases (and suspects) as CSV, Parquet or XLSX"),
                 extract_date: Optional[str] = typer.Option(None, "--extract-date", help="Date the records were extracted (default: from manifest.json)"),
                 key_file: Optional[Path] = typer.Option(None, "--key-file", help="Pseudonymisation key file (default: $JUSTICEGAP_RECORDS_KEY or $JUSTICEGAP_HOME/records.key; made if absent)"),
                 as_json: bool = JsonOpt):
    """Validate, pseudonymise and link case records, in one transaction."""
    from ..records.load import load_records

    with open_store(read_only=False) as store:
        r = load_records(store, directory, extract_date=_date_opt(extract_date, "--extract-date"), key_file=key_file)
    if as_json:
        return print_json(r.model_dump(mode="json"))
    c = console()
    _synthetic_banner(c, r)
    c.print(f"Loaded {r.offences:,} crime records, {r.suspects:,} suspects and {r.cps_cases:,} CPS cases "
            f"(extract date {r.extract_date}) as {r.load_id}; identifiers pseudonymised with the key in {r.key_file}"
            + (" (new key: keep it safe and outside the store)" if r.key_created else "") + ".", markup=False)
    if r.replaced:
        c.print(f"Replaces the earlier load(s) of the same forces: {', '.join(r.replaced)}", markup=False)
    _print_linkage(c, r.linkage)


def _print_linkage(c, rep) -> None:
    t = table(title="Linkage report (police records and CPS cases)")
    for col in ("rule", "side", "count", "statement"):
        t.add_column(col, justify="right" if col == "count" else "left")
    for rule in rep.rules:
        t.add_row(rule.rule, rule.side, f"{rule.count:,}", rule.statement)
    c.print(t)


@records_app.command("linkage")
def records_linkage(area: str = AreaOpt, as_json: bool = JsonOpt):
    """The linkage report of the loaded records of an area."""
    from .. import areas as A
    from ..records.load import linkage_report
    from ..records.scope import forces_of

    with open_store() as store:
        rep = linkage_report(store, list(forces_of(A.resolve(area))))
    if as_json:
        return print_json(rep.model_dump(mode="json"))
    c = console()
    _synthetic_banner(c, rep)
    _print_linkage(c, rep)


@records_app.command("reconcile")
def records_reconcile(area: str = AreaOpt, period: str = PeriodOpt, offence: str = RecOffenceOpt,
                      edition: Optional[str] = typer.Option(None, "--edition", help="Home Office outcomes edition (default: newest)"),
                      show_all: bool = typer.Option(False, "--all", help="List every cell, not only those that differ"),
                      basis: str = typer.Option("cohort", "--basis", help="cohort (offences recorded in each quarter, outcome so far) or closed (outcomes assigned in each quarter)"),
                      as_json: bool = JsonOpt):
    """Records by quarter x offence code x outcome type beside the loaded Home Office outcomes edition."""
    from ..records.reconcile import reconcile

    with open_store() as store:
        r = reconcile(store, area, period, offence=offence, edition=edition, basis=basis)
    if as_json:
        return print_json(r.model_dump(mode="json"))
    c = console()
    _synthetic_banner(c, r)
    counted = "outcomes assigned in the period" if basis == "closed" else "crime records"
    c.print(f"{r.area['name']}, {r.period['label']}: {r.records_total:,} {counted} (extract date {r.extract_date}) against "
            f"{r.published_total:,} in edition {r.edition} ({r.edition_file}). Basis: {r.basis}.", markup=False)
    cells = r.cells if show_all else [x for x in r.cells if x.difference]
    if cells:
        t = table()
        for col in ("quarter", "offence", "outcome", "records", "published", "difference", "likely cause"):
            t.add_column(col)
        for x in cells:
            t.add_row(x.quarter, x.offence, x.outcome, str(x.records), "—" if x.published is None else str(x.published),
                      "" if not x.difference else f"{x.difference:+d}", x.likely_cause or "")
        c.print(t)
    c.print(f"{r.differences} cell(s) differ" + (f"; {r.unreproducible} cell(s) published as negative counts cannot be "
                                                  "matched by any records" if r.unreproducible else "") + ".", markup=False)


@records_app.command("survival")
def records_survival(area: str = AreaOpt, period: str = PeriodOpt,
                     event: str = typer.Option("charge", "--event", help="charge, outcome or completion"),
                     by: Optional[str] = typer.Option(None, "--by", help="year or force: one curve each"),
                     offence: str = RecOffenceOpt, as_json: bool = JsonOpt,
                     plot: Optional[Path] = typer.Option(None, "--plot", help="Write the curves as .svg, .png or .html")):
    """Time to charge, outcome or completion: Kaplan-Meier censored at the extract date, and competing outcomes."""
    from ..answers import plots
    from ..records.charts import survival_chart
    from ..records.survival import survival

    if plot:
        plots.check_path(plot)
    with open_store() as store:
        r = survival(store, area, period, event=event, offence=offence, by=by)
    if plot:
        plots.write(survival_chart(r), plot)
    if as_json:
        return print_json(r.model_dump(mode="json"))
    c = console()
    _synthetic_banner(c, r)
    c.print(r.method, markup=False)
    t = table(title=f"Days from recording to {event}")
    for col in ("group", "crimes", "events", "censored", "median days (95% CI)"):
        t.add_column(col)
    for cv in r.curves:
        med = "not reached" if cv.median_days is None else (
            f"{cv.median_days:g} ({'—' if cv.median_ci_low is None else f'{cv.median_ci_low:g}'}–"
            f"{'not reached' if cv.median_ci_high is None else f'{cv.median_ci_high:g}'})")
        t.add_row(cv.label, f"{cv.n:,}", f"{cv.events:,}", f"{cv.censored:,}", med)
    c.print(t)
    if r.incidence:
        t = table(title="First outcome: cumulative incidence (Aalen-Johansen)")
        for col in ("outcome", "crimes", "by 365 days (95% CI)", "by the extract date"):
            t.add_column(col)
        for i in r.incidence:
            ci = "" if i.at_365_ci_low is None else f" ({_pct(i.at_365_ci_low)}–{_pct(i.at_365_ci_high)})"
            t.add_row(i.label, f"{i.events:,}", f"{_pct(i.at_365_days)}{ci}", _pct(i.at_end))
        c.print(t)
    if plot:
        c.print(f"Chart written to {plot}", markup=False)


@records_app.command("measures")
def records_measures(area: str = AreaOpt, period: str = PeriodOpt, offence: str = RecOffenceOpt,
                     follow_up: int = typer.Option(365, "--follow-up", help="Days each crime is followed for the charge rate"),
                     as_json: bool = JsonOpt,
                     plot: Optional[Path] = typer.Option(None, "--plot", help="Write the attrition chart as .svg, .png or .html")):
    """The same crimes followed: charge rate with equal follow-up, cancellations, withdrawal of support, attrition."""
    from ..answers import plots
    from ..records import measures as m
    from ..records.charts import attrition_chart

    if plot:
        plots.check_path(plot)
    with open_store() as store:
        rate = m.cohort_charge_rate(store, area, period, offence=offence, follow_up=follow_up)
        shares = m.status_shares(store, area, period, offence=offence)
        wd = m.withdrawal(store, area, period, offence=offence)
        att = m.attrition(store, area, period, offence=offence)
    if plot:
        plots.write(attrition_chart(att), plot)
    if as_json:
        return print_json({"charge_rate": rate.model_dump(mode="json"), "status": shares.model_dump(mode="json"),
                            "withdrawal": wd.model_dump(mode="json"), "attrition": att.model_dump(mode="json")})
    c = console()
    _synthetic_banner(c, rate)
    ci = "" if rate.ci_low is None else f" (95% CI {_pct(rate.ci_low)}–{_pct(rate.ci_high)}, Wilson)"
    c.print(f"Charge rate with equal follow-up: {_pct(rate.value)}{ci}, {rate.numerator:,} of {rate.denominator:,}. "
            f"Basis: {rate.basis}.", markup=False)
    c.print(rate.sentence, markup=False)
    t = table(title=f"Status of the {shares.total:,} crime records made in the period")
    for col in ("status", "records", "share"):
        t.add_column(col)
    for s in shares.statuses:
        t.add_row(s.label, f"{s.count:,}", _pct(s.share))
    c.print(t)
    reasons = [x for x in shares.reasons if x.count]
    if reasons:  # a share of the cancelled and transferred records, not of all: a table of its own
        t = table(title=f"Why the {shares.reasons_of:,} cancelled or transferred records were "
                        "(Counting Rules reasons; shares of these records)")
        for col in ("reason", "records", "share"):
            t.add_column(col)
        for s in reasons:
            t.add_row(s.label, f"{s.count:,}", _pct(s.share))
        c.print(t)
    t = table(title=f"Victims withdrawing support: {wd.withdrawn:,} of {wd.records:,} crimes"
                    + ("" if wd.median_days_from_report is None else f", median {wd.median_days_from_report:g} days after the report"))
    for col in ("when", "crimes", "share"):
        t.add_column(col)
    for s in wd.stages:
        t.add_row(s.label, f"{s.count:,}", _pct(s.share))
    c.print(t)
    t = table(title="Attrition of the same crimes, report to verdict")
    for col in ("stage", "crimes", "of reports", "went no further", "why"):
        t.add_column(col)
    for st in att.stages:
        t.add_row(st.label, f"{st.count:,}", _pct(st.share_of_reports), f"{st.left:,}",
                  "; ".join(f"{k} {v:,}" for k, v in st.left_reasons.items()))
    c.print(t)
    c.print(att.note, markup=False)
    if plot:
        c.print(f"Chart written to {plot}", markup=False)


@records_app.command("sample")
def records_sample(area: str = AreaOpt, period: str = PeriodOpt,
                   size: int = typer.Option(..., "--size", help="How many crimes to sample"),
                   by: str = typer.Option("outcome", "--by", help="Field to stratify by: outcome, outcome_group, victim_age_band, time_to_outcome, offence_code..."),
                   seed: int = typer.Option(1, "--seed", help="Random seed: the same seed gives the same sample"),
                   out: Path = typer.Option(..., "--out", help="The review workbook to write (.xlsx)"),
                   offence: str = RecOffenceOpt, as_json: bool = JsonOpt):
    """A stratified random sample of crimes for joint case review, in a workbook with the sampling frame."""
    from ..records.sample import draw

    with open_store() as store:
        r = draw(store, area, period, size=size, by=by, seed=seed, out=out, offence=offence)
    _local_audit(f"sample area={area} period={period} by={by} size={size} seed={seed} -> {out}", r.size)
    if as_json:
        return print_json(r.model_dump(mode="json"))
    c = console()
    _synthetic_banner(c, r)
    c.print(f"Sampled {r.size} of {r.frame:,} crimes, stratified by {r.by} (seed {r.seed}), into {r.path}.", markup=False)


@records_app.command("token")
def records_token(user: str = typer.Option(..., "--user", help="Who the token is for (shown in the audit log)"),
                  revoke: bool = typer.Option(False, "--revoke", help="Revoke every token of this user instead")):
    """Make an analyst token for `serve` (printed once; only its hash is stored), or revoke a user's tokens."""
    from ..records import access

    with open_store(read_only=False) as store:
        if revoke:
            n = access.revoke(store, user)
            console().print(f"Revoked {n} token(s) of {user}.", markup=False)
            return
        token = access.add_token(store, user)
    console().print(f"Analyst token for {user} (shown once; send it as 'Authorization: Bearer TOKEN'):", markup=False)
    sys.stdout.write(token + "\n")


def audit(as_json: bool = JsonOpt):
    """Who saw which case records, when, and how many rows (the audit log)."""
    from ..records import access

    rows = access.entries()
    if as_json:
        return print_json([e.model_dump(mode="json") for e in rows])
    t = table(title=f"Record-level requests ({access.log_path()})")
    for col in ("when (UTC)", "who", "role", "what", "rows", "from"):
        t.add_column(col)
    for e in rows:
        t.add_row(e.at.isoformat(timespec="seconds"), e.user, e.role, e.what, f"{e.rows:,}", e.client or "")
    console().print(t)
    if not rows:
        console().print("No record-level requests yet.", markup=False)
