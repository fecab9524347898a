"""Launching the app, and its settings."""

from __future__ import annotations

import sys
import threading

from gui_helpers import TEXTS, assert_stopped
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from desktop_app.gui import launch
from desktop_app.gui.settings import AppSettings, SettingsDialog, known_models, open_settings
from desktop_app.gui.window import MainWindow
from desktop_app.library import Library


def test_launch_opens_the_window_on_the_data_folder_and_adds_the_paths(
        qtbot, tmp_path, monkeypatch):
    # launch.main installs process-wide hooks and the log file; put pytest's back afterwards,
    # and keep the log in this test's folder.
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    monkeypatch.setenv("DESKTOP_APP_LOG_DIR", str(tmp_path / "logs"))
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "volcanoes.txt").write_text(TEXTS["volcanoes.txt"], encoding="utf-8")
    data = tmp_path / "data"
    opened: list[MainWindow] = []

    def close_when_indexed() -> None:
        window = next(w for w in QApplication.topLevelWidgets()
                      if isinstance(w, MainWindow) and w.isVisible())
        opened.append(window)
        window.indexing_finished.connect(window.close)

    QTimer.singleShot(0, close_when_indexed)
    assert launch.main(["--data-dir", str(data), str(folder)]) == 0
    assert len(opened) == 1
    assert_stopped(opened[0])
    assert QApplication.applicationName() == "desktop-app"
    assert not QApplication.windowIcon().isNull()
    with Library(data) as library:
        assert library.roots() == [str(folder.resolve())]
        assert library.status().counts["indexed"] == 1


def test_settings_persist_in_the_data_folder_and_configure_the_library(
        qtbot, make_window, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    dialog = SettingsDialog(AppSettings(), models=known_models(data / "models"),
                            model_id="all-MiniLM-L6-v2-int8", library_chunk_tokens=256,
                            active_provider="cpu")
    qtbot.addWidget(dialog)
    dialog.threads.setValue(1)
    assert dialog.passage_words.value() == 190  # 256 tokens, shown in words
    dialog.passage_words.setValue(150)  # about 200 tokens
    chosen = dialog.result_settings()
    chosen.save(open_settings(data))

    loaded = AppSettings.load(open_settings(data))
    assert loaded == AppSettings(threads=1, chunk_tokens=200)
    window = make_window(data, show=False)
    assert window.settings == loaded
    assert window.library.threads == 1
    assert window.library.chunk_tokens == 200  # a new library takes the passage size
    window.close()

    # An existing library keeps its passage size whatever the setting says now.
    AppSettings(chunk_tokens=320).save(open_settings(data))
    again = make_window(data, show=False)
    assert again.settings.chunk_tokens == 320
    assert again.library.chunk_tokens == 200


def test_a_damaged_settings_file_falls_back_to_defaults(tmp_path):
    store = open_settings(tmp_path)
    store.setValue("indexing/threads", "many")
    store.sync()
    assert AppSettings.load(open_settings(tmp_path)).threads == 0
