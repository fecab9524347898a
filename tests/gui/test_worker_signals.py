"""The workers' signals are declared once and reach the window on the UI thread: a handle
re-emits what its worker emits on another thread, and decides for the signals it handles."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QObject, QThread, Signal

from desktop_app.gui.threads import Indexer, Reader
from desktop_app.gui.worker_signals import ReaderEvents, SyncEvents, relay, signal_names
from desktop_app.gui.workers import ReaderWorker, SyncWorker


def test_each_signal_is_declared_once_and_offered_by_worker_and_handle():
    for events, worker, handle in ((SyncEvents, SyncWorker, Indexer),
                                   (ReaderEvents, ReaderWorker, Reader)):
        names = signal_names(events)
        assert names
        for cls in (worker, handle):
            assert issubclass(cls, events)
            # no subclass declares one of them again
            assert not set(names) & {n for n, v in vars(cls).items() if isinstance(v, Signal)}


class _Emitter(SyncEvents):
    emit_all = Signal()

    def __init__(self, threads_seen: list[threading.Thread]) -> None:
        super().__init__()
        self.emit_all.connect(self._emit_all)
        self._threads_seen = threads_seen

    def _emit_all(self) -> None:
        self._threads_seen.append(threading.current_thread())
        self.progress.emit("p")
        self.paused.emit(True)
        self.busy.emit(False)
        self.failed.emit("disk full")
        self.folders_changed.emit()
        self.write_access.emit(False, "another window")
        self.model_switched.emit(True, "model-b")
        self.finished.emit("summary")


class _Handle(SyncEvents):
    handled = Signal(str)

    def __init__(self, worker: QObject) -> None:
        super().__init__()
        relay(worker, self, SyncEvents, {"finished": self._on_finished})

    def _on_finished(self, summary: object) -> None:
        self.handled.emit(f"handled {summary}")


def test_a_handle_relays_its_workers_signals_to_the_ui_thread(qtbot):
    thread = QThread()
    worker_threads: list[threading.Thread] = []
    worker = _Emitter(worker_threads)
    worker.moveToThread(thread)
    # deleted on its own thread as it ends, as the window's workers are
    thread.finished.connect(worker.deleteLater)
    handle = _Handle(worker)
    seen: list[tuple[str, tuple, threading.Thread]] = []
    for name in signal_names(SyncEvents):
        getattr(handle, name).connect(
            lambda *args, name=name: seen.append((name, args, threading.current_thread())))
    thread.start()
    try:
        with qtbot.waitSignal(handle.handled, timeout=10_000) as blocker:
            worker.emit_all.emit()
    finally:
        thread.quit()
        thread.wait()
    assert worker_threads and worker_threads[0] is not threading.main_thread()
    assert blocker.args == ["handled summary"]
    assert [(name, args) for name, args, _ in seen] == [
        ("progress", ("p",)), ("paused", (True,)), ("busy", (False,)),
        ("failed", ("disk full",)), ("folders_changed", ()),
        ("write_access", (False, "another window")), ("model_switched", (True, "model-b"))]
    assert all(where is threading.main_thread() for _, _, where in seen)


def test_a_handler_for_a_signal_that_does_not_exist_is_refused():
    with pytest.raises(ValueError, match="no signal finshed"):
        relay(QObject(), QObject(), SyncEvents, {"finshed": print})
