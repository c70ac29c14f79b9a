"""The Typer application, its command class, and the store the commands open."""

from __future__ import annotations

import typer


def _usage_pieces(command, ctx) -> list[str]:
    """A command's usage line as click writes it: ``get [OPTIONS] METRIC``."""
    out = [command.options_metavar] if command.options_metavar else []
    for param in command.get_params(ctx):
        if param.param_type_name != "argument":
            out += param.get_usage_pieces(ctx)
            continue
        name = param.metavar
        out.append((name if param.required else f"[{name}]") + ("..." if param.nargs != 1 else ""))
    return out


class Group(typer.core.TyperGroup):
    """Commands that name their arguments in capitals, in the usage line, the help and the errors
    (Typer writes a required argument as ``{metric}``, which reads like a placeholder left unfilled)."""

    def __init__(self, *args, **kwargs):
        from types import MethodType

        super().__init__(*args, **kwargs)
        for command in self.commands.values():
            if not isinstance(command, typer.core.TyperGroup):
                command.collect_usage_pieces = MethodType(_usage_pieces, command)
                for param in command.params:
                    if param.param_type_name == "argument" and param.metavar is None:
                        param.metavar = param.name.upper()


app = typer.Typer(cls=Group, add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="The justice gap for rape and other sexual offences in England and Wales: "
                       "every rate with its numerator, denominator, basis, unit and edition.")


def open_store(read_only: bool = True):
    """The store in JUSTICEGAP_HOME, for the commands that ask it directly rather than through a library call."""
    from ..store import Store

    return Store(read_only=read_only)
