"""What the window's two background workers report, declared once.

Each worker (``desktop_app.gui.workers``) and the UI-thread handle that fronts it
(``desktop_app.gui.threads``) share one of these classes, so the handle offers the same
signals as its worker. ``relay`` connects a worker's signals to its handle's: Qt then queues
each emission to the UI thread, so the window's slots (lambdas included) never run on a
worker's thread.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from PySide6.QtCore import QObject, Signal


class SyncEvents(QObject):
    """What indexing reports: ``SyncWorker`` emits them, ``Indexer`` relays them."""

    progress = Signal(object)  # SyncProgress
    finished = Signal(object)  # SyncSummary, or None when the sync stopped on an error
    failed = Signal(str)  # a message for the user
    paused = Signal(bool)  # True once indexing has actually stopped; False when it goes on
    busy = Signal(bool)
    write_access = Signal(bool, str)  # whether this process may write, and why not
    folders_changed = Signal()
    model_switched = Signal(bool, str)  # whether the model changed; the model in use now


class ReaderEvents(QObject):
    """What reading reports: ``ReaderWorker`` emits them, ``Reader`` relays them."""

    model_ready = Signal(str, float)  # provider, seconds taken
    model_failed = Signal(str)
    results_ready = Signal(int, str, list)  # generation, query, [SearchResult]
    search_failed = Signal(int, str)
    preview_ready = Signal(int, object)  # generation, Preview
    snapshot_ready = Signal(object)  # LibrarySnapshot
    problem = Signal(str)  # something failed in the background: a message for the user


def signal_names(events: type[QObject]) -> list[str]:
    """The signals ``events`` declares itself (not those of QObject)."""
    return [name for name, value in vars(events).items() if isinstance(value, Signal)]


def relay(worker: QObject, handle: QObject, events: type[QObject],
          handlers: Mapping[str, Callable[..., None]] | None = None) -> None:
    """Re-emit each of ``events``' signals of ``worker`` as the same signal of ``handle``,
    except those in ``handlers``, which go to the handler (it decides what to emit)."""
    handlers = handlers or {}
    unknown = set(handlers) - set(signal_names(events))
    if unknown:
        raise ValueError(f"{events.__name__} has no signal {', '.join(sorted(unknown))}")
    for name in signal_names(events):
        getattr(worker, name).connect(handlers.get(name) or getattr(handle, name))
