"""Reading files in a child process: the same chunks as on a thread, and a file that crashes
or hangs the reader fails alone, with a reason, while the others are read."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest
from proc_helpers import children

from desktop_app import extraction, syncing
from desktop_app.extraction import ReaderProcess, ReadJob, read_file
from desktop_app.library import Library
from desktop_app.searching import SearchOptions

FAKE = [sys.executable, str(Path(__file__).with_name("fake_reader.py"))]


def job(path: Path, tokenizer: Path, chunk_tokens: int = 256) -> ReadJob:
    st = os.stat(path)
    return ReadJob(str(path), st.st_size, st.st_mtime_ns, str(tokenizer), chunk_tokens)


@pytest.fixture
def fake_job(tmp_path: Path):
    """A job for the fake child on a file of that name (the name says what the child does)."""
    def make(name: str) -> ReadJob:
        path = tmp_path / name
        path.write_bytes(b"%PDF-1.4")
        return job(path, tmp_path / "tok.json")
    return make


@pytest.fixture
def files(test_data: Path) -> list[Path]:
    real = [test_data / "pdfs" / "real" / name for name in (
        "acl-2020-main-207.pdf", "nics-background-checks-2015-11.pdf",
        "scotus-transcript-p1.pdf")]
    return real + sorted((test_data / "pdfs" / "tricky").iterdir())


def test_the_child_reads_files_exactly_as_a_thread_does(files, encoder):
    tokenizer = encoder.tokenizer_path
    reader = ReaderProcess()
    try:
        futures = [reader.submit(job(f, tokenizer)) for f in files]
        in_child = [reader.result(f) for f in futures]
    finally:
        reader.close()
    here = [read_file(job(f, tokenizer), encoder.tokenize) for f in files]
    assert [r.status for r in in_child] == [r.status for r in here]
    assert [r.reason for r in in_child] == [r.reason for r in here]
    assert {r.status for r in here} == {"indexed", "skipped", "failed"}  # failed: damaged
    for a, b in zip(in_child, here):
        assert a.pages == b.pages and len(a.chunks) == len(b.chunks)
        for x, y in zip(a.chunks, b.chunks):
            assert (x.page, x.char_start, x.char_end, x.text) == (y.page, y.char_start,
                                                                  y.char_end, y.text)
            assert np.array_equal(x.token_ids, y.token_ids)
    assert reader.started == 1


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signal names")
def test_a_file_that_crashes_the_reader_fails_alone_and_a_new_child_reads_the_rest(fake_job):
    names = ["a.pdf", "crash.pdf", "b.pdf", "exit.pdf", "c.pdf"]
    reader = ReaderProcess(command=FAKE)
    try:
        results = [reader.result(reader.submit(fake_job(n))) for n in names]
    finally:
        reader.close()
    assert [r.status for r in results] == ["indexed", "failed", "indexed", "failed", "indexed"]
    assert "crashed on this file (SIGSEGV)" in results[1].reason
    assert "exit code 3" in results[3].reason
    assert reader.started == 3


def test_a_file_that_hangs_the_reader_is_stopped_after_the_timeout(fake_job):
    reader = ReaderProcess(command=FAKE, timeout=1.0)
    try:
        hung = reader.submit(fake_job("hang.pdf"))
        after = reader.submit(fake_job("after.pdf"))
        assert reader.result(hung).status == "failed"
        assert "took longer than 1 s" in hung.result().reason
        assert reader.result(after).status == "indexed"
    finally:
        reader.close()


def test_when_no_new_child_can_start_what_waited_fails_with_the_reason(tmp_path, fake_job):
    reader = ReaderProcess(command=FAKE, timeout=1.0)
    try:
        hung = reader.submit(fake_job("hang.pdf"))
        waiting = reader.submit(fake_job("next.pdf"))
        reader.command = [str(tmp_path / "no-such-program")]
        assert "took longer" in reader.result(hung).reason
        assert "could not be restarted" in reader.result(waiting).reason
        with pytest.raises(OSError):  # the sync then reads on a thread
            reader.submit(fake_job("next.pdf"))
    finally:
        reader.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_closing_stops_the_child_at_once_and_answers_what_was_waiting(fake_job):
    before = children()
    reader = ReaderProcess(command=FAKE)
    futures = [reader.submit(fake_job("hang.pdf")) for _ in range(3)]
    assert children() - before, "a child is reading"
    reader.close()
    assert children() == before
    assert all(f.done() and f.result().status == "failed" for f in futures)
    with pytest.raises(RuntimeError):
        reader.submit(fake_job("hang.pdf"))


def test_the_frozen_apps_flag_makes_it_the_extraction_child(files, encoder):
    command = [sys.executable, "-c", "import sys; from desktop_app.cli import main; "
               f"sys.exit(main([{extraction.CHILD_FLAG!r}]))"]
    reader = ReaderProcess(command=command)
    try:
        result = reader.result(reader.submit(job(files[0], encoder.tokenizer_path)))
    finally:
        reader.close()
    assert result.status == "indexed" and result.chunks


def test_the_child_works_without_console_streams_and_a_stray_print_does_no_harm(
        files, encoder):
    # as in a windowed app (pythonw, the frozen app on Windows): no sys.std* objects
    command = [sys.executable, "-c",
               "import os, sys; sys.stdin = sys.stdout = sys.stderr = None; "
               "import desktop_app.extraction as e, desktop_app.chunking as c; "
               "real = c.chunk_pages; "
               # what a C library printing on the standard output would do
               "c.chunk_pages = lambda *a: (os.write(1, b'noise'), real(*a))[1]; "
               "e.chunk_pages = c.chunk_pages; sys.exit(e.child_main())"]
    reader = ReaderProcess(command=command)
    try:
        result = reader.result(reader.submit(job(files[0], encoder.tokenizer_path)))
    finally:
        reader.close()
    assert result.status == "indexed" and result.chunks


def _index(data: Path, folder: Path) -> tuple[dict[str, tuple[str, int]], list[str]]:
    with Library(data) as lib:
        lib.add([folder])
        for _ in lib.sync():
            pass
        files = {Path(p).name: (r.status, r.chunks) for p, r in lib.store.files().items()}
        hits = [Path(r.path).name for r in lib.search("expenses of the senate", SearchOptions(k=3))]
    return files, hits


@pytest.fixture
def folder(tmp_path: Path, test_data: Path) -> Path:
    """Two short real PDFs and every tricky one (copies: the sync must not touch tests/data)."""
    out = tmp_path / "pdfs"
    out.mkdir()
    picked = [test_data / "pdfs" / "real" / n for n in ("senate-expenditures.pdf",
                                                         "scotus-transcript-p1.pdf")]
    for src in picked + sorted((test_data / "pdfs" / "tricky").iterdir()):
        (out / src.name).write_bytes(src.read_bytes())
    return out


def test_a_large_sync_reads_in_a_child_and_indexes_what_a_thread_would(
        tmp_path, folder, monkeypatch):
    on_thread = _index(tmp_path / "thread", folder)
    started: list[ReaderProcess] = []
    real_init = ReaderProcess.__init__

    def counting_init(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        started.append(self)

    monkeypatch.setattr(ReaderProcess, "__init__", counting_init)
    monkeypatch.setattr(syncing, "CHILD_MIN_FILES", 1)
    before = children() if sys.platform.startswith("linux") else set()
    in_child = _index(tmp_path / "child", folder)
    assert in_child == on_thread
    statuses = {status for status, _ in in_child[0].values()}
    assert {"indexed", "skipped"} <= statuses and in_child[1]  # scans, a password
    assert len(started) == 1 and started[0].started == 1
    if sys.platform.startswith("linux"):
        assert children() == before, "the child ended with the sync"


def test_when_no_child_can_start_the_sync_reads_on_a_thread(tmp_path, folder, monkeypatch):
    on_thread = _index(tmp_path / "thread", folder)
    monkeypatch.setattr(syncing, "CHILD_MIN_FILES", 1)
    monkeypatch.setattr(extraction, "child_command", lambda: [str(tmp_path / "no-such")])
    assert _index(tmp_path / "data", folder) == on_thread
