"""The window's sidebar (folders, indexing, problems) and the controls that fold it away.

On a narrow window (below ``NARROW_WIDTH`` pixels) the sidebar folds away by default, so the
results and the preview keep a readable width; the Folders button beside the search box and
View ▸ Folders and indexing (F9) bring it back. Crossing the width again resets the
default; a toggle by hand holds until then. While it is folded away, the button says when
indexing runs.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QSplitter, QToolButton, QWidget

from desktop_app.gui.folders import FoldersPanel
from desktop_app.gui.problems import ProblemsPanel
from desktop_app.gui.progress import IndexingPanel

#: Narrower than this (window width, px), the sidebar folds away by default.
NARROW_WIDTH = 1000


class Sidebar(QSplitter):
    def __init__(self, folders: FoldersPanel, indexing: IndexingPanel,
                 problems: ProblemsPanel, parent: Any = None) -> None:
        super().__init__(Qt.Orientation.Vertical, parent)
        self.setObjectName("sidebar")
        self.addWidget(folders)
        self.addWidget(indexing)
        self.addWidget(problems)
        self.setStretchFactor(0, 3)
        self.setStretchFactor(2, 2)
        self.setChildrenCollapsible(False)
        self.button = QToolButton()
        self.button.setObjectName("sidebarButton")
        self.button.setCheckable(True)
        self.button.setChecked(True)
        self.button.setToolTip("Show or hide the folders, indexing and problems (F9)")
        self.button.toggled.connect(self.set_shown)
        self.action: QAction | None = None
        self._busy = False
        self._narrow: bool | None = None  # whether the window was narrow at the last resize
        self._update_button()

    def attach(self, window: QWidget, action: QAction) -> None:
        """Follow ``window``'s width; ``action`` (a checkable menu item) toggles too."""
        self.action = action
        action.setCheckable(True)
        action.setChecked(True)
        action.toggled.connect(self.set_shown)
        window.installEventFilter(self)

    def set_shown(self, shown: bool) -> None:
        self.setVisible(shown)
        for control in (self.button, self.action):
            if control is not None and control.isChecked() != shown:
                control.blockSignals(True)
                control.setChecked(shown)
                control.blockSignals(False)
        self._update_button()

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        self._update_button()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and isinstance(watched, QWidget):
            narrow = watched.width() < NARROW_WIDTH
            if narrow != self._narrow:
                self._narrow = narrow
                self.set_shown(not narrow)
        return False

    def _update_button(self) -> None:
        self.button.setText("Folders · indexing…" if self._busy and self.isHidden()
                            else "Folders")
