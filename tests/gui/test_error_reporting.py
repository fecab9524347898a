"""Errors reach the log file and the window: a failure on a worker thread, an exception no
code caught on another thread, and the crash dialog that names the log file."""

from __future__ import annotations

import logging
import sys
import threading
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from desktop_app import logs
from desktop_app.gui import launch


@pytest.fixture
def log_file(tmp_path: Path, monkeypatch) -> Path:
    """The app's log, installed into a folder of this test's; removed again afterwards."""
    monkeypatch.setenv(logs.ENV_LOG_DIR, str(tmp_path / "logs"))
    monkeypatch.setattr(sys, "excepthook", sys.__excepthook__)
    # Python's own hooks underneath (not pytest's, which fails a test on any thread error):
    # the app's hooks chain to whatever was there.
    monkeypatch.setattr(threading, "excepthook", threading.__excepthook__)
    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    # A handler left by an earlier launch in this process writes elsewhere: start afresh.
    for handler in before:
        if getattr(handler, "_desktop_app_log", False):
            root.removeHandler(handler)
    path = logs.install()
    assert path == tmp_path / "logs" / logs.LOG_NAME
    yield path
    for handler in list(root.handlers):
        if handler not in before:
            root.removeHandler(handler)
            handler.close()
    for handler in before:
        if handler not in root.handlers:
            root.addHandler(handler)
    root.setLevel(level)


def _flush() -> None:
    for handler in logging.getLogger().handlers:
        handler.flush()


def test_a_failure_on_the_reader_thread_is_logged_and_shown_in_the_window(
        qtbot, make_window, log_file, monkeypatch):
    window = make_window()
    qtbot.waitUntil(lambda: window.status_line.counts.text() != "", timeout=10_000)

    def broken_status():
        raise RuntimeError("the database disk image is malformed")

    # The fault is injected into the library; what is tested is where its report goes.
    monkeypatch.setattr(window.library, "status", broken_status)
    with qtbot.waitSignal(window.notice_shown, timeout=10_000) as shown:
        window.reader.snapshot()
    assert "could not be read" in shown.args[0]
    assert "the database disk image is malformed" in shown.args[0]
    assert window.banner.isVisible()
    _flush()
    text = log_file.read_text(encoding="utf-8")
    assert "could not read the library's state" in text
    assert "Traceback" in text and "RuntimeError: the database disk image is malformed" in text


def test_an_uncaught_error_on_another_thread_reaches_the_log_and_the_window(
        qtbot, log_file):
    reporter = launch.ErrorReporter(log_file)
    notices: list[str] = []
    reporter.notice = notices.append
    launch._install_excepthooks(reporter)

    def work() -> None:
        raise ValueError("page 7 has no text layer")

    thread = threading.Thread(target=work, name="extract-helper")
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: notices != [], timeout=5000)
    assert "ValueError: page 7 has no text layer" in notices[0]
    assert str(log_file) in notices[0]
    _flush()
    text = log_file.read_text(encoding="utf-8")
    assert "uncaught exception in thread extract-helper" in text
    assert "ValueError: page 7 has no text layer" in text


def test_the_crash_dialog_names_the_log_file_and_offers_to_open_it(qtbot, log_file):
    reporter = launch.ErrorReporter(log_file)
    box = reporter.crash_dialog("KeyError: 'page'")
    qtbot.addWidget(box)
    assert "KeyError: 'page'" in box.text()
    assert str(log_file) in box.informativeText()
    buttons = {b.text(): box.buttonRole(b) for b in box.buttons()}
    assert buttons["Open log file"] == QMessageBox.ButtonRole.ActionRole
    # Without a log file the dialog says where the details went instead.
    box = launch.ErrorReporter(None).crash_dialog("KeyError: 'page'")
    qtbot.addWidget(box)
    assert "could not be written" in box.informativeText()
    assert "Open log file" not in [b.text() for b in box.buttons()]
