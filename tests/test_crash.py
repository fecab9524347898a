"""Crash safety: an indexing process killed with SIGKILL at several moments loses nothing it
committed, leaves a sound database, and the next run resumes without redoing that work."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from desktop_app.library import Library
from desktop_app.searching import SearchOptions

pytestmark = pytest.mark.skipif(os.name == "nt", reason="SIGKILL is POSIX")

WORDS = ("amber", "basalt", "cobalt", "dune", "ember", "fjord", "glacier", "harbor", "iris",
         "jasper", "kelp", "lagoon", "meadow", "nectar", "orchid", "prairie", "quartz", "reef",
         "savanna", "tundra", "umber", "valley", "willow", "xenon", "yarrow", "zephyr")
FILES = 48


def make_corpus(folder: Path) -> dict[str, str]:
    """Files of several chunks each, every file with a unique signature sentence."""
    folder.mkdir()
    signatures = {}
    for i in range(FILES):
        a, b = WORDS[i % len(WORDS)], WORDS[(i * 7 + 3) % len(WORDS)]
        signature = f"Field report {i}: the {a} survey found {b} deposits near marker {i * 13}."
        filler = " ".join(f"Observation {j} of site {i} notes {WORDS[(i + j) % len(WORDS)]} "
                          f"conditions." for j in range(60))
        (folder / f"report-{i:03d}.txt").write_text(signature + "\n\n" + filler)
        signatures[str((folder / f"report-{i:03d}.txt").resolve())] = signature
    return signatures


def committed(db: Path, with_vectors: bool = False) -> int:
    """Files committed: by their words (step 1), or with their vectors too (step 2)."""
    if not db.exists():
        return 0
    where = "status = 'indexed'" + (" AND embedded = 1" if with_vectors else "")
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return conn.execute(f"SELECT COUNT(*) FROM files WHERE {where}").fetchone()[0]
    except sqlite3.OperationalError:
        return 0  # the schema is not there yet


class _Writes(FileSystemEventHandler):
    """Set whenever a file in the data folder changes: each commit writes the WAL."""

    def __init__(self) -> None:
        self.changed = threading.Event()

    def on_any_event(self, event: FileSystemEvent) -> None:
        self.changed.set()


def index_until(docs: Path, data: Path, target: int, timeout: float = 120, *,
                with_vectors: bool = False) -> int:
    """Start an indexing process, SIGKILL it once ``target`` files are committed (by their
    words, or ``with_vectors``)."""
    data.mkdir(exist_ok=True)
    writes = _Writes()
    observer = Observer()
    observer.schedule(writes, str(data))
    observer.start()
    proc = subprocess.Popen([sys.executable, "-m", "desktop_app", "index", str(docs),
                             "--data-dir", str(data)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    try:
        # Re-count after every write to the data folder (the timeout only guards a hang).
        while True:
            writes.changed.clear()  # before counting: a write during the count is not lost
            if (committed(data / "library.sqlite3", with_vectors) >= target
                    or proc.poll() is not None):
                break
            assert time.monotonic() < deadline, "indexing made no progress"
            writes.changed.wait(timeout=1.0)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        observer.stop()
        observer.join()
    return proc.returncode


def check_sound(data: Path, signatures: dict[str, str]) -> tuple[set[str], set[str]]:
    """Open after the crash: integrity ok, every committed file findable — by meaning once it
    has its vectors, by its words while it waits for them — and the graph complete.
    (Files committed, files with their vectors)."""
    with Library(data) as lib:
        assert lib.store.integrity_ok()
        records = lib.store.files()
        indexed = {path for path, rec in records.items() if rec.status == "indexed"}
        embedded = {path for path in indexed if records[path].embedded}
        assert lib.graph.labels() == lib.store.chunk_ids()
        ids_by_file = lib.store.db.execute(
            "SELECT f.path, COUNT(c.id) FROM files f JOIN chunks c ON c.file_id = f.id "
            "GROUP BY f.id").fetchall()
        assert all(n > 0 for _, n in ids_by_file)
        for path in sorted(embedded)[:: max(1, len(embedded) // 6)]:
            # a chunk's own stored vector must find it: proof that it is in the graph
            chunk_id = lib.store.chunk_ids_of([records[path].id])[0]
            hits = lib.search_vector(lib.chunk_vector(chunk_id), SearchOptions(k=1))
            assert hits[0].path == path, f"{path} not found after the crash"
        for path in sorted(indexed - embedded)[:: max(1, len(indexed - embedded) // 6)]:
            # waiting for its vectors: found by its own words, and marked so
            [hit] = lib.search(f'"{signatures[path]}"', SearchOptions(k=1, mode="keyword"))
            assert hit.path == path and hit.meaning_pending
        return indexed, embedded


def test_sigkill_at_several_moments_loses_nothing_committed(tmp_path):
    signatures = make_corpus(tmp_path / "docs")
    data = tmp_path / "data"
    # killed while starting (before anything is committed), then at three points mid-index
    index_until(tmp_path / "docs", data, target=0)
    before: set[str] = set()
    with_vectors: set[str] = set()
    # killed while files are read (step 1), then while they get their vectors (step 2)
    for target, step2 in ((1, False), (FILES // 2, False), (FILES // 3, True),
                          (2 * FILES // 3, True)):
        index_until(tmp_path / "docs", data, target=target, with_vectors=step2)
        now, now_with_vectors = check_sound(data, signatures)
        assert before <= now and with_vectors <= now_with_vectors
        assert len(now_with_vectors if step2 else now) >= target
        before, with_vectors = now, now_with_vectors
    # the graph file is removed too: rebuilt from SQLite without the model
    for name in ("vectors.hnsw", "vectors.json"):
        (data / name).unlink(missing_ok=True)
    with Library(data) as lib:
        assert lib.graph.labels() == lib.store.chunk_ids() and not lib.model_loaded
    # resume: what was not read is read, and what waits for its vectors gets them; nothing
    # already read is read again
    with Library(data) as lib:
        summary = list(lib.sync())[-1].summary
        assert summary.unchanged == len(before) and summary.indexed == FILES - len(before)
        assert lib.store.counts()["indexed"] == FILES and lib.meaning_pending() == 0
        rows = lib.store.db.execute("SELECT COUNT(*), COUNT(DISTINCT path) FROM files").fetchone()
        assert rows[0] == rows[1] == FILES
        # a file that got its vectors only now (or any, if the last run finished them all)
        late = sorted((set(signatures) - with_vectors) or set(signatures))[-1]
        chunk_id = lib.store.chunk_ids_of([lib.store.files()[late].id])[0]
        assert lib.search_vector(lib.chunk_vector(chunk_id), SearchOptions(k=1))[0].path == late
