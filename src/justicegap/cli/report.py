"""Files that get sent on: report (workbook, page, PDF) and export (data with a datapackage.json)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from .options import FAMILIES, AreaOpt, OffenceOpt, PeriodOpt
from .output import console


REPORT_SUFFIXES = (".xlsx", ".html", ".pdf")


def report(area: str = AreaOpt,
           start: Optional[str] = typer.Option(None, "--from", help="First period, e.g. 2013/14 (default: ten financial years before --to)"),
           end: Optional[str] = typer.Option(None, "--to", help="Last period, e.g. 2022/23 (default: the latest financial year loaded)"),
           offence: str = typer.Option("sexual_offences", "--offence", "-o", help=f"Offence family: {FAMILIES}"),
           local: Optional[str] = typer.Option(None, "--local", help="Local areas for the borough table, comma-separated: "
                                               "'Ashford,Canterbury,Shepway' (default: every CSP of the force)"),
           intervention: Optional[str] = typer.Option(None, "--intervention", help="A date (2016-10-01): adds an interrupted time "
                                                      "series of the CPS conviction rate by month around it"),
           out: Path = typer.Option(..., "--out", help="The report file: .xlsx (workbook), .html (page) or .pdf (printed page)")):
    """Everything the data hold for an area, years and offence: tables, sentences, definitions, caveats, what is not available."""
    from ..writable import check_writable
    from ..errors import InvalidParameter

    if out.suffix.lower() not in REPORT_SUFFIXES:
        raise InvalidParameter("--out", f"'{out.name}': write .xlsx, .html or .pdf")
    check_writable(out, "--out")
    if out.suffix.lower() == ".pdf":
        from ..answers.html import chromium_path

        chromium_path()
    from ..answers.report import build_report

    if intervention:
        from ..answers.evaluation import intervention_date

        intervention_date(intervention)  # a malformed date fails before any work
    r = build_report(area, start=start, end=end, offence=offence, local_areas=local, intervention=intervention)
    suffix = out.suffix.lower()
    if suffix == ".xlsx":
        from ..answers.workbook import write_xlsx

        write_xlsx(r, out)
    elif suffix == ".html":
        from ..answers.html import write_html

        write_html(r, out)
    else:
        from ..answers.html import write_pdf

        write_pdf(r, out)
    c = console()
    q = r.question
    c.print(f"Report written to {out}: {q['offence']['label']}, {q['area']['name']}, {q['years'][0]} to {q['years'][-1]}", markup=False)
    c.print(f"  {len(r.tables)} tables: " + ", ".join(t.title for t in r.tables), markup=False)
    if "own_tables" in q:  # a local area: which tables are its own and which its force's, and why
        c.print(f"  {q['notes'][-1]}", markup=False)
    if r.missing.get("years"):
        c.print(f"  Years missing from the loaded police data (listed, not filled): {', '.join(r.missing['years'])}", markup=False)
    if r.missing.get("local_years"):
        c.print(f"  Years no loaded local table covers (listed, not filled): {', '.join(r.missing['local_years'])}", markup=False)
    c.print(f"  {len(r.not_available)} parts of the question not available (see the report's 'Not available' section)", markup=False)


EXPORT_HELP = """Write a query result as csv, parquet, xlsx or json into a folder, with a Frictionless datapackage.json beside it.

\b
Three kinds of query:
  one figure:     justicegap export METRIC --area AREA --period P [--offence F] [--outcome O] --format csv --out DIR
  every area:     justicegap export --compare METRIC --level pfa --period P [--offence F] --format parquet --out DIR
  attrition:      justicegap export --funnel --area AREA --period P [--offence F] --format xlsx --out DIR
\b
The folder is created if needed; exporting several results into one folder adds each to the same datapackage.json
(fields typed and described with units, sources with editions and SHA-256, licence OGL-UK-3.0, metric definitions)."""


def export(metric: Optional[str] = typer.Argument(None, help="Metric id (for one figure, or with --compare)"),
           compare_: bool = typer.Option(False, "--compare", help="Every area at --level (a funnel-plot comparison) instead of one figure"),
           funnel_: bool = typer.Option(False, "--funnel", help="The attrition funnel for --area and --period"),
           area: Optional[str] = typer.Option(None, "--area", "-a", help="Area (one figure, or --funnel)"),
           level: str = typer.Option("pfa", "--level", help="With --compare: pfa, cps_area or csp"),
           period: str = PeriodOpt, offence: str = OffenceOpt,
           outcome: Optional[str] = typer.Option(None, "--outcome", help="For outcome shares: a type or group"),
           fmt: str = typer.Option("csv", "--format", "-f", help="csv, parquet, xlsx or json"),
           out: Path = typer.Option(..., "--out", help="Folder to write into (created if needed)")):
    from ..writable import check_writable_folder
    from ..render.datapackage import FORMATS
    from ..render.datapackage import export as run
    from ..errors import InvalidParameter

    if fmt.lower() not in FORMATS:
        raise InvalidParameter("--format", f"'{fmt}': use one of {', '.join(FORMATS)}")
    if compare_ and funnel_:
        raise InvalidParameter("--compare", "choose --compare or --funnel, not both")
    check_writable_folder(out, "--out")
    if funnel_:
        if not area:
            raise InvalidParameter("--area", "--funnel needs --area")
        from ..answers.funnel import attrition

        result, kind = attrition(area=area, period=period, offence=offence, refuse_empty=True), "attrition"
    elif compare_:
        if not metric:
            raise InvalidParameter("METRIC", "--compare needs a metric, e.g. --compare charge_rate_cohort")
        from ..answers.compare import compare as run_compare

        result, kind = run_compare(metric, level=level, period=period, offence=offence, outcome=outcome), "comparison"
    else:
        if not metric or not area:
            raise InvalidParameter("METRIC", "give a metric and --area for one figure (or use --compare / --funnel)")
        from .. import metrics

        result, kind = metrics.compute(metric, area=area, period=period, offence=offence, outcome=outcome), "figure"
        if "case_records" in result.flags:  # an export is a file that gets sent on: disclosure control, as for a report
            from ..metrics.from_records import suppress_small

            result = suppress_small(result)
    written = run(result, out, fmt, kind=kind)
    console().print(f"Wrote {written['data']} and {written['descriptor']}", markup=False)
