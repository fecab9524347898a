"""File ▸ Connect to a team library…: where the team library is, who the user is, the
password, and whether the system keyring keeps it.

The address is what an administrator hands out: ``db.example.com/docs`` (``host[:port]/
database``) or a whole ``postgresql://`` URL. Connect opens the library on a thread of its
own (a server that does not answer never freezes the window); the core's message for a
failure (wrong password, not a member, server unreachable) shows inside the dialog, which
stays open to correct it. On success ``connected`` hands the opened ``Library`` over, and
the password goes to the keyring if asked (``desktop_app.credentials``); it is never written
anywhere else.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QVBoxLayout,
)

from desktop_app import credentials
from desktop_app.gui.widgets import SecondaryLabel
from desktop_app.library import Library, LibraryError

log = logging.getLogger(__name__)

#: PostgreSQL's port, when the address names none.
DEFAULT_PORT = 5432


def address_url(address: str, user: str = "") -> str:
    """The team library's URL (without a password) from the address and user typed.

    ``address`` is a ``postgresql://`` URL or ``host[:port]/database``; a non-empty
    ``user`` replaces the URL's own. Raises ``ValueError`` saying what is missing.
    """
    address, user = address.strip(), user.strip()
    if not address:
        raise ValueError("Type the address your administrator gave you, such as "
                         "db.example.com/docs.")
    if credentials.is_library_url(address):
        url = credentials.display_url(address)
    else:
        if "://" in address:
            raise ValueError("A team library's address starts with postgresql://.")
        url = _short_address_url(address)
    if not urlsplit(url).path.strip("/"):
        raise ValueError("Add the database's name after the server: "
                         f"{address.rstrip('/')}/docs, for example.")
    return _with_user(url, user) if user else url


def _short_address_url(address: str) -> str:
    """``[user@]host[:port]/database`` as a URL."""
    user, _, rest = address.rpartition("@")
    hostport, _, database = rest.partition("/")
    host, port = hostport, None
    if hostport.startswith("["):  # [::1]:5433
        host, _, tail = hostport[1:].partition("]")
        port_text = tail.lstrip(":")
    elif hostport.count(":") == 1:
        host, port_text = hostport.split(":")
    else:
        port_text = ""
    if port_text:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ValueError(f"“{port_text}” is not a port number (PostgreSQL's is "
                             f"{DEFAULT_PORT}).")
        port = int(port_text)
    if not host:
        raise ValueError("Type the server's name before the database: db.example.com/docs.")
    return credentials.build_url(host=host, database=unquote(database), user=user, port=port)


def _with_user(url: str, user: str) -> str:
    parts = urlsplit(url)
    _, at, hostport = parts.netloc.rpartition("@")
    query = parse_qsl(parts.query, keep_blank_values=True)
    if not any(key == "user" for key, _ in query):
        # user@/db?host=/socket/folder is a URL libpq reads too
        netloc, kept = f"{quote(user, safe='')}@{hostport}", query
    else:  # the user given as a parameter stays one
        netloc = hostport if at else parts.netloc
        kept = [(k, v) if k != "user" else (k, user) for k, v in query]
    text = f"{parts.scheme}://{netloc}{parts.path}"
    return text + (f"?{urlencode(kept, safe='/')}" if kept else "")


def split_user(url: str) -> tuple[str, str]:
    """(``url`` without its user, the user or ""): how the dialog shows a known URL."""
    parts = urlsplit(credentials.display_url(url))
    user, at, hostport = parts.netloc.rpartition("@")
    query = parse_qsl(parts.query, keep_blank_values=True)
    if not at:
        user = next((v for k, v in query if k == "user"), "")
        hostport = parts.netloc
    kept = [(k, v) for k, v in query if k != "user"]
    text = f"{parts.scheme}://{hostport}{parts.path}"
    return text + (f"?{urlencode(kept, safe='/')}" if kept else ""), unquote(user)


class Connection(QObject):
    """One attempt to open a library, on a thread of its own. ``done`` carries the Library
    (or None) and the message for a failure. Abandoned (the dialog was closed) before it
    ends, the library it opened is closed again."""

    done = Signal(object, object, str)  # itself, the Library or None, the message

    def __init__(self, open_library: Callable[[str], Library], url: str,
                 parent: Any = None) -> None:
        super().__init__(parent)
        self._open = open_library
        self._url = url
        self._lock = threading.Lock()
        self.abandoned = False
        self.thread = threading.Thread(target=self._run, name="team-connect", daemon=True)

    def _run(self) -> None:
        library: Library | None = None
        message = ""
        try:
            library = self._open(self._url)
        except LibraryError as exc:
            message = str(exc)
        except Exception as exc:  # never a traceback in the dialog; the log has it
            log.exception("opening %s failed", credentials.display_url(self._url))
            message = f"the library could not be opened ({type(exc).__name__}: {exc})"
        with self._lock:
            if not self.abandoned:
                self.done.emit(self, library, message)
                return
        if library is not None:
            library.close()

    def abandon(self) -> None:
        with self._lock:
            self.abandoned = True

    def finish(self) -> None:
        """After ``done``: the thread has handed its answer over and ends at once."""
        self.thread.join()
        self.deleteLater()


class TeamDialog(QDialog):
    """Asks where the team library is and opens it; ``connected(library)`` on success."""

    # the opened Library (the receiver owns it); why the password was not remembered, or ""
    connected = Signal(object, str)
    failed = Signal(str)  # the message shown for a failed attempt

    def __init__(self, open_library: Callable[[str], Library], url: str | None = None,
                 parent: Any = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Connect to a team library")
        self._open_library = open_library
        self._connection: Connection | None = None

        intro = SecondaryLabel(
            "A team library lives on your organisation's PostgreSQL server: everyone in the "
            "team searches the same folders, and the server decides who sees which.")
        intro.setWordWrap(True)
        self.address = QLineEdit()
        self.address.setObjectName("teamAddress")
        self.address.setPlaceholderText("db.example.com/docs  or  postgresql://…")
        self.user = QLineEdit()
        self.user.setObjectName("teamUser")
        self.password = QLineEdit()
        self.password.setObjectName("teamPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.remember = QCheckBox("Remember the password in the system keyring")
        self.keyring_reason = SecondaryLabel("")
        self.keyring_reason.setWordWrap(True)
        problem = credentials.keyring_problem()
        self._keyring = problem is None
        if problem is not None:
            self.remember.setEnabled(False)
            self.remember.setToolTip(problem)
            self.keyring_reason.setText(problem[0].upper() + problem[1:] + ".")
        self.keyring_reason.setVisible(problem is not None)
        self.target = SecondaryLabel("")
        self.target.setObjectName("teamTarget")
        self.target.setWordWrap(True)
        self.target.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.error = QLabel("")
        self.error.setObjectName("teamError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c0392b;")
        self.error.hide()
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.setMaximumHeight(8)
        self.busy.hide()

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.connect_button = self.buttons.addButton(
            "Connect", QDialogButtonBox.ButtonRole.AcceptRole)
        self.connect_button.setDefault(True)
        self.buttons.accepted.connect(self.connect_now)
        self.buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.addRow("Address:", self.address)
        form.addRow("User name:", self.user)
        form.addRow("Password:", self.password)
        form.addRow("", self.remember)
        form.addRow("", self.keyring_reason)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.target)
        layout.addWidget(self.error)
        layout.addWidget(self.busy)
        layout.addWidget(self.buttons)

        for field in (self.address, self.user):
            field.textChanged.connect(self._update)
        if url:
            address, user = split_user(url)
            self.address.setText(address)
            self.user.setText(user)
            if self._keyring and credentials.password_for(url) is not None:
                self.password.setPlaceholderText("kept in the system keyring")
                self.remember.setChecked(True)
        self._update()
        (self.password if url else self.address).setFocus()
        self.resize(520, self.sizeHint().height())

    # -- what it builds ------------------------------------------------------------------
    def url(self) -> str:
        """The library's URL as typed, without the password; ValueError says what is
        missing."""
        return address_url(self.address.text(), self.user.text())

    @property
    def connecting(self) -> bool:
        return self._connection is not None

    def _update(self) -> None:
        try:
            url = self.url()
        except ValueError as exc:
            self.target.setText(str(exc) if self.address.text().strip() else "")
            self.connect_button.setEnabled(False)
            return
        self.target.setText(f"Connects to {url}")
        self.connect_button.setEnabled(not self.connecting)

    # -- connecting ----------------------------------------------------------------------
    def connect_now(self) -> None:
        """Open the library on a thread of its own; the answer comes back as a signal."""
        if self.connecting:
            return
        try:
            url = self.url()
        except ValueError as exc:
            self.show_error(str(exc))
            return
        password = self.password.text()
        target = credentials.with_password(url, password) if password else url
        self.error.hide()
        self._set_busy(True)
        connection = Connection(self._open_library, target, self)
        connection.done.connect(self._on_done)
        self._connection = connection
        connection.thread.start()

    def _on_done(self, connection: Connection, library: Library | None,
                 message: str) -> None:
        connection.finish()
        if connection is not self._connection:  # abandoned: the dialog was closed
            if library is not None:
                library.close()
            return
        self._connection = None
        self._set_busy(False)
        if library is None:
            self.show_error(message)
            return
        note = self._keep_password(self.url(), self.password.text())
        self.accept()
        self.connected.emit(library, note)

    def _keep_password(self, url: str, password: str) -> str:
        """Remember (or forget) the password as the box says; what went wrong, or ""."""
        if not self._keyring:
            return ""
        try:
            if self.remember.isChecked() and password:
                credentials.remember(url, password)
            elif not self.remember.isChecked():
                credentials.forget(url)
        except credentials.CredentialsError as exc:
            return str(exc)
        return ""

    def show_error(self, message: str) -> None:
        """Show why the library could not be opened, inside the dialog."""
        text = message.strip()
        self.error.setText(text[:1].upper() + text[1:])
        self.error.show()
        self.failed.emit(message)

    def _set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        for field in (self.address, self.user, self.password):
            field.setEnabled(not busy)
        self.remember.setEnabled(not busy and self._keyring)
        self.connect_button.setEnabled(not busy)
        self.connect_button.setText("Connecting…" if busy else "Connect")

    def reject(self) -> None:
        """Closed while connecting: the attempt goes on unseen, and what it opens is
        closed again."""
        if self._connection is not None:
            self._connection.abandon()
            self._connection = None
        super().reject()
