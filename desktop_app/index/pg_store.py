"""A team library's store on PostgreSQL: what ``Store`` does for a library in SQLite, with
the same methods, records and meaning, for one user of a shared database.

The sync sees the user's own rows only (``files``, ``pending_files``, ``counts``, ``roots``
…), so one person's sync never reads again or deletes another's files. Search sees
everything the server lets the user read: their own passages and those shared with a role
they belong to (row-level security, see ``pg_schema``). ``indexed_file_with_sha256`` looks
at the same: a copy of content shared with the user is reused, not embedded again.

A folder added by a store opened with ``share=ROLE`` is shared with that role, and every
file recorded below it (the longest matching folder decides) with its passages. Each public
method is one transaction, redone on a new connection if the old one drops (``pg_session``).
One ``PgStore`` wraps one connection and belongs to one thread.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager

import numpy as np
import psycopg

from desktop_app.index.pg_errors import TeamLibraryError
from desktop_app.index.pg_passages import PgPassages
from desktop_app.index.pg_query import in_subtree
from desktop_app.index.pg_schema import LIBRARY_KEYS, PG_SCHEMA_VERSION
from desktop_app.index.pg_session import PgSession
from desktop_app.index.records import FileRecord, NewChunk
from desktop_app.paths import is_under, under_any

_FILE_COLUMNS = ("id, path, size, mtime_ns, sha256, status, reason, pages, chunks, embedded, "
                 "title")
_S = "desktop_app."  # the schema


def _file(row: tuple) -> FileRecord:
    return FileRecord(*row)


class PgStore(PgPassages):
    def __init__(self, conninfo: str, *, share: str | None = None,
                 note: Callable[[str], None] | None = None) -> None:
        """``note``: told, in words, what a person should know (a dropped connection that
        was made again)."""
        self.session = PgSession(conninfo, note)
        self.frozen = False  # a server library is never opened read-only for want of disk
        self.share = share
        try:
            self._open()
        except BaseException:
            self.close()
            raise

    def _open(self) -> None:
        version = self.get_meta("schema_version")
        if version is not None and int(version) > PG_SCHEMA_VERSION:
            raise TeamLibraryError(
                f"this team library was made by a newer version of the app (schema "
                f"{version}); update the app")
        if self.share is not None:
            self._check_role(self.share)
        self.query(f"INSERT INTO {_S}user_meta (key, value) VALUES ('generation', '0') "
                   "ON CONFLICT DO NOTHING")
        #: whether the library has its indexed keyword search (see ``pg_schema``)
        self.indexed_keywords = bool(self.query(
            "SELECT to_regproc('desktop_app.keyword_matches') IS NOT NULL")[0][0])
        self.text_search = self.get_meta("text_search") or "simple"

    @property
    def user(self) -> str:
        return self.session.user

    def close(self) -> None:
        self.session.close()

    def query(self, sql: str, params: object = None, *, what: str = "") -> list[tuple]:
        """The rows of one statement, in its own transaction (or the open block's)."""
        def work(cur: psycopg.Cursor) -> list[tuple]:
            cur.execute(sql, params)  # type: ignore[arg-type]
            return cur.fetchall() if cur.description else []
        return self.session.run(work, what=what)

    # -- meta ----------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        """The user's own value of a setting, else the library's (a setting of the library
        as a whole is the library's alone)."""
        if key in LIBRARY_KEYS:
            rows = self.query(f"SELECT value FROM {_S}library_meta WHERE key = %s", (key,))
            return rows[0][0] if rows else None
        rows = self.query(
            f"SELECT value FROM {_S}user_meta WHERE owner = current_user AND key = %s "
            f"UNION ALL SELECT value FROM {_S}library_meta WHERE key = %s", (key, key))
        return rows[0][0] if rows else None

    def set_meta(self, key: str, value: str) -> None:
        """A per-user setting is the user's to change; a library setting is recorded once
        and never changed (the model a library was made with stays its model)."""
        if key in LIBRARY_KEYS:
            def record(cur: psycopg.Cursor) -> None:
                cur.execute(f"INSERT INTO {_S}library_meta (key, value) VALUES (%s, %s) "
                            "ON CONFLICT (key) DO NOTHING", (key, value))
                stored = cur.execute(f"SELECT value FROM {_S}library_meta WHERE key = %s",
                                     (key,)).fetchone()
                if stored is not None and stored[0] != value:
                    raise TeamLibraryError(
                        f"this team library's {key} is {stored[0]!r}; it was set when the "
                        "library was made and cannot be changed")
            self.session.run(record)
            return
        self.query(f"INSERT INTO {_S}user_meta (key, value) VALUES (%s, %s) ON CONFLICT "
                  "(owner, key) DO UPDATE SET value = excluded.value", (key, value))

    def transaction(self) -> AbstractContextManager[None]:
        """``with store.transaction():`` commits what the block writes, or none of it."""
        return self.session.block()

    def set_max_file_mb(self, megabytes: int) -> None:
        """A new size limit; the user's files skipped as too large are looked at again."""
        with self.transaction():
            self.set_meta("max_file_mb", str(int(megabytes)))
            self.query(f"UPDATE {_S}files SET mtime_ns = -1 WHERE owner = current_user "
                      "AND status = 'skipped' AND reason LIKE 'too large%%'")

    def checkpoint(self) -> None:
        """Nothing to fold: the server keeps its own log."""

    def ignored_counts(self) -> dict[str, int]:
        raw = self.get_meta("ignored")
        return json.loads(raw) if raw else {}

    def set_ignored_counts(self, counts: dict[str, int]) -> None:
        self.set_meta("ignored", json.dumps(counts, sort_keys=True))

    def library_uuid(self) -> str:
        return self.get_meta("library_uuid") or ""

    def generation(self) -> int:
        """How many changes the user's own rows went through."""
        return int(self.get_meta("generation") or 0)

    def _bump_generation(self, cur: psycopg.Cursor) -> None:
        # per user: writers of different people never wait on one row
        cur.execute(f"UPDATE {_S}user_meta SET value = (value::bigint + 1)::text "
                    "WHERE owner = current_user AND key = 'generation'")

    # -- sharing ---------------------------------------------------------------------------
    def _check_role(self, role: str) -> None:
        row = self.query("SELECT pg_has_role(current_user, oid, 'MEMBER') FROM pg_roles "
                        "WHERE rolname = %s", (role,))
        if not row:
            raise TeamLibraryError(f"there is no role '{role}' on the team library's server "
                                   "to share with")
        if not row[0][0]:
            raise TeamLibraryError(
                f"{self.user} is not a member of the role '{role}', so cannot share with "
                f"it; ask the database's administrator to run: GRANT {role} TO {self.user}")

    def _share_of(self, cur: psycopg.Cursor, path: str) -> str | None:
        """The share role of the user's deepest folder holding ``path``."""
        best: tuple[int, str | None] = (-1, None)
        for root, role in cur.execute(
                f"SELECT path, share_role FROM {_S}roots WHERE owner = current_user"):
            if is_under(path, root) and len(root) > best[0]:
                best = (len(root), role)
        return best[1]

    def set_root_share(self, path: str, role: str | None) -> int:
        """Share a library folder of the user's (and every file recorded below it that no
        deeper folder of theirs holds) with ``role``; None makes it private. Files changed."""
        if role is not None:
            self._check_role(role)

        def share(cur: psycopg.Cursor) -> int:
            roots = [r[0] for r in cur.execute(
                f"SELECT path FROM {_S}roots WHERE owner = current_user")]
            if path not in roots:
                raise TeamLibraryError(f"{path} is not one of your library's folders")
            cur.execute(f"UPDATE {_S}roots SET share_role = %s WHERE owner = current_user "
                        "AND path = %s", (role, path))
            clause, params = in_subtree("path", path)
            for deeper in roots:
                if deeper != path and is_under(deeper, path):
                    inner, more = in_subtree("path", deeper)
                    clause += f" AND NOT {inner}"
                    params += more
            # only rows whose share changes are written: sharing a folder again with the
            # same role rewrites nothing (a rewrite of 500k passages took minutes)
            ids = [r[0] for r in cur.execute(
                f"UPDATE {_S}files SET share_role = %s WHERE owner = current_user AND "
                f"share_role IS DISTINCT FROM %s AND {clause} RETURNING id",
                [role, role, *params])]
            cur.execute(f"UPDATE {_S}chunks SET share_role = %s WHERE file_id = ANY(%s) "
                        "AND share_role IS DISTINCT FROM %s", (role, ids, role))
            self._bump_generation(cur)
            return len(ids)
        return self.session.run(share)

    # -- roots and exclusions ------------------------------------------------------------
    def roots(self) -> list[str]:
        return [r[0] for r in self.query(
            f"SELECT path FROM {_S}roots WHERE owner = current_user ORDER BY path")]

    def add_root(self, path: str) -> bool:
        def add(cur: psycopg.Cursor) -> bool:
            added = cur.execute(
                f"INSERT INTO {_S}roots (path, share_role, added_at) VALUES (%s, %s, %s) "
                "ON CONFLICT (owner, path) DO NOTHING RETURNING id",
                (path, self.share, time.time())).fetchone() is not None
            cur.execute(f"DELETE FROM {_S}excluded WHERE owner = current_user AND path = %s",
                        (path,))
            return added
        added = self.session.run(add)
        if not added and self.share is not None:
            self.set_root_share(path, self.share)  # indexed again, to share it
        return added

    def leave_out(self, path: str) -> bool:
        """Stop indexing ``path`` (see ``Store.leave_out``), among the user's folders."""
        def leave(cur: psycopg.Cursor) -> bool:
            roots = [r[0] for r in cur.execute(
                f"SELECT path FROM {_S}roots WHERE owner = current_user")]
            gone = [root for root in roots if is_under(root, path)]
            cur.execute(f"DELETE FROM {_S}roots WHERE owner = current_user AND path = ANY(%s)",
                        (gone,))
            covered = under_any(path, [r for r in roots if r not in gone])
            if covered:
                cur.execute(f"INSERT INTO {_S}excluded (path) VALUES (%s) "
                            "ON CONFLICT DO NOTHING", (path,))
            return bool(gone) or covered
        return self.session.run(leave)

    def excluded(self) -> list[str]:
        return [r[0] for r in self.query(
            f"SELECT path FROM {_S}excluded WHERE owner = current_user ORDER BY path")]

    def add_excluded(self, path: str) -> None:
        self.query(f"INSERT INTO {_S}excluded (path) VALUES (%s) ON CONFLICT DO NOTHING",
                  (path,))

    # -- files (the user's own) ----------------------------------------------------------
    def files(self) -> dict[str, FileRecord]:
        rows = self.query(f"SELECT {_FILE_COLUMNS} FROM {_S}files WHERE owner = current_user")
        return {r[1]: _file(r) for r in rows}

    def files_under(self, path: str) -> list[FileRecord]:
        clause, params = in_subtree("path", path)
        return [_file(r) for r in self.query(
            f"SELECT {_FILE_COLUMNS} FROM {_S}files WHERE owner = current_user AND {clause}",
            params)]

    def chunk_ids_of(self, file_ids: Iterable[int]) -> list[int]:
        return [r[0] for r in self.query(
            f"SELECT id FROM {_S}chunks WHERE file_id = ANY(%s)", (list(file_ids),))]

    def delete_files(self, file_ids: Iterable[int]) -> list[int]:
        """Delete the user's files with their passages in one transaction; the ids of
        those passages."""
        ids = list(file_ids)

        def delete(cur: psycopg.Cursor) -> list[int]:
            gone = [r[0] for r in cur.execute(
                f"DELETE FROM {_S}chunks WHERE file_id = ANY(%s) RETURNING id", (ids,))]
            cur.execute(f"DELETE FROM {_S}files WHERE id = ANY(%s)", (ids,))
            self._bump_generation(cur)
            return gone
        return self.session.run(delete)

    def record_file(self, path: str, *, size: int, mtime_ns: int, sha256: str | None,
                    status: str, reason: str | None, pages: int = 0,
                    chunks: Iterable[NewChunk] = (),
                    title: str | None = None) -> tuple[list[int], list[int]]:
        """Replace one of the user's files and its passages in one transaction (see
        ``Store.record_file``); it takes the share role of its folder. ``title``: the
        document's own title, where it records one.

        Returns (ids of the passages written, ids of the passages that were replaced).
        """
        chunk_list = list(chunks)
        embedded = all(c.vector is not None for c in chunk_list)

        def record(cur: psycopg.Cursor) -> tuple[list[int], list[int]]:
            share = self._share_of(cur, path)
            row = cur.execute(
                f"INSERT INTO {_S}files AS f (path, share_role, size, mtime_ns, sha256, status, "
                "reason, pages, chunks, updated_at, embedded, title) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
                "ON CONFLICT (owner, path) DO UPDATE SET share_role = excluded.share_role, "
                "size = excluded.size, mtime_ns = excluded.mtime_ns, sha256 = excluded.sha256, "
                "status = excluded.status, reason = excluded.reason, pages = excluded.pages, "
                "chunks = excluded.chunks, updated_at = excluded.updated_at, "
                "embedded = excluded.embedded, title = excluded.title RETURNING id",
                (path, share, size, mtime_ns, sha256, status, reason, pages, len(chunk_list),
                 time.time(), embedded, title)).fetchone()
            file_id = row[0]
            replaced = [r[0] for r in cur.execute(
                f"DELETE FROM {_S}chunks WHERE file_id = %s RETURNING id", (file_id,))]
            new_ids: list[int] = []
            if chunk_list:
                written = cur.execute(
                    f"INSERT INTO {_S}chunks (file_id, share_role, ord, page, char_start, "
                    "char_end, text, vector, section) "
                    "SELECT %s, %s, u.ord - 1, u.page, u.cs, u.ce, u.text, u.vector, u.section "
                    "FROM unnest(%s::int[], %s::int[], %s::int[], %s::text[], %s::bytea[], "
                    "%s::text[]) WITH ORDINALITY AS u(page, cs, ce, text, vector, section, ord) "
                    "ORDER BY u.ord "
                    "RETURNING id, ord",
                    (file_id, share, [c.page for c in chunk_list],
                     [c.char_start for c in chunk_list], [c.char_end for c in chunk_list],
                     [c.text.replace("\x00", "") for c in chunk_list],
                     [b"" if c.vector is None else np.ascontiguousarray(c.vector).tobytes()
                      for c in chunk_list],
                     [c.section for c in chunk_list])).fetchall()
                new_ids = [cid for cid, _ in sorted(written, key=lambda r: r[1])]
            self._bump_generation(cur)
            return new_ids, replaced
        return self.session.run(record)

    def indexed_file_with_sha256(self, sha256: str) -> FileRecord | None:
        """A file the user can see with this content whose passages have their vectors
        (the user's own first): a copy takes both."""
        rows = self.query(
            f"SELECT {_FILE_COLUMNS} FROM {_S}files WHERE sha256 = %s AND status = 'indexed' "
            "AND embedded ORDER BY owner = current_user DESC LIMIT 1", (sha256,))
        return _file(rows[0]) if rows else None

    # -- the second step: vectors for the user's files that wait for them -----------------
    def pending_files(self) -> list[FileRecord]:
        return [_file(r) for r in self.query(
            f"SELECT {_FILE_COLUMNS} FROM {_S}files WHERE owner = current_user "
            "AND status = 'indexed' AND NOT embedded ORDER BY updated_at")]

    def pending_count(self) -> int:
        return self.query(f"SELECT count(*) FROM {_S}files WHERE owner = current_user "
                         "AND status = 'indexed' AND NOT embedded")[0][0]

    def passages_of(self, file_id: int) -> list[tuple[int, str]]:
        return [(r[0], r[1]) for r in self.query(
            f"SELECT id, text FROM {_S}chunks WHERE file_id = %s ORDER BY ord", (file_id,))]

    def set_vectors(self, file_id: int, vectors: Iterable[tuple[int, bytes]]) -> None:
        pairs = list(vectors)

        def store(cur: psycopg.Cursor) -> None:
            cur.execute(f"UPDATE {_S}chunks c SET vector = u.v FROM unnest(%s::bigint[], "
                        "%s::bytea[]) AS u(id, v) WHERE c.id = u.id AND c.file_id = %s",
                        ([cid for cid, _ in pairs], [bytes(b) for _, b in pairs], file_id))
            cur.execute(f"UPDATE {_S}files SET embedded = true WHERE id = %s", (file_id,))
            self._bump_generation(cur)
        self.session.run(store)

    def move_file(self, file_id: int, new_path: str, size: int, mtime_ns: int) -> None:
        """A file moved or renamed with the same content; it takes its new folder's share."""
        def move(cur: psycopg.Cursor) -> None:
            share = self._share_of(cur, new_path)
            cur.execute(f"UPDATE {_S}files SET path = %s, size = %s, mtime_ns = %s, "
                        "updated_at = %s, share_role = %s WHERE id = %s",
                        (new_path, size, mtime_ns, time.time(), share, file_id))
            cur.execute(f"UPDATE {_S}chunks SET share_role = %s WHERE file_id = %s "
                        "AND share_role IS DISTINCT FROM %s", (share, file_id, share))
            self._bump_generation(cur)
        self.session.run(move)

    def update_stat(self, file_id: int, size: int, mtime_ns: int) -> None:
        self.query(f"UPDATE {_S}files SET size = %s, mtime_ns = %s WHERE id = %s",
                  (size, mtime_ns, file_id))

    def chunks_of_file(self, file_id: int) -> list[NewChunk]:
        rows = self.query(f"SELECT page, char_start, char_end, text, vector, section FROM "
                         f"{_S}chunks WHERE file_id = %s ORDER BY ord", (file_id,))
        return [NewChunk(r[0], r[1], r[2], r[3], np.frombuffer(bytes(r[4]), dtype=np.uint8),
                         section=r[5]) for r in rows]

    # -- status (the user's own files) ---------------------------------------------------
    def counts(self) -> dict[str, int]:
        out = {"indexed": 0, "skipped": 0, "failed": 0}
        for status, n in self.query(f"SELECT status, count(*) FROM {_S}files "
                                   "WHERE owner = current_user GROUP BY status"):
            out[status] = n
        # from the files' rows (one a file), not by counting passages: the window asks
        # every second while it indexes
        out["chunks"] = int(self.query(
            f"SELECT coalesce(sum(chunks), 0) FROM {_S}files WHERE owner = current_user")[0][0])
        return out

    def counts_under(self, path: str) -> dict[str, int]:
        out = {"indexed": 0, "skipped": 0, "failed": 0, "meaning_pending": 0}
        clause, params = in_subtree("path", path)
        for status, n, pending in self.query(
                f"SELECT status, count(*), count(*) FILTER (WHERE status = 'indexed' AND "
                f"NOT embedded) FROM {_S}files WHERE owner = current_user AND {clause} "
                "GROUP BY status", params):
            out[status] = n
            out["meaning_pending"] += pending
        return out

    def problems(self) -> list[tuple[str, str, str]]:
        return [tuple(r) for r in self.query(  # type: ignore[misc]
            f"SELECT path, status, coalesce(reason, '') FROM {_S}files WHERE owner = "
            "current_user AND status <> 'indexed' ORDER BY status, path")]

    def integrity_ok(self) -> bool:
        """The server looks after its own pages."""
        return True

    def quick_check(self, deadline: float | None = None) -> str | None:
        """Nothing for a client to check: the server looks after its own pages."""
        return None

