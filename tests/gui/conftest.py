"""Fixtures for the window's tests: small corpora and windows on fresh data folders.

Every test gets its own data folder under tmp_path, so no test touches a real library or
the user's settings (the window keeps its settings in the data folder). The window fixture
closes each window on teardown and checks that no thread or timer was left running.
"""

from __future__ import annotations

import os

# Before anything imports Qt: the tests run without a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from gui_helpers import (
    NICS_PDF,
    TEST_DATA,
    TEXTS,
    assert_stopped,
    write_filler_corpus,
)


@pytest.fixture
def shared_pdfs() -> Path:
    """tests/data, whose PDFs (``NICS_PDF``, ``ENCRYPTED_PDF``) a test reads but never writes."""
    return TEST_DATA


def _write_texts(folder: Path) -> Path:
    folder.mkdir()
    for name, text in TEXTS.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """Three short text files on distinct subjects and one real PDF (a table of numbers)."""
    folder = _write_texts(tmp_path / "corpus")
    shutil.copy(NICS_PDF, folder / NICS_PDF.name)
    return folder


@pytest.fixture
def notes(tmp_path: Path) -> Path:
    """The three short text files alone (no PDF)."""
    return _write_texts(tmp_path / "notes")


@pytest.fixture
def filler_corpus(tmp_path: Path) -> Path:
    """150 small files of filler: several seconds of indexing, first commits within seconds."""
    return write_filler_corpus(tmp_path / "filler")


@pytest.fixture
def make_window(qtbot, tmp_path: Path) -> Iterator[Callable[..., object]]:
    """Build (and show) windows on data folders under tmp_path; on teardown close each and
    check that it left nothing running."""
    from desktop_app.gui import create_main_window

    windows = []

    def make(data_dir: Path | None = None, *, show: bool = True):
        window = create_main_window(data_dir or tmp_path / "data")
        # Not qtbot.addWidget: this fixture closes the window itself, then checks it.
        windows.append(window)
        if show:
            with qtbot.waitExposed(window):
                window.show()
        return window

    yield make
    # every window closed before any is checked: the check counts all of the process's
    # threads, and a window still open (its graph loading in the background) has some
    for window in windows:
        window.close()
    for window in windows:
        assert_stopped(window)
        window.deleteLater()
