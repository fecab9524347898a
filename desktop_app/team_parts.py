"""What a team library works with where a personal one has its data folder: a connection per
thread to the PostgreSQL server, the server's pgvector index where the graph file would be,
and no folder lock (the server orders concurrent writers, file by file).

The ``Library`` facade takes these in place of ``Connections``, ``DataFolderLock`` and
``GraphKeeper``; each has the same methods, so the facade chooses once, when it opens, and
never asks again which kind of library it holds. psycopg is imported only here, so a
personal library never loads it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from desktop_app.connections import Connections
from desktop_app.index.codec import VectorCodec
from desktop_app.index.pg_store import PgStore
from desktop_app.index.pg_vectors import PgVectorGraph


def team_conninfo(url: str) -> tuple[str, str]:
    """(the URL as people see it, without a password; what psycopg connects with). A URL
    without a password takes the one kept in the system keyring, if any; otherwise libpq's
    own sources apply (PGPASSWORD, ~/.pgpass, a certificate, peer authentication)."""
    from psycopg.conninfo import make_conninfo

    from desktop_app.credentials import display_url, password_for, strip_password

    bare, password = strip_password(url)
    password = password or password_for(bare)
    conninfo = make_conninfo(bare, password=password) if password else bare
    return display_url(bare), conninfo


def describe_url(url: str) -> str:
    """"Team library docs on db.example.com" for postgresql://alice@db.example.com/docs."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        parts = conninfo_to_dict(url)
    except Exception:  # shown as given: the words matter more than the parse
        return f"Team library {url}"
    host = str(parts.get("host") or "this computer")
    if host.startswith("/"):
        host = "this computer"  # a Unix socket folder
    return f"Team library {parts.get('dbname') or parts.get('user') or ''} on {host}".replace(
        "  ", " ")


class TeamConnections(Connections):
    """One connection to the server per thread, opened on first use."""

    def __init__(self, conninfo: str, share: str | None,
                 note: Callable[[str], None]) -> None:
        super().__init__(Path(), Path(), note)
        self._conninfo = conninfo
        self._share = share

    def _open(self) -> PgStore:  # type: ignore[override]
        # told what a person should know (a dropped connection made again)
        return PgStore(self._conninfo, share=self._share, note=self._note)


class ServerLock:
    """A data folder's lock, for a library whose writers the server keeps apart: any
    number of people index into one team library at once, each file one transaction."""

    held = True

    def try_acquire(self) -> bool:
        return True

    def last_writer_crashed(self) -> bool:
        return False  # a writer that dies leaves no half-written file on the server

    def holder_description(self) -> str:
        return "the team library's server"

    def release(self) -> None:
        pass


class ServerGraph:
    """The vector index as ``GraphKeeper`` offers it: pgvector's HNSW index lives in the
    server, always in step with the passages (nothing to load, save or catch up on open but
    vectors a dropped connection left unwritten)."""

    whole = True

    def __init__(self, stores: Callable[[], PgStore]) -> None:
        self.graph = PgVectorGraph(stores)

    def open(self, codec: VectorCodec, *, background: bool = False) -> None:
        self.graph.catch_up(codec)

    def loading(self) -> tuple[int, int] | None:
        return None

    def wait(self, timeout: float | None = None) -> bool:
        return True

    def stop(self) -> None:
        pass

    def join(self) -> None:
        pass

    def size(self) -> int:
        """Vectors searchable, for a status (read from the files' rows: see ``stored``)."""
        return self.graph.stored()

    def save_wanted(self) -> bool:
        return False

    def save(self, *, if_due: bool = False) -> None:
        pass
