"""The facade both front ends use: open a data folder, add/remove folders, sync, search.

Threads: the object may be shared by one indexing thread (``sync``, ``add``, ``remove``) and
any number of search threads. Each thread gets its own SQLite connection; the vector graph
and the encoder are shared (both are thread-safe). Writes take an exclusive lock on the data
folder, so a second process on the same folder gets a clear message instead of corruption.

The data folder and everything in it are private to the user (0700/0600 on POSIX; folders
made by earlier versions are tightened on open). A full disk and a damaged database reach
the caller as ``DiskFullError``/``DamagedLibraryError`` (both ``LibraryError``) with what to
do; while the disk is full, searching still works (a graph that cannot be saved stays in
memory).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np

from desktop_app import library_settings, searching
from desktop_app.data_folder import DB_NAME
from desktop_app.embedding import Encoder, ModelProfile
from desktop_app.events import (
    FileOutcome,
    LibraryStatus,
    SearchResult,
    SyncControl,
    SyncProgress,
)
from desktop_app.failures import (
    DamagedLibraryError,
    DiskFullError,
    LibraryError,
    NotInLibraryError,
    disk_full_message,
    guarded,
    guarded_iter,
    translated,
)
from desktop_app.index import Store, VectorIndex
from desktop_app.library_settings import DEFAULT_CHUNK_TOKENS, DEFAULT_MAX_FILE_MB
from desktop_app.model_loading import ModelSlot, load_encoder
from desktop_app.paths import normalise
from desktop_app.repair import CHECK_BUDGET_S, check_database, rebuild
from desktop_app.searching import DEFAULT_SEARCH, SearchIndex, SearchOptions
from desktop_app.storage import open_storage, prepare_data_dir, swap_in
from desktop_app.switching import switch_model
from desktop_app.syncing import Syncer, SyncParts

log = logging.getLogger(__name__)


class Library:
    """One library in one data folder.

    A new library is made with the model ``profile`` (and its ``model_dir``; None means the
    bundled default), ``chunk_tokens``, and a vector ``vector_format`` ("int8" or "binary")
    and ``dims`` (Matryoshka truncation); an existing one keeps what it was made with.

    ``graph_in_background``: return before the vector graph is loaded (1.5 s at 1M chunks)
    or rebuilt from SQLite (minutes at 1M); the window opens at once and searches by keyword
    and by what of the graph is ready (``graph_loading`` says how far it is). Syncs and
    removals wait for it.
    """

    def __init__(self, data_dir: Path | str, *, provider: str = "auto", threads: int = 0,
                 profile: ModelProfile | None = None, model_dir: Path | None = None,
                 chunk_tokens: int | None = None, vector_format: str | None = None,
                 dims: int | None = None, models_root: Path | None = None,
                 graph_in_background: bool = False, library_url: str | None = None,
                 share: str | None = None) -> None:
        self.data_dir = Path(data_dir).expanduser().absolute()
        self.db_path = self.data_dir / DB_NAME
        prepare_data_dir(self.data_dir)
        self.models_root = models_root or self.data_dir / "models"
        self.provider_preference = provider
        self.threads = threads
        self.notes: list[str] = []
        storage = open_storage(self.data_dir, library_url, share, self._note, self.notes,
                               lambda: self.store)
        self._connections = storage.connections
        self._lock = storage.lock
        self._graph = storage.graph
        #: the team library's server (its URL without a password); None: this data folder's
        self.library_url = storage.library_url
        self._model = ModelSlot(self._load_model)
        # hybrid search's keyword side (its thread starts with the first search)
        self._keyword_threads = ThreadPoolExecutor(1, thread_name_prefix="keyword")
        # Held by searches and by the model switch's swap, so no search runs on a closed
        # connection or a half-replaced graph.
        self._swap_lock = threading.RLock()
        #: the database passed a quick check in this process (or one ran out of time)
        self._checked = False
        self._damage: str | None = None  # what a check found
        try:
            with translated(self.data_dir, self.db_path):
                self._open(profile, model_dir, chunk_tokens, vector_format, dims,
                           graph_in_background)
        except BaseException:
            # a library that does not open leaves no connection (to a server, too) behind
            self._keyword_threads.shutdown(wait=False)
            self._connections.close_all()
            raise

    def _open(self, profile: ModelProfile | None, model_dir: Path | None,
              chunk_tokens: int | None, vector_format: str | None, dims: int | None,
              graph_in_background: bool) -> None:
        store = self.store
        if self._lock.last_writer_crashed():
            # the last writer died mid-write: the one time a damaged file is likely
            self.check_database()
        library_settings.settle(store, profile, model_dir, chunk_tokens, vector_format, dims)
        self._load_settings()
        self._graph.open(self.codec, background=graph_in_background)

    def _note(self, message: str) -> None:
        if message not in self.notes:
            self.notes.append(message)

    def _load_settings(self) -> None:
        settings = library_settings.load(self.store)
        self.profile = settings.profile
        self.model_dir = settings.model_dir
        self.codec = settings.codec
        self.chunk_tokens = settings.chunk_tokens
        self.max_file_bytes = settings.max_file_bytes
        self.exclude_patterns = settings.exclude_patterns

    # -- plumbing ------------------------------------------------------------------------
    @property
    def store(self) -> Store:
        """This thread's connection to the database."""
        return self._connections.store()

    @property
    def encoder(self) -> Encoder:
        """The model, loaded on first use (unpacking the bundled model the first time)."""
        return self._model.get()

    def _load_model(self) -> Encoder:
        encoder = load_encoder(self.model_dir, self.models_root, self.profile,
                               provider=self.provider_preference, threads=self.threads)
        if encoder.provider_warning:
            self._note(encoder.provider_warning)
        return encoder

    @property
    def is_team(self) -> bool:
        """Whether this library lives on a team library's server."""
        return self.library_url is not None

    @property
    def location_label(self) -> str:
        """Which library this is, in words: "Personal library" or "Team library docs on
        db.example.com"."""
        if self.library_url is None:
            return "Personal library"
        from desktop_app.team_parts import describe_url

        return describe_url(self.library_url)

    @property
    def model_loaded(self) -> bool:
        """Whether the model is in memory (searching or indexing loads it)."""
        return self._model.loaded() is not None

    @classmethod
    def rebuild(cls, data_dir: Path | str, **options: object) -> tuple[Library, list[str]]:
        """Set a (damaged) library's database aside as ``library.damaged-<time>.sqlite3``
        and start a new one with its folders, settings and model; (the new library, what
        was done in words). Its next ``sync`` indexes the folders again."""
        return rebuild(Path(data_dir), lambda **settings: cls(data_dir, **settings, **options))

    def check_database(self, budget_s: float = CHECK_BUDGET_S) -> None:
        """A quick check of the database file, bounded in time; raises
        ``DamagedLibraryError`` naming the way to rebuild when it finds damage."""
        if self._damage is None:
            try:
                check_database(self.store, self.data_dir, budget_s)
            except DamagedLibraryError as exc:
                self._damage = str(exc)  # told again on every later check, not re-read
        if self._damage is not None:
            raise DamagedLibraryError(self._damage)
        self._checked = True

    @property
    def graph(self) -> VectorIndex:
        """The vector graph (while it opens in the background: the part that is in)."""
        return self._graph.graph

    def reopen_graph(self) -> None:
        """Open the graph again, now (after another database was swapped in)."""
        self._graph.open(self.codec)

    def graph_loading(self) -> tuple[int, int] | None:
        """None once the graph is ready; else (vectors inserted, to insert) while it catches
        up with SQLite, (0, 0) while the saved file loads."""
        return self._graph.loading()

    def stop_graph_loading(self) -> None:
        """Give up catching the graph up (closing): it is not saved, and the next open goes
        on from the file on disk."""
        self._graph.stop()

    def wait_for_graph(self, timeout: float | None = None) -> bool:
        """Block until the vector graph is loaded and in step with SQLite."""
        return self._graph.wait(timeout)

    @guarded
    def save_graph(self, *, if_due: bool = False) -> None:
        """Write the graph and its stamp; ``if_due``: only if enough changed to be worth it
        (``VectorIndex.save_due``): otherwise a crash costs a short catch-up on open."""
        self._graph.save(if_due=if_due)

    def claim_write(self) -> None:
        """Take the data folder's write lock now (or raise LibraryError naming its holder)."""
        self._require_write_lock()

    def _require_write_lock(self) -> None:
        if self.store.frozen:  # opened read-only: the disk has no room for a write
            raise DiskFullError(disk_full_message(self.data_dir))
        if not self._lock.try_acquire():
            raise LibraryError(
                f"another desktop-app process is updating {self.data_dir} "
                f"({self._lock.holder_description()}); wait for it to finish or close it")

    def close(self) -> None:
        self._keyword_threads.shutdown(wait=True)
        self._graph.join()
        # what changed since the last save (a reader that caught up after a crash included,
        # when no other process is writing), so the next open need not catch up again
        if self._graph.save_wanted() and (self._lock.held or self._lock.try_acquire()):
            try:
                self.save_graph()
            except DiskFullError as exc:  # the next open catches up from SQLite
                log.info("vector graph not saved: %s", exc)
            except Exception:  # closing must not raise; the graph is rebuilt from SQLite
                log.exception("could not save the vector graph")
        self._connections.close_all()
        self._lock.release()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- folders -------------------------------------------------------------------------
    @guarded
    def roots(self) -> list[str]:
        with self._swap_lock:
            return self.store.roots()

    @guarded
    def add(self, paths: Iterable[str | os.PathLike[str]]) -> list[str]:
        """Add folders or files to the library (indexed by the next ``sync``)."""
        self._require_write_lock()
        added = []
        for raw in paths:
            path = normalise(raw)
            if not os.path.exists(path):
                raise LibraryError(f"{raw}: no such file or folder")
            if self.store.add_root(path):
                added.append(path)
        return added

    @guarded
    def remove(self, path: str | os.PathLike[str]) -> int:
        """Drop a folder or file (and everything below it) and its vectors; files removed.

        A path inside a folder that stays in the library is remembered as excluded, so the
        next scan does not bring it back.
        """
        self._require_write_lock()
        self.wait_for_graph()
        store = self.store
        records = store.files_under(normalise(path))
        if not store.leave_out(normalise(path)) and not records:
            raise NotInLibraryError(f"{path} is not in the library")
        self.graph.remove(store.delete_files(r.id for r in records))
        self.save_graph(if_due=True)
        return len(records)

    # -- settings that shape what is indexed ---------------------------------------------
    @guarded
    def set_exclude_patterns(self, patterns: Iterable[str]) -> None:
        """Glob patterns for files and folders to leave out ("*.log", "drafts/*"); the next
        sync drops what they match and indexes what they no longer match."""
        self._require_write_lock()
        cleaned = sorted({p.strip() for p in patterns if p.strip()})
        with self.store.transaction():
            self.store.set_meta("exclude_patterns", json.dumps(cleaned))
        self.exclude_patterns = cleaned

    @guarded
    def set_ocr(self, on: bool) -> None:
        """Read scanned pages and pictures by OCR (the next sync reads the scans it left)."""
        self._require_write_lock()
        library_settings.set_ocr(self.store, on)

    def set_max_file_mb(self, megabytes: int) -> None:
        """Files larger than this are skipped with a reason (checked at the next sync)."""
        if megabytes < 1:
            raise LibraryError("the size limit must be at least 1 MB")
        self._require_write_lock()
        self.store.set_max_file_mb(megabytes)
        self.max_file_bytes = int(megabytes) << 20

    # -- indexing ------------------------------------------------------------------------
    @guarded_iter
    def sync(self, control: SyncControl | None = None,
             only: Iterable[str | os.PathLike[str]] | None = None) -> Iterator[SyncProgress]:
        """Bring the library up to date with its folders; yields progress as it goes.

        ``only``: just these changed files or folders (what a file watcher reported); what
        is known below them and no longer exists leaves the library.
        """
        self._require_write_lock()
        if not self._checked:
            self.check_database()
        self.wait_for_graph()
        syncer = Syncer(self._sync_parts(), control or SyncControl())
        yield from syncer.run(None if only is None else [normalise(p) for p in only])

    def _sync_parts(self) -> SyncParts:
        return SyncParts(
            store=self.store, graph=self.graph, codec=self.codec,
            encoder=self._model.get, loaded_encoder=self._model.loaded,
            save_graph=self.save_graph, chunk_tokens=self.chunk_tokens,
            max_file_bytes=self.max_file_bytes, exclude_patterns=tuple(self.exclude_patterns),
            ocr=library_settings.ocr_enabled(self.store), ocr_cache=str(self.data_dir / "ocr"))

    # -- switching models ----------------------------------------------------------------
    @guarded_iter
    def switch_model(self, profile: ModelProfile, model_dir: Path | None,
                     control: SyncControl | None = None) -> Iterator[SyncProgress]:
        """Re-index the library's folders with another model, then swap it in atomically
        (see ``desktop_app.switching``); searches use the current model until then."""
        if self.library_url:
            raise LibraryError(f"the team library {self.library_url} keeps the model it was "
                               f"made with ({self.profile.model_id}); its administrator "
                               "chooses it with 'desktop-app team init'")
        self.wait_for_graph()
        yield from switch_model(self, self._open_staging, profile, model_dir, control)

    def _open_staging(self, folder: Path, profile: ModelProfile,
                      model_dir: Path | None) -> Library:
        """The library a model switch builds: this one's settings, another model."""
        return Library(folder, provider=self.provider_preference, threads=self.threads,
                       profile=profile, model_dir=model_dir, chunk_tokens=self.chunk_tokens,
                       models_root=self.models_root, vector_format=self.codec.format)

    def take_encoder(self) -> Encoder | None:
        """Hand over the loaded model (None if it never loaded); this library loads it
        again if it needs it. A model switch passes the new model on this way."""
        return self._model.swap(None)

    def adopt(self, built: Path, encoder: Encoder | None) -> None:
        """Replace this library's database and graph with the ones built in ``built`` by a
        finished model switch, with ``encoder`` its model (None: loaded on first use).

        The database file is the commit point (one ``os.replace``); no search runs on a
        closed connection or a half-replaced graph meanwhile.
        """
        with self._swap_lock:
            self.save_graph()
            self._connections.close_all()
            swap_in(built, self.data_dir)
            self._model.swap(encoder)
            self._load_settings()
            self.reopen_graph()

    # -- searching -----------------------------------------------------------------------
    def search_index(self) -> SearchIndex:
        """What a search reads, on this thread's connection (``searching`` runs on it; so
        do tools that time a search's steps, such as benchmarks/latency.py)."""
        return SearchIndex(self.store, self.graph, self.codec)

    def search(self, query: str, options: SearchOptions = DEFAULT_SEARCH) -> list[SearchResult]:
        """The best passages for a plain-language query."""
        return self.search_many([query], options)[0]

    @guarded
    def search_many(self, queries: list[str],
                    options: SearchOptions = DEFAULT_SEARCH) -> list[list[SearchResult]]:
        """``search`` for several queries, their embeddings computed in one batch."""
        if not queries:
            return []
        with self._swap_lock:
            index = self.search_index()
            # Keyword mode embeds the query too: its ranking is by words alone, but the
            # relevance shown is on the same scale as in the other modes.
            keyword: list[Future[list[tuple[int, float]]]] = []
            if options.mode == "hybrid":
                # The keyword side runs on its own thread (SQLite releases the GIL) while
                # the query is embedded and the graph searched: hybrid costs the slower of
                # the two, not their sum. That thread reads through its own connection.
                keyword = [self._keyword_threads.submit(self._keyword_side, q, options)
                           for q in queries]
            vectors = list(self.encoder.embed_queries(queries))
            return [searching.search(index, q, v, options,
                                     keyword_hits=keyword[i].result() if keyword else None)
                    for i, (q, v) in enumerate(zip(queries, vectors))]

    def _keyword_side(self, query: str, options: SearchOptions) -> list[tuple[int, float]]:
        return searching.keyword_candidates(self.search_index(), query, options,
                                            searching.KEYWORD_BUDGET_S)

    @guarded
    def search_vector(self, vector: np.ndarray,
                      options: SearchOptions = DEFAULT_SEARCH) -> list[SearchResult]:
        """Passages nearest to a vector, e.g. a result's own ("more like this")."""
        with self._swap_lock:
            return searching.search(self.search_index(), "", vector,
                                    dataclasses.replace(options, mode="vector"))

    def more_like(self, chunk_id: int,
                  options: SearchOptions = DEFAULT_SEARCH) -> list[SearchResult]:
        """Passages like a given one (itself excluded), whatever ``options.mode`` says."""
        with self._swap_lock:
            vector = self.chunk_vector(chunk_id)
            if vector is None:
                return []
            return self.search_vector(vector, dataclasses.replace(options,
                                                                  exclude_chunk=chunk_id))

    @guarded
    def chunk_vector(self, chunk_id: int) -> np.ndarray | None:
        """A stored chunk's vector, as the graph compares it ("more like this")."""
        with self._swap_lock:
            blob = self.store.chunk_vector(chunk_id)
            return None if blob is None else self.codec.decode(self.codec.from_bytes([blob]))[0]

    @guarded
    def meaning_pending(self) -> int:
        """Files findable by their words that still wait for their vectors."""
        with self._swap_lock:
            return self.store.pending_count()

    # -- status --------------------------------------------------------------------------
    @guarded
    def folder_counts(self) -> dict[str, dict[str, int]]:
        """Files per status below each library folder, in one query per folder."""
        with self._swap_lock:
            return {root: self.store.counts_under(root) for root in self.store.roots()}

    @guarded
    def status(self) -> LibraryStatus:
        """What the library holds; a damaged database file raises ``DamagedLibraryError``
        (checked once per process, bounded in time)."""
        with self._swap_lock:
            return self._status()

    def _status(self) -> LibraryStatus:
        store = self.store
        if not self._checked:
            self.check_database()
        size = 0
        if self.library_url is None:  # a team library's size is its server's business
            for entry in os.scandir(self.data_dir):
                if entry.is_file(follow_symlinks=False):
                    size += entry.stat().st_size
        return LibraryStatus(
            data_dir=self.library_url or str(self.data_dir), roots=tuple(store.roots()),
            counts=store.counts(),
            problems=tuple(store.problems()), model=self.profile.model_id, dim=self.profile.dim,
            model_dir=str(self.model_dir) if self.model_dir else "(bundled)",
            vector_format=self.codec.format, stored_dims=self.codec.dims,
            provider=encoder.provider if (encoder := self._model.loaded()) else None,
            chunk_tokens=self.chunk_tokens, bytes_on_disk=size,
            vectors_in_graph=self._graph.size(), graph_loading=self.graph_loading(),
            meaning_pending=store.pending_count(),  # (the swap lock is held)
            notes=tuple(self.notes),
            ignored=tuple(sorted(store.ignored_counts().items())),
            exclude_patterns=tuple(self.exclude_patterns),
            max_file_mb=self.max_file_bytes >> 20)


__all__ = [
    "DB_NAME",
    "DEFAULT_CHUNK_TOKENS",
    "DEFAULT_MAX_FILE_MB",
    "DEFAULT_SEARCH",
    "DamagedLibraryError",
    "DiskFullError",
    "FileOutcome",
    "Library",
    "LibraryError",
    "LibraryStatus",
    "NotInLibraryError",
    "SearchOptions",
    "SearchResult",
    "SyncControl",
    "SyncProgress",
]
