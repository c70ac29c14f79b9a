"""User-facing errors: each names the place (file, sheet, row, column or parameter) at fault.

Anything raised as a ``JusticegapError`` is shown to the user as one clear message and a non-zero
exit status (CLI) or a 4xx response (API); anything else is a bug.
"""

from __future__ import annotations


# What a user can do next, as data: each skin (command line, API, pages) words these its own way
# (``justicegap.wording``), so the library never speaks in flags or command lines.
ACTIONS = ("load_data", "search_areas", "list_metrics", "list_editions", "allow_partial", "overdispersion", "load_records")


class JusticegapError(Exception):
    """Base class: a problem with what the user gave us, or with what the data can answer.

    ``code`` names the reason in a stable way; ``actions`` are what the user can do next (see
    :data:`ACTIONS`), worded by each skin."""

    exit_code = 1
    code: str | None = None
    actions: tuple[str, ...] = ()

    def with_actions(self, *actions: str, code: str | None = None) -> "JusticegapError":
        assert all(a in ACTIONS for a in actions), actions
        self.actions = tuple(dict.fromkeys((*self.actions, *actions)))
        if code:
            self.code = code
        return self

    def to_dict(self) -> dict:
        return {"error": type(self).__name__, "message": str(self), "code": self.code}


class InputError(JusticegapError):
    """A file that cannot be read or does not hold what it should, with its location."""

    exit_code = 2
    code = "bad_input"

    def __init__(self, message: str, *, file=None, sheet=None, row=None, column=None):
        self.message, self.file, self.sheet, self.row, self.column = message, file, sheet, row, column
        super().__init__(str(self))

    def __str__(self) -> str:
        where = []
        if self.file is not None:
            where.append(f"file {self.file}")
        if self.sheet is not None:
            where.append(f"sheet '{self.sheet}'")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        return (", ".join(where) + ": " if where else "") + self.message

    def to_dict(self) -> dict:
        return {**super().to_dict(), "file": None if self.file is None else str(self.file),
                "sheet": self.sheet, "row": self.row, "column": self.column}


# The parameter through which each kind of name is given (the library's names: each skin spells
# them, ``--offence`` on the command line, ``offence`` in the API).
PARAMETER_OF_KIND = {"area": "area", "area code": "area", "metric": "metric", "offence family": "offence",
                     "outcome": "outcome", "edition": "edition", "area level": "level", "source": "source"}


class NotFound(JusticegapError):
    """A name (area, metric, offence family, outcome, edition...) that does not resolve; ``parameter``
    is the one it was given through (:data:`PARAMETER_OF_KIND`), unless the raiser knows better."""

    exit_code = 3

    def __init__(self, kind: str, value: str, suggestions=(), hint: str = "", *, parameter: str | None = None):
        self.kind, self.value, self.suggestions, self.hint = kind, value, list(suggestions), hint
        self.parameter = parameter or PARAMETER_OF_KIND.get(kind)
        self.code = "unknown_" + kind.replace(" ", "_")
        super().__init__(str(self))

    def __str__(self) -> str:
        msg = f"unknown {self.kind} '{self.value}'"
        if self.suggestions:
            msg += "; closest matches: " + ", ".join(self.suggestions)
        if self.hint:
            msg += f". {self.hint}"
        return msg

    def to_dict(self) -> dict:
        return {**super().to_dict(), "kind": self.kind, "value": self.value,
                "suggestions": self.suggestions, "parameter": self.parameter}


class InvalidParameter(JusticegapError):
    """A parameter whose form is wrong (a malformed period, an unwritable path...). ``parameter``
    is the library's name for it (``outcome``, ``allow_partial``): the command line shows it as a
    flag, the API as a query parameter."""

    exit_code = 2
    code = "invalid_parameter"

    def __init__(self, parameter: str, message: str):
        self.parameter, self.message = parameter.removeprefix("--").replace("-", "_"), message
        super().__init__(f"{self.parameter}: {message}")

    def to_dict(self) -> dict:
        return {**super().to_dict(), "parameter": self.parameter}


class UnknownParameter(InvalidParameter):
    """A query parameter the address does not take (a misspelling, or one from another page), with
    the ones it does take: the API lists them, a page says so in words (its names are ids)."""

    def __init__(self, parameter: str, accepted=(), near: str | None = None):
        self.accepted, self.near = sorted(accepted), near
        takes = "it takes " + ", ".join(self.accepted) if self.accepted else "it takes none"
        super().__init__(parameter, "not a parameter of this address"
                         + (f"; did you mean '{near}'?" if near else ";") + f" {takes}")

    def to_dict(self) -> dict:
        return {**super().to_dict(), "accepted": self.accepted, "near": self.near}


class NotAvailable(JusticegapError):
    """The data cannot answer this at the level or for the period asked: says why and who holds it
    (and, where one value given is the cause, such as a period the data cover only in part, its parameter)."""

    exit_code = 4
    code = "not_available"

    def __init__(self, message: str, *, available=(), holder: str = "", parameter: str | None = None):
        self.message, self.available, self.holder, self.parameter = message, list(available), holder, parameter
        super().__init__(str(self))

    def __str__(self) -> str:
        msg = self.message
        if self.holder:
            msg += f" Who holds it: {self.holder}."
        if self.available:
            msg += " Available instead: " + "; ".join(str(a).rstrip(". ") for a in self.available) + "."
        return msg

    def to_dict(self) -> dict:
        return {**super().to_dict(), "available": self.available, "holder": self.holder, "parameter": self.parameter}


class DownloadError(JusticegapError):
    """A network failure or an unexpected answer from a publisher, naming the address."""

    exit_code = 5


class Unreachable(DownloadError):
    """The publisher's address could not be reached at all (no network, no name resolution, a
    firewall): nothing was answered, as opposed to a wrong or failed answer."""


class DiskFull(JusticegapError):
    """No space left where a load writes (the archive, the store, a temporary folder)."""

    exit_code = 6
