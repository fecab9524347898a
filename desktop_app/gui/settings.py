"""The window's settings (processor, CPU threads, passage length) and their dialog, which
also lists the models the library can switch to (the ones ``desktop-app model list`` shows).

The model is not a setting kept here: the library records which model made its index, and
switching is a re-index (the window runs it). Settings are typed (a dataclass), not loose
string keys, and persisted with QSettings in an INI file inside the data folder: they
configure that library, two libraries can differ, and a test's temporary data folder never
touches the user's real settings.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QVBoxLayout,
)

from desktop_app.embedding.profile import ALIASES
from desktop_app.embedding.providers import available as available_providers
from desktop_app.gui.widgets import SecondaryLabel
from desktop_app.gui.wording import model_name, processor_name, tokens_to_words, words_to_tokens
from desktop_app.library import DEFAULT_CHUNK_TOKENS
from desktop_app.models import ModelEntry, ModelRegistry

SETTINGS_FILE = "gui-settings.ini"
#: What to type for a model on the command line ("pplx-0.6b").
_SHORT_NAMES = {model_id: alias for alias, model_id in ALIASES.items()}
#: The ModelEntry of a row of the model list.
ModelRole = Qt.ItemDataRole.UserRole + 1


@dataclass
class AppSettings:
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


def known_models(models_root: Path) -> list[ModelEntry]:
    """The models ``desktop-app model list`` shows for a library with this models folder."""
    return ModelRegistry(models_root).entries()


class SettingsDialog(QDialog):
    """Edits a copy of the settings; ``result_settings()`` returns it after Accept, and
    ``chosen_model()`` the model to switch the library to, if another one was picked."""

    def __init__(self, settings: AppSettings, *, models: list[ModelEntry], model_id: str,
                 library_chunk_tokens: int, active_provider: str | None,
                 switching: str | None = None, ocr: bool | None = None,
                 parent: Any = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self._settings = settings
        self._current_model = model_id

        self.models = QListWidget()
        self.models.setObjectName("modelList")
        self.models.setWordWrap(True)
        self.models.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.models.setToolTip("The model that understands your documents. Another model "
                               "re-reads every folder in the background; searching keeps "
                               "working with the current one until it is done.")
        for entry in models:
            self.models.addItem(self._model_item(entry, switching))
        self.models.setMinimumHeight(min(4, max(1, len(models))) * 44)

        self.provider = QComboBox()
        self.provider.addItem("Automatic (a GPU if there is one, else the CPU)", "auto")
        for name in available_providers():
            self.provider.addItem(processor_name(name), name)
        index = self.provider.findData(settings.provider)
        self.provider.setCurrentIndex(max(0, index))

        self.threads = QSpinBox()
        self.threads.setRange(0, max(1, os.cpu_count() or 1))
        self.threads.setSpecialValueText("Automatic")
        self.threads.setValue(settings.threads)

        # Shown in words (what a reader can picture); kept in the model's tokens.
        self.passage_words = QSpinBox()
        self.passage_words.setRange(tokens_to_words(64), tokens_to_words(512))
        self.passage_words.setSingleStep(20)
        self.passage_words.setPrefix("about ")
        self.passage_words.setSuffix(" words")
        self.passage_words.setValue(tokens_to_words(settings.chunk_tokens))
        self._initial_words = self.passage_words.value()

        running = (f" (now running on the {processor_name(active_provider)})"
                   if active_provider else "")
        notes = SecondaryLabel(
            f"Processor and CPU threads take effect the next time the app starts{running}."
            f"<br>This library splits documents into passages of about "
            f"{tokens_to_words(library_chunk_tokens)} words. Another passage length applies "
            "to a new library (a new data folder).")
        notes.setWordWrap(True)

        form = QFormLayout()
        form.addRow("Model:", self.models)
        form.addRow("Processor:", self.provider)
        form.addRow("CPU threads:", self.threads)
        form.addRow("Passage length:", self.passage_words)
        # A setting of the library (kept in its database), shown when the window passes it.
        self.ocr = QCheckBox("Read scanned pages and pictures of text (OCR, on this computer)")
        self.ocr.setChecked(bool(ocr))
        self.ocr.setToolTip("Off: scans are listed as needing OCR and not searchable.")
        if ocr is not None:
            form.addRow("Scans:", self.ocr)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(notes)
        layout.addWidget(buttons)
        self.resize(560, self.sizeHint().height())

    def _model_item(self, entry: ModelEntry, switching: str | None) -> QListWidgetItem:
        name = model_name(entry.model_id)
        if entry.model_id == self._current_model:
            detail = "in use by this library"
        elif entry.model_id == switching:
            detail = "switching to it now (see Indexing)"
        elif entry.profile is None:
            short = _SHORT_NAMES.get(entry.model_id, entry.model_id)
            detail = f"not on this computer — download it with: desktop-app model download {short}"
        elif entry.folder is None:
            detail = "included with the app"
        else:
            detail = f"from {entry.folder}"
        item = QListWidgetItem(f"{name}\n    {detail}")
        item.setData(ModelRole, entry)
        item.setToolTip(entry.model_id)
        if entry.profile is None or switching is not None:
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEnabled)
        if entry.model_id == self._current_model:
            font = item.font()
            font.setBold(True)
            item.setFont(font)
            self.models.setCurrentItem(item)
        return item

    def model_rows(self) -> list[tuple[str, str]]:
        """(model id, text shown) of each row, in order."""
        return [(self.models.item(i).data(ModelRole).model_id, self.models.item(i).text())
                for i in range(self.models.count())]

    def select_model(self, model_id: str) -> None:
        for i in range(self.models.count()):
            if self.models.item(i).data(ModelRole).model_id == model_id:
                self.models.setCurrentRow(i)
                return
        raise KeyError(model_id)

    def chosen_model(self) -> ModelEntry | None:
        """The model picked, if it is not the one in use (and is on this computer)."""
        item = self.models.currentItem()
        entry: ModelEntry | None = item.data(ModelRole) if item is not None else None
        if entry is None or entry.profile is None or entry.model_id == self._current_model:
            return None
        return entry

    def ocr_enabled(self) -> bool:
        return self.ocr.isChecked()

    def result_settings(self) -> AppSettings:
        words = self.passage_words.value()
        tokens = (self._settings.chunk_tokens if words == self._initial_words
                  else words_to_tokens(words))
        return AppSettings(provider=self.provider.currentData(), threads=self.threads.value(),
                           chunk_tokens=tokens)
