"""What search reads from a team library: the passages, their stored vectors and their
words, of everything the user may read (their own and what is shared with a role they
belong to; the server's row-level security decides, see ``pg_schema``).

``PgPassages`` is a part of ``PgStore``; it needs the store's ``query`` and ``session``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator

import numpy as np
import psycopg

from desktop_app.index.filters import NO_FILTER, ChunkFilter
from desktop_app.index.pg_query import filter_args, filter_sql, tsquery_sql
from desktop_app.index.pg_session import PgSession
from desktop_app.index.records import ChunkRow, QueryTimeout

_S = "desktop_app."  # the schema


class PgPassages:
    session: PgSession
    #: whether the library has its indexed keyword search (see ``pg_schema``)
    indexed_keywords: bool
    #: the text search configuration of the library's keyword index
    text_search: str
    query: Callable[..., list[tuple]]

    # -- passages and vectors (everything the user can see) ------------------------------
    def chunk_ids(self) -> set[int]:
        return {r[0] for r in self.query(
            f"SELECT id FROM {_S}chunks WHERE length(vector) > 0")}

    def chunk_ids_where(self, where: ChunkFilter) -> list[int]:
        clause, params = filter_sql(where)
        return [r[0] for r in self.query(
            f"SELECT c.id FROM {_S}chunks c JOIN {_S}files f ON f.id = c.file_id "
            f"WHERE length(c.vector) > 0 AND {clause}", params)]

    def chunk_vector(self, chunk_id: int) -> bytes | None:
        rows = self.query(f"SELECT vector FROM {_S}chunks WHERE id = %s", (chunk_id,))
        return bytes(rows[0][0]) if rows and rows[0][0] else None

    def vectors(self, ids: Iterable[int], width: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        ordered = sorted(ids)
        for start in range(0, len(ordered), 2000):
            got = self.query(f"SELECT id, vector FROM {_S}chunks WHERE id = ANY(%s) "
                            "AND length(vector) > 0 ORDER BY id",
                            (ordered[start:start + 2000],))
            labels = np.array([r[0] for r in got], dtype=np.int64)
            rows = np.frombuffer(b"".join(bytes(r[1]) for r in got), dtype=np.uint8)
            yield labels, rows.reshape(-1, width)

    def chunk_rows(self, ids: Iterable[int]) -> dict[int, ChunkRow]:
        ids = list(ids)
        if not ids:
            return {}
        rows = self.query(
            "SELECT c.id, f.path, c.page, c.char_start, c.char_end, c.text, NOT f.embedded, "
            f"c.section, f.title FROM {_S}chunks c JOIN {_S}files f ON f.id = c.file_id "
            "WHERE c.id = ANY(%s)", (ids,))
        return {r[0]: ChunkRow(*r[:6], pending=bool(r[6]), section=r[7], title=r[8])
                for r in rows}

    def chunk_vectors(self, ids: Iterable[int]) -> dict[int, bytes]:
        return {r[0]: bytes(r[1]) for r in self.query(
            f"SELECT id, vector FROM {_S}chunks WHERE id = ANY(%s) AND length(vector) > 0",
            (list(ids),))}

    # -- keyword search --------------------------------------------------------------------
    def keyword_search(self, fts_query: str, limit: int, where: ChunkFilter = NO_FILTER,
                       deadline: float | None = None) -> list[tuple[int, float]]:
        """(passage id, rank) best first; the rank is ``ts_rank_cd`` negated, so lower is
        better as in ``Store``. ``fts_query`` is the FTS5 query search builds (quoted terms
        joined by OR or AND); past ``deadline`` the server stops it (``QueryTimeout``)."""
        query, terms = tsquery_sql(fts_query, self.text_search)
        if not terms:
            return []
        if self.indexed_keywords:
            sql = f"SELECT id, rank FROM {_S}keyword_matches({query}, %s, %s, %s, %s, %s, %s)"
            params = [limit, *filter_args(where)]
        else:
            clause, params = filter_sql(where)
            params.append(limit)
            sql = (f"SELECT c.id, ts_rank_cd(c.tsv, q.q) AS rank FROM {_S}chunks c "
                   f"JOIN {_S}files f ON f.id = c.file_id, (SELECT {query} AS q) q "
                   f"WHERE c.tsv @@ q.q AND {clause} ORDER BY rank DESC, c.id LIMIT %s")

        def search(cur: psycopg.Cursor) -> list[tuple[int, float]]:
            if deadline is not None:
                left_ms = int((deadline - time.perf_counter()) * 1000)
                if left_ms < 1:
                    raise QueryTimeout(fts_query)
                cur.execute("SELECT set_config('statement_timeout', %s, true)",
                            (str(left_ms),))
            cur.execute(sql, [*terms, *params])
            return [(int(r[0]), -float(r[1])) for r in cur.fetchall()]
        return self.session.run(search, what=fts_query)

    def has_keyword_match(self, fts_query: str) -> bool:
        query, terms = tsquery_sql(fts_query, self.text_search)
        if not terms:
            return False
        if self.indexed_keywords:
            return bool(self.query(f"SELECT {_S}keyword_exists({query})", terms)[0][0])
        return bool(self.query(f"SELECT 1 FROM {_S}chunks WHERE tsv @@ {query} LIMIT 1", terms))
