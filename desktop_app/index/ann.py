"""The hnswlib graph over chunk vectors: a fast cache that SQLite can always rebuild.

Labels are chunk ids (SQLite's AUTOINCREMENT rowids, never reused), so a label deleted once
never comes back. Saving is atomic (temp file + ``os.replace``); the graph's stamp (the
library generation it reflects) is stored beside it so a stale or half-written file is
recognised on open. All calls take one lock: hnswlib's queries may run in parallel with each
other, and its inserts with each other, but not one with the other (nmslib/hnswlib#562).
Inserts take the lock a slice at a time and, between slices, wait (on a condition) while a
search wants the graph, so a query never waits behind a whole file's vectors.

Saving and loading hold Python's GIL for their whole length (hnswlib's bindings do not release
it): a save stalled other threads 0.15 s at 200k vectors at rest, 0.5-0.6 s at 100k while
indexing, ~1.2 s at 1M; a load about 1.5 times as long. No other Python thread (the window
included) runs meanwhile. So a large graph is saved only once enough has changed
(``save_due``); after a crash, the graph on disk is behind SQLite and catches up on open by
inserting just what it missed.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import struct
import threading
from pathlib import Path

import hnswlib
import numpy as np

from desktop_app.private import create_private

_INITIAL_CAPACITY = 1024
M = 16
EF_CONSTRUCTION = 200
#: vectors inserted per hold of the lock: a search waits for one slice at most (~8 ms at 1M)
ADD_SLICE = 32
#: graphs up to this size are saved whenever they change (≤ 80 ms); larger ones once a quarter
#: of their vectors changed: a save holds the GIL (0.5-0.6 s at 100k, ~1.2 s at 1M, the window
#: frozen meanwhile), while catching up after a crash runs in the background at ~0.3 ms a
#: vector (25% of 100k: ~8 s)
SMALL_GRAPH = 50_000
SAVE_FRACTION = 0.25
#: hnswlib's file header: six size_t, two 32-bit ints, four size_t and a double
_HEADER_BYTES = 96


def _read_through(path: Path, block: int = 16 << 20) -> None:
    """Read a file once, a block at a time (each read releases the GIL), into the page cache."""
    buffer = bytearray(block)
    with open(path, "rb", buffering=0) as fh:
        while fh.readinto(buffer):
            pass


def _whole(path: Path) -> bool:
    """Whether a graph file hnswlib wrote holds everything its header announces.

    The layout (hnswlib's ``saveIndex``): a 96-byte header, whose third field is the element
    count and fourth the bytes per element; the elements; then per element a 4-byte length
    and that many bytes of upper-level links (nearly all zero).
    """
    size = os.path.getsize(path)
    with open(path, "rb") as fh:
        header = fh.read(_HEADER_BYTES)
        if len(header) < _HEADER_BYTES:
            return False
        count, per_element = struct.unpack_from("<QQ", header, 16)
        tail_start = _HEADER_BYTES + count * per_element
        if size < tail_start + 4 * count:
            return False
        fh.seek(tail_start)
        tail = fh.read()
    pos, end = 0, len(tail)
    for _ in range(count):
        if pos + 4 > end:
            return False
        pos += 4 + int.from_bytes(tail[pos:pos + 4], "little")
    return pos == end


def _write_new(path: Path, data: bytes) -> None:
    """Write ``data`` to a new private file, all of it or an ``OSError``."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def _grown(capacity: int) -> int:
    """The next capacity: doubling while small, then +25% (1M vectors: 1.7 GB of graph)."""
    return capacity * 2 if capacity < 100_000 else capacity + capacity // 4


class VectorIndex:
    def __init__(self, dim: int) -> None:
        self.dim = dim
        self._lock = threading.RLock()
        self._index = hnswlib.Index(space="cosine", dim=dim)
        self._index.init_index(max_elements=_INITIAL_CAPACITY, M=M,
                               ef_construction=EF_CONSTRUCTION, allow_replace_deleted=False)
        self._labels: set[int] = set()  # live labels
        self.unsaved = 0  # inserts and removals since the last save or load
        # Searches that asked for the graph and have not finished; inserts give way to them
        # between slices. Whoever changes the count notifies the condition.
        self._searches_waiting = 0
        self._searches_done = threading.Condition(threading.Lock())

    # -- persistence ---------------------------------------------------------------------
    @classmethod
    def load(cls, path: Path, dim: int, *,
             read_ahead: bool = False) -> tuple[VectorIndex, str | None]:
        """Load a saved graph and its stamp; (empty index, None) when absent or unreadable.

        ``read_ahead``: read the file through once first (the GIL released), so that
        hnswlib's load, which holds the GIL, reads from memory rather than from the disk
        (the window's background open).
        """
        fresh = cls(dim)
        meta_path = path.with_suffix(".json")
        try:
            meta = json.loads(meta_path.read_text())
            if meta.get("dim") != dim:
                return fresh, None
            index = hnswlib.Index(space="cosine", dim=dim)
            if read_ahead:
                _read_through(path)
            # Room to grow, so the first files indexed after opening do not pay for a resize
            # (a copy of the whole graph under the lock: 0.17 s at 100k, seconds at 1M).
            index.load_index(str(path), max_elements=_grown(max(int(meta["capacity"]), 1)))
            fresh._index = index
            fresh._labels = set(int(x) for x in meta["labels"])
            return fresh, str(meta["stamp"])
        except (OSError, ValueError, KeyError, RuntimeError):
            return fresh, None

    def save(self, path: Path, stamp: str) -> None:
        """Write the graph and its stamp atomically, both private to the user.

        A full disk raises ``OSError`` (ENOSPC) and leaves the saved graph as it was, with
        no temp file behind: hnswlib does not report a failed write (it stops short
        silently), so the written file is checked to be whole before it replaces the old.
        """
        with self._lock:
            tmp = path.with_name(path.name + ".tmp")
            meta_tmp = path.with_name(path.name + ".json.tmp")
            try:
                # created 0600 first: hnswlib truncates and rewrites it, keeping the mode
                create_private(tmp)
                self._index.save_index(str(tmp))
                if not _whole(tmp):
                    raise OSError(errno.ENOSPC, "the graph file could not be written whole",
                                  str(tmp))
                meta = {"dim": self.dim, "stamp": stamp,
                        "capacity": self._index.get_max_elements(),
                        "labels": sorted(self._labels)}
                _write_new(meta_tmp, json.dumps(meta).encode())
                # The graph first, then its stamp: a crash in between leaves a stamp that
                # does not match, and the open-time reconcile repairs it.
                os.replace(tmp, path)
                os.replace(meta_tmp, path.with_suffix(".json"))
            finally:
                for leftover in (tmp, meta_tmp):
                    with contextlib.suppress(OSError):
                        os.unlink(leftover)
            self.unsaved = 0

    def save_due(self) -> bool:
        """Whether the changes since the last save are worth rewriting the file for."""
        return self.unsaved > 0 and (len(self) <= SMALL_GRAPH
                                     or self.unsaved >= SAVE_FRACTION * len(self))

    # -- contents ------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._labels)

    def labels(self) -> set[int]:
        with self._lock:
            return set(self._labels)

    def add(self, labels: np.ndarray, vectors: np.ndarray, threads: int = 1) -> None:
        """Insert vectors; ``threads`` 0 uses every core (bulk rebuilds), 1 keeps a core free
        for the model while indexing."""
        labels = np.asarray(labels, dtype=np.int64)
        vectors = np.asarray(vectors, dtype=np.float32)
        if len(labels) == 0:
            return
        slice_size = ADD_SLICE * ((os.cpu_count() or 1) if threads <= 0 else threads)
        for start in range(0, len(labels), slice_size):
            with self._searches_done:
                self._searches_done.wait_for(lambda: not self._searches_waiting)
            part = labels[start:start + slice_size]
            with self._lock:
                needed = self._index.get_current_count() + len(part)
                capacity = self._index.get_max_elements()
                if needed > capacity:
                    self._index.resize_index(max(needed, _grown(capacity)))
                self._index.add_items(vectors[start:start + slice_size], part,
                                      num_threads=threads if threads > 0 else -1)
                self._labels.update(part.tolist())
                self.unsaved += len(part)

    def remove(self, labels) -> None:
        with self._lock:
            for label in labels:
                label = int(label)
                if label in self._labels:
                    self._index.mark_deleted(label)
                    self._labels.discard(label)
                    self.unsaved += 1

    def search(self, query: np.ndarray, k: int,
               allowed: set[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Labels and cosine similarities of the k nearest live vectors, best first
        (only among ``allowed`` labels when given)."""
        with self._searches_done:
            self._searches_waiting += 1
            self._searches_done.notify_all()
        try:
            self._lock.acquire()
        except BaseException:
            self._search_finished()
            raise
        try:
            live = len(self._labels) if allowed is None else len(allowed & self._labels)
            if live == 0 or k <= 0:
                return np.zeros(0, np.int64), np.zeros(0, np.float32)
            k = min(k, live)
            # ef 400: recall@10 0.998 at 1M chunks (0.982 at ef 200) for 0.17 ms more
            self._index.set_ef(max(400, 2 * k))
            q = np.asarray(query, np.float32).reshape(1, -1)
            keep = None if allowed is None else allowed.__contains__
            while True:
                try:
                    labels, distances = self._index.knn_query(q, k=k, num_threads=1,
                                                              filter=keep)
                    break
                except RuntimeError:
                    # hnswlib found fewer than k (possible with deleted or filtered-out
                    # elements): ask for fewer
                    if k == 1:
                        return np.zeros(0, np.int64), np.zeros(0, np.float32)
                    k = max(1, k // 2)
        finally:
            self._lock.release()
            self._search_finished()
        return labels[0].astype(np.int64), (1.0 - distances[0]).astype(np.float32)

    def _search_finished(self) -> None:
        with self._searches_done:
            self._searches_waiting -= 1
            self._searches_done.notify_all()
