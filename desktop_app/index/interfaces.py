"""What searching asks of a library's storage, as protocols: the seam where a second backend
(PostgreSQL with pgvector for a team library) plugs in beside SQLite + hnswlib.

``Store`` (SQLite, FTS5) and ``VectorIndex`` (hnswlib) are today's implementations; the
search code (``desktop_app.searching``) is written against these protocols only.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

import numpy as np

from desktop_app.index.filters import ChunkFilter
from desktop_app.index.records import ChunkRow


class PassageStore(Protocol):
    """The passages, their words and their stored vectors."""

    def keyword_search(self, fts_query: str, limit: int, where: ChunkFilter = ...,
                       deadline: float | None = None) -> list[tuple[int, float]]:
        """(passage id, rank; lower is better) for a keyword query, best first; raises
        ``QueryTimeout`` past ``deadline`` (a ``time.perf_counter()`` instant)."""
        ...

    def has_keyword_match(self, fts_query: str) -> bool: ...

    def chunk_ids_where(self, where: ChunkFilter) -> list[int]: ...

    def chunk_vectors(self, ids: Iterable[int]) -> dict[int, bytes]: ...

    def chunk_rows(self, ids: Iterable[int]) -> dict[int, ChunkRow]: ...


class VectorGraph(Protocol):
    """Approximate nearest neighbours over the passages' vectors."""

    def search(self, query: np.ndarray, k: int,
               allowed: set[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(passage ids, cosine similarities) of the k nearest, best first."""
        ...

    def add(self, labels: np.ndarray, vectors: np.ndarray, threads: int = 1) -> None: ...

    def remove(self, labels: Iterable[int]) -> None: ...
