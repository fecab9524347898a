"""The edges a new user meets: a file no application opens, the problems list's actions, a
small screen, the words the window uses, dropping on the empty window."""

from __future__ import annotations

from pathlib import Path

import pytest
from gui_helpers import drop_and_index, search
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QFont, QFontMetrics
from PySide6.QtWidgets import QApplication

from desktop_app.gui.results import elide_name
from desktop_app.gui.sidebar import NARROW_WIDTH
from desktop_app.gui.wording import count, tokens_to_words


@pytest.fixture
def no_default_apps(tmp_path: Path, monkeypatch) -> None:
    """Point the freedesktop look-ups at empty folders: no application is set for any type
    (what a fresh system without a viewer has), whether or not xdg-open is installed."""
    empty = tmp_path / "xdg-empty"
    for name in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_DATA_DIRS", "XDG_CONFIG_DIRS"):
        (empty / name).mkdir(parents=True)
        monkeypatch.setenv(name, str(empty / name))
    for name in ("XDG_CURRENT_DESKTOP", "DESKTOP_SESSION", "BROWSER", "KDE_FULL_SESSION",
                 "GNOME_DESKTOP_SESSION_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PATH", "/usr/bin:/bin")  # no user-installed browser fallback either


def test_enter_on_a_file_no_application_opens_says_why_in_the_window(
        qtbot, make_window, notes, no_default_apps):
    window = make_window()
    drop_and_index(qtbot, window, [notes])
    assert search(qtbot, window, "volcano eruptions")[0] == "volcanoes.txt"
    window.results_view.setFocus()
    with qtbot.waitSignal(window.notice_shown, timeout=20_000) as shown:
        qtbot.keyClick(window.results_view, Qt.Key.Key_Return)
    message = shown.args[0]
    assert str(notes / "volcanoes.txt") in message
    assert "no application is set to open" in message
    assert window.banner.isVisible() and window.banner.label.text() == message


def test_problems_list_double_click_shows_the_folder_and_the_menu_retries_or_excludes(
        qtbot, make_window, tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "note.txt").write_text("Volcanoes erupt when magma rises.", encoding="utf-8")
    broken = folder / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\nthis is not really a PDF file at all\n")
    window = make_window()
    drop_and_index(qtbot, window, [folder])
    qtbot.waitUntil(lambda: window.problems.count() == 1, timeout=10_000)
    assert "(1 file)" in window.problems.title.text()

    # Double-click: the file's folder is shown (this test machine has no file manager, so
    # the window says it could not).
    view = window.problems.view
    rect = view.visualItemRect(view.item(0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    with qtbot.waitSignal(window.problems.reveal_requested) as revealed:
        qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert revealed.args == [str(broken)]
    qtbot.waitUntil(window.banner.isVisible, timeout=5000)
    assert str(broken) in window.banner.label.text()

    menu = window.problems.menu_for(str(broken))
    assert [a.text().replace("&", "") for a in menu.actions()] == [
        "Retry", "Show in folder", "Exclude from the library"]

    # Retry: that file goes through a sync again.
    with qtbot.waitSignal(window.indexing_progress, timeout=30_000,
                          check_params_cb=lambda e: e.outcome is not None
                          and e.outcome.path == str(broken)):
        window.problems.retry_action.trigger()
    qtbot.waitSignal(window.indexing_finished, timeout=30_000)

    # Exclude: it leaves the list and the library, and a full rescan does not bring it back.
    window.problems.menu_for(str(broken))
    window.problems.exclude_action.trigger()
    qtbot.waitUntil(lambda: window.problems.count() == 0, timeout=10_000)
    assert str(broken) in window.library.store.excluded()
    with qtbot.waitSignal(window.indexing_finished, timeout=30_000):
        window.request_sync()
    window.reader.snapshot()
    qtbot.wait_until(lambda: window.status_line.counts.text().startswith("1 file"),
                     timeout=5000)
    assert window.problems.count() == 0
    assert broken.exists()  # excluded, never deleted


def test_at_800_by_600_the_sidebar_folds_away_and_the_results_keep_their_room(
        qtbot, make_window, notes):
    window = make_window()
    drop_and_index(qtbot, window, [notes])
    window.resize(800, 600)
    qtbot.waitUntil(lambda: window.width() == 800, timeout=5000)
    assert NARROW_WIDTH > 800
    assert not window.sidebar.isVisible()
    assert not window.sidebar.button.isChecked()
    search(qtbot, window, "volcano eruptions")
    assert window.results_view.width() >= 300
    # Brought back by the Folders button, and by the View menu's item.
    window.sidebar.button.click()
    assert window.sidebar.isVisible() and window.menus.sidebar_action.isChecked()
    window.menus.sidebar_action.trigger()
    assert not window.sidebar.isVisible() and not window.sidebar.button.isChecked()
    # A wide window shows it again.
    window.resize(1280, 800)
    qtbot.waitUntil(window.sidebar.isVisible, timeout=5000)


def test_long_file_names_keep_the_end_that_tells_them_apart():
    metrics = QFontMetrics(QFont(QApplication.font()))
    names = [f"auto-multiple-choice_auto-multiple-choice.{lang}.pdf" for lang in ("en", "fr")]
    width = metrics.horizontalAdvance(names[0]) // 2
    shown = [elide_name(n, metrics, width) for n in names]
    assert shown[0] != shown[1]
    assert shown[0].endswith(".en.pdf") and shown[1].endswith(".fr.pdf")
    assert all("…" in s and metrics.horizontalAdvance(s) <= width for s in shown)
    assert elide_name("short.pdf", metrics, 500) == "short.pdf"


def test_counts_are_in_words_people_use(make_window):
    assert count(1, "file") == "1 file" and count(2, "folder") == "2 folders"
    assert count(1204, "passage") == "1,204 passages"
    assert tokens_to_words(256) == 190
    window = make_window(show=False)
    window.status_line.set_counts(1, 1)
    assert window.status_line.counts.text() == "1 file · 1 passage"


def _drag(window, kind):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(Path.cwd()))])
    center = QPointF(window.rect().center())
    if kind == "enter":
        event = QDragEnterEvent(center.toPoint(), Qt.DropAction.CopyAction, mime,
                                Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    else:
        event = QDragLeaveEvent()
    QApplication.sendEvent(window, event)
    return event


def test_dragging_over_the_empty_window_turns_the_empty_state_into_the_drop_target(
        make_window):
    window = make_window()
    assert window.center.currentWidget() is window.empty_state
    heading = window.empty_state.heading.text()
    _drag(window, "enter")
    # The empty state itself says what a drop does; nothing is drawn over its heading.
    assert window.empty_state.dropping
    assert window.empty_state.heading.text() == "Drop to add to the library"
    assert not window.empty_state.body.isVisible()
    assert not window.drops.overlay.isVisible()
    _drag(window, "leave")
    assert not window.empty_state.dropping
    assert window.empty_state.heading.text() == heading
    assert window.empty_state.body.isVisible()
