"""The worker threads: the UI stays free while indexing runs, searching works meanwhile,
pause/resume/cancel take effect between batches, and closing mid-index loses nothing."""

from __future__ import annotations

import itertools
import sys
import time

from gui_helpers import drop_and_index, drop_paths, python_threads, search
from proc_helpers import thread_nices
from PySide6.QtCore import QTimer

from desktop_app import priority
from desktop_app.library import Library


def _indexing(event) -> bool:
    return event.phase == "indexing"


def test_ui_stays_free_and_search_works_while_indexing_runs_and_pause_resume_cancel(
        qtbot, make_window, corpus, filler_corpus):
    window = make_window()
    drop_and_index(qtbot, window, [corpus])

    # A second, slower folder: the model is busy for several seconds.
    with qtbot.waitSignal(window.indexing_progress, check_params_cb=_indexing, timeout=60_000):
        drop_paths(window, [filler_corpus])

    # The UI thread is free: a 20 ms timer keeps ticking while indexing runs.
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    try:
        # And searching works meanwhile, on what is indexed so far.
        names = search(qtbot, window, "how do plants make food out of sunlight")
        assert names[0] == "photosynthesis.txt"
        qtbot.waitUntil(lambda: len(ticks) >= 25, timeout=10_000)
    finally:
        timer.stop()
    assert window.indexing.cancel_button.isEnabled(), "indexing ended too soon to tell"
    if sys.platform.startswith("linux"):
        # Indexing runs at background priority, the window and its searches at normal.
        nices: dict[str, set[int]] = {}
        for name, nice in thread_nices().values():
            nices.setdefault(name, set()).add(nice)
        assert nices["library-sync"] == {priority.NICE}
        assert nices["library-reader"] == {0}
        assert nices["main"] == {0}
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    print(f"timer ticks during indexing: {len(ticks)}, longest gap {max(gaps) * 1000:.0f} ms")
    assert max(gaps) < 1.0

    # Pause: the worker confirms once indexing has stopped, and then nothing moves.
    with qtbot.waitSignal(window.indexing_paused, check_params_cb=lambda p: p is True,
                          timeout=30_000):
        window.indexing.pause_button.click()
    assert window.indexing.resume_button.isEnabled()
    assert not window.indexing.pause_button.isEnabled()
    with qtbot.assertNotEmitted(window.indexing_progress, wait=600):
        pass

    # Resume: progress goes on.
    with qtbot.waitSignal(window.indexing_progress, timeout=30_000):
        window.indexing.resume_button.click()
    assert window.indexing.pause_button.isEnabled()

    # Cancel: the sync stops between batches and says so.
    with qtbot.waitSignal(window.indexing_finished, timeout=30_000) as finished:
        window.indexing.cancel_button.click()
    summary = finished.args[0]
    assert summary is not None and summary.cancelled
    assert not window.indexing.cancel_button.isEnabled()
    # the core's extraction helper was joined (the folder watcher's threads run on)
    assert [t for t in python_threads() if t.name.startswith("extract")] == []


def test_closing_mid_index_stops_the_worker_and_keeps_what_was_committed(
        qtbot, make_window, tmp_path, filler_corpus):
    data = tmp_path / "data"
    window = make_window(data)
    committed: list[str] = []

    def first_indexed(event) -> bool:
        return event.outcome is not None and event.outcome.status == "indexed"

    window.indexing_progress.connect(
        lambda e: committed.append(e.outcome.path) if first_indexed(e) else None)
    with qtbot.waitSignal(window.indexing_progress, check_params_cb=first_indexed,
                          timeout=60_000):
        drop_paths(window, [filler_corpus])

    started = time.perf_counter()
    window.close()
    print(f"closed mid-index in {time.perf_counter() - started:.2f} s")
    assert not window.sync_thread.isRunning() and window.sync_thread.isFinished()
    assert not window.reader_thread.isRunning() and window.reader_thread.isFinished()
    assert python_threads() == []

    # Everything reported as indexed is in the library; the rest is left for next time.
    with Library(data) as library:
        indexed = {r.path for r in library.store.files().values() if r.status == "indexed"}
    assert set(committed) <= indexed
    assert 0 < len(indexed) < 150
