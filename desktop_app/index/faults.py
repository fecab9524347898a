"""Telling the storage faults a user can act on from the rest: a full disk, a damaged database.

Both arrive in many shapes: ``OSError`` with ENOSPC or EDQUOT from a write, SQLite's
"database or disk is full", "database disk image is malformed" or "file is not a
database", sometimes wrapped by our own errors. These functions look through the chain of
causes so each layer can re-raise what it caught without losing what it was.
"""

from __future__ import annotations

import errno
import sqlite3

_DISK_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
_SQLITE_FULL = 13
_SQLITE_CORRUPT = 11
_SQLITE_NOTADB = 26


def _chain(exc: BaseException | None):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def _sqlite_code(exc: BaseException) -> int | None:
    code = getattr(exc, "sqlite_errorcode", None)
    return None if code is None else code & 0xFF  # the primary code of an extended one


def is_disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) says the disk or the user's quota is full."""
    for e in _chain(exc):
        if isinstance(e, OSError) and e.errno in _DISK_FULL_ERRNOS:
            return True
        if isinstance(e, sqlite3.Error) and (
                _sqlite_code(e) == _SQLITE_FULL or "disk is full" in str(e)):
            return True
    return False


def is_damage(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) says the database file is damaged."""
    for e in _chain(exc):
        if isinstance(e, sqlite3.DatabaseError) and (
                _sqlite_code(e) in (_SQLITE_CORRUPT, _SQLITE_NOTADB)
                or "malformed" in str(e) or "not a database" in str(e)):
            return True
    return False
