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


def _make_parser(command, ctx):
    """The command's parser, whose usage errors know their command (click raises "Option '--area'
    requires an argument" without one, and the error would point to ``justicegap --help``), and
    which refuses an option of one value given twice (click keeps the last silently: ``--area Kent
    --area Sussex`` would answer for Sussex), as the API refuses a repeated query parameter."""
    parser = type(command).make_parser(command, ctx)
    parse = parser.parse_args

    def parse_args(args):
        # an option whose value is another of the command's options ("--offence --json") was given no
        # value: click would take "--json" as the offence
        names = {o for p in command.params if p.param_type_name == "option" for o in (*p.opts, *p.secondary_opts)}
        for a, b in zip(args, args[1:]):
            if a in names and b in names and a.startswith("-") and not _takes_no_value(command, a):
                raise _usage_error(ctx, a, f"Option '{a}' requires an argument.")
        try:
            opts, rest, order = parse(args)
        except Exception as e:
            if getattr(e, "ctx", False) is None:  # a click usage error raised without its command
                e.ctx = ctx
            raise
        seen = set()
        for param in order:
            if param.param_type_name == "option" and not (param.is_flag or param.count or param.multiple):
                if param.name in seen:
                    flag = next((o for o in param.opts if o.startswith("--")), param.opts[0])
                    raise _usage_error(ctx, flag, f"{flag} given more than once")
                seen.add(param.name)
        return opts, rest, order

    parser.parse_args = parse_args
    return parser


def _takes_no_value(command, opt: str) -> bool:
    return any(opt in (*p.opts, *p.secondary_opts) and (p.is_flag or p.count) for p in command.params
               if p.param_type_name == "option")


def _usage_error(ctx, option: str, message: str):
    """click's usage error about ``option``, from the copy of click the command runs on (recent
    Typer releases vendor their own)."""
    import importlib

    exceptions = importlib.import_module(type(ctx).__module__.rpartition(".")[0] + ".exceptions")
    return exceptions.BadOptionUsage(option, message, ctx)


class Group(typer.core.TyperGroup):
    """Commands that name their arguments in capitals, in the usage line, the help and the errors
    (Typer writes a required argument as ``{metric}``, which reads like a placeholder left unfilled),
    whose usage errors name their command, and which remember the command run (its errors name
    its parameters as its help does)."""

    def __init__(self, *args, **kwargs):
        from types import MethodType

        super().__init__(*args, **kwargs)
        for command in self.commands.values():
            if not isinstance(command, typer.core.TyperGroup):
                command.collect_usage_pieces = MethodType(_usage_pieces, command)
                command.make_parser = MethodType(_make_parser, command)
                for param in command.params:
                    if param.param_type_name == "argument" and param.metavar is None:
                        param.metavar = param.name.upper()

    def resolve_command(self, ctx, args):
        """The command named (remembered for its errors); a name that is none carries the close ones."""
        from . import errors

        try:
            name, command, rest = super().resolve_command(ctx, args)
        except Exception as e:
            if getattr(e, "ctx", None) is not None and args:
                import difflib

                e.alternatives = difflib.get_close_matches(args[0], list(self.commands))
            raise
        errors.invoked(command)
        return name, command, rest


app = typer.Typer(cls=Group, add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="The justice gap for rape and other sexual offences in England and Wales: "
                       "every rate with its numerator, denominator, basis, unit and edition.")


def open_store(read_only: bool = True):
    """The store in JUSTICEGAP_HOME, for the commands that ask it directly rather than through a library call."""
    from ..store import Store

    return Store(read_only=read_only)
