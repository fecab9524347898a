"""The window's settings (model, execution provider, CPU threads, chunk size) and their dialog.

Settings are typed (a dataclass), not loose string keys, and persisted with QSettings in an
INI file inside the data folder: they configure that library, two libraries can differ, and
a test's temporary data folder never touches the user's real settings.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QSpinBox,
    QVBoxLayout,
)

from desktop_app.embedding.providers import available as available_providers
from desktop_app.gui.widgets import SecondaryLabel
from desktop_app.library import DEFAULT_CHUNK_TOKENS

SETTINGS_FILE = "gui-settings.ini"
BUNDLED_MODEL = "bundled"


@dataclass
class AppSettings:
    model: str = BUNDLED_MODEL
    provider: str = "auto"
    threads: int = 0  # 0: onnxruntime decides
    chunk_tokens: int = DEFAULT_CHUNK_TOKENS  # used when a new library is created

    @classmethod
    def load(cls, store: QSettings) -> AppSettings:
        defaults = cls()
        values: dict[str, Any] = {}
        for f in fields(cls):
            default = getattr(defaults, f.name)
            raw = store.value(f"indexing/{f.name}", default)
            try:
                values[f.name] = type(default)(raw)
            except (TypeError, ValueError):  # a hand-edited file must not stop the app
                values[f.name] = default
        return cls(**values)

    def save(self, store: QSettings) -> None:
        for f in fields(self):
            store.setValue(f"indexing/{f.name}", getattr(self, f.name))
        store.sync()


def open_settings(data_dir: Path) -> QSettings:
    return QSettings(str(data_dir / SETTINGS_FILE), QSettings.Format.IniFormat)


class SettingsDialog(QDialog):
    """Edits a copy of the settings; ``result_settings()`` returns it after Accept."""

    def __init__(self, settings: AppSettings, *, model_id: str, library_chunk_tokens: int,
                 active_provider: str | None, parent: Any = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self._settings = settings

        self.model = QComboBox()
        self.model.addItem(f"Bundled: {model_id}", BUNDLED_MODEL)
        self.model.setToolTip("The model that turns text into vectors. A library is built by "
                              "one model; another model needs a new library.")

        self.provider = QComboBox()
        self.provider.addItem("Auto (GPU if available, else CPU)", "auto")
        for name in available_providers():
            self.provider.addItem({"cpu": "CPU", "cuda": "CUDA (NVIDIA GPU)",
                                   "directml": "DirectML (Windows GPU)"}.get(name, name), name)
        index = self.provider.findData(settings.provider)
        self.provider.setCurrentIndex(max(0, index))

        self.threads = QSpinBox()
        self.threads.setRange(0, max(1, os.cpu_count() or 1))
        self.threads.setSpecialValueText("Auto")
        self.threads.setValue(settings.threads)

        self.chunk_tokens = QSpinBox()
        self.chunk_tokens.setRange(64, 512)
        self.chunk_tokens.setSingleStep(32)
        self.chunk_tokens.setSuffix(" tokens")
        self.chunk_tokens.setValue(settings.chunk_tokens)

        running = f" (running on {active_provider.upper()})" if active_provider else ""
        notes = SecondaryLabel(
            f"Provider and threads take effect the next time the app starts{running}.<br>"
            f"This library splits documents into passages of {library_chunk_tokens} tokens. "
            "A new passage size or model applies to a new library (a new data folder, or "
            "this one emptied and indexed again).")
        notes.setWordWrap(True)

        form = QFormLayout()
        form.addRow("Model:", self.model)
        form.addRow("Execution provider:", self.provider)
        form.addRow("CPU threads:", self.threads)
        form.addRow("Passage size:", self.chunk_tokens)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(notes)
        layout.addWidget(buttons)

    def result_settings(self) -> AppSettings:
        return AppSettings(model=self.model.currentData(), provider=self.provider.currentData(),
                           threads=self.threads.value(), chunk_tokens=self.chunk_tokens.value())
