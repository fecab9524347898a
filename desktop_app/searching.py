"""Search: the query's vector over the graph, its words over the keyword index (SQLite FTS5,
BM25), fused; filters by folder, file type and date; results shaped so a page of them is
useful (near-duplicates collapsed, one result per page, a few passages per file unless one
file holds most of the strong candidates).

Vector search finds meaning; keyword search finds names, codes, error messages and
"exact phrases" that an embedding blurs. The two are fused by normalised scores with
meaning weighted above words, so a paraphrased question is not outvoted by passages that
merely share its words, while passages holding a quoted phrase or an identifier the query
names rank first (``index.ranking``); results are then grouped (``index.grouping``).

The score a person sees is not the ranking's: it is ``relevance`` (0–1), calibrated on the
same scale in every mode from the passage's similarity to the query and how many of the
query's words (or all of its quoted phrases) the passage holds. A search whose best result
is under ``GOOD_MATCH`` has no good match, and the front ends say so
(benchmarks/relevance.py measured where relevant and unrelated passages fall).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

import numpy as np

from desktop_app.events import SearchResult
from desktop_app.index import grouping, ranking
from desktop_app.index.filters import ChunkFilter
from desktop_app.index.grouping import SHAPE_BLOCK, Rows, Shaped
from desktop_app.index.store import QueryTimeout
from desktop_app.query_terms import query_terms, word_coverage

if TYPE_CHECKING:
    from desktop_app.index.codec import VectorCodec
    from desktop_app.index.interfaces import PassageStore, VectorGraph
    from desktop_app.index.ranking import Fusion

Mode = Literal["hybrid", "vector", "keyword"]
#: hybrid won on both evaluation sets (docs/quality.md)
DEFAULT_MODE: Mode = "hybrid"
#: passages a file may give when many files compete (one that dominates is not capped:
#: ``index.grouping``)
DEFAULT_PER_FILE = 3
RRF_K = ranking.RRF_K
#: candidates each side contributes to the fusion
CANDIDATES = 100
#: Seconds the keyword side may take in hybrid search before the vector side carries the
#: search alone (keyword mode, which has no other side, has no limit). It runs beside the
#: query embedding and graph search (~6 ms), so this is most of hybrid search's worst case.
#: 1M chunks of common words: 20 ms p50 for all-words queries, 95-270 ms for any-word ones;
#: real libraries of 10k chunks answer in < 5 ms (docs/benchmarks.md).
KEYWORD_BUDGET_S = 0.020
#: with a filter, search exactly (brute force) when this few chunks qualify
EXACT_LIMIT = 50_000
#: Relevance from meaning: a logistic curve over the passage's cosine similarity to the
#: query, centred where the bundled model puts answers apart from unrelated passages
#: (benchmarks/relevance.py: SciFact claims and their evidence vs. off-topic questions).
COSINE_MIDPOINT = 0.35
COSINE_SPREAD = 0.06
#: Relevance from words alone reaches this when every word (or quoted phrase) is present.
WORDS_WEIGHT = 0.6
#: A result under this relevance is not a good match.
GOOD_MATCH = 0.5


@dataclass(frozen=True)
class SearchOptions:
    k: int = 10
    mode: Mode = DEFAULT_MODE
    folder: str | None = None  # only files below this folder
    file_types: tuple[str, ...] = ()  # suffixes without the dot: ("pdf", "md")
    since: datetime | None = None  # only files modified on or after
    per_file: int | None = DEFAULT_PER_FILE  # None: no cap
    collapse_duplicates: bool = True
    #: the keyword side's weight in the fusion (the vector side's is 1)
    keyword_weight: float = ranking.KEYWORD_WEIGHT
    #: "scores": normalised score fusion; "rrf": reciprocal rank fusion (k = ``RRF_K``)
    fusion: Fusion = "scores"
    #: lift ``per_file`` for a file that holds most of the strong candidates
    adaptive_cap: bool = True
    #: one result per page, and contents pages (dotted leaders) ranked down
    page_evidence: bool = True
    #: a dominant file's results follow its best one (the window folds them under it);
    #: False: strictly by rank
    files_together: bool = True
    #: a chunk to leave out before anything is merged (the seed of "more like this")
    exclude_chunk: int | None = None

    def where(self) -> ChunkFilter:
        """The files the search may return passages of."""
        return ChunkFilter(self.folder, self.file_types, self.since)


#: the default search: hybrid, ten results, at most three passages a file unless it dominates
DEFAULT_SEARCH = SearchOptions()


@dataclass(frozen=True)
class SearchIndex:
    """What a search reads: passages and their words (the store), the vector graph, and
    how the vectors are stored (the codec). The library hands one in for each search."""

    store: PassageStore
    graph: VectorGraph
    codec: VectorCodec


def relevance(cosine: float | None, coverage: float | None) -> float:
    """A passage's relevance to a query, 0–1, the same scale in every search mode.

    Meaning (the calibrated cosine) and words (the share of the query's terms present,
    weighted so that words alone reach ``WORDS_WEIGHT``) are combined as independent
    evidence: 1 − (1 − meaning)(1 − words). Keyword mode has no query vector, so words
    alone; "more like this" has no words, so meaning alone.
    """
    meaning = 0.0 if cosine is None else 1.0 / (
        1.0 + math.exp(-(cosine - COSINE_MIDPOINT) / COSINE_SPREAD))
    words = 0.0 if coverage is None else WORDS_WEIGHT * coverage * coverage
    return 1.0 - (1.0 - meaning) * (1.0 - words)


def keyword_query(text: str, joiner: str = "OR") -> str:
    """The FTS5 query for a search: quoted phrases must all appear; otherwise the words,
    joined by ``joiner`` (AND: all of them; OR: any)."""
    terms, phrases = query_terms(text)
    return " AND ".join(terms) if phrases else f" {joiner} ".join(terms)


def _vector_candidates(index: SearchIndex, query: np.ndarray, options: SearchOptions,
                       n: int) -> list[tuple[int, float]]:
    where = options.where()
    if not where:
        labels, scores = index.graph.search(index.codec.query(query), n)
        return list(zip(labels.tolist(), scores.tolist()))
    ids = index.store.chunk_ids_where(where)
    if not ids:
        return []
    q = index.codec.query(query)
    if len(ids) <= EXACT_LIMIT:
        blobs = index.store.chunk_vectors(ids)
        order = list(blobs)
        vectors = index.codec.decode(index.codec.from_bytes([blobs[i] for i in order]))
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        sims = vectors @ q
        top = np.argsort(-sims)[:n]
        return [(order[i], float(sims[i])) for i in top]
    allowed = set(ids)
    labels, scores = index.graph.search(q, n, allowed=allowed)
    return list(zip(labels.tolist(), scores.tolist()))


def keyword_candidates(index: SearchIndex, text: str, options: SearchOptions,
                       budget: float | None = None) -> list[tuple[int, float]]:
    """(chunk id, BM25 relevance, higher is better) best first, at most ``candidates(options)``.

    Passages with all the words come first. Then, when those are fewer than wanted: all the
    words that occur anywhere (a word no passage contains cannot match, but it empties an
    all-words query), then any of them. FTS5 scores every match before sorting, ~0.6 µs
    each, so an any-word query of common words over a million chunks takes ~270 ms: with a
    ``budget`` (seconds) the keyword side stops there and keeps what it ranked so far.
    """
    terms, phrases = query_terms(text)
    if not terms:
        return []
    n = candidates(options)
    store = index.store
    where = options.where()
    deadline = None if budget is None else time.perf_counter() + budget

    def ranked(words: list[str], joiner: str) -> list[tuple[int, float]] | None:
        if deadline is not None and time.perf_counter() > deadline:
            return None
        try:
            rows = store.keyword_search(f" {joiner} ".join(words), n, where, deadline)
        except QueryTimeout:
            return None
        return [(cid, -rank) for cid, rank in rows]

    hits = ranked(terms, "AND")
    if hits is None or len(hits) >= n or phrases:
        return hits or []
    present = []
    for term in terms:  # one lookup each (a round trip to a team library's server)
        if deadline is not None and time.perf_counter() > deadline:
            return hits
        if store.has_keyword_match(term):
            present.append(term)
    steps = []
    if present and present != terms:
        steps.append((present, "AND"))
    if len(present) > 1:
        steps.append((present, "OR"))
    for words, joiner in steps:
        more = ranked(words, joiner)
        if more is None:
            break
        seen = {cid for cid, _ in hits}
        hits += [h for h in more if h[0] not in seen]
        if len(hits) >= n:
            break
    return hits[:n]


def candidates(options: SearchOptions) -> int:
    """How many candidates each side contributes to the fusion."""
    return max(CANDIDATES, options.k * 10)


def search(index: SearchIndex, text: str, query: np.ndarray | None, options: SearchOptions,
           keyword_hits: list[tuple[int, float]] | None = None) -> list[SearchResult]:
    """Run one search; ``query`` is the text's vector (None for keyword-only).
    ``keyword_hits``: the keyword side's candidates when the caller ran it already (in
    parallel with embedding the query); otherwise it runs here, within the budget in hybrid
    mode."""
    n = candidates(options)
    vector_hits: list[tuple[int, float]] = []
    if options.mode in ("hybrid", "vector") and query is not None:
        vector_hits = _vector_candidates(index, query, options, n)
    if keyword_hits is None:
        keyword_hits = []
        if options.mode in ("hybrid", "keyword") and text.strip():
            budget = KEYWORD_BUDGET_S if options.mode == "hybrid" else None
            keyword_hits = keyword_candidates(index, text, options, budget)
    cosine = dict(vector_hits)
    parts: dict[int, ranking.Evidence] | None = None
    reader = Rows(index.store)
    if options.mode == "vector":
        scores = ranking.by_rank(vector_hits)
    elif options.mode == "keyword":
        scores = ranking.by_rank(keyword_hits)
    elif options.fusion == "rrf":
        scores = ranking.rrf(vector_hits, keyword_hits, options.keyword_weight)
    else:
        if query is not None:
            cosine.update(_cosines(index, query,
                                   [c for c, _ in keyword_hits if c not in cosine]))
        keyword_hits = ranking.by_coverage(keyword_hits, _coverage(reader, text, keyword_hits))
        parts = ranking.evidence(vector_hits, keyword_hits, cosine)
        scores = {cid: ranking.combine(m, w, options.keyword_weight)
                  for cid, (m, w) in parts.items()}
    order = _rescored(reader, scores, parts, text, options, vector_hits)
    return _scored(index, shape(reader, order, options), text, query, cosine)


def _coverage(reader: Rows, text: str,
              hits: list[tuple[int, float]]) -> dict[int, float]:
    """The share of the query's terms each keyword candidate holds (its row read once for
    the search; grouping reads the same rows later)."""
    rows = reader.get(cid for cid, _ in hits)
    return {cid: word_coverage(text, row.text) or 0.0 for cid, row in rows.items()}


def _rescored(reader: Rows, scores: dict[int, float], parts: dict[int, ranking.Evidence] | None,
              text: str, options: SearchOptions,
              vector_hits: list[tuple[int, float]]) -> list[int]:
    """The candidates best first once their pages and texts had their say
    (``ranking.rescore``): read for the first ``SHAPE_BLOCK`` of them, the ones results come
    from; the rest keep their fused order behind. An identifier the query names counts as
    exact only when it is rare among the passages nearest the query in meaning; a quoted
    phrase always does."""
    order = ranking.ordered(scores)
    exact = ranking.exact_terms(text) if options.mode == "hybrid" and text.strip() else None
    if not (options.page_evidence or exact):
        return order
    head = order[:SHAPE_BLOCK]
    rows = reader.get(head)
    if exact is not None and not query_terms(text)[1] and vector_hits:
        nearest = reader.get(cid for cid, _ in vector_hits[:SHAPE_BLOCK])
        if not ranking.is_rare(exact, (row.text for row in nearest.values())):
            exact = None
    scores = ranking.rescore(scores, rows, exact, options.page_evidence, parts,
                             options.keyword_weight)
    return ranking.ordered(scores, head) + order[SHAPE_BLOCK:]


def _scored(index: SearchIndex, shaped: list[Shaped], text: str, query: np.ndarray | None,
            cosine: dict[int, float]) -> list[SearchResult]:
    """Results with their relevance; the cosine of a passage the graph did not return (a
    keyword-only candidate) is computed from its stored vector."""
    if query is not None:
        cosine = {**cosine, **_cosines(index, query,
                                       [s.row.id for s in shaped if s.row.id not in cosine])}
    results = []
    for s in shaped:
        row = s.row
        similarity = cosine.get(row.id) if query is not None else None
        coverage = word_coverage(text, row.text) if text.strip() else None
        score = relevance(similarity, coverage)
        results.append(SearchResult(
            path=row.path, page=row.page, score=score, text=row.text,
            char_start=row.char_start, char_end=row.char_end, chunk_id=row.id,
            duplicates=s.copies, more_in_file=s.more_in_file, similarity=similarity,
            good_match=score >= GOOD_MATCH, meaning_pending=row.pending,
            group=s.group, file_dominates=s.file_dominates, section=row.section,
            title=row.title))
    return results


def _cosines(index: SearchIndex, query: np.ndarray, ids: list[int]) -> dict[int, float]:
    """The cosine similarity to the query of passages, from their stored vectors."""
    if not ids:
        return {}
    blobs = index.store.chunk_vectors(ids)
    if not blobs:
        return {}
    order = list(blobs)
    vectors = index.codec.decode(index.codec.from_bytes([blobs[i] for i in order]))
    norms = np.maximum(np.linalg.norm(vectors, axis=1), 1e-12)
    sims = (vectors @ index.codec.query(query)) / norms
    return {cid: float(sim) for cid, sim in zip(order, sims.tolist())}


def shape(reader: Rows, order: list[int], options: SearchOptions) -> list[Shaped]:
    """The results of a ranking, grouped as ``options`` ask (``index.grouping.shape``)."""
    return grouping.shape(reader, order, options.k, options.per_file, options.adaptive_cap,
                          options.page_evidence, options.collapse_duplicates,
                          options.exclude_chunk, options.files_together)
