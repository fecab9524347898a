"""Search: the query's vector over the graph, its words over the keyword index (SQLite FTS5,
BM25), fused by reciprocal rank; filters by folder, file type and date; results shaped so a
page of them is useful (near-duplicates collapsed, a few passages per file at most).

Vector search finds meaning; keyword search finds names, codes, error messages and
"exact phrases" that an embedding blurs. Reciprocal rank fusion needs no score calibration
between the two. The score shown with a result follows its ranking: in vector mode the
cosine similarity to the query; in hybrid mode the fused relevance, 1.0 for a passage ranked
first by both searches; in keyword mode BM25 relative to the best match.
"""

from __future__ import annotations

import os
import re
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

import numpy as np

from desktop_app.events import SearchResult

if TYPE_CHECKING:
    from desktop_app.library import Library

Mode = Literal["hybrid", "vector", "keyword"]
#: hybrid won on both evaluation sets (docs/quality.md)
DEFAULT_MODE: Mode = "hybrid"
DEFAULT_PER_FILE = 3
RRF_K = 60
#: candidates each side contributes to the fusion
CANDIDATES = 100
#: with a filter, search exactly (brute force) when this few chunks qualify
EXACT_LIMIT = 50_000

_STOPWORDS = frozenset("""a an and are as at be by can do does for from has have how i in is it
its of on or that the their this to was what when where which who why will with you your""".split())
_PHRASE = re.compile(r'"([^"]+)"')
_WORD = re.compile(r"\w[\w.+#-]*\w|\w", re.UNICODE)


@dataclass(frozen=True)
class SearchOptions:
    k: int = 10
    mode: Mode = DEFAULT_MODE
    folder: str | None = None  # only files below this folder
    file_types: tuple[str, ...] = ()  # suffixes without the dot: ("pdf", "md")
    since: datetime | None = None  # only files modified on or after
    per_file: int | None = DEFAULT_PER_FILE  # None: no cap
    collapse_duplicates: bool = True
    #: the keyword ranking's weight in the fusion (the vector ranking's is 1)
    keyword_weight: float = 1.0
    #: a chunk to leave out before anything is merged (the seed of "more like this")
    exclude_chunk: int | None = None

    @property
    def filtered(self) -> bool:
        return bool(self.folder or self.file_types or self.since)


def keyword_query(text: str, joiner: str = "OR") -> str:
    """The FTS5 query for a search: quoted phrases must all appear; otherwise the words,
    joined by ``joiner`` (AND: all of them; OR: any)."""
    phrases = [p.strip() for p in _PHRASE.findall(text) if p.strip()]
    if phrases:
        return " AND ".join('"' + p.replace('"', "") + '"' for p in phrases)
    words = [w for w in _WORD.findall(text.lower()) if w not in _STOPWORDS]
    return f" {joiner} ".join(f'"{w}"' for w in dict.fromkeys(words))


def _filter_sql(options: SearchOptions) -> tuple[str, list[object]]:
    clauses: list[str] = []
    params: list[object] = []
    if options.folder:
        base = options.folder.rstrip(os.sep) + os.sep
        clauses.append("(f.path = ? OR (f.path >= ? AND f.path < ?))")
        params += [options.folder, base, base[:-1] + chr(ord(os.sep) + 1)]
    if options.file_types:
        clauses.append("(" + " OR ".join("lower(f.path) LIKE ?" for _ in options.file_types)
                       + ")")
        params += [f"%.{t.lower().lstrip('.')}" for t in options.file_types]
    if options.since:
        clauses.append("f.mtime_ns >= ?")
        params.append(int(options.since.timestamp() * 1e9))
    return (" AND ".join(clauses) or "1"), params


def _vector_candidates(lib: Library, query: np.ndarray, options: SearchOptions,
                       n: int) -> list[tuple[int, float]]:
    if not options.filtered:
        labels, scores = lib.graph.search(lib.codec.query(query), n)
        return list(zip(labels.tolist(), scores.tolist()))
    where, params = _filter_sql(options)
    ids = [r[0] for r in lib.store.db.execute(
        f"SELECT c.id FROM chunks c JOIN files f ON f.id = c.file_id WHERE {where}", params)]
    if not ids:
        return []
    q = lib.codec.query(query)
    if len(ids) <= EXACT_LIMIT:
        blobs = lib.store.chunk_vectors(ids)
        order = list(blobs)
        vectors = lib.codec.decode(lib.codec.from_bytes([blobs[i] for i in order]))
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        sims = vectors @ q
        top = np.argsort(-sims)[:n]
        return [(order[i], float(sims[i])) for i in top]
    allowed = set(ids)
    labels, scores = lib.graph.search(q, n, allowed=allowed)
    return list(zip(labels.tolist(), scores.tolist()))


def _keyword_candidates(lib: Library, text: str, options: SearchOptions,
                        n: int) -> list[tuple[int, float]]:
    """(chunk id, BM25 relevance, higher is better) best first.

    Passages with all the words come first; any-word matches fill up only when those are
    fewer than ``n``. FTS5 ranks every match, so an any-word query over a million chunks
    ranks hundreds of thousands (358 ms p95 at 1M); all-words keeps it to the few that matter.
    """
    strict = keyword_query(text, "AND")
    hits = _keyword_ranked(lib, strict, options, n)
    if len(hits) < n:
        loose = keyword_query(text, "OR")
        if loose != strict:
            seen = {cid for cid, _ in hits}
            hits += [h for h in _keyword_ranked(lib, loose, options, n) if h[0] not in seen]
    return hits[:n]


def _keyword_ranked(lib: Library, query: str, options: SearchOptions,
                    n: int) -> list[tuple[int, float]]:
    if not query:
        return []
    where, params = _filter_sql(options)
    if not options.filtered:
        return [(cid, -rank) for cid, rank in lib.store.keyword_search(query, n)]
    try:
        rows = lib.store.db.execute(
            "SELECT t.rowid, bm25(chunks_fts) AS rank FROM chunks_fts t "
            "JOIN chunks c ON c.id = t.rowid "
            f"JOIN files f ON f.id = c.file_id WHERE chunks_fts MATCH ? AND {where} "
            "ORDER BY rank LIMIT ?", [query, *params, n])
        return [(int(r[0]), -float(r[1])) for r in rows]
    except sqlite3.OperationalError:
        return []


def search(lib: Library, text: str, query: np.ndarray | None,
           options: SearchOptions) -> list[SearchResult]:
    """Run one search; ``query`` is the text's vector (None for keyword-only)."""
    n = max(CANDIDATES, options.k * 10)
    vector_hits: list[tuple[int, float]] = []
    keyword_hits: list[tuple[int, float]] = []
    if options.mode in ("hybrid", "vector") and query is not None:
        vector_hits = _vector_candidates(lib, query, options, n)
    if options.mode in ("hybrid", "keyword") and text.strip():
        keyword_hits = _keyword_candidates(lib, text, options, n)
    fused: dict[int, float] = {}
    for rank, (cid, _) in enumerate(vector_hits):
        fused[cid] = fused.get(cid, 0.0) + 1.0 / (RRF_K + rank + 1)
    for rank, (cid, _) in enumerate(keyword_hits):
        fused[cid] = fused.get(cid, 0.0) + options.keyword_weight / (RRF_K + rank + 1)
    if options.mode == "vector":
        order = [cid for cid, _ in vector_hits]
    elif options.mode == "keyword":
        order = [cid for cid, _ in keyword_hits]
    else:
        order = sorted(fused, key=lambda cid: -fused[cid])
    cosine = dict(vector_hits)
    if options.mode == "hybrid":
        best = (1.0 + options.keyword_weight) / (RRF_K + 1)
        return shape(lib, order, {cid: f / best for cid, f in fused.items()}, options)
    if query is None and keyword_hits:
        # keyword only: no query vector; the score is BM25 relative to the best match
        best = max(keyword_hits[0][1], 1e-9)
        cosine = {cid: max(0.0, bm25 / best) for cid, bm25 in keyword_hits}
    missing = [cid for cid in order if cid not in cosine]
    if missing and query is not None:
        q = lib.codec.query(query)
        blobs = lib.store.chunk_vectors(missing)
        for cid, blob in blobs.items():
            v = lib.codec.decode(lib.codec.from_bytes([blob]))[0]
            cosine[cid] = float(v @ q / max(float(np.linalg.norm(v)), 1e-12))
    return shape(lib, order, cosine, options)


def shape(lib: Library, order: list[int], cosine: dict[int, float],
          options: SearchOptions) -> list[SearchResult]:
    """Walk the ranking: drop what vanished, collapse duplicates, cap passages per file."""
    results: list[SearchResult] = []
    by_text: dict[str, int] = {}
    per_file: dict[str, int] = {}
    for start in range(0, len(order), 200):
        rows = lib.store.chunk_rows(order[start:start + 200])
        for cid in order[start:start + 200]:
            row = rows.get(cid)
            if row is None or cid == options.exclude_chunk:
                continue  # deleted since the graph was read, or the seed of "more like this"
            key = " ".join(row.text.split()).lower()
            if options.collapse_duplicates and key in by_text:
                i = by_text[key]
                if row.path != results[i].path and row.path not in results[i].duplicates:
                    results[i] = results[i].with_duplicate(row.path)
                continue
            count = per_file.get(row.path, 0)
            if options.per_file is not None and count >= options.per_file:
                first = next(i for i, r in enumerate(results) if r.path == row.path)
                results[first] = results[first].with_more()
                continue
            per_file[row.path] = count + 1
            by_text[key] = len(results)
            results.append(SearchResult(
                path=row.path, page=row.page, score=cosine.get(cid, 0.0), text=row.text,
                char_start=row.char_start, char_end=row.char_end, chunk_id=row.id))
        if len(results) >= options.k:
            break
    return results[: options.k]
