"""Connecting to a team library's PostgreSQL server, and what went wrong in words a person
can act on: the server cannot be reached, the password is refused, the database or the
library is missing, the user is not a member of the library's role, pgvector is missing,
the server insists on an encrypted connection. Never a driver traceback.
"""

from __future__ import annotations

import psycopg
from psycopg.conninfo import conninfo_to_dict

from desktop_app.index.team_errors import ServerUnreachable, TeamLibraryError

__all__ = ["ServerUnreachable", "TeamLibraryError", "check_access", "connect",
           "connect_message", "describe", "is_connection_lost"]

#: seconds a connection attempt may take before the server counts as unreachable
CONNECT_TIMEOUT_S = 10
_UNREACHABLE = "cannot reach the team library's server"


def describe(conninfo: str) -> tuple[str, str, str]:
    """(user, database, server) that ``conninfo`` names, for messages (no password)."""
    try:
        parts = conninfo_to_dict(conninfo)
    except psycopg.ProgrammingError:
        return "?", "?", "?"
    user = str(parts.get("user") or "you")
    database = str(parts.get("dbname") or user)
    host = str(parts.get("host") or "localhost")
    port = parts.get("port")
    if host.startswith("/"):  # a Unix socket's folder
        return user, database, f"localhost (socket folder {host})"
    return user, database, f"{host}:{port}" if port else host


def connect(conninfo: str, *, check_library: bool = True) -> psycopg.Connection:
    """An autocommit connection (each call makes its own transactions); with
    ``check_library``, one that may use the team library in its database."""
    user, database, server = describe(conninfo)
    try:
        conn = psycopg.connect(conninfo, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S,
                               application_name="desktop-app")
    except psycopg.ProgrammingError as exc:  # a malformed URL
        raise TeamLibraryError(f"the team library's address is not valid: {exc}") from None
    except psycopg.OperationalError as exc:
        message = connect_message(str(exc), user, database, server)
        if message.startswith(_UNREACHABLE):
            raise ServerUnreachable(message) from None
        raise TeamLibraryError(message) from None
    if check_library:
        try:
            check_access(conn, database)
        except BaseException:
            conn.close()
            raise
    return conn


def connect_message(text: str, user: str, database: str, server: str) -> str:
    """The person's words for a failed connection attempt (libpq's message ``text``)."""
    low = text.lower()
    if "password authentication failed" in low or "no password supplied" in low:
        return (f"the server {server} refused the password of {user}: check the user name "
                "and the password (or ask the database's administrator for an account)")
    if "does not exist" in low and "database" in low:
        return (f"there is no database '{database}' on {server}: check the library's "
                "address")
    if "role" in low and "does not exist" in low:
        return f"there is no user '{user}' on {server}: ask its administrator for an account"
    if "ssl" in low and ("required" in low or "not support" in low):
        return (f"the server {server} does not offer the encrypted connection the address "
                "asks for (sslmode): ask its administrator, or change sslmode")
    if "no encryption" in low or "ssl off" in low or "gssapi" in low:
        return (f"the server {server} accepts {user} only over an encrypted connection (or "
                "not from this machine): add sslmode=require to the library's address")
    if "timeout" in low:
        return (f"{_UNREACHABLE} {server}: it did not answer in {CONNECT_TIMEOUT_S} s; is it "
                "running?")
    if ("connection refused" in low or "no such file" in low or "could not connect" in low
            or "could not translate host" in low or "connection to server" in low):
        return (f"{_UNREACHABLE} {server}: is it running, and is this computer on its "
                "network?")
    first = text.strip().splitlines()[0] if text.strip() else "unknown error"
    return f"cannot connect to the team library on {server}: {first}"


def check_access(conn: psycopg.Connection, database: str) -> None:
    """Raise ``TeamLibraryError`` unless the connected user may use the library."""
    row = conn.execute(
        "SELECT current_user, n.oid IS NOT NULL, "
        "       coalesce(has_schema_privilege(n.oid, 'USAGE'), false), "
        "       EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector'), "
        "       (SELECT array_agg(DISTINCT a.grantee::regrole::text ORDER BY "
        "                         a.grantee::regrole::text) "
        "          FROM aclexplode(n.nspacl) a "
        "         WHERE a.privilege_type = 'USAGE' AND a.grantee NOT IN (0, n.nspowner)) "
        "FROM (SELECT 1) AS one LEFT JOIN pg_namespace n ON n.nspname = 'desktop_app'"
    ).fetchone()
    assert row is not None
    user, exists, usable, vector, roles = row
    if not exists:
        raise TeamLibraryError(
            f"the database '{database}' holds no team library: its administrator must make "
            "one first (desktop-app team init)")
    if not vector:
        raise TeamLibraryError(
            f"the database '{database}' has lost its pgvector extension, which the team "
            "library needs: its administrator must install pgvector and run: "
            "CREATE EXTENSION vector")
    if not usable:
        role = roles[0] if roles else "<members>"
        named = " or ".join(f"'{r}'" for r in roles) if roles else "its members' role"
        raise TeamLibraryError(
            f"{user} is not a member of this team library's role {named}; ask its "
            f"administrator to run: GRANT {role} TO {user}")


def is_connection_lost(exc: BaseException, conn: psycopg.Connection | None) -> bool:
    """Whether ``exc`` means the connection went away (the call may be redone on a new one)."""
    if isinstance(exc, psycopg.errors.AdminShutdown | psycopg.errors.CrashShutdown):
        return True
    if conn is not None and (conn.closed or conn.broken):
        return True
    return isinstance(exc, psycopg.OperationalError) and not isinstance(
        exc, psycopg.errors.QueryCanceled)
