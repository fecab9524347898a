"""Watching folders: debounced batches of real file operations, fed to partial syncs."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from desktop_app.library import Library
from desktop_app.searching import SearchOptions
from desktop_app.watching import FolderWatcher

TEXTS = {
    "volcano.txt": "Volcanoes erupt when pressure from molten rock builds beneath the crust.",
    "tax.txt": "Income tax returns are due on the fifteenth of April each year.",
    "plants.txt": "Photosynthesis turns sunlight, water and carbon dioxide into glucose.",
}


def wait_for_batch(watcher: FolderWatcher, expect: set[str], timeout: float = 10.0) -> set[str]:
    """Collect batches until every expected path was reported (or fail after timeout)."""
    seen: set[str] = set()
    deadline = time.monotonic() + timeout
    while not expect <= seen:
        left = deadline - time.monotonic()
        assert left > 0, f"no change reported for {expect - seen}"
        batch = watcher.wait(timeout=left)
        if batch:
            seen |= set(batch)
    return seen


@pytest.fixture
def watched(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    watcher = FolderWatcher([str(folder)], quiet_seconds=0.2).start()
    yield folder, watcher
    watcher.stop()


def test_a_burst_of_writes_arrives_in_a_few_debounced_batches(watched):
    folder, watcher = watched
    names = {str(folder / f"f{i}.txt") for i in range(300)}
    for name in names:
        Path(name).write_text("x")
    seen: set[str] = set()
    batches = 0
    while not names <= seen:
        batch = watcher.wait(timeout=10)
        assert batch is not None, f"{len(names - seen)} writes never reported"
        seen |= batch
        batches += 1
    # one batch when the machine keeps up; a slow machine may hit the 5 s maximum delay
    assert batches <= 3


def test_rapid_rewrites_of_one_file_are_one_change(watched):
    folder, watcher = watched
    target = folder / "log.txt"
    for i in range(50):
        target.write_text(f"line {i}\n" * (i + 1))
    assert watcher.wait(timeout=10) == frozenset({str(target)})
    assert watcher.wait(timeout=0.5) is None


def test_reading_a_file_is_not_a_change(watched):
    folder, watcher = watched
    target = folder / "a.txt"
    target.write_text("hello")
    wait_for_batch(watcher, {str(target)})
    target.read_text()
    assert watcher.wait(timeout=0.6) is None


def test_file_operations_flow_into_the_library_through_partial_syncs(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    (a / "sub").mkdir(parents=True)
    b.mkdir()
    with Library(tmp_path / "data") as lib:
        lib.add([a, b])
        list(lib.sync())
        watcher = FolderWatcher(lib.roots(), quiet_seconds=0.2).start()
        try:
            def apply(expect: set[Path]):
                batch = wait_for_batch(watcher, {str(p) for p in expect})
                return [e for e in lib.sync(only=batch)][-1].summary

            def top(query: str) -> str:
                hits = lib.search(query, SearchOptions(k=1))
                return str(Path(hits[0].path).relative_to(tmp_path)) if hits else ""

            # create
            for name, text in TEXTS.items():
                (a / "sub" / name).write_text(text)
            s = apply({a / "sub" / n for n in TEXTS})
            assert s.indexed == 3 and top("when are taxes due") == "a/sub/tax.txt"
            # modify
            (a / "sub" / "tax.txt").write_text("Hummingbirds beat their wings very fast.")
            s = apply({a / "sub" / "tax.txt"})
            assert s.indexed == 1 and top("tiny birds flapping quickly") == "a/sub/tax.txt"
            # rename, then move across library folders: vectors kept, no model call
            tokens = lib.encoder.stats.tokens_encoded
            os.replace(a / "sub" / "plants.txt", a / "sub" / "green.txt")
            s = apply({a / "sub" / "green.txt"})
            assert s.moved == 1 and top("how plants make sugar") == "a/sub/green.txt"
            # across two watched folders the OS reports a delete and a create
            os.replace(a / "sub" / "green.txt", b / "green.txt")
            s = apply({a / "sub" / "green.txt", b / "green.txt"})
            assert s.moved == 1 and top("how plants make sugar") == "b/green.txt"
            assert lib.encoder.stats.tokens_encoded == tokens
            # delete a file, then a whole subtree
            (b / "green.txt").unlink()
            s = apply({b / "green.txt"})
            assert s.removed == 1
            shutil.rmtree(a / "sub")
            s = apply({a / "sub"})
            assert s.removed == 2
            assert lib.status().counts["indexed"] == 0
            assert lib.search("volcano", SearchOptions(k=3)) == []
        finally:
            watcher.stop()


def test_hidden_and_temporary_files_in_a_batch_are_not_indexed(tmp_path):
    docs = tmp_path / "docs"
    (docs / ".git").mkdir(parents=True)
    with Library(tmp_path / "data") as lib:
        lib.add([docs])
        (docs / ".git" / "notes.txt").write_text("internal")
        (docs / "~$report.txt").write_text("lock")
        (docs / "draft.txt.part").write_text("partial")
        (docs / "real.txt").write_text("Real content about gardening.")
        changed = [docs / ".git" / "notes.txt", docs / "~$report.txt", docs / "draft.txt.part",
                   docs / "real.txt"]
        summary = list(lib.sync(only=changed))[-1].summary
        assert summary.indexed == 1 and lib.status().counts["indexed"] == 1


def test_the_watch_command_indexes_changes_until_interrupted(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "first.txt").write_text(TEXTS["tax.txt"])
    data = tmp_path / "data"
    cmd = [sys.executable, "-m", "desktop_app"]
    subprocess.run([*cmd, "index", str(docs), "--data-dir", str(data)], check=True,
                   capture_output=True)
    proc = subprocess.Popen([*cmd, "watch", "--data-dir", str(data), "--quiet-seconds", "0.2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("watching"):
                break
        (docs / "second.txt").write_text(TEXTS["volcano.txt"])
        for line in proc.stdout:
            lines.append(line)
            if "indexed:" in line and "second.txt" in line:
                break
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "stopped watching" in out
    assert any("second.txt" in line for line in lines)
