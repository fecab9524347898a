"""One sync of the library with its folders: scan, diff, move/copy/delete, then two steps.

The diff is cheap first (size and mtime_ns), then exact (sha256): a file whose content is
already in the library — moved, renamed, copied, or only touched — keeps or reuses its
vectors without a model call. The files left are indexed in two steps, each file committed
on its own in each: first its passages and their words (read in the extraction process; the
file is searchable by its words at once), then their vectors (the model, the slow step; the
file becomes searchable by meaning). Files waiting for their vectors are kept in the store,
so a stop between the steps loses nothing and reads nothing twice. Pause and cancel are
honoured between files and between model batches.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections import deque
from collections.abc import Generator, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from desktop_app import memory
from desktop_app.chunking import file_title
from desktop_app.events import FileOutcome, SyncControl, SyncProgress, SyncSummary
from desktop_app.extract import ExtractionError
from desktop_app.extract.files import file_sha256
from desktop_app.extract.registry import is_plain_text
from desktop_app.extract.scans import OCR_OFF
from desktop_app.extract.text import MAX_TEXT_BYTES
from desktop_app.extraction import ReaderProcess, ReadJob, ReadResult, read_file
from desktop_app.index.store import FileRecord, NewChunk
from desktop_app.scanning import FileStat, Rules, ScanResult, os_path, scan
from desktop_app.sync_parts import Plan, Prepared, SyncParts

if TYPE_CHECKING:
    pass

log = logging.getLogger(__name__)

#: Files are read in a child process (desktop_app.extraction): a file that crashes MuPDF is
#: only a failed file, one that makes it hang or balloon is stopped by the child's timeout and
#: memory limit, and the window's searches do not wait for the GIL behind PyMuPDF and the
#: chunker. Only a sync of a few small plain-text files (a note the watcher saw change) reads
#: on a thread: the child's start costs 0.22-0.28 s to the first result of a one-page PDF,
#: against 4 ms on a warm thread. The bound is on text volume: reading, tokenizing and chunking
#: take ~40 bytes of memory per byte of text (8 MB of a log: 424 MB at peak in the child), so
#: 2 MB of text stays under 100 MB.
CHILD_MIN_FILES = 16
CHILD_MIN_BYTES = 2 << 20
#: A model batch group: files are embedded together until this many tokens are pending.
GROUP_TOKENS = 16_384
GROUP_FILES = 64
PREFETCH_FILES = 8
GRAPH_SAVE_SECONDS = 60.0
#: Files up to this size are read and embedded before larger ones.
SMALL_FILE = 1 << 20


class Syncer:
    """One sync, run as a generator of progress events: ``run`` takes it through its
    steps, each its own method (scan, hash, moves, deletions, copies, extract + embed)."""

    def __init__(self, parts: SyncParts, control: SyncControl) -> None:
        self.parts = parts
        self.control = control
        self.started = time.perf_counter()
        self.counts: dict[str, int] = dict.fromkeys(
            ("indexed", "skipped", "failed", "removed", "moved", "copied", "unchanged",
             "chunks", "pages", "ocr_pages"), 0)
        self.files_total = 0
        self.files_done = 0
        self.bytes_total = 0
        self.bytes_done = 0
        self.index_started = 0.0
        self.last_save = time.perf_counter()
        self.tokens_at_start = 0
        # step 2: files and passages given their vectors, of how many
        self.embed_total = self.embed_done = 0
        self.embed_passages_total = self.embed_passages_done = 0
        self.embed_started = 0.0
        self.read_order: dict[str, int] = {}  # path -> place in this sync's reading order

    # -- events --------------------------------------------------------------------------
    def _progress(self, phase: str = "indexing", current: str | None = None,
                  outcome: FileOutcome | None = None) -> SyncProgress:
        now = time.perf_counter()
        elapsed = now - self.started
        busy = now - self.index_started if self.index_started else 0.0
        rate = self.counts["chunks"] / busy if busy > 0 else 0.0
        eta = None
        if self.bytes_done and busy > 0:
            eta = busy * (self.bytes_total - self.bytes_done) / self.bytes_done
        return SyncProgress(phase=phase, files_total=self.files_total,
                            files_done=self.files_done, chunks_done=self.counts["chunks"],
                            pages_done=self.counts["pages"], elapsed=elapsed,
                            ocr_pages_done=self.counts["ocr_pages"],
                            chunks_per_second=rate, eta_seconds=eta, current=current,
                            outcome=outcome)

    def _finish(self, outcome: FileOutcome, size: int = 0) -> SyncProgress:
        key = outcome.status
        self.counts[key] += 1
        self.files_done += 1
        self.bytes_done += size
        return self._progress(outcome=outcome, current=outcome.path)

    # -- the run -------------------------------------------------------------------------
    def run(self, only: Iterable[str] | None = None) -> Iterator[SyncProgress]:
        yield SyncProgress(phase="scanning")
        plan = self._plan(only)
        hashes = yield from self._hash(plan)
        if hashes is None:
            yield from self._cancelled(plan.found)
            return
        embed = yield from self._reuse_moved(plan, hashes)
        yield from self._remove_gone(plan.gone)
        fresh = yield from self._reuse_copies(embed, hashes)
        yield from self._read_all(fresh, hashes)
        if not self.control.cancelled:
            yield from self._embed_pending()
        if self.control.cancelled:
            yield from self._cancelled(plan.found)
            return
        self.parts.save_graph(if_due=True)
        yield replace(self._progress("done"), summary=self._summary(plan.found, False))

    def _plan(self, only: Iterable[str] | None) -> Plan:
        """Scan, and compare with what the library knows (size and mtime_ns)."""
        store = self.parts.store
        rules = Rules(removed=tuple(store.excluded()), patterns=self.parts.exclude_patterns)
        found = scan(store.roots(), rules, only)
        if found.full:
            store.set_ignored_counts(dict(found.ignored))
        known = store.files()
        # A full scan also drops what is no longer below any root (a removed folder).
        gone = [rec for path, rec in known.items()
                if path not in found.files and not found.is_shadowed(path)
                and (found.in_scope(path) or found.full)]
        todo: list[FileStat] = []
        for path, st in found.files.items():
            rec = known.get(path)
            if (rec and rec.size == st.size and rec.mtime_ns == st.mtime_ns
                    and rec.status != "failed" and not self._needs_ocr(rec)):
                self.counts["unchanged"] += 1
                continue
            todo.append(st)
        self.files_total = len(todo) + len(gone)
        return Plan(found, known, todo, gone)

    def _hash(self, plan: Plan) -> Generator[SyncProgress, None, dict[str, str] | None]:
        """The sha256 of each file to look at (None: the sync was cancelled meanwhile)."""
        limit = self.parts.max_file_bytes
        hashes: dict[str, str] = {}
        last_report = time.perf_counter()
        for st in plan.todo:
            if st.size > limit or st.verdict is not None:
                continue
            # an unreadable file is reported with its reason when it is prepared
            with contextlib.suppress(OSError, ExtractionError):
                digest = file_sha256(os_path(st.path), limit)
                if digest is not None:
                    hashes[st.path] = digest
            if time.perf_counter() - last_report > 0.5:
                last_report = time.perf_counter()
                yield SyncProgress(phase="scanning", files_total=self.files_total,
                                   current=st.path, elapsed=time.perf_counter() - self.started)
            if self.control.cancelled:
                return None
        return hashes

    def _reuse_moved(self, plan: Plan,
                     hashes: dict[str, str]) -> Generator[SyncProgress, None, list[FileStat]]:
        """Moves and renames (a vanished file's content turned up under a new path) and
        touched files keep their vectors; the files left are to be read."""
        store = self.parts.store
        gone_by_hash = {rec.sha256: rec for rec in plan.gone
                        if rec.sha256 and rec.status == "indexed"}
        embed: list[FileStat] = []
        for st in plan.todo:
            digest = hashes.get(st.path)
            rec = plan.known.get(st.path)
            if rec is None and digest in gone_by_hash:
                moved = gone_by_hash.pop(digest)
                plan.gone.remove(moved)
                self.files_total -= 1
                store.move_file(moved.id, st.path, st.size, st.mtime_ns)
                yield self._finish(FileOutcome(st.path, "moved", f"from {moved.path}",
                                               chunks=moved.chunks, pages=moved.pages))
            elif (rec is not None and digest is not None and rec.sha256 == digest
                  and rec.status == "indexed" and not self._needs_ocr(rec)):
                store.update_stat(rec.id, st.size, st.mtime_ns)
                self.files_total -= 1
                self.counts["unchanged"] += 1
            else:
                embed.append(st)
        return embed

    def _remove_gone(self, gone: list[FileRecord]) -> Iterator[SyncProgress]:
        for rec in gone:
            self.parts.graph.remove(self.parts.store.delete_files([rec.id]))
            yield self._finish(FileOutcome(rec.path, "removed"))

    def _reuse_copies(self, files: list[FileStat],
                      hashes: dict[str, str]) -> Generator[SyncProgress, None, list[FileStat]]:
        """A file whose content is already indexed under another path takes its passages
        and vectors; the files left are new content."""
        store, graph, codec = self.parts.store, self.parts.graph, self.parts.codec
        fresh: list[FileStat] = []
        for st in files:
            digest = hashes.get(st.path)
            source = store.indexed_file_with_sha256(digest) if digest else None
            if source is None or source.path == st.path:
                fresh.append(st)
                continue
            chunks = store.chunks_of_file(source.id)
            new_ids, replaced = store.record_file(
                st.path, size=st.size, mtime_ns=st.mtime_ns, sha256=digest,
                status="indexed", reason=None, pages=source.pages, chunks=chunks,
                title=source.title)
            graph.remove(replaced)
            if chunks:
                graph.add(np.asarray(new_ids), codec.decode(np.stack([c.vector for c in chunks])))
            yield self._finish(FileOutcome(st.path, "copied", f"same content as {source.path}",
                                           chunks=len(chunks), pages=source.pages))
        return fresh

    def _cancelled(self, found: ScanResult) -> Iterator[SyncProgress]:
        self.parts.save_graph(if_due=True)
        yield replace(self._progress("cancelled"), summary=self._summary(found, True))

    def _needs_ocr(self, rec: FileRecord) -> bool:
        """A file read while OCR was off and on now: a scan skipped for want of it, or a
        document whose scanned pages were left out (its content did not change, so only
        this tells the sync to read it again)."""
        reason = rec.reason or ""
        return self.parts.ocr and ((rec.status == "skipped" and "needs OCR" in reason)
                                   or OCR_OFF in reason)

    def _summary(self, found: ScanResult, cancelled: bool) -> SyncSummary:
        c = self.counts
        encoder = self.parts.loaded_encoder()
        return SyncSummary(
            indexed=c["indexed"], skipped=c["skipped"], failed=c["failed"], removed=c["removed"],
            moved=c["moved"], copied=c["copied"], unchanged=c["unchanged"], chunks=c["chunks"],
            pages=c["pages"], ocr_pages=c["ocr_pages"],
            tokens=encoder.stats.tokens_encoded - self.tokens_at_start if encoder else 0,
            seconds=time.perf_counter() - self.started, unreadable=tuple(found.unreadable),
            missing_roots=tuple(found.missing_roots), cancelled=cancelled,
            ignored=tuple(sorted(found.ignored.items())))

    # -- reading (a helper thread, or a child process) ------------------------------------
    def _read(self, st: FileStat, reader: ReaderProcess | None,
              pool: ThreadPoolExecutor, sha256: str | None = None) -> Future[ReadResult]:
        """Start reading a file: checked here, extracted and chunked by ``reader`` (a child
        process) or on ``pool``'s thread."""
        parts = self.parts
        early = None
        if st.verdict is not None:
            early = ReadResult(*st.verdict)
        elif st.size > parts.max_file_bytes:
            early = ReadResult("skipped", f"too large ({st.size / 2**20:.0f} MB; limit "
                                          f"{parts.max_file_bytes / 2**20:.0f} MB)")
        elif st.size == 0:
            early = ReadResult("skipped", "empty file")
        if early is not None:
            done: Future[ReadResult] = Future()
            done.set_result(early)
            return done
        encoder = parts.encoder()
        job = ReadJob(os_path(st.path), st.size, st.mtime_ns, str(encoder.tokenizer_path),
                      parts.chunk_tokens, ocr=parts.ocr, ocr_cache=parts.ocr_cache,
                      sha256=sha256)
        if reader is not None:
            return reader.submit(job)
        return pool.submit(read_file, job, encoder.tokenize)

    def _reader_for(self, files: list[FileStat]) -> ReaderProcess | None:
        """A child process to read the files in (``desktop_app.extraction``); None for a few
        small plain-text files, which a thread reads with bounded time and memory."""
        read = [st for st in files if st.verdict is None]
        text_bytes = sum(min(st.size, MAX_TEXT_BYTES) for st in read)
        if (len(read) < CHILD_MIN_FILES and text_bytes < CHILD_MIN_BYTES
                and all(is_plain_text(st.path) for st in read)):
            return None
        return ReaderProcess()

    # -- step 1: words (extracted, chunked, committed; findable by keyword at once) --------
    def _read_all(self, files: list[FileStat],
                  hashes: dict[str, str]) -> Iterator[SyncProgress]:
        """Read every file and commit its passages without vectors: each is findable by
        its words as soon as it is committed, long before the model reaches it. Memory
        stays flat: the text goes to SQLite, not into a queue."""
        if not files:
            return
        self.bytes_total = sum(st.size for st in files)
        self.index_started = time.perf_counter()
        pending: deque[tuple[FileStat, Future[ReadResult]]] = deque()
        # What people are most likely to look for first: small files, newest first.
        queue = deque(sorted(files, key=lambda st: (st.size > SMALL_FILE, -st.mtime_ns)))
        self.read_order = {st.path: i for i, st in enumerate(queue)}
        reader = self._reader_for(files)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="extract") as pool:
            def top_up() -> None:
                nonlocal reader
                while queue and len(pending) < PREFETCH_FILES:
                    st = queue.popleft()
                    try:
                        pending.append((st, self._read(st, reader, pool,
                                                       hashes.get(st.path))))
                    except OSError as exc:  # the child cannot start: read here instead
                        log.warning("reading files on a thread: no extraction process (%s)", exc)
                        assert reader is not None
                        reader.close()
                        reader = None
                        pending.append((st, self._read(st, None, pool,
                                                       hashes.get(st.path))))

            try:
                top_up()
                while pending:
                    self.control.wait_if_paused()
                    if self.control.cancelled:
                        return
                    st, future = pending.popleft()
                    result = reader.result(future) if reader is not None else future.result()
                    top_up()
                    self.counts["ocr_pages"] += result.ocr_pages
                    yield self._record(Prepared(st, hashes.get(st.path), result.status,
                                                result.reason, result.pages, result.chunks))
            finally:
                for _, future in pending:
                    future.cancel()
                if reader is not None:
                    reader.close()
        memory.trim()

    def _record(self, prepared: Prepared) -> SyncProgress:
        """Commit a file read in step 1: its passages (without vectors), or its reason."""
        st = prepared.stat
        rows = [NewChunk(c.page, c.char_start, c.char_end, c.text, None, section=c.section)
                for c in prepared.chunks] if prepared.status == "indexed" else []
        _, replaced = self.parts.store.record_file(
            st.path, size=st.size, mtime_ns=st.mtime_ns, sha256=prepared.sha256,
            status=prepared.status, reason=prepared.reason, pages=prepared.pages, chunks=rows,
            title=file_title(prepared.chunks))
        self.parts.graph.remove(replaced)
        if prepared.status == "indexed":
            self.counts["chunks"] += len(rows)
            self.counts["pages"] += prepared.pages
        return self._finish(FileOutcome(st.path, prepared.status, prepared.reason,
                                        chunks=len(rows), pages=prepared.pages), st.size)

    # -- step 2: meaning (vectors for every file that waits for them) --------------------
    def _embed_pending(self) -> Iterator[SyncProgress]:
        """Embed the passages of every file that waits for its vectors — this sync's and
        any an earlier sync left (a crash, a quit, a cancel between the steps) — a group of
        files at a time, each file committed on its own."""
        store = self.parts.store
        # This sync's files first, in the order they were read (a folder added during a long
        # sync restarts it: its files go before what the long one left), then what earlier
        # syncs left, small files and the newest first.
        waiting = sorted(store.pending_files(), key=lambda rec: (
            (0, self.read_order[rec.path], 0) if rec.path in self.read_order
            else (1, rec.size > SMALL_FILE, -rec.mtime_ns)))
        if not waiting:
            return
        encoder = self.parts.encoder()  # load before timing the rate
        self.tokens_at_start = encoder.stats.tokens_encoded
        self.embed_total = len(waiting)
        self.embed_passages_total = sum(rec.chunks for rec in waiting)
        self.embed_started = time.perf_counter()
        yield self._embed_progress(waiting[0].path)  # step 2 begins (before the first batch)
        try:
            group: list[tuple[FileRecord, list[tuple[int, str]]]] = []
            group_tokens = 0
            for rec in waiting:
                passages = store.passages_of(rec.id)
                group.append((rec, passages))
                group_tokens += sum(len(text) for _, text in passages) // 4  # ~4 chars a token
                if group_tokens >= GROUP_TOKENS or len(group) >= GROUP_FILES:
                    yield from self._embed_group(group)
                    group, group_tokens = [], 0
                    if self.control.cancelled:
                        return
            if group:
                yield from self._embed_group(group)
        finally:
            # a sync's end frees the document session's memory (idle libraries hold less)
            encoder.release_document_session()
            memory.trim()

    def _embed_group(self, group: list[tuple[FileRecord, list[tuple[int, str]]]]
                     ) -> Iterator[SyncProgress]:
        parts = self.parts
        self.control.wait_if_paused()
        if self.control.cancelled:
            return
        encoder = parts.encoder()
        documents = [[t.ids for t in encoder.tokenize([text for _, text in passages])]
                     if passages else [] for _, passages in group]
        job = encoder.iter_embed_documents(documents)
        current = group[0][0].path
        while True:
            try:
                next(job)
            except StopIteration as done:
                vectors = done.value
                break
            yield self._embed_progress(current)
            self.control.wait_if_paused()
            if self.control.cancelled:
                return  # nothing of this group was committed; it is redone next time
        for (rec, passages), vecs in zip(group, vectors):
            ids = [cid for cid, _ in passages]
            stored = parts.codec.encode(vecs) if ids else []
            parts.store.set_vectors(rec.id, [(cid, np.ascontiguousarray(row).tobytes())
                                             for cid, row in zip(ids, stored)])
            if ids:
                parts.graph.add(np.asarray(ids, dtype=np.int64), parts.codec.decode(stored))
            self.embed_done += 1
            self.embed_passages_done += len(ids)
            yield self._embed_progress(rec.path)
        if time.perf_counter() - self.last_save > GRAPH_SAVE_SECONDS:
            parts.save_graph(if_due=True)
            self.last_save = time.perf_counter()

    def _embed_progress(self, current: str) -> SyncProgress:
        """Step 2's progress: files and passages given their vectors, the rate and the time
        left from the passages still waiting (a passage is at most ``chunk_tokens`` tokens,
        so passages measure the model's work where files do not)."""
        busy = time.perf_counter() - self.embed_started
        rate = self.embed_passages_done / busy if busy > 0 else 0.0
        left = self.embed_passages_total - self.embed_passages_done
        return replace(self._progress("embedding", current=current),
                       files_total=self.embed_total, files_done=self.embed_done,
                       chunks_done=self.embed_passages_done, chunks_per_second=rate,
                       eta_seconds=left / rate if rate > 0 else None)
