"""Garbage is collected on the UI thread while a window is open (gui/collector.py)."""

from __future__ import annotations

import gc
import threading

from desktop_app.gui.collector import MainThreadCollector


class _Cycle:
    def __init__(self) -> None:
        self.me = self

    def __del__(self) -> None:
        _collected_on.append(threading.current_thread().name)


_collected_on: list[str] = []


def test_cycles_made_on_a_worker_thread_are_collected_on_the_ui_thread(qtbot):
    _collected_on.clear()
    collector = MainThreadCollector()
    try:
        assert not gc.isenabled()

        def churn() -> None:  # what an indexing thread does: allocate, and drop cycles
            for _ in range(20_000):
                _Cycle()

        worker = threading.Thread(target=churn, name="worker")
        worker.start()
        worker.join()
        assert _collected_on == [], "nothing is collected off the UI thread"
        qtbot.waitUntil(lambda: len(_collected_on) > 0, timeout=5000)
        assert set(_collected_on) == {threading.main_thread().name}
    finally:
        collector.stop()
    assert gc.isenabled(), "collection is Python's again once no window needs it"
