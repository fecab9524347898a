"""The window's status bar: which library is open (the personal one, or a team library,
marked as such), what it holds, how far the vector graph has opened, and which model runs
where."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QLabel, QStatusBar

from desktop_app.gui.wording import count, processor_name, short_model_name

#: how often the graph's opening progress is read (a few attribute reads)
GRAPH_POLL_MS = 250


class StatusLine(QObject):
    graph_ready = Signal()  # the whole graph answers searches now (emitted once)

    def __init__(self, bar: QStatusBar, graph_loading: Callable[[], tuple[int, int] | None],
                 parent: Any = None) -> None:
        super().__init__(parent)
        self._graph_loading = graph_loading
        self.place = QLabel("")
        self.place.setObjectName("libraryMarker")
        self.counts = QLabel("")
        self.graph = QLabel("")
        self.graph.setObjectName("graphStatus")
        self.graph.setToolTip("Until it is ready, results come from keyword search and the "
                              "part of the index that is loaded.")
        self.model = QLabel("Loading the model…")
        bar.addWidget(self.counts, 1)
        # permanent: a message in the status bar never hides which library is open
        bar.addPermanentWidget(self.place)
        bar.addPermanentWidget(self.graph)
        bar.addPermanentWidget(self.model)
        self._timer = QTimer(self)
        self._timer.setInterval(GRAPH_POLL_MS)
        self._timer.timeout.connect(self._poll_graph)

    def start(self) -> None:
        self._poll_graph()
        if self._graph_loading() is not None:
            self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def set_library(self, label: str, team: bool, detail: str) -> None:
        """Which library is open: "Personal library", or a team library shown as a badge
        (another place than this computer: the user must never mistake one for the other).
        """
        self.place.setText(label)
        self.place.setToolTip(detail)
        # Both badges are as tall: a status bar whose height changes lays itself out again,
        # and that shows the counts over a message in the bar.
        self.place.setStyleSheet(
            "QLabel { border-radius: 7px; padding: 1px 8px; "
            + ("background: palette(highlight); color: palette(highlighted-text); "
               "border: 1px solid palette(highlight); font-weight: bold; }" if team
               else "border: 1px solid palette(mid); }"))

    def follow(self, graph_loading: Callable[[], tuple[int, int] | None]) -> None:
        """Read another library's graph progress from now on (see ``start``)."""
        self.stop()
        self._graph_loading = graph_loading
        self.graph.setText("")

    def set_counts(self, files: int, chunks: int) -> None:
        self.counts.setText(f"{count(files, 'file')} · {count(chunks, 'passage')}")

    def set_model(self, model_id: str, provider: str, seconds: float | None) -> None:
        self.model.setText(f"{short_model_name(model_id)} · {processor_name(provider)}")
        loaded = f"\nloaded in {seconds:.2f} s" if seconds is not None else ""
        self.model.setToolTip(f"The search model: {model_id}{loaded}")

    def set_model_failed(self) -> None:
        self.model.setText("Model failed to load")

    def _poll_graph(self) -> None:
        loading = self._graph_loading()
        if loading is None:
            self._timer.stop()
            if self.graph.text():
                self.graph.setText("")
                self.graph_ready.emit()
            return
        done, total = loading
        self.graph.setText(f"Preparing search by meaning: {done:,} of {count(total, 'passage')}"
                           if total else "Loading the search index…")
