"""The indexing panel: two progress bars, one per step of a sync — files searchable by their
words (read), then by meaning (embedded) — with the rate and time left of the running step,
and the Pause, Resume and Cancel buttons. It shows what the sync worker reports; the buttons
are requests the window forwards.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop_app.events import SyncProgress, SyncSummary
from desktop_app.formatting import format_duration
from desktop_app.gui.widgets import SecondaryLabel
from desktop_app.gui.wording import count


def summary_text(summary: SyncSummary) -> str:
    head = "Stopped" if summary.cancelled else "Up to date"
    parts = []
    for label, n in (("indexed", summary.indexed), ("moved", summary.moved),
                     ("copied", summary.copied), ("removed", summary.removed),
                     ("skipped", summary.skipped), ("failed", summary.failed)):
        if n:
            parts.append(f"{n:,} {label}")
    if summary.ocr_pages:
        parts.append(f"{count(summary.ocr_pages, 'scanned page')} read")
    if summary.cancelled:
        parts.append("the rest on the next scan")
    return f"{head}" + (f" — {', '.join(parts)}" if parts else "")


def _anything_found(summary: SyncSummary) -> bool:
    return any((summary.indexed, summary.unchanged, summary.skipped, summary.failed,
                summary.removed, summary.moved, summary.copied, summary.cancelled))


class IndexingPanel(QWidget):
    pause_requested = Signal()
    resume_requested = Signal()
    cancel_requested = Signal()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.title = title = QLabel("<b>Indexing</b>")
        self.bar = QProgressBar(self)
        self.bar.setObjectName("indexProgress")
        self.bar.setTextVisible(True)
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.bar.setFormat("")
        self.meaning_bar = QProgressBar(self)
        self.meaning_bar.setObjectName("meaningProgress")
        self.meaning_bar.setTextVisible(True)
        self.meaning_bar.hide()  # shown while step 2 runs
        self.detail = QLabel("Nothing to index yet")
        self.detail.setWordWrap(True)
        self.detail.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.current = SecondaryLabel("")
        self.current.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

        self.pause_button = QPushButton("Pause")
        self.resume_button = QPushButton("Resume")
        self.cancel_button = QPushButton("Cancel")
        self.pause_button.clicked.connect(self._pause)
        self.resume_button.clicked.connect(self._resume)
        self.cancel_button.clicked.connect(self.cancel_requested)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        for button in (self.pause_button, self.resume_button, self.cancel_button):
            buttons.addWidget(button)
        buttons.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(title)
        layout.addWidget(self.bar)
        layout.addWidget(self.meaning_bar)
        layout.addWidget(self.detail)
        layout.addWidget(self.current)
        layout.addLayout(buttons)
        self._busy = False
        self._paused = False
        self._update_buttons()

    # -- what the window tells it ------------------------------------------------------
    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        if busy:
            self._paused = False
            self.bar.setRange(0, 0)  # indeterminate until the scan knows the total
            self.detail.setText("Looking for new and changed files…")
        else:
            self.current.setText("")
            if self.bar.maximum() == 0:
                self.bar.setRange(0, 1)
                self.bar.setValue(1)
        self._update_buttons()

    def set_paused(self, paused: bool) -> None:
        self._paused = paused
        if paused:
            self.detail.setText("Paused — " + self.detail.text().split(" — ")[-1])
        self._update_buttons()

    def show_progress(self, event: SyncProgress) -> None:
        if event.phase == "scanning":
            self.bar.setRange(0, 0)
            found = f" ({event.files_total:,} to check)" if event.files_total else ""
            self.detail.setText(f"Looking for new and changed files{found}…")
        elif event.phase in ("indexing", "embedding"):
            # Two steps: files become searchable by their words as they are read
            # ("indexing"), then by meaning as the model reaches them ("embedding").
            bar = self.bar if event.phase == "indexing" else self.meaning_bar
            if event.phase == "embedding" and self.meaning_bar.isHidden():
                self.bar.setRange(0, 1)
                self.bar.setValue(1)
                self.bar.setFormat("searchable by words: all files")
                self.meaning_bar.show()
            total = max(1, event.files_total)
            bar.setRange(0, total)
            bar.setValue(min(event.files_done, total))
            step = "by words" if event.phase == "indexing" else "by meaning"
            bar.setFormat(f"{step}: {event.files_done:,} / {count(event.files_total, 'file')}")
            if event.phase == "indexing":
                rate = ("reading files: each is searchable by its words at once"
                        if event.files_done else "reading the first files")
            else:
                rate = (f"finding meaning, {event.chunks_per_second:.1f} passages/s"
                        if event.chunks_per_second else "finding meaning")
            eta = f" · about {format_duration(event.eta_seconds)} left" \
                if event.eta_seconds is not None else ""
            scans = (f" · {count(event.ocr_pages_done, 'scanned page')} read"
                     if event.ocr_pages_done else "")
            prefix = "Paused — " if self._paused else ""
            self.detail.setText(f"{prefix}{rate}{eta}{scans}")
        if event.current:
            metrics = self.current.fontMetrics()
            self.current.setText(metrics.elidedText(event.current, Qt.TextElideMode.ElideMiddle,
                                                    max(60, self.current.width())))
            self.current.setToolTip(event.current)

    def show_summary(self, summary: SyncSummary | None, error: str = "") -> None:
        self.meaning_bar.hide()
        self.bar.setRange(0, 1)
        self.bar.setValue(1 if summary is not None and not summary.cancelled else 0)
        self.bar.setFormat("")
        if error:
            self.detail.setText(error)
        elif summary is not None and not _anything_found(summary):
            self.bar.setValue(0)
            self.detail.setText("Nothing to index yet — add a folder")
        elif summary is not None:
            self.detail.setText(summary_text(summary))

    def set_title(self, task: str) -> None:
        """What the panel's work is ("Switching to …"); "" for plain indexing."""
        self.title.setText(f"<b>{html.escape(task or 'Indexing')}</b>")

    def set_message(self, text: str) -> None:
        self.detail.setText(text)

    # -- internals ---------------------------------------------------------------------
    def _pause(self) -> None:
        self._paused = True
        self._update_buttons()
        self.pause_requested.emit()

    def _resume(self) -> None:
        self._paused = False
        self._update_buttons()
        self.resume_requested.emit()

    def _update_buttons(self) -> None:
        self.pause_button.setEnabled(self._busy and not self._paused)
        self.resume_button.setEnabled(self._busy and self._paused)
        self.cancel_button.setEnabled(self._busy)
