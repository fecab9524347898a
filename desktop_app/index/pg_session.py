"""One connection to a team library's server, and each call on it as one transaction that
survives a dropped connection: the call is redone on a new connection a few times (every
call is one transaction, so redoing it is safe), then reported as an unreachable server.

``block()`` groups several calls into one transaction (``with store.transaction():``); a
connection lost inside a block cannot be redone here and is reported as such.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

import psycopg

from desktop_app.index.pg_errors import (
    ServerUnreachable,
    TeamLibraryError,
    connect,
    describe,
    is_connection_lost,
)
from desktop_app.index.records import QueryTimeout

log = logging.getLogger(__name__)

T = TypeVar("T")

#: attempts of one call before the server counts as unreachable, and the pause before each
#: new attempt (a restarting server takes a few seconds)
RETRY_PAUSES_S = (0.0, 0.5, 2.0)


class PgSession:
    def __init__(self, conninfo: str, note: Callable[[str], None] | None = None) -> None:
        self.conninfo = conninfo
        self._note = note
        self.user, self.database, self.server = describe(conninfo)
        self._conn: psycopg.Connection | None = connect(conninfo)
        self._depth = 0  # open blocks of ``block()``

    @property
    def connection(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed:
            self._conn = connect(self.conninfo)
        return self._conn

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
            self._conn = None

    def backend_pid(self) -> int:
        """The server process serving this connection."""
        return self.connection.info.backend_pid

    def run(self, work: Callable[[psycopg.Cursor], T], *, what: str = "") -> T:
        """``work`` in one transaction (inside a ``block()``: in the block's)."""
        if self._depth:
            try:
                return work(self.connection.cursor())
            except psycopg.Error as exc:
                raise self._translated(exc, what, in_block=True) from None
        last: BaseException | None = None
        for pause in RETRY_PAUSES_S:
            if pause:
                time.sleep(pause)
            try:
                conn = self.connection
                with conn.transaction(), conn.cursor() as cur:
                    done = work(cur)
                if last is not None and self._note is not None:
                    self._note(f"the connection to the team library's server {self.server} "
                               "dropped and was made again; nothing was lost")
                return done
            except ServerUnreachable as exc:  # reconnecting failed: maybe it is restarting
                last = exc
                self.close()
            except psycopg.Error as exc:
                if not is_connection_lost(exc, self._conn):
                    raise self._translated(exc, what, in_block=False) from None
                log.info("team library connection lost (%s); trying again", exc)
                last = exc
                self.close()
        raise TeamLibraryError(
            f"the team library's server {self.server} cannot be reached ({_first_line(last)}); "
            "nothing that was saved is lost: try again when it is back") from None

    @contextlib.contextmanager
    def block(self) -> Iterator[None]:
        """One transaction around the calls made inside: all of them are saved, or none."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        try:
            transaction = self.connection.transaction()
            transaction.__enter__()
        except psycopg.Error as exc:
            raise self._translated(exc, "", in_block=True) from None
        self._depth = 1
        try:
            yield
        except BaseException as exc:
            self._depth = 0
            with contextlib.suppress(psycopg.Error):
                transaction.__exit__(type(exc), exc, exc.__traceback__)
            raise
        self._depth = 0
        try:
            transaction.__exit__(None, None, None)
        except psycopg.Error as exc:
            raise self._translated(exc, "", in_block=True) from None

    def _translated(self, exc: psycopg.Error, what: str, *, in_block: bool) -> Exception:
        if isinstance(exc, psycopg.errors.QueryCanceled):
            return QueryTimeout(what or "query")
        if is_connection_lost(exc, self._conn):
            self.close()
            if in_block:
                return TeamLibraryError(
                    f"the connection to the team library's server {self.server} was lost "
                    "midway; that change was not saved (nothing saved before is lost): "
                    "try again")
        if isinstance(exc, psycopg.errors.DiskFull | psycopg.errors.OutOfMemory):
            return TeamLibraryError(
                f"the team library's server {self.server} has no room left "
                f"({_first_line(exc)}): tell its administrator; nothing saved is lost")
        if isinstance(exc, psycopg.errors.InsufficientPrivilege):
            return TeamLibraryError(
                f"the team library refused {self.user} this change "
                f"({_first_line(exc)}): only a row's owner may change it")
        return TeamLibraryError(f"the team library's server {self.server} reported an "
                                f"error: {_first_line(exc)}")


def _first_line(exc: BaseException | None) -> str:
    text = str(exc or "").strip()
    return text.splitlines()[0] if text else type(exc).__name__
