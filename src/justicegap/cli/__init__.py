"""The ``justicegap`` command: a thin skin over the library (every command is a function call).

Errors the user can act on (``JusticegapError``) print one message and exit non-zero (``errors``);
heavy libraries are imported inside the commands that need them so that ``justicegap get`` starts
fast. The commands live in modules by what they answer and are registered here, in the order
``justicegap --help`` lists them.
"""

from __future__ import annotations

from . import compare, data, evaluate, figures, records, report
from .app import app
from .errors import run, wants_json

__all__ = ["app", "main", "wants_json"]


def _register() -> None:
    """The commands, in the order ``justicegap --help`` lists them."""
    for command in (data.update, data.sources, data.areas, figures.get):
        app.command()(command)
    app.command(name="metrics")(figures.metrics_cmd)
    for command in (compare.compare, compare.funnel, compare.trend, compare.maturation, evaluate.evaluate, data.serve,
                    report.report, figures.say):
        app.command()(command)
    app.command(help=report.EXPORT_HELP)(report.export)
    app.command()(figures.check)
    app.add_typer(records.records_app, name="records")
    for command in (records.synth, records.audit):
        app.command()(command)


_register()


def main() -> None:
    """Entry point: user errors are one message and an exit status, never a traceback."""
    run(app)
