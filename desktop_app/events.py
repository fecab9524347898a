"""What the library tells its front ends: sync progress, file outcomes, search results, status.

Plain frozen dataclasses, so the GUI can pass them through queued signals as they are.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Literal

Phase = Literal["scanning", "indexing", "embedding", "done", "cancelled"]
Outcome = Literal["indexed", "skipped", "failed", "removed", "moved", "copied", "unchanged"]


@dataclass(frozen=True, slots=True)
class FileOutcome:
    path: str
    status: Outcome
    reason: str | None = None
    chunks: int = 0
    pages: int = 0


@dataclass(frozen=True, slots=True)
class SyncSummary:
    indexed: int = 0
    skipped: int = 0
    failed: int = 0
    removed: int = 0
    moved: int = 0
    copied: int = 0
    unchanged: int = 0
    chunks: int = 0
    pages: int = 0
    tokens: int = 0
    seconds: float = 0.0
    unreadable: tuple[tuple[str, str], ...] = ()
    missing_roots: tuple[str, ...] = ()
    cancelled: bool = False
    ignored: tuple[tuple[str, int], ...] = ()  # files left out by rule: (reason, count)
    ocr_pages: int = 0  # scanned pages read by OCR (pages found in the OCR cache not counted)


@dataclass(frozen=True, slots=True)
class SyncProgress:
    phase: Phase
    files_total: int = 0
    files_done: int = 0
    chunks_done: int = 0
    pages_done: int = 0
    elapsed: float = 0.0
    chunks_per_second: float = 0.0
    eta_seconds: float | None = None
    current: str | None = None
    outcome: FileOutcome | None = None
    summary: SyncSummary | None = None
    ocr_pages_done: int = 0  # scanned pages read by OCR so far


@dataclass(frozen=True, slots=True)
class SearchResult:
    path: str
    page: int | None
    #: relevance to the query, 0–1, calibrated the same way in every search mode
    #: (``desktop_app.searching.relevance``)
    score: float
    text: str
    char_start: int
    char_end: int
    chunk_id: int
    #: other files holding the same passage (copies), collapsed into this result
    duplicates: tuple[str, ...] = ()
    #: On a file's first result only (0 on the others): how many more candidate passages of
    #: this file the search read and did not show — left out by the per-file cap, by one
    #: result per page, or ranked below the last result ("more from this file").
    more_in_file: int = 0
    #: the passage's cosine similarity to the query (None in keyword mode)
    similarity: float | None = None
    #: relevant enough to count as an answer (``searching.GOOD_MATCH``)
    good_match: bool = False
    #: its file is findable by its words but still waits for its vectors (found by meaning
    #: once indexing reaches it)
    meaning_pending: bool = False
    #: The position (0-based) in the result list of this file's first result: results of
    #: one file share it, so a window can fold them under their best ("more from this file").
    group: int = 0
    #: This file holds most of the search's strong candidates (``index.grouping``), so its
    #: passages were not capped: the question is about this file, and its best pages follow.
    file_dominates: bool = False
    #: the heading path the passage sits under ("Installation › Network setup"), if any
    section: str | None = None
    #: its file's own title (the document's metadata or first heading), if it records one
    title: str | None = None

    def to_json(self) -> dict:
        return {"path": self.path, "page": self.page, "score": round(float(self.score), 6),
                "similarity": None if self.similarity is None
                else round(float(self.similarity), 6),
                "good_match": self.good_match, "meaning_pending": self.meaning_pending,
                "text": self.text, "char_start": self.char_start, "char_end": self.char_end,
                "chunk_id": self.chunk_id, "duplicates": list(self.duplicates),
                "more_in_file": self.more_in_file,
                "group": self.group, "file_dominates": self.file_dominates, "section": self.section,
                "title": self.title}


@dataclass(frozen=True, slots=True)
class LibraryStatus:
    data_dir: str
    roots: tuple[str, ...]
    counts: dict[str, int]
    problems: tuple[tuple[str, str, str], ...]  # (path, status, reason)
    model: str
    dim: int
    provider: str | None
    chunk_tokens: int
    bytes_on_disk: int
    vectors_in_graph: int
    notes: tuple[str, ...] = ()
    ignored: tuple[tuple[str, int], ...] = ()  # at the last full scan: (reason, count)
    exclude_patterns: tuple[str, ...] = ()
    max_file_mb: int = 0
    model_dir: str = ""
    vector_format: str = "int8"
    stored_dims: int = 0
    #: None when the vector graph is ready; (inserted, to insert) while it opens
    graph_loading: tuple[int, int] | None = None
    #: files findable by their words that still wait for their vectors
    meaning_pending: int = 0

    def to_json(self) -> dict:
        return {
            "data_dir": self.data_dir,
            "folders": list(self.roots),
            "files": {k: self.counts.get(k, 0) for k in ("indexed", "skipped", "failed")},
            "chunks": self.counts.get("chunks", 0),
            "meaning_pending": self.meaning_pending,
            "problems": [{"path": p, "status": s, "reason": r} for p, s, r in self.problems],
            "model": {"id": self.model, "dim": self.dim, "provider": self.provider,
                      "folder": self.model_dir},
            "vectors": {"format": self.vector_format, "dims": self.stored_dims},
            "chunk_tokens": self.chunk_tokens,
            "bytes_on_disk": self.bytes_on_disk,
            "vectors_in_graph": self.vectors_in_graph,
            "graph_loading": list(self.graph_loading) if self.graph_loading else None,
            "ignored": dict(self.ignored),
            "exclude_patterns": list(self.exclude_patterns),
            "max_file_mb": self.max_file_mb,
            "notes": list(self.notes),
        }


@dataclass
class SyncControl:
    """Pause and cancel, checked by ``Library.sync`` between batches (thread-safe)."""

    _cancel: threading.Event = field(default_factory=threading.Event)
    _running: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._running.set()

    def cancel(self) -> None:
        self._cancel.set()
        self._running.set()  # wake a paused sync so it can stop

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def wait_if_paused(self) -> None:
        while not self._running.wait(timeout=0.2):
            pass
