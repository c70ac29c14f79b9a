"""Access to record-level data: analyst tokens (stored hashed) and the append-only audit log.

A token is shown once when made and only its SHA-256 is stored (a token is 256 random bits, so
an unsalted hash is enough). Every record-level request (API or command line) appends one JSON
line to ``$JUSTICEGAP_HOME/records-audit.log``: who, when, what, how many rows. The log is outside
the store, so a server holding the store read-only can still write it.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import threading
from datetime import datetime, timezone

from .. import paths
from ..errors import InvalidParameter
from . import store as rstore

ROLES = ("analyst",)
_lock = threading.Lock()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_token(store, user: str, role: str = "analyst") -> str:
    """A new token for ``user``: returned once, stored hashed."""
    if role not in ROLES:
        raise InvalidParameter("role", f"'{role}' is not one of {', '.join(ROLES)}")
    if not user or not user.strip() or len(user) > 80 or any(ord(c) < 32 for c in user):
        raise InvalidParameter("user", "give a name of 1 to 80 printable characters")
    token = "jg_" + secrets.token_urlsafe(32)
    rstore.ensure(store.con)
    rstore.add_token(store.con, token_hash(token), user.strip(), role)
    return token


def revoke(store, user: str) -> int:
    rstore.ensure(store.con)
    return rstore.revoke_tokens(store.con, user)


def who(con, token: str | None):
    """(user, role) for a valid token, else None."""
    if not token:
        return None
    try:
        return rstore.token_user(con, token_hash(token))
    except Exception:  # no token table: no tokens
        return None


def configured(con) -> bool:
    """Access control is configured when at least one analyst token exists."""
    return rstore.token_count(con) > 0


def log_path():
    return paths.home() / "records-audit.log"


def record(user: str, role: str, what: str, rows: int, client: str | None = None) -> None:
    """Append one line to the audit log (flushed and synced before the answer is sent)."""
    line = json.dumps({"at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "user": user, "role": role,
                       "what": what, "rows": int(rows), "client": client}, ensure_ascii=False)
    with _lock:
        fd = os.open(log_path(), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as f:
            f.write(line + "\n")
            f.flush()
            os.fsync(f.fileno())


def entries():
    from ..model.records import AuditEntry

    p = log_path()
    if not p.exists():
        return []
    return [AuditEntry(**json.loads(line)) for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
