"""File ▸ Connect to a team library…: the dialog, a failed connection, and the window moving
between the personal library and a team library on a real PostgreSQL + pgvector server
(tests/pg_server.py), with the real model.

The system keyring is stood in for by an in-memory one (tests/memory_keyring.py) or by
keyring's own "no keyring" back end; everything else is the app's own.
"""

from __future__ import annotations

import threading
from pathlib import Path

import keyring.backends.fail
import pytest
from gui_helpers import drop_and_index, search
from memory_keyring import MemoryKeyring, installed
from psycopg.conninfo import conninfo_to_dict
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from desktop_app.credentials import SERVICE, strip_password
from desktop_app.gui.library_switch import LibraryChoice, open_personal, open_team
from desktop_app.gui.settings import open_settings
from desktop_app.gui.team_dialog import TeamDialog, address_url, split_user
from desktop_app.library import Library

VOLCANO_QUERY = "molten rock erupting from a mountain"
_LEFT = Qt.MouseButton.LeftButton


@pytest.mark.parametrize(("address", "user", "url"), [
    ("db.example.com/docs", "alice", "postgresql://alice@db.example.com/docs"),
    ("DB.example.com:5433/docs", "", "postgresql://db.example.com:5433/docs"),
    ("[::1]:5433/docs", "alice", "postgresql://alice@[::1]:5433/docs"),
    ("bob@db/docs", "", "postgresql://bob@db/docs"),
    # a URL: the user typed in the dialog wins; a password in it is never kept
    ("postgresql://bob:secret@db.example.com/docs?sslmode=require", "alice",
     "postgresql://alice@db.example.com/docs?sslmode=require"),
    ("postgresql:///docs?host=/run/pg", "alice", "postgresql://alice@/docs?host=/run/pg"),
    ("postgresql:///docs?user=bob&host=/run/pg", "alice",
     "postgresql:///docs?user=alice&host=/run/pg"),
])
def test_the_address_typed_becomes_the_library_url(address: str, user: str, url: str):
    assert address_url(address, user) == url
    bare, who = split_user(url)  # how the dialog shows a known library: the same one
    assert conninfo_to_dict(address_url(bare, who)) == conninfo_to_dict(url)


@pytest.mark.parametrize(("address", "problem"), [
    ("", "Type the address"),
    ("db.example.com", "Add the database's name"),
    ("db.example.com:port/docs", "is not a port number"),
    ("mysql://db/docs", "starts with postgresql://"),
])
def test_an_incomplete_address_says_what_is_missing(qtbot, address: str, problem: str):
    with pytest.raises(ValueError, match=problem):
        address_url(address, "alice")
    dialog = TeamDialog(_never_opened)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.address, address)
    assert not dialog.connect_button.isEnabled()
    if address:
        assert problem in dialog.target.text()


def test_the_dialog_builds_the_url_from_its_fields(qtbot):
    dialog = TeamDialog(_never_opened)
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.address, "db.example.com:5433/docs")
    qtbot.keyClicks(dialog.user, "alice")
    qtbot.keyClicks(dialog.password, "s3cret")
    assert dialog.url() == "postgresql://alice@db.example.com:5433/docs"
    assert dialog.target.text() == "Connects to postgresql://alice@db.example.com:5433/docs"
    assert "s3cret" not in dialog.target.text()
    assert dialog.connect_button.isEnabled()
    # a known library opens the dialog with its address and user filled in
    known = TeamDialog(_never_opened, "postgresql://alice@db.example.com/docs?sslmode=require")
    qtbot.addWidget(known)
    assert (known.address.text(), known.user.text()) == (
        "postgresql://db.example.com/docs?sslmode=require", "alice")


def test_without_a_keyring_the_remember_box_says_why(qtbot):
    with installed(keyring.backends.fail.Keyring()):
        dialog = TeamDialog(_never_opened)
        qtbot.addWidget(dialog)
        assert not dialog.remember.isEnabled()
        assert dialog.keyring_reason.text() == \
            "No system keyring: the password is asked each time."
        assert not dialog.keyring_reason.isHidden()
    with installed(MemoryKeyring()):
        dialog = TeamDialog(_never_opened)
        qtbot.addWidget(dialog)
        assert dialog.remember.isEnabled()
        assert dialog.keyring_reason.isHidden()


def _never_opened(url: str) -> Library:
    raise AssertionError(f"the dialog tried to open {url} without Connect")


def _connect(qtbot, dialog: TeamDialog, address: str, user: str, password: str) -> None:
    for field, text in ((dialog.address, address), (dialog.user, user),
                        (dialog.password, password)):
        field.clear()
        qtbot.keyClicks(field, text)
    qtbot.mouseClick(dialog.connect_button, _LEFT)


def _socket_address(pg_server, database: str) -> str:
    return strip_password(pg_server.url("postgres", database))[0].replace("postgres@", "")



@pytest.mark.parametrize(("user", "password", "words"), [
    ("alice", "wrong", "password"),
    ("carol", "carol-secret", "carol"),  # not a member of the team
    (None, "x", "cannot reach"),  # no server there at all
])
def test_a_failed_connect_shows_why_and_the_personal_library_stays_open(
        qtbot, make_window, notes: Path, pg_server, team_db, tmp_path: Path,
        user: str | None, password: str, words: str):
    window = make_window()
    drop_and_index(qtbot, window, [notes])
    personal = window.library
    dialog = window.library_switch.show_dialog()
    address = (_socket_address(pg_server, team_db) if user
               else f"postgresql:///{team_db}?host={tmp_path / 'no-server-here'}")
    with qtbot.waitSignal(dialog.failed, timeout=60_000) as failure:
        _connect(qtbot, dialog, address, user or "alice", password)
        assert dialog.connecting  # the window's thread never waits for the server
    message = failure.args[0]
    assert words in message.lower()
    assert "Traceback" not in message and "\n" not in message.strip()
    assert dialog.isVisible() and dialog.error.isVisible()
    assert dialog.error.text().lower() == message.strip().lower()
    assert dialog.address.isEnabled() and dialog.connect_button.isEnabled()
    dialog.reject()
    assert window.library is personal and not personal.is_team
    assert window.status_line.place.text() == "Personal library"
    assert search(qtbot, window, VOLCANO_QUERY)[0] == "volcanoes.txt"


def test_reopening_the_personal_library_keeps_the_window_working(qtbot, make_window,
                                                                  notes: Path):
    window = make_window()
    drop_and_index(qtbot, window, [notes])
    old_threads = (window.sync_thread, window.reader_thread)
    for _ in range(2):
        with qtbot.waitSignal(window.library_switch.switched, timeout=60_000):
            window.library_switch.switch_to(open_personal(window.data_dir, window.settings))
        assert not any(t.isRunning() for t in old_threads)
        assert search(qtbot, window, VOLCANO_QUERY)[0] == "volcanoes.txt"
        assert window.status_line.place.text() == "Personal library"
        assert window.centralWidget().isEnabled()
        old_threads = (window.sync_thread, window.reader_thread)
    qtbot.waitUntil(lambda: window.folders.folder_count() == 1, timeout=20_000)


def test_a_team_library_and_back(qtbot, make_window, notes: Path, tmp_path: Path,
                                 pg_server, team_db, alice_url):
    bare_url, password = strip_password(alice_url)
    memory = MemoryKeyring()
    with installed(memory):
        window = make_window()
        drop_and_index(qtbot, window, [notes])

        # connect as alice, asking for the password to be remembered
        dialog = window.library_switch.show_dialog()
        with qtbot.waitSignal(window.library_switch.switched, timeout=120_000):
            dialog.remember.setChecked(True)
            _connect(qtbot, dialog, _socket_address(pg_server, team_db), "alice", password)
        team = window.library
        assert team.is_team and team.library_url == bare_url
        marker = window.status_line.place.text()
        assert marker == team.location_label and "Team library" in marker
        assert marker in window.windowTitle()
        # a message in the status bar never hides the marker, nor shows the counts over it
        QApplication.processEvents()
        QApplication.processEvents()
        assert window.statusBar().currentMessage() == f"{marker} is open."
        assert window.status_line.place.isVisible()
        assert not window.status_line.counts.isVisible()
        assert memory.secrets == {(SERVICE, bare_url): password}
        assert window.library_switch.personal_action.isVisible()
        assert f"<b>Library:</b> {marker}" in window.about_text()
        assert "Nothing leaves" not in window.about_text()
        # the team library starts empty: the personal library's files are not in it
        assert window.folders.folder_count() == 0
        team_notes = tmp_path / "team-notes"
        team_notes.mkdir()
        for name in ("volcanoes.txt", "tax-law.txt"):
            (team_notes / name).write_bytes((notes / name).read_bytes())
        drop_and_index(qtbot, window, [team_notes], timeout=120_000)
        assert search(qtbot, window, VOLCANO_QUERY)[0] == "volcanoes.txt"
        assert window.status_line.counts.text().startswith("2 files")

        # back to the personal library
        with qtbot.waitSignal(window.library_switch.switched, timeout=60_000):
            window.library_switch.personal_action.trigger()
        assert not window.library.is_team
        assert window.status_line.place.text() == "Personal library"
        assert team.location_label not in window.windowTitle()
        assert search(qtbot, window, "photosynthesis in green leaves")[0] == \
            "photosynthesis.txt"

        # the recent team library: the password comes from the keyring
        recent = window.library_switch.recent_action
        assert recent.isVisible()
        assert recent.text() == f"Open t{team.location_label[1:]}"
        with qtbot.waitSignal(window.library_switch.switched, timeout=120_000):
            recent.trigger()
        assert window.library.is_team
        assert search(qtbot, window, VOLCANO_QUERY)[0] == "volcanoes.txt"
        window.close()

        # the next launch reopens it (its URL kept without the password)
        choice = LibraryChoice.load(open_settings(tmp_path / "data"))
        assert choice == LibraryChoice(team_url=bare_url, team_open=True)
        settings_text = (tmp_path / "data" / "gui-settings.ini").read_text()
        assert password not in settings_text
        again = make_window(show=False)
        with qtbot.waitSignal(again.library_switch.switched, timeout=120_000):
            again.show()
        assert again.library.is_team
        assert again.status_line.place.text() == team.location_label
        assert search(qtbot, again, VOLCANO_QUERY)[0] == "volcanoes.txt"
        again.close()
    QApplication.processEvents()


def test_a_team_library_that_stops_answering_leaves_the_personal_library_open(
        qtbot, make_window, notes: Path, pg_server, team_db, alice_url):
    window = make_window()
    drop_and_index(qtbot, window, [notes])
    opened: list[Library] = []
    # opened as the dialog does, on a thread of its own
    opener = threading.Thread(target=lambda: opened.append(
        open_team(window.data_dir, window.settings, alice_url)))
    opener.start()
    opener.join()
    # the administrator takes alice out of the team before the window uses the library
    with pg_server.admin(team_db) as admin:
        admin.execute("REVOKE team FROM alice")
    try:
        with qtbot.waitSignal(window.notice_shown) as notice, \
                qtbot.waitSignal(window.library_switch.switched, timeout=60_000):
            window.library_switch.switch_to(opened[0])
    finally:
        with pg_server.admin(team_db) as admin:
            admin.execute("GRANT team TO alice")
    assert "alice is not a member" in notice.args[0]
    assert "personal library is open instead" in notice.args[0]
    assert not window.library.is_team
    assert window.status_line.place.text() == "Personal library"
    assert search(qtbot, window, VOLCANO_QUERY)[0] == "volcanoes.txt"
