"""What a sync works with and passes between its steps: the parts the library hands in
(``SyncParts``), what a scan found to do (``Plan``), and a file read in step 1
(``Prepared``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from desktop_app.chunking import Chunk
from desktop_app.index.records import FileRecord
from desktop_app.scanning import FileStat, ScanResult

if TYPE_CHECKING:
    from desktop_app.embedding import Encoder
    from desktop_app.index import Store, VectorIndex
    from desktop_app.index.codec import VectorCodec


@dataclass(frozen=True)
class SyncParts:
    """What a sync works with, handed in by the library: its database (this thread's
    connection), vector graph and codec, its model (loaded only when something is to be
    embedded), and the settings that shape what is indexed."""

    store: Store
    graph: VectorIndex
    codec: VectorCodec
    encoder: Callable[[], Encoder]  # the model, loaded on first call
    loaded_encoder: Callable[[], Encoder | None]  # the model if it is loaded, else None
    save_graph: Callable[..., None]  # save_graph(if_due=True): written if enough changed
    chunk_tokens: int
    max_file_bytes: int
    exclude_patterns: tuple[str, ...]
    ocr: bool = True  # scanned pages and pictures read by OCR (a library setting)
    ocr_cache: str | None = None  # where pages read by OCR are kept (desktop_app.extract.ocr_cache)


@dataclass
class Plan:
    """What a scan found to do: the files to look at and the known files that are gone."""

    found: ScanResult
    known: dict[str, FileRecord]
    todo: list[FileStat]
    gone: list[FileRecord]


@dataclass
class Prepared:
    """A file read in step 1: its passages, or why it has none."""

    stat: FileStat
    sha256: str | None
    status: str = "indexed"
    reason: str | None = None
    pages: int = 0
    chunks: list[Chunk] = field(default_factory=list)
