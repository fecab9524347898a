"""Python's cyclic garbage collector, run on the UI thread only while a window is open.

The collector runs in whichever thread happens to allocate when its thresholds are crossed:
with indexing, searching and the vector graph on their own threads, that is usually not the
UI thread. A Qt object that ends up in a reference cycle is then collected on a worker
thread, PySide hands its deletion to the UI thread, and the process crashed there
(``QObject::~QObject`` from ``Shiboken::BindingManager::runDeletionInMainThread``, half of
the test-suite runs). So while a window is open, automatic collection is off and a timer on
the UI thread collects whenever the allocation counts say a collection is due.
"""

from __future__ import annotations

import gc
from typing import Any

from PySide6.QtCore import QObject, QTimer

#: how often the allocation counts are looked at; a check is a few microseconds
INTERVAL_MS = 100
_open = 0  # collectors running (windows open)


class MainThreadCollector(QObject):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        global _open
        self._threshold = gc.get_threshold()
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self.collect_if_due)
        self._running = True
        _open += 1
        gc.disable()
        self._timer.start()

    def collect_if_due(self) -> int:
        """Collect the generations the counts say are due (as the automatic collector
        would); returns the generation collected, or -1."""
        counts, threshold = gc.get_count(), self._threshold
        if threshold[0] == 0 or counts[0] <= threshold[0]:
            return -1
        generation = 0
        if counts[1] > threshold[1]:
            generation = 2 if counts[2] > threshold[2] else 1
        gc.collect(generation)
        return generation

    def stop(self) -> None:
        """Collect everything once, here, and give collection back to Python when no other
        window needs it (call after the window's threads have ended)."""
        global _open
        if not self._running:
            return
        self._running = False
        self._timer.stop()
        gc.collect()
        _open -= 1
        if _open == 0:
            gc.enable()
