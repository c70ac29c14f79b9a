"""Checking an output path before doing any work, so a long job never fails at its last step."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import InvalidParameter


def check_writable(path: Path, parameter: str = "--out") -> Path:
    path = Path(path).expanduser()
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise InvalidParameter(parameter, f"'{path}' is a directory; give a file name")
    if not parent.is_dir():
        raise InvalidParameter(parameter, f"the folder '{parent}' does not exist")
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise InvalidParameter(parameter, f"'{path}' cannot be written (permission denied)")
    return path
