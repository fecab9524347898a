"""The vector graph of a team library: pgvector's HNSW index over the passages'
``embedding`` column, searched by the server under row-level security, so a user's
nearest neighbours are only among the passages they may read.

It stands where ``VectorIndex`` (hnswlib) stands for a library in SQLite. There is nothing
to load or save: ``add`` writes the float vectors into the passages' rows (one statement a
call), ``remove`` has nothing to do (the rows go when the store deletes them), and
``catch_up`` fills the vectors of passages whose stored vector was committed but whose
``add`` never ran (a crash in between). Several threads may share one graph: each call
runs on the calling thread's store (``connect``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import psycopg

from desktop_app.index.codec import VectorCodec
from desktop_app.index.pg_store import PgStore

#: the HNSW search list: pgvector's default is 40; the SQLite library's graph searches with
#: 400 (recall@10 0.998 at 1M passages); the server allows at most 1000
EF_SEARCH = 400
EF_SEARCH_MAX = 1000
#: passages filled per statement by ``catch_up``
CATCH_UP_BLOCK = 1000


def _vector_text(rows: np.ndarray) -> list[str]:
    """pgvector's text form of each row ("[1,-2.5,…]"); whole numbers (decoded int8 or
    binary vectors) print as integers, which is shorter and exact."""
    rows = np.asarray(rows, dtype=np.float32)
    if rows.size and np.all(rows == np.round(rows)) and np.abs(rows).max() < 32768:
        ints = rows.astype(np.int32)
        return ["[" + ",".join(map(str, row)) + "]" for row in ints.tolist()]
    return ["[" + ",".join(map(repr, row)) + "]" for row in rows.tolist()]


class PgVectorGraph:
    def __init__(self, connect: Callable[[], PgStore]) -> None:
        self._connect = connect
        self.unsaved = 0  # nothing is ever unsaved: the server holds the index

    def __len__(self) -> int:
        """Passages with their vector that the user can see."""
        rows = self._connect().query(
            "SELECT count(*) FROM desktop_app.chunks WHERE embedding IS NOT NULL")
        return int(rows[0][0])

    def stored(self) -> int:
        """About ``len``, read cheaply: the passages of the files the user can see whose
        vectors are stored, summed over the files' rows (one a file). ``len`` counts the
        passages themselves under row-level security: ~0.5 s at 1M passages, too slow for
        a status the window reads every second while it indexes. The two differ only after
        a crash between a file's stored vectors and ``add``, until ``catch_up``."""
        rows = self._connect().query(
            "SELECT coalesce(sum(chunks), 0) FROM desktop_app.files "
            "WHERE status = 'indexed' AND embedded")
        return int(rows[0][0])

    def add(self, labels: np.ndarray, vectors: np.ndarray, threads: int = 1) -> None:
        """Write the vectors of the user's passages ``labels`` (float rows), in one statement."""
        ids = np.asarray(labels, dtype=np.int64).tolist()
        if not ids:
            return
        self._connect().query(
            "UPDATE desktop_app.chunks c SET embedding = u.e::halfvec FROM "
            "unnest(%s::bigint[], %s::text[]) AS u(id, e) WHERE c.id = u.id",
            (ids, _vector_text(vectors)))

    def remove(self, labels: Iterable[int]) -> None:
        """Nothing to do: a passage's vector goes with its row."""

    def save_due(self) -> bool:
        return False

    def search(self, query: np.ndarray, k: int,
               allowed: set[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(passage ids, cosine similarities) of the k nearest passages the user may read,
        best first (only among ``allowed`` when given)."""
        if k <= 0 or (allowed is not None and not allowed):
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        q = _vector_text(np.asarray(query, np.float32).reshape(1, -1))[0]
        only = "" if allowed is None else "AND id = ANY(%(allowed)s)"
        params: dict[str, object] = {"q": q, "k": k}
        if allowed is not None:
            params["allowed"] = list(allowed)

        def nearest(cur: psycopg.Cursor) -> list[tuple]:
            cur.execute("SELECT set_config('hnsw.ef_search', %s, true), "
                        "set_config('hnsw.iterative_scan', 'relaxed_order', true)",
                        (str(min(max(EF_SEARCH, 2 * k), EF_SEARCH_MAX)),))
            # relaxed order: the scan goes on past rows the user may not read until k are
            # found, in nearly sorted order; the outer query sorts them exactly
            cur.execute(
                "WITH nearest AS MATERIALIZED (SELECT id, embedding <=> %(q)s::halfvec AS d "
                "FROM desktop_app.chunks WHERE embedding IS NOT NULL " + only +
                " ORDER BY d LIMIT %(k)s) SELECT id, d FROM nearest ORDER BY d", params)
            return cur.fetchall()
        rows = self._connect().session.run(nearest)
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        sims = np.array([1.0 - r[1] for r in rows], dtype=np.float32)
        return ids, sims

    def catch_up(self, codec: VectorCodec) -> int:
        """Fill the vectors of the user's passages whose stored vector is there but whose
        ``add`` never ran; how many were filled."""
        store = self._connect()
        done = 0
        while True:
            rows = store.query(
                "SELECT id, vector FROM desktop_app.chunks WHERE owner = current_user "
                "AND embedding IS NULL AND length(vector) > 0 ORDER BY id LIMIT %s",
                (CATCH_UP_BLOCK,))
            if not rows:
                return done
            labels = np.array([r[0] for r in rows], dtype=np.int64)
            self.add(labels, codec.decode(codec.from_bytes([bytes(r[1]) for r in rows])))
            done += len(rows)
