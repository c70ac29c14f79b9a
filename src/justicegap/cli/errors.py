"""Errors as the command line shows them: one line of text, or, when JSON output was asked for
(--json, --format json), one JSON object on stderr; never a traceback."""

from __future__ import annotations

import json
import sys

import typer

from ..errors import JusticegapError
from .output import console

# Whether the command line asked for JSON output: its errors are then JSON too (set by ``run``).
_json_errors = False


def json_mode() -> bool:
    """Whether this run's errors are written as JSON (the command line asked for JSON output)."""
    return _json_errors


# The command being run (set by the Group that resolves it): its errors name its parameters as its
# help does (the argument METRIC of ``get``, the option --metric of ``check``).
_command = None


def invoked(command) -> None:
    global _command
    _command = command


def spell(name: str, where: str = "cli") -> str:
    """A library parameter name as the command being run names it: its option (--from), else its
    argument (METRIC), else as ``wording.parameter`` spells it for the command line."""
    from ..wording import parameter

    flag = "--" + name.removeprefix("--").replace("_", "-").lower()
    params = getattr(_command, "params", ())
    for p in params:
        if p.param_type_name == "option" and flag in p.opts:
            return flag
    for p in params:
        if p.param_type_name == "argument" and p.name.lower() == flag[2:].replace("-", "_"):
            return p.metavar or p.name.upper()
    return parameter(name, where)


# Commands whose --format is the format of the files they write: what they print stays text.
FILE_FORMATS = ("export",)


def wants_json(argv: list[str]) -> bool:
    """Whether ``argv`` asks for JSON output (--json, --format json, -f json, --format=json), read
    before click parses it, so that even a usage error is answered in JSON."""
    files = bool(argv) and argv[0] in FILE_FORMATS
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == "--json":
            return True
        if files:
            continue
        if arg.lower() in ("--format=json", "-fjson"):
            return True
        if arg in ("--format", "-f") and i + 1 < len(argv) and argv[i + 1].lower() == "json":
            return True
    return False


def print_error(message: str, error: dict | None = None) -> None:
    """One error on stderr: a line of text (what the user typed is not read as markup: an area
    "[/x]"), or, when JSON output was asked for, ``error`` (``wording.error_object``) as one JSON object."""
    if _json_errors:
        from ..wording import error_object

        error = error or error_object(None, message)
        sys.stderr.write(json.dumps(error, ensure_ascii=False) + "\n")
        return
    from rich.markup import escape

    console(stderr=True).print(f"[red]error:[/red] {escape(message)}")


def _click_exceptions():
    """(exits, usage errors, other click errors, aborts), from click itself and from the copy of
    click that recent Typer releases vendor (typer._click), whose errors are not click's classes."""
    import click

    mods = [click.exceptions]
    try:
        from typer._click import exceptions as vendored
    except ImportError:
        vendored = None
    if vendored is not None and vendored is not click.exceptions:
        mods.append(vendored)
    return ((click.exceptions.Exit, typer.Exit), tuple(m.UsageError for m in mods),
            tuple(m.ClickException for m in mods), (click.exceptions.Abort, typer.Abort))


def _print_usage_error(e) -> None:
    """The command's usage line and one sentence, never a traceback (a bare command prints its help)."""
    if type(e).__name__ == "NoArgsIsHelpError":
        e.show()
        return
    ctx = getattr(e, "ctx", None)
    if ctx is not None and not _json_errors:
        console(stderr=True).print(ctx.get_usage(), markup=False)
    hint = f" See '{ctx.command_path} --help'." if ctx is not None else " See 'justicegap --help'."
    msg = e.format_message().strip()
    msg += ("" if msg.endswith((".", "?", "!")) else ".") + hint
    from ..wording import error_object

    print_error(msg, error_object("usage", msg, parameter=_usage_parameter(e), alternatives=getattr(e, "alternatives", ())))


def _usage_parameter(e) -> str | None:
    """The option or argument a usage error concerns, as the usage line names it (None if click
    does not know: a command that does not exist, a stray argument)."""
    param = getattr(e, "param", None)
    if param is None:
        return getattr(e, "option_name", None)
    if param.param_type_name == "argument":
        return param.metavar or param.name.upper()
    return next((o for o in param.opts if o.startswith("--")), param.opts[0] if param.opts else None)


def run(app) -> None:
    """Run ``app`` on the command line's arguments and exit: user errors are one message and an
    exit status, never a traceback."""
    global _json_errors
    _json_errors = wants_json(sys.argv[1:])
    exits, usage, click_errors, aborts = _click_exceptions()
    try:
        status = app(standalone_mode=False)  # without standalone mode, click returns typer.Exit's code
    except JusticegapError as e:
        from ..wording import error_json, text

        print_error(text(e, "cli", spell), error_json(e, "cli", spell))
        sys.exit(e.exit_code)
    except exits as e:
        sys.exit(e.exit_code)
    except usage as e:
        _print_usage_error(e)
        sys.exit(e.exit_code)
    except click_errors as e:
        print_error(e.format_message())
        sys.exit(e.exit_code)
    except aborts:
        sys.exit(130)
    if isinstance(status, int):
        sys.exit(status)
