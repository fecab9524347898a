"""SQLite, the library's source of truth: roots, files, chunks with their stored vectors, meta.

One ``Store`` wraps one connection and belongs to one thread. WAL mode lets a search thread
read while the indexing thread writes. Every file's chunks are written in one transaction,
so a crash leaves each file either fully indexed or not at all.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3
import time
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from desktop_app.index.faults import is_damage
from desktop_app.index.filters import NO_FILTER, ChunkFilter
from desktop_app.index.records import (
    ChunkRow,
    FileRecord,
    NewChunk,
    QueryTimeout,
    StoreError,
)
from desktop_app.index.schema import SCHEMA, SCHEMA_VERSION
from desktop_app.paths import is_under, subtree_range, under_any
from desktop_app.private import create_private

_FILE_COLUMNS = ("id, path, size, mtime_ns, sha256, status, reason, pages, chunks, embedded, "
                 "title")


def _batches(ids: Iterable[int], size: int = 500) -> Iterator[tuple[list[int], str]]:
    """``ids`` in parts small enough for one ``IN (…)`` each: (part, its placeholders)."""
    ids = list(ids)
    for start in range(0, len(ids), size):
        part = ids[start:start + size]
        yield part, ",".join("?" * len(part))


class Store:
    def __init__(self, path: Path, *, read_only: bool = False) -> None:
        self.path = path
        #: opened read-only as of its last checkpoint because the disk is full (SQLite
        #: cannot make the WAL's shared-memory file then): reads work, writes do not
        self.frozen = False
        try:
            self._connect(path, read_only)
        except StoreError as exc:
            if read_only or not path.exists() or not _disk_full_at(path.parent):
                raise
            with contextlib.suppress(Exception):
                self.db.close()
            try:
                self.db = sqlite3.connect(f"file:{path}?immutable=1", uri=True,
                                          check_same_thread=False)
                self.db.execute("SELECT COUNT(*) FROM meta").fetchone()
            except sqlite3.DatabaseError:
                raise exc from None
            self.frozen = True

    def _connect(self, path: Path, read_only: bool) -> None:
        try:
            if read_only:
                self.db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30,
                                          check_same_thread=False)
            else:
                # Made 0600 before SQLite opens it: its -wal and -shm files take its mode.
                create_private(path)
                self.db = sqlite3.connect(path, timeout=30, check_same_thread=False)
            self.db.execute("PRAGMA foreign_keys = ON")
            if not read_only:
                self.db.execute("PRAGMA journal_mode = WAL")
                # NORMAL in WAL mode: a crash may lose the last commits but never corrupts.
                self.db.execute("PRAGMA synchronous = NORMAL")
                with self.db:
                    self.db.executescript(SCHEMA)
                    version = self.get_meta("schema_version")
                    if version is None:
                        self.set_meta("schema_version", str(SCHEMA_VERSION))
                        self.set_meta("generation", "0")
                        self.set_meta("library_uuid", uuid.uuid4().hex)
                    elif int(version) < SCHEMA_VERSION:
                        self._upgrade(int(version))
                    elif int(version) > SCHEMA_VERSION:
                        raise StoreError(
                            f"{path} was written by a newer version of the app "
                            f"(schema {version}); update the app")
        except (sqlite3.DatabaseError, OSError) as exc:
            raise StoreError(f"cannot open the library database {path}: {exc}") from exc

    def _upgrade(self, version: int) -> None:
        if version < 2:  # the keyword index is new; fill it from the chunks
            self.db.execute("INSERT INTO chunks_fts (chunks_fts) VALUES ('rebuild')")
        if version < 3:  # files indexed in two steps; every file so far has its vectors
            self._add_column("files", "embedded", "INTEGER NOT NULL DEFAULT 1")
        if version < 4:  # titles and sections are new; what was indexed before has none
            self._add_column("files", "title", "TEXT")
            self._add_column("chunks", "section", "TEXT")
        self.set_meta("schema_version", str(SCHEMA_VERSION))

    def _add_column(self, table: str, column: str, definition: str) -> None:
        """Add a column an older schema lacks (a half-finished upgrade may have added it)."""
        if column not in {r[1] for r in self.db.execute(f"PRAGMA table_info({table})")}:
            self.db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")

    def close(self) -> None:
        self.db.close()

    # -- meta ----------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT INTO meta (key, value) VALUES (?, ?) "
                        "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (key, value))

    def transaction(self) -> sqlite3.Connection:
        """``with store.transaction():`` commits what the block writes, or none of it."""
        return self.db

    def set_max_file_mb(self, megabytes: int) -> None:
        """A new size limit; files skipped as too large are looked at again under it."""
        with self.db:
            self.set_meta("max_file_mb", str(int(megabytes)))
            self.db.execute("UPDATE files SET mtime_ns = -1 WHERE status = 'skipped' "
                            "AND reason LIKE 'too large%'")

    def checkpoint(self) -> None:
        """Fold the write-ahead log into the database file (before it is copied or moved)."""
        with self.db:
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def ignored_counts(self) -> dict[str, int]:
        raw = self.get_meta("ignored")
        return json.loads(raw) if raw else {}

    def set_ignored_counts(self, counts: dict[str, int]) -> None:
        with self.db:
            self.set_meta("ignored", json.dumps(counts, sort_keys=True))

    def library_uuid(self) -> str:
        return self.get_meta("library_uuid") or ""

    def generation(self) -> int:
        return int(self.get_meta("generation") or 0)

    def _bump_generation(self) -> None:
        self.db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 "
                        "WHERE key = 'generation'")

    # -- roots and exclusions ------------------------------------------------------------
    def roots(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT path FROM roots ORDER BY path")]

    def add_root(self, path: str) -> bool:
        with self.db:
            cur = self.db.execute("INSERT OR IGNORE INTO roots (path, added_at) VALUES (?, ?)",
                                  (path, time.time()))
            self.db.execute("DELETE FROM excluded WHERE path = ?", (path,))
        return cur.rowcount > 0

    def leave_out(self, path: str) -> bool:
        """Stop indexing ``path``: the library folders at or below it go, and a path inside
        a folder that stays is remembered as excluded (the next scan leaves it out). False
        when ``path`` is neither a library folder, nor above one, nor inside one."""
        with self.db:
            gone = [root for root in self.roots() if is_under(root, path)]
            for root in gone:
                self.db.execute("DELETE FROM roots WHERE path = ?", (root,))
            covered = under_any(path, self.roots())
            if covered:
                self.db.execute("INSERT OR IGNORE INTO excluded (path) VALUES (?)", (path,))
        return bool(gone) or covered

    def excluded(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT path FROM excluded ORDER BY path")]

    def add_excluded(self, path: str) -> None:
        with self.db:
            self.db.execute("INSERT OR IGNORE INTO excluded (path) VALUES (?)", (path,))

    # -- files ---------------------------------------------------------------------------
    def files(self) -> dict[str, FileRecord]:
        rows = self.db.execute(f"SELECT {_FILE_COLUMNS} FROM files")
        return {r[1]: FileRecord(*r) for r in rows}

    def files_under(self, path: str) -> list[FileRecord]:
        rows = self.db.execute(
            f"SELECT {_FILE_COLUMNS} FROM files WHERE path = ? OR (path >= ? AND path < ?)",
            (path, *subtree_range(path)))
        return [FileRecord(*r) for r in rows]

    def chunk_ids_of(self, file_ids: Iterable[int]) -> list[int]:
        out: list[int] = []
        for part, marks in _batches(file_ids):
            out.extend(r[0] for r in self.db.execute(
                f"SELECT id FROM chunks WHERE file_id IN ({marks})", part))
        return out

    def delete_files(self, file_ids: Iterable[int]) -> list[int]:
        """Delete files with their chunks in one transaction; the ids of those chunks (for
        the graph to forget)."""
        ids = list(file_ids)
        with self.db:
            chunk_ids = self.chunk_ids_of(ids)
            for part, marks in _batches(ids):
                self.db.execute(f"DELETE FROM files WHERE id IN ({marks})", part)
            self._bump_generation()
        return chunk_ids

    def record_file(self, path: str, *, size: int, mtime_ns: int, sha256: str | None,
                    status: str, reason: str | None, pages: int = 0,
                    chunks: Iterable[NewChunk] = (),
                    title: str | None = None) -> tuple[list[int], list[int]]:
        """Replace a file's row and chunks in one transaction. Chunks without a vector
        leave the file waiting for its vectors (``set_vectors``), findable by words.
        ``title``: the document's own title, where it records one.

        Returns (ids of the chunks written, ids of the chunks that were replaced).
        """
        chunk_list = list(chunks)
        embedded = int(all(c.vector is not None for c in chunk_list))
        with self.db:
            old = self.db.execute("SELECT id FROM files WHERE path = ?", (path,)).fetchone()
            replaced: list[int] = []
            if old:
                replaced = [r[0] for r in self.db.execute(
                    "SELECT id FROM chunks WHERE file_id = ?", (old[0],))]
                self.db.execute("DELETE FROM chunks WHERE file_id = ?", (old[0],))
                self.db.execute(
                    "UPDATE files SET size=?, mtime_ns=?, sha256=?, status=?, reason=?, pages=?, "
                    "chunks=?, updated_at=?, embedded=?, title=? WHERE id=?",
                    (size, mtime_ns, sha256, status, reason, pages, len(chunk_list), time.time(),
                     embedded, title, old[0]))
                file_id = old[0]
            else:
                cur = self.db.execute(
                    "INSERT INTO files (path, size, mtime_ns, sha256, status, reason, pages, "
                    "chunks, updated_at, embedded, title) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (path, size, mtime_ns, sha256, status, reason, pages, len(chunk_list),
                     time.time(), embedded, title))
                file_id = cur.lastrowid
            new_ids = []
            for ord_, c in enumerate(chunk_list):
                cur = self.db.execute(
                    "INSERT INTO chunks (file_id, ord, page, char_start, char_end, text, vector, "
                    "section) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (file_id, ord_, c.page, c.char_start, c.char_end, c.text,
                     b"" if c.vector is None else np.ascontiguousarray(c.vector).tobytes(),
                     c.section))
                new_ids.append(cur.lastrowid)
            self._bump_generation()
        return new_ids, replaced

    def indexed_file_with_sha256(self, sha256: str) -> FileRecord | None:
        """A file with this content whose passages have their vectors (a copy takes both)."""
        row = self.db.execute(f"SELECT {_FILE_COLUMNS} FROM files "
                              "WHERE sha256 = ? AND status = 'indexed' AND embedded = 1 LIMIT 1",
                              (sha256,)).fetchone()
        return FileRecord(*row) if row else None

    # -- the second step: vectors for files that wait for them ---------------------------
    def pending_files(self) -> list[FileRecord]:
        """Files whose passages wait for their vectors, in the order they were read."""
        rows = self.db.execute(f"SELECT {_FILE_COLUMNS} FROM files "
                               "WHERE status = 'indexed' AND embedded = 0 ORDER BY updated_at")
        return [FileRecord(*r) for r in rows]

    def pending_count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM files "
                               "WHERE status = 'indexed' AND embedded = 0").fetchone()[0]

    def passages_of(self, file_id: int) -> list[tuple[int, str]]:
        """(chunk id, text) of a file's passages, in order."""
        return [(r[0], r[1]) for r in self.db.execute(
            "SELECT id, text FROM chunks WHERE file_id = ? ORDER BY ord", (file_id,))]

    def set_vectors(self, file_id: int, vectors: Iterable[tuple[int, bytes]]) -> None:
        """Store a pending file's passage vectors, all in one transaction; the file is then
        findable by meaning too."""
        with self.db:
            self.db.executemany("UPDATE chunks SET vector = ? WHERE id = ? AND file_id = ?",
                                [(blob, cid, file_id) for cid, blob in vectors])
            self.db.execute("UPDATE files SET embedded = 1 WHERE id = ?", (file_id,))
            self._bump_generation()

    def move_file(self, file_id: int, new_path: str, size: int, mtime_ns: int) -> None:
        """A file moved or renamed with the same content: its chunks and vectors stay."""
        with self.db:
            self.db.execute("UPDATE files SET path = ?, size = ?, mtime_ns = ?, updated_at = ? "
                            "WHERE id = ?", (new_path, size, mtime_ns, time.time(), file_id))
            self._bump_generation()

    def update_stat(self, file_id: int, size: int, mtime_ns: int) -> None:
        with self.db:
            self.db.execute("UPDATE files SET size = ?, mtime_ns = ? WHERE id = ?",
                            (size, mtime_ns, file_id))

    def chunks_of_file(self, file_id: int) -> list[NewChunk]:
        rows = self.db.execute("SELECT page, char_start, char_end, text, vector, section "
                               "FROM chunks WHERE file_id = ? ORDER BY ord", (file_id,))
        return [NewChunk(r[0], r[1], r[2], r[3], np.frombuffer(r[4], dtype=np.uint8),
                         section=r[5]) for r in rows]

    # -- chunks and vectors --------------------------------------------------------------
    def chunk_ids(self) -> set[int]:
        """The passages that have their vectors (what the vector graph holds)."""
        return {r[0] for r in self.db.execute("SELECT id FROM chunks WHERE length(vector) > 0")}

    def chunk_ids_where(self, where: ChunkFilter) -> list[int]:
        """The passages of the files ``where`` lets through."""
        clause, params = where.sqlite()
        return [r[0] for r in self.db.execute(
            "SELECT c.id FROM chunks c JOIN files f ON f.id = c.file_id "
            f"WHERE length(c.vector) > 0 AND {clause}",
            params)]

    def chunk_vector(self, chunk_id: int) -> bytes | None:
        """A passage's stored vector; None if it has none (yet)."""
        row = self.db.execute("SELECT vector FROM chunks WHERE id = ?", (chunk_id,)).fetchone()
        return row[0] if row and row[0] else None

    def vectors(self, ids: Iterable[int], width: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(ids, stored rows [n, width] uint8) in blocks: the graph rebuilds from these."""
        for part, marks in _batches(sorted(ids), 2000):
            rows = self.db.execute(f"SELECT id, vector FROM chunks WHERE id IN ({marks}) "
                                   "AND length(vector) > 0", part)
            got = rows.fetchall()
            labels = np.array([r[0] for r in got], dtype=np.int64)
            vecs = np.frombuffer(b"".join(r[1] for r in got), dtype=np.uint8).reshape(-1, width)
            yield labels, vecs

    def chunk_rows(self, ids: Iterable[int]) -> dict[int, ChunkRow]:
        ids = list(ids)
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self.db.execute(
            "SELECT c.id, f.path, c.page, c.char_start, c.char_end, c.text, f.embedded = 0, "
            "c.section, f.title "
            f"FROM chunks c JOIN files f ON f.id = c.file_id WHERE c.id IN ({marks})", ids)
        return {r[0]: ChunkRow(*r[:6], pending=bool(r[6]), section=r[7], title=r[8])
                for r in rows}

    # -- keyword search --------------------------------------------------------------------
    def keyword_search(self, fts_query: str, limit: int, where: ChunkFilter = NO_FILTER,
                       deadline: float | None = None) -> list[tuple[int, float]]:
        """(chunk id, bm25) best first; bm25 is lower-is-better as SQLite reports it.

        ``where`` limits the passages by their files. ``deadline`` (a
        ``time.perf_counter()`` instant) stops the ranking with ``QueryTimeout`` when it
        runs past: FTS5 scores every matching row before it sorts, so a query of common
        words over a million chunks can take a quarter of a second.
        """
        if not fts_query:
            return []
        if not where:
            sql = ("SELECT rowid, bm25(chunks_fts) AS rank FROM chunks_fts "
                   "WHERE chunks_fts MATCH ? ORDER BY rank LIMIT ?")
            args: list[object] = [fts_query, limit]
        else:
            clause, params = where.sqlite()
            sql = ("SELECT t.rowid, bm25(chunks_fts) AS rank FROM chunks_fts t "
                   "JOIN chunks c ON c.id = t.rowid JOIN files f ON f.id = c.file_id "
                   f"WHERE chunks_fts MATCH ? AND {clause} ORDER BY rank LIMIT ?")
            args = [fts_query, *params, limit]
        if deadline is not None:
            self.db.set_progress_handler(lambda: time.perf_counter() > deadline, 1000)
        try:
            return [(int(r[0]), float(r[1])) for r in self.db.execute(sql, args)]
        except sqlite3.OperationalError as exc:
            if deadline is not None and "interrupt" in str(exc):
                raise QueryTimeout(fts_query) from exc
            return []  # a query FTS cannot parse finds nothing by keyword
        finally:
            if deadline is not None:
                self.db.set_progress_handler(None, 1000)

    def has_keyword_match(self, fts_query: str) -> bool:
        """Whether any chunk matches (cheap: stops at the first)."""
        try:
            return self.db.execute("SELECT 1 FROM chunks_fts WHERE chunks_fts MATCH ? LIMIT 1",
                                   (fts_query,)).fetchone() is not None
        except sqlite3.OperationalError:
            return False

    def chunk_vectors(self, ids: Iterable[int]) -> dict[int, bytes]:
        out: dict[int, bytes] = {}
        for part, marks in _batches(ids):
            out.update(self.db.execute(
                f"SELECT id, vector FROM chunks WHERE id IN ({marks}) AND length(vector) > 0",
                part).fetchall())
        return out

    # -- status --------------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        out = {"indexed": 0, "skipped": 0, "failed": 0}
        for status, n in self.db.execute("SELECT status, COUNT(*) FROM files GROUP BY status"):
            out[status] = n
        out["chunks"] = self.db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        return out

    def counts_under(self, path: str) -> dict[str, int]:
        """Files per status below ``path``, and ``meaning_pending``: those of the indexed
        ones that still wait for their vectors."""
        out = {"indexed": 0, "skipped": 0, "failed": 0, "meaning_pending": 0}
        rows = self.db.execute(
            "SELECT status, COUNT(*), SUM(status = 'indexed' AND embedded = 0) FROM files "
            "WHERE path = ? OR (path >= ? AND path < ?) GROUP BY status",
            (path, *subtree_range(path)))
        for status, n, pending in rows:
            out[status] = n
            out["meaning_pending"] += pending or 0
        return out

    def problems(self) -> list[tuple[str, str, str]]:
        return list(self.db.execute(
            "SELECT path, status, COALESCE(reason, '') FROM files WHERE status != 'indexed' "
            "ORDER BY status, path"))

    def integrity_ok(self) -> bool:
        return self.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    def quick_check(self, deadline: float | None = None) -> str | None:
        """SQLite's quick check of every page and index entry: None when the file is sound,
        else the first problems found. ``deadline`` (a ``time.perf_counter()`` instant)
        stops a long check with ``QueryTimeout`` (it reads the whole file: 0.13 s for 263 MB
        in the page cache, measured; a cold disk is slower)."""
        if deadline is not None:
            self.db.set_progress_handler(lambda: time.perf_counter() > deadline, 10_000)
        try:
            rows = [r[0] for r in self.db.execute("PRAGMA quick_check(5)")]
        except sqlite3.OperationalError as exc:
            if deadline is not None and "interrupt" in str(exc):
                raise QueryTimeout("quick_check") from exc
            if is_damage(exc):
                return str(exc)
            raise
        except sqlite3.DatabaseError as exc:
            if is_damage(exc):
                return str(exc)
            raise
        finally:
            if deadline is not None:
                self.db.set_progress_handler(None, 10_000)
        return None if rows == ["ok"] else "; ".join(rows)


def _disk_full_at(folder: Path) -> bool:
    """Whether the disk holding ``folder`` has (next to) no room left."""
    try:
        return shutil.disk_usage(folder).free < (1 << 20)
    except OSError:
        return False
