"""Options several commands share, written once so that they read the same in every command's help."""

from __future__ import annotations

import typer

from .. import reference  # the csv module and a few small files: nothing heavy on the way to `get`

# The offence families, from the reference table the library resolves them from (so that the help
# cannot list fewer than the API accepts).
FAMILIES = ", ".join(reference.families())
AreaOpt = typer.Option(..., "--area", "-a", help="ONS code, name or alias: Kent, E23000032, 'England and Wales', Shepway, 'CPS South East'")
PeriodOpt = typer.Option(..., "--period", "-p", help="2017/18, '2017/18 Q4', 2018, 'YE Jun 2025', 2018-03, 2017-04..2018-03")
OffenceOpt = typer.Option("rape", "--offence", "-o", help=f"Offence family: {FAMILIES}")
RecOffenceOpt = typer.Option("sexual_offences", "--offence", "-o", help=f"Offence family: {FAMILIES}")
JsonOpt = typer.Option(False, "--json", help="Print JSON instead of text")
FormatOpt = typer.Option(None, "--format", "-f", help="table (for reading, the default), json, csv, or text (the csv's rows, aligned)")
AliasJsonOpt = typer.Option(False, "--json", help="The same as --format json")
