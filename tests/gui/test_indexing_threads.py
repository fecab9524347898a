"""The worker threads: the UI stays free while indexing runs, searching works meanwhile,
pause/resume/cancel take effect between batches, and closing mid-index loses nothing.

The model is held at a gate between its calls (it still runs for real when let through), so
"while indexing runs" holds however fast or slow the machine is.
"""

from __future__ import annotations

import itertools
import sys
import threading
import time
from collections.abc import Iterator

import pytest
from gui_helpers import drop_and_index, drop_paths, python_threads, search
from proc_helpers import thread_nices
from PySide6.QtCore import QTimer

from desktop_app import priority
from desktop_app.embedding import Encoder
from desktop_app.events import SyncControl
from desktop_app.library import Library


class ModelGate:
    """Holds each call of the indexing model until the test lets it through; a sync's cancel
    opens it for good, so a window closing never waits on it."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._open = True
        self._permits = 0
        self._free_groups = 0  # groups of files still let through whole
        self._waiting = 0

    def close(self, after_groups: int = 0) -> None:
        """Hold the model from the next group of files on, or after ``after_groups`` groups."""
        with self._cond:
            self._open, self._free_groups = False, after_groups

    def let_through(self, calls: int = 1) -> None:
        with self._cond:
            self._permits += calls
            self._cond.notify_all()

    def open(self) -> None:
        with self._cond:
            self._open = True
            self._cond.notify_all()

    @property
    def holding(self) -> bool:
        """The model is waiting at the gate and nothing lets it through."""
        with self._cond:
            return self._waiting > 0 and self._permits == 0 and not self._open

    def start_group(self) -> bool:
        """Whether a new group of files passes without stopping."""
        with self._cond:
            if self._open:
                return True
            if self._free_groups:
                self._free_groups -= 1
                return True
            return False

    def wait(self) -> None:
        with self._cond:
            self._waiting += 1
            try:
                # the timeout only keeps a broken test from hanging the sync thread
                if not self._cond.wait_for(lambda: self._open or self._permits > 0,
                                           timeout=120):
                    raise TimeoutError("the test never let the model go on")
                if not self._open:
                    self._permits -= 1
            finally:
                self._waiting -= 1


@pytest.fixture
def model_gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModelGate]:
    gate = ModelGate()
    real_iter = Encoder.iter_embed_documents
    real_cancel = SyncControl.cancel

    def gated(self, documents):
        free = gate.start_group()
        job = real_iter(self, documents)
        while True:
            if not free:
                gate.wait()
            try:
                done = next(job)
            except StopIteration as finished:
                return finished.value
            yield done

    def cancel_and_open(self) -> None:
        real_cancel(self)
        gate.open()

    monkeypatch.setattr(Encoder, "iter_embed_documents", gated)
    monkeypatch.setattr(SyncControl, "cancel", cancel_and_open)
    yield gate
    gate.open()


def test_ui_stays_free_and_search_works_while_indexing_runs_and_pause_resume_cancel(
        qtbot, make_window, corpus, filler_corpus, model_gate):
    window = make_window()
    drop_and_index(qtbot, window, [corpus])

    # A second folder, held mid-index at the model's first call.
    model_gate.close()
    drop_paths(window, [filler_corpus])
    qtbot.waitUntil(lambda: model_gate.holding, timeout=60_000)

    # The UI thread is free: a 20 ms timer keeps ticking while one model call runs and
    # while indexing waits for the next.
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    try:
        model_gate.let_through(1)
        # And searching works meanwhile, on what is indexed so far.
        names = search(qtbot, window, "how do plants make food out of sunlight")
        assert names[0] == "photosynthesis.txt"
        qtbot.waitUntil(lambda: len(ticks) >= 25 and model_gate.holding, timeout=60_000)
    finally:
        timer.stop()
    assert window.indexing.cancel_button.isEnabled()
    if sys.platform.startswith("linux"):
        # Indexing runs at background priority, the window and its searches where the
        # process started (which is not 0 when the tests themselves run under `nice`).
        started_at = priority.this_thread_nice()
        nices: dict[str, set[int]] = {}
        for name, nice in thread_nices().values():
            nices.setdefault(name, set()).add(nice)
        assert nices["library-sync"] == {max(priority.NICE, started_at)}
        assert nices["library-reader"] == {started_at}
        assert nices["main"] == {started_at}
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    print(f"timer ticks during indexing: {len(ticks)}, longest gap {max(gaps) * 1000:.0f} ms")

    # Pause: the worker confirms once indexing has stopped, and then nothing moves.
    with qtbot.waitSignal(window.indexing_paused, check_params_cb=lambda p: p is True,
                          timeout=30_000):
        window.indexing.pause_button.click()
        model_gate.let_through(1)
    assert window.indexing.resume_button.isEnabled()
    assert not window.indexing.pause_button.isEnabled()
    with qtbot.assertNotEmitted(window.indexing_progress, wait=600):
        pass

    # Resume: progress goes on.
    with qtbot.waitSignal(window.indexing_progress, timeout=30_000):
        window.indexing.resume_button.click()
        model_gate.let_through(1)
    assert window.indexing.pause_button.isEnabled()

    # Cancel: the sync stops between batches and says so.
    with qtbot.waitSignal(window.indexing_finished, timeout=30_000) as finished:
        window.indexing.cancel_button.click()
    summary = finished.args[0]
    assert summary is not None and summary.cancelled
    assert not window.indexing.cancel_button.isEnabled()
    # never "up to date" after a stop
    assert {row.state for row in window.folders.rows()} == {"stopped; Rescan indexes the rest"}
    # the core's extraction helper was joined (the folder watcher's threads run on)
    assert [t for t in python_threads() if t.name.startswith("extract")] == []


def test_closing_mid_index_stops_the_worker_and_keeps_what_was_committed(
        qtbot, make_window, tmp_path, filler_corpus, model_gate):
    data = tmp_path / "data"
    window = make_window(data)
    qtbot.waitUntil(lambda: not window.indexer.syncing, timeout=60_000)  # the opening sync
    model_gate.close()  # every file is read (step 1); the model waits at its first group
    committed: list[str] = []

    def first_indexed(event) -> bool:
        return event.outcome is not None and event.outcome.status == "indexed"

    window.indexing_progress.connect(
        lambda e: committed.append(e.outcome.path) if first_indexed(e) else None)
    drop_paths(window, [filler_corpus])
    qtbot.waitUntil(lambda: model_gate.holding, timeout=60_000)

    started = time.perf_counter()
    window.close()
    print(f"closed mid-index in {time.perf_counter() - started:.2f} s")
    assert not window.sync_thread.isRunning() and window.sync_thread.isFinished()
    assert not window.reader_thread.isRunning() and window.reader_thread.isFinished()
    assert python_threads() == []

    # Everything reported as indexed is in the library, searchable by its words; its
    # meaning is left for next time.
    with Library(data) as library:
        indexed = {r.path for r in library.store.files().values() if r.status == "indexed"}
        assert set(committed) <= indexed and len(indexed) == 150
        assert library.meaning_pending() == 150


def test_a_change_the_watcher_sees_goes_ahead_of_the_backlog(
        qtbot, make_window, tmp_path, filler_corpus, model_gate):
    window = make_window(tmp_path / "data")
    qtbot.waitUntil(lambda: not window.indexer.syncing, timeout=60_000)  # the opening sync
    model_gate.close()
    drop_paths(window, [filler_corpus])
    qtbot.waitUntil(lambda: model_gate.holding, timeout=60_000)  # the backlog's first group
    changed = filler_corpus / "today.txt"
    changed.write_text("Minutes of today's meeting: the bridge repairs start on Monday.")
    order: list[str] = []

    def embedded(event) -> None:
        if event.phase == "embedding" and event.files_done and event.current not in order:
            order.append(event.current)

    window.indexing_progress.connect(embedded)
    with qtbot.waitSignal(window.indexing_finished, timeout=120_000):
        window.indexer.sync(frozenset({str(changed.resolve())}))  # what the watcher sends
    assert order[0] == str(changed.resolve()), "the changed file got its meaning first"
    assert window.library.meaning_pending() == 0
