"""The main window's menus (File, View, Help), the Settings dialog's outcome (a model switch
is asked for here and confirmed before it starts) and the About box."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMessageBox

from desktop_app import APP_NAME, __version__
from desktop_app.gui.settings import SettingsDialog, known_models
from desktop_app.gui.wording import count, model_name, processor_name
from desktop_app.library_settings import ocr_enabled

if TYPE_CHECKING:
    from desktop_app.gui.window import MainWindow


class WindowMenus(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window
        bar = window.menuBar()
        file_menu = bar.addMenu("&File")
        for text, keys, slot in (("&Add folder…", QKeySequence.StandardKey.Open,
                                  window.folders.add_button.click),
                                 ("&Rescan folders", QKeySequence.StandardKey.Refresh,
                                  window.request_sync),
                                 ("&Settings…", QKeySequence.StandardKey.Preferences,
                                  self.show_settings)):
            sequence = QKeySequence(keys)
            if sequence.isEmpty() and keys == QKeySequence.StandardKey.Preferences:
                sequence = QKeySequence("Ctrl+,")  # the platform has none (Linux desktops)
            file_menu.addAction(self._action(text, sequence, slot))
        file_menu.addSeparator()
        file_menu.addActions(window.library_switch.actions)  # which library (team, personal)
        file_menu.addSeparator()
        file_menu.addAction(self._action("&Quit", QKeySequence(QKeySequence.StandardKey.Quit),
                                         window.close))
        view_menu = bar.addMenu("&View")
        self.sidebar_action = self._action("&Folders and indexing", QKeySequence("F9"),
                                           None)
        self.sidebar_action.setCheckable(True)
        self.sidebar_action.setChecked(True)
        view_menu.addAction(self.sidebar_action)
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self._action(f"&About {APP_NAME}", None, self.show_about))

    def _action(self, text: str, keys: QKeySequence | None, slot: object) -> QAction:
        action = QAction(text, self._window)
        if keys is not None:
            action.setShortcut(keys)
        if slot is not None:
            action.triggered.connect(slot)
        return action

    def settings_dialog(self) -> SettingsDialog:
        """The Settings dialog on the window's current state (not yet shown)."""
        window = self._window
        switching = window.indexer.switching
        return SettingsDialog(window.settings, models=known_models(window.library.models_root),
                              model_id=window.library.profile.model_id,
                              library_chunk_tokens=window.library.chunk_tokens,
                              active_provider=window.active_provider,
                              switching=switching.model_id if switching else None,
                              ocr=ocr_enabled(window.library.store), parent=window)

    def show_settings(self) -> None:
        window = self._window
        dialog = self.settings_dialog()
        if not dialog.exec():
            return
        window.settings = dialog.result_settings()
        window.settings.save(window.settings_store)
        if dialog.ocr_enabled() != ocr_enabled(window.library.store):
            window.library.set_ocr(dialog.ocr_enabled())  # applies from the next scan
        entry = dialog.chosen_model()
        if entry is None:
            return
        folders = len(window.library.roots())
        answer = QMessageBox.question(
            window, "Switch model",
            f"Read the library's {count(folders, 'folder')} again with "
            f"{model_name(entry.model_id)}?\n\nThis runs in the background and can take a "
            "while. Searching keeps working with the current model until the new one is "
            "ready; Cancel in the Indexing panel stops it and keeps the current model.")
        if answer == QMessageBox.StandardButton.Yes:
            window.switch_model(entry)

    def about_text(self) -> str:
        window = self._window
        profile = window.library.profile
        where = (f" on the {processor_name(window.active_provider)}"
                 if window.active_provider else "")
        library = window.library
        where_from = (f"<b>Library:</b> {html.escape(library.location_label)}<br>"
                      if library.is_team else "")
        return (f"<h3>{APP_NAME} {__version__}</h3>"
                + ("<p>Find documents by meaning, in a library your team shares.</p>"
                   if library.is_team else
                   "<p>Find documents on this computer by meaning. Nothing leaves it.</p>")
                + f"<p>{where_from}<b>Model:</b> {model_name(profile.model_id)}{where}<br>"
                f"<small>{profile.model_id}, {profile.dim} dimensions</small><br>"
                f"<b>Data folder:</b> {window.data_dir}</p>")

    def show_about(self) -> None:
        QMessageBox.about(self._window, f"About {APP_NAME}", self.about_text())
