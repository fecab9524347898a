"""The filter row under the search bar: folder, file type, modified since, search mode.

The row only collects choices; ``options()`` turns them into the ``SearchOptions`` that
``Library.search`` takes. ``changed`` fires when the
user picks something else, and the window re-runs the current query.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSizePolicy, QWidget

from desktop_app.paths import under_any
from desktop_app.searching import SearchOptions

#: (key, label, suffixes without the dot); no suffixes means any type.
FILE_TYPES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("any", "Any type", ()),
    ("pdf", "PDF", ("pdf",)),
    ("text", "Text / Markdown", ("txt", "md", "markdown", "rst")),
    ("web", "Web pages", ("html", "htm", "xhtml")),
    ("ebook", "E-books", ("epub", "mobi", "fb2")),
    ("data", "Data (CSV, JSON…)", ("csv", "tsv", "json", "jsonl", "xml", "yaml", "yml",
                                   "toml")),
    ("code", "Code", ("py", "js", "ts", "tsx", "jsx", "java", "c", "h", "cpp", "hpp", "cc",
                      "cs", "go", "rs", "rb", "php", "sh", "sql", "swift", "kt", "scala",
                      "lua", "css")),
)

#: (label, days back); None means any time.
SINCE: tuple[tuple[str, int | None], ...] = (
    ("Any time", None),
    ("Past week", 7),
    ("Past month", 31),
    ("Past year", 365),
)

#: (label, SearchOptions.mode)
MODES: tuple[tuple[str, str], ...] = (
    ("Meaning + words", "hybrid"),
    ("Meaning only", "vector"),
    ("Words only", "keyword"),
)

ALL_FOLDERS = "All folders"
_SUFFIXES = {key: suffixes for key, _label, suffixes in FILE_TYPES}


class FilterRow(QWidget):
    """Four compact combo boxes; ``options()`` gives the ``SearchOptions`` they choose."""

    changed = Signal()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setObjectName("filterRow")
        self._extra: list[str] = []  # paths chosen with set_folder that are not roots
        self.folder_combo = QComboBox()
        self.folder_combo.setObjectName("folderFilter")
        self.folder_combo.setToolTip("Search only this folder")
        self.folder_combo.addItem(ALL_FOLDERS, None)
        self.folder_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.folder_combo.setMinimumContentsLength(12)
        self.folder_combo.setMaximumWidth(280)  # a long folder name must not crowd the row
        self.folder_combo.setSizePolicy(QSizePolicy.Policy.Preferred,
                                        QSizePolicy.Policy.Fixed)
        self.type_combo = QComboBox()
        self.type_combo.setObjectName("typeFilter")
        self.type_combo.setToolTip("Search only files of this type")
        for key, label, _suffixes in FILE_TYPES:
            self.type_combo.addItem(label, key)
        self.since_combo = QComboBox()
        self.since_combo.setObjectName("sinceFilter")
        self.since_combo.setToolTip("Search only files modified since")
        for label, days in SINCE:
            self.since_combo.addItem(label, days)
        self.mode_combo = QComboBox()
        self.mode_combo.setObjectName("modeFilter")
        self.mode_combo.setToolTip("Meaning + words: by meaning and by the exact words\n"
                                   "Meaning only: by meaning\n"
                                   "Words only: passages containing the words")
        for label, mode in MODES:
            self.mode_combo.addItem(label, mode)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 2)
        layout.setSpacing(6)
        for text, combo in (("In", self.folder_combo), ("Type", self.type_combo),
                            ("Modified", self.since_combo), ("Match", self.mode_combo)):
            label = QLabel(text)
            label.setBuddy(combo)
            label.setEnabled(False)  # dim: a caption, not content
            layout.addWidget(label)
            layout.addWidget(combo)
            layout.addSpacing(6)
            combo.currentIndexChanged.connect(self._changed)
        layout.addStretch(1)

    # -- choices -------------------------------------------------------------------------
    def options(self) -> SearchOptions:
        """What the row chooses: the search mode and the filters that are set."""
        days = self.since_combo.currentData()
        return SearchOptions(
            mode=self.mode_combo.currentData(),
            folder=self.folder_combo.currentData() or None,
            file_types=_SUFFIXES.get(self.type_combo.currentData(), ()),
            since=datetime.now() - timedelta(days=days) if days else None)

    def set_roots(self, roots: list[str]) -> None:
        """The library's folders; the current choice stays if it is still there."""
        current = self.folder_combo.currentData()
        wanted = list(dict.fromkeys(roots))
        # A single file chosen through "more in this file" stays while its folder does.
        wanted += [p for p in self._extra if p not in wanted
                   and under_any(p, roots)]
        self._extra = [p for p in self._extra if p in wanted]
        existing = [self.folder_combo.itemData(i) for i in range(1, self.folder_combo.count())]
        if existing == wanted:
            return
        index = wanted.index(current) + 1 if current in wanted else 0
        self.folder_combo.blockSignals(True)
        try:
            while self.folder_combo.count() > 1:
                self.folder_combo.removeItem(1)
            for path in wanted:
                self._add_folder_item(path)
            self.folder_combo.setCurrentIndex(index)
        finally:
            self.folder_combo.blockSignals(False)
        if current and index == 0:
            self.changed.emit()  # the chosen folder left the library: now all folders

    def set_folder(self, path: str | None) -> None:
        """Limit the search to ``path`` (a library folder, a subfolder or one file)."""
        if not path:
            self.folder_combo.setCurrentIndex(0)
            return
        index = self.folder_combo.findData(path)
        if index < 0:
            self._add_folder_item(path)
            self._extra.append(path)
            index = self.folder_combo.count() - 1
        self.folder_combo.setCurrentIndex(index)

    def folder(self) -> str | None:
        return self.folder_combo.currentData()

    def reset(self) -> None:
        """Back to no filter (the search mode is kept)."""
        for combo in (self.folder_combo, self.type_combo, self.since_combo):
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        self.changed.emit()

    # -- internals -----------------------------------------------------------------------
    def _add_folder_item(self, path: str) -> None:
        name = os.path.basename(path.rstrip(os.sep)) or path
        self.folder_combo.addItem(name, path)
        self.folder_combo.setItemData(self.folder_combo.count() - 1, path,
                                      Qt.ItemDataRole.ToolTipRole)

    def _changed(self, _index: int) -> None:
        self.changed.emit()
