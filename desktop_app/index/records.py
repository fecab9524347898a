"""What the store hands out and takes in: file records, passages to show, passages to
store, and the store's two errors."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


class QueryTimeout(RuntimeError):
    """A query ran past its deadline and was stopped."""


class StoreError(RuntimeError):
    """The data folder's database cannot be used (damaged, newer schema, another model)."""


@dataclass(frozen=True, slots=True)
class FileRecord:
    id: int
    path: str
    size: int
    mtime_ns: int
    sha256: str | None
    status: str
    reason: str | None
    pages: int
    chunks: int
    #: False while its passages wait for their vectors (findable by words only)
    embedded: bool = True
    #: the document's own title, where it records one
    title: str | None = None


@dataclass(frozen=True, slots=True)
class ChunkRow:
    id: int
    path: str
    page: int | None
    char_start: int
    char_end: int
    text: str
    #: its file waits for its vectors: found by words, not yet by meaning
    pending: bool = False
    #: the heading path it sits under ("Installation › Network setup"), if its file has any
    section: str | None = None
    #: its file's own title, if the file records one
    title: str | None = None


@dataclass(frozen=True, slots=True)
class NewChunk:
    page: int | None
    char_start: int
    char_end: int
    text: str
    #: the stored row (uint8 view of int8 or packed bits; see codec); None: not embedded yet
    vector: np.ndarray | None
    #: the heading path it sits under, if its file has any
    section: str | None = None
