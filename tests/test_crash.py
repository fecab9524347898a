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


def committed(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return conn.execute("SELECT COUNT(*) FROM files WHERE status = 'indexed'").fetchone()[0]
    except sqlite3.OperationalError:
        return 0  # the schema is not there yet


class _Writes(FileSystemEventHandler):
    """Set whenever a file in the data folder changes: each commit writes the WAL."""

    def __init__(self) -> None:
        self.changed = threading.Event()

    def on_any_event(self, event: FileSystemEvent) -> None:
        self.changed.set()


def index_until(docs: Path, data: Path, target: int, timeout: float = 120) -> int:
    """Start an indexing process, SIGKILL it once ``target`` files are committed."""
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
            if committed(data / "library.sqlite3") >= target or proc.poll() is not None:
                break
            assert time.monotonic() < deadline, "indexing made no progress"
            writes.changed.wait(timeout=1.0)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        observer.stop()
        observer.join()
    return proc.returncode


def check_sound(data: Path) -> set[str]:
    """Open after the crash: integrity ok, every committed file searchable, graph complete."""
    with Library(data) as lib:
        assert lib.store.integrity_ok()
        indexed = {path for path, rec in lib.store.files().items() if rec.status == "indexed"}
        assert lib.graph.labels() == lib.store.chunk_ids()
        ids_by_file = lib.store.db.execute(
            "SELECT f.path, COUNT(c.id) FROM files f JOIN chunks c ON c.file_id = f.id "
            "GROUP BY f.id").fetchall()
        assert all(n > 0 for _, n in ids_by_file)
        for path in sorted(indexed)[:: max(1, len(indexed) // 6)]:
            # a chunk's own stored vector must find it: proof that it is in the graph
            record = lib.store.files()[path]
            chunk_id = lib.store.chunk_ids_of([record.id])[0]
            hits = lib.search_vector(lib.chunk_vector(chunk_id), SearchOptions(k=1))
            assert hits[0].path == path, f"{path} not found after the crash"
        return indexed


def test_sigkill_at_several_moments_loses_nothing_committed(tmp_path):
    signatures = make_corpus(tmp_path / "docs")
    data = tmp_path / "data"
    # killed while starting (before anything is committed), then at three points mid-index
    index_until(tmp_path / "docs", data, target=0)
    before = set()
    for target in (1, FILES // 3, 2 * FILES // 3):
        index_until(tmp_path / "docs", data, target=target)
        now = check_sound(data)
        assert before <= now and len(now) >= target
        before = now
    # the graph file is removed too: rebuilt from SQLite without the model
    for name in ("vectors.hnsw", "vectors.json"):
        (data / name).unlink(missing_ok=True)
    with Library(data) as lib:
        assert lib.graph.labels() == lib.store.chunk_ids() and not lib.model_loaded
    # resume: only what was not committed is embedded
    with Library(data) as lib:
        summary = list(lib.sync())[-1].summary
        assert summary.unchanged == len(before) and summary.indexed == FILES - len(before)
        assert lib.store.counts()["indexed"] == FILES
        rows = lib.store.db.execute("SELECT COUNT(*), COUNT(DISTINCT path) FROM files").fetchone()
        assert rows[0] == rows[1] == FILES
        late = sorted(set(signatures) - before)[-1]
        chunk_id = lib.store.chunk_ids_of([lib.store.files()[late].id])[0]
        assert lib.search_vector(lib.chunk_vector(chunk_id), SearchOptions(k=1))[0].path == late
