"""Checking an output path before doing any work, so a long job never fails at its last step.

The check writes and removes a probe file rather than asking ``os.access``: as root, or on a
read-only or special file system (``/proc``), permission bits say nothing about whether a write
will succeed."""

from __future__ import annotations

import errno
import tempfile
from pathlib import Path

from .errors import InvalidParameter


def _why(e: OSError, folder: Path) -> str:
    """Why a folder took no file, in words (the system's own words mislead: creating a file in
    /proc, which exists, says "No such file or directory")."""
    if e.errno in (errno.EACCES, errno.EPERM):
        return f"you do not have permission to write in the folder '{folder}'"
    if e.errno == errno.EROFS:
        return f"the folder '{folder}' is on a read-only file system"
    if e.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"the disk holding the folder '{folder}' is full"
    if e.errno == errno.ENOENT:
        return f"the folder '{folder}' does not take new files (it is a system folder, not one for files)"
    return f"the folder '{folder}' refused a new file ({(e.strerror or type(e).__name__).lower()})"


def _probe(folder: Path, parameter: str, shown: Path) -> None:
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".justicegap-probe-"):
            pass
    except OSError as e:
        raise InvalidParameter(parameter, f"'{shown}' cannot be written: {_why(e, folder)}; "
                                          "give a path in a folder you can write to") from None


def check_writable(path: Path, parameter: str = "--out") -> Path:
    """A file that can be written: its folder exists and takes a new file."""
    path = Path(path).expanduser()
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise InvalidParameter(parameter, f"'{path}' is a directory; give a file name")
    if not parent.is_dir():
        raise InvalidParameter(parameter, f"the folder '{parent}' does not exist")
    _probe(parent, parameter, path)
    return path


def check_writable_folder(path: Path, parameter: str = "--out") -> Path:
    """A folder to write into: an existing one that takes a new file, or one that can be made
    inside the nearest folder above it that exists (nothing is created by the check)."""
    path = Path(path).expanduser()
    if path.exists() and not path.is_dir():
        raise InvalidParameter(parameter, f"'{path}' is a file; give a folder")
    base = path
    while not base.exists():
        base = base.parent
    if not base.is_dir():
        raise InvalidParameter(parameter, f"'{path}' cannot be created: '{base}' is a file")
    _probe(base, parameter, path)
    return path
