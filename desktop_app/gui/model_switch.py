"""Switching the window's library to another model: started from Settings, run by the
indexer's thread (``SyncWorker.switch_model``, the same re-index and atomic swap as
``desktop-app model use``), shown in the Indexing panel with its Cancel button, and reported
in the status bar when it ends. The current model answers searches until the swap.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QStatusBar

from desktop_app.gui.progress import IndexingPanel
from desktop_app.gui.statusline import StatusLine
from desktop_app.gui.threads import Indexer
from desktop_app.gui.wording import model_name, short_model_name
from desktop_app.library import Library
from desktop_app.models import ModelEntry

#: How long the outcome stays in the status bar (ms).
STATUS_MS = 10_000


class ModelSwitch(QObject):
    finished = Signal(bool, str)  # whether the model changed; the model in use now

    def __init__(self, library: Library, indexer: Indexer, indexing: IndexingPanel,
                 status_line: StatusLine, status_bar: QStatusBar,
                 notice: Callable[[str], None], provider: Callable[[], str | None],
                 parent: Any = None) -> None:
        super().__init__(parent)
        self._library = library
        self._indexer = indexer
        self._indexing = indexing
        self._status_line = status_line
        self._bar = status_bar
        self._notice = notice
        self._provider = provider
        indexer.model_switched.connect(self._on_switched)

    def start(self, entry: ModelEntry) -> bool:
        """Start re-indexing with ``entry``'s model; False (and a notice) if it cannot."""
        if not self._indexer.switch_model(entry):
            self._notice("The model cannot be switched now: another copy of the app is "
                         "indexing this library, or a switch is already running.")
            return False
        self._indexing.set_title(f"Switching to {short_model_name(entry.model_id)}")
        self._bar.showMessage(f"Reading every folder again with {model_name(entry.model_id)}"
                              "; searches use the current model until it is done…", STATUS_MS)
        return True

    def _on_switched(self, switched: bool, model_id: str) -> None:
        self._indexing.set_title("")
        if switched:
            self._status_line.set_model(model_id, self._provider() or "cpu", None)
            self._bar.showMessage(f"The library now uses {model_name(model_id)}.", STATUS_MS)
        else:
            self._bar.showMessage(
                "The model was not switched; the library still uses "
                f"{model_name(self._library.profile.model_id)}.", STATUS_MS)
        self.finished.emit(switched, model_id)
