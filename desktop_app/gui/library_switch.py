"""Which library the window has open, and moving between them: the personal library in the
data folder, or a team library on a PostgreSQL server (File ▸ Connect to a team library…,
Switch to personal library, and the last team library reopened).

A switch never freezes the window: the new library is opened first (a team library on a
thread of its own, by ``TeamDialog``), then the window's workers are stopped; once their
threads have ended (a batch in flight finishes first) the old library is closed and the
window starts afresh on the new one. What the old library's threads still had to say is
dropped. The status bar's marker and the window title say which library is open.

The last team library's URL (never its password) and whether the window was on it are kept
in the window's settings, so the next launch reopens it; if that fails (the server is away,
the password is not in a keyring) the dialog asks, and the personal library stays open.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSettings, QThread, Signal
from PySide6.QtGui import QAction

from desktop_app import APP_NAME, credentials
from desktop_app.gui.settings import AppSettings
from desktop_app.gui.team_dialog import Connection, TeamDialog
from desktop_app.library import DB_NAME, Library, LibraryError

if TYPE_CHECKING:
    from pathlib import Path

    from desktop_app.gui.window import MainWindow

#: How long "… is open" stays in the status bar (ms).
STATUS_MS = 8000


@dataclass
class LibraryChoice:
    """What the window reopens: the last team library (its URL without a password) and
    whether the window was on it when it closed."""

    team_url: str = ""
    team_open: bool = False

    @classmethod
    def load(cls, store: QSettings) -> LibraryChoice:
        url = str(store.value("library/team_url", "") or "")
        is_open = str(store.value("library/team_open", "false")).lower() == "true"
        # a URL edited by hand may carry a password: it is never used from a file
        return cls(credentials.display_url(url) if url else "", is_open and bool(url))

    def save(self, store: QSettings) -> None:
        store.setValue("library/team_url", credentials.display_url(self.team_url)
                       if self.team_url else "")
        store.setValue("library/team_open", "true" if self.team_open else "false")
        store.sync()


def open_personal(data_dir: Path, settings: AppSettings) -> Library:
    """The personal library in ``data_dir`` (raises LibraryError with what to do)."""
    # The passage size is fixed when a library is created; an existing one keeps its own.
    is_new = not (data_dir / DB_NAME).exists()
    # The vector graph opens in the background (1.5 s at 1M passages; minutes if it must
    # be rebuilt after a crash): the window is usable at once, searching by keyword and
    # by the part of the graph that is ready.
    return Library(data_dir, provider=settings.provider, threads=settings.threads,
                   chunk_tokens=settings.chunk_tokens if is_new else None,
                   graph_in_background=True)


def open_team(data_dir: Path, settings: AppSettings, url: str) -> Library:
    """The team library at ``url`` (its password in the URL, the keyring or libpq's own
    sources); the data folder keeps the model. Slow when the server is: not on the UI
    thread."""
    return Library(data_dir, library_url=url, provider=settings.provider,
                   threads=settings.threads, graph_in_background=True)


def team_name(url: str) -> str:
    """"Team library docs on db.example.com" for a team library's URL."""
    from desktop_app.team_parts import describe_url  # loads the PostgreSQL driver

    return describe_url(credentials.display_url(url))


class LibrarySwitch(QObject):
    switched = Signal(object)  # the Library the window uses now

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window
        self.choice = LibraryChoice.load(window.settings_store)
        self.dialog: TeamDialog | None = None
        self._pending: Library | None = None  # opened, waiting for the old threads to end
        self._old: Library | None = None
        self._waiting: set[QThread] = set()
        self._reopening: Connection | None = None
        self.connect_action = QAction("Connect to a &team library…", window)
        self.connect_action.triggered.connect(lambda: self.show_dialog())
        self.personal_action = QAction("Switch to &personal library", window)
        self.personal_action.triggered.connect(self.to_personal)
        self.recent_action = QAction("", window)
        self.recent_action.triggered.connect(lambda: self.show_dialog(self.choice.team_url,
                                                                      connect=True))
        self.actions = [self.connect_action, self.recent_action, self.personal_action]
        self._show_current()

    # -- asking --------------------------------------------------------------------------
    def show_dialog(self, url: str | None = None, *, connect: bool = False,
                    error: str = "") -> TeamDialog:
        """The Connect dialog (window-modal, not blocking), on ``url`` or the last team
        library; ``connect``: start connecting at once; ``error``: why it is shown."""
        window = self._window
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.raise_()
            return self.dialog
        dialog = TeamDialog(lambda target: open_team(window.data_dir, window.settings, target),
                            url or self.choice.team_url or None, window)
        dialog.connected.connect(self._on_connected)
        dialog.finished.connect(self._on_dialog_finished)
        self.dialog = dialog
        if error:
            dialog.show_error(error)
        dialog.open()
        if connect:
            dialog.connect_now()
        return dialog

    def _on_dialog_finished(self) -> None:
        dialog, self.dialog = self.dialog, None
        if dialog is not None:
            dialog.deleteLater()

    def to_personal(self) -> None:
        """Back to the personal library in the data folder (opened here: a local file)."""
        window = self._window
        try:
            library = open_personal(window.data_dir, window.settings)
        except LibraryError as exc:
            window.show_notice(f"The personal library cannot be opened: {exc}")
            return
        self.switch_to(library)

    def reopen_last(self) -> None:
        """At launch: reopen the team library the window was on, in the background."""
        choice = self.choice
        if not choice.team_open or self._window.library.is_team or self._reopening:
            return
        window = self._window
        self._window.statusBar().showMessage(f"{team_name(choice.team_url)}: opening…")
        self._reopening = Connection(
            lambda target: open_team(window.data_dir, window.settings, target),
            choice.team_url, self)
        self._reopening.done.connect(self._on_reopened)
        self._reopening.thread.start()

    def _on_reopened(self, connection: Connection, library: Library | None,
                     message: str) -> None:
        connection.finish()
        if connection is not self._reopening:  # the window closed meanwhile
            if library is not None:
                library.close()
            return
        self._reopening = None
        self._window.statusBar().clearMessage()
        if library is not None:
            self.switch_to(library)
        elif not self._window.closed:
            self.show_dialog(self.choice.team_url, error=_reopen_message(
                self.choice.team_url, message))

    def _on_connected(self, library: Library, note: str) -> None:
        self.switch_to(library)
        if note:
            self._window.show_notice(note)

    # -- switching -----------------------------------------------------------------------
    @property
    def switching(self) -> bool:
        return self._pending is not None

    def switch_to(self, library: Library) -> None:
        """Make the window use ``library`` (this object then owns it until it is adopted)."""
        window = self._window
        if window.closed or self._pending is not None:
            library.close()
            return
        self._pending = library
        self._old = window.library
        self._enable(False)
        window.centralWidget().setEnabled(False)
        window.statusBar().showMessage(f"{library.location_label}: opening…")
        self._waiting = set(window.stop_workers())
        # What the old library's threads still send is about the old library: dropped.
        for part in (window.indexer, window.reader, window.watch):
            part.blockSignals(True)
        for thread in self._waiting:
            thread.finished.connect(self._on_thread_finished)
        self._finish_if_done()

    def _on_thread_finished(self) -> None:
        thread = self.sender()
        if isinstance(thread, QThread) and thread in self._waiting:
            thread.wait()  # it has emitted its last signal: a moment at most
            self._waiting.discard(thread)
        self._finish_if_done()

    def _finish_if_done(self) -> None:
        self._waiting = {t for t in self._waiting if t.isRunning()}
        library, old = self._pending, self._old
        if self._waiting or library is None or old is None:
            return
        self._pending = self._old = None
        window = self._window
        old.close()
        _reset_panels(window)
        try:
            window.adopt_library(library)
        except LibraryError as exc:  # it stopped answering since it opened
            library.close()
            window.show_notice(f"{library.location_label} cannot be used: {exc}. The "
                               "personal library is open instead.")
            library = open_personal(window.data_dir, window.settings)
            window.adopt_library(library)
        window.centralWidget().setEnabled(True)
        self.choice.team_open = library.is_team
        if library.is_team and library.library_url:
            self.choice.team_url = library.library_url
        self.choice.save(window.settings_store)
        self._show_current()
        window.statusBar().showMessage(f"{library.location_label} is open.", STATUS_MS)
        self.switched.emit(library)

    def stop(self) -> None:
        """The window is closing: what is being opened is closed again."""
        if self._reopening is not None:
            self._reopening.abandon()
            self._reopening = None
        if self.dialog is not None:
            self.dialog.reject()
        if self._pending is not None:
            self._pending.close()
            self._pending = self._old = None

    # -- what the window shows -----------------------------------------------------------
    def _show_current(self) -> None:
        window = self._window
        library = window.library
        detail = (library.library_url or "" if library.is_team
                  else f"Your own library, kept in {window.data_dir}")
        window.status_line.set_library(library.location_label, library.is_team, detail)
        window.setWindowTitle(f"{library.location_label} — {APP_NAME}" if library.is_team
                              else APP_NAME)
        self._enable(True)

    def _enable(self, enabled: bool) -> None:
        team = self._window.library.is_team
        url = self.choice.team_url
        self.connect_action.setEnabled(enabled)
        self.personal_action.setVisible(team)
        self.personal_action.setEnabled(enabled)
        self.recent_action.setVisible(not team and bool(url))
        self.recent_action.setEnabled(enabled)
        if url and not team:
            self.recent_action.setText(f"Open {_escape_menu(_lower_first(team_name(url)))}")


def _reopen_message(url: str, message: str) -> str:
    """Why the last team library did not reopen at launch. Most often no password was at
    hand (none kept, or no keyring to keep it): then that is what the user reads."""
    if credentials.password_for(url) is not None or "password" not in message.lower():
        return message
    why = credentials.keyring_problem() or "none is remembered for it"
    return f"Type the password to reopen {_lower_first(team_name(url))} ({why})."


def _reset_panels(window: MainWindow) -> None:
    """Nothing the old library said stays on screen: its folders, problems and notices."""
    window.banner.hide()
    window.folders.set_folders(())
    window.folders.set_writable(True)
    window.empty_state.add_button.setEnabled(True)
    window.problems.set_problems(())
    window.indexing.set_busy(False)
    window.indexing.show_summary(None, "")


def _lower_first(label: str) -> str:
    """"Team library docs on …" inside a sentence."""
    return label[:1].lower() + label[1:]


def _escape_menu(text: str) -> str:
    return text.replace("&", "&&")
