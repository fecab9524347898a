"""One window per user and library: a second launch hands its paths to the first and exits.

Launching the app again (its icon, "Open with", a folder dropped on the launcher, or
``desktop-app PATH`` in a terminal) must not open a second window on the same library — it
could not index anyway, the data folder's write lock is taken. Instead the new process
connects to a ``QLocalServer`` the running one listens on, sends the paths it was given as
one JSON line, waits for an "ok" and exits; the running window comes forward and adds them.

The server name is derived from the user and the data folder, so two users, or one user's
two libraries, never meet. The socket lives in ``$XDG_RUNTIME_DIR`` when there is one
(private to the user, cleared at logout) and only the user may connect to it. Deciding who
is first happens under a ``QLockFile``, so two launches at the same moment cannot both
become the server, and a socket left behind by a crash is replaced, not obeyed.

macOS does not start a second process for a running app: it sends ``QFileOpenEvent``s
instead, which ``InstanceServer.watch_file_open_events`` turns into the same signal.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QDir, QEvent, QLockFile, QObject, Qt, Signal
from PySide6.QtGui import QFileOpenEvent
from PySide6.QtNetwork import QLocalServer, QLocalSocket
from PySide6.QtWidgets import QApplication, QWidget

from desktop_app.paths import normalise

log = logging.getLogger(__name__)

#: How long a new launch tries to reach a running one; a live server answers in microseconds.
CONNECT_TIMEOUT_MS = 500
#: How long it waits for the running one to confirm (its UI thread may be busy a moment).
REPLY_TIMEOUT_MS = 3000
#: How long it waits for another launch that is deciding who is first at the same moment.
LOCK_TIMEOUT_MS = 5000
#: A message is a list of paths; anything longer than this is not from us.
MAX_MESSAGE_BYTES = 1 << 20
_REPLY = b"ok\n"


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (a container without passwd entry): the uid will do
        return str(os.getuid()) if hasattr(os, "getuid") else "user"


def server_name(data_dir: Path | str) -> str:
    """The local server's name for this user and library (a socket path on Linux)."""
    library = normalise(data_dir)
    if sys.platform == "win32":
        library = library.lower()  # the same folder under any spelling of its case
    key = hashlib.sha256(f"{_user()}\0{library}".encode()).hexdigest()[:24]
    name = f"desktop-app-{key}"
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    if sys.platform.startswith("linux") and runtime and os.path.isdir(runtime):
        # Not /tmp: a per-user folder no one else can create files in.
        return os.path.join(runtime, name)
    return name


def _lock_path(name: str) -> str:
    if os.path.isabs(name):
        return name + ".lock"
    return os.path.join(QDir.tempPath(), name + ".lock")


def hand_over(name: str, paths: list[str]) -> bool:
    """Give ``paths`` to the instance listening on ``name``; False if none is listening."""
    socket = QLocalSocket()
    socket.connectToServer(name)
    if not socket.waitForConnected(CONNECT_TIMEOUT_MS):
        return False
    if sys.platform == "win32":
        # Windows only lets the foreground process raise a window; this one is (the user
        # just started it), so it allows the running instance to come forward.
        import ctypes

        ctypes.windll.user32.AllowSetForegroundWindow(-1)  # ASFW_ANY
    message = json.dumps({"paths": paths}).encode("utf-8") + b"\n"
    socket.write(QByteArray(message))
    socket.waitForBytesWritten(REPLY_TIMEOUT_MS)
    reply = b""
    while _REPLY not in reply and socket.waitForReadyRead(REPLY_TIMEOUT_MS):
        reply += bytes(socket.readAll().data())
    if _REPLY not in reply:
        # It took the message but did not confirm in time (a long call on its UI thread).
        # Starting a second window would not help: it could not write to the library.
        log.warning("the running instance did not confirm the hand-over in time")
    socket.disconnectFromServer()
    return True


class InstanceServer(QObject):
    """Listens for later launches; each one's paths arrive as ``paths_received``."""

    paths_received = Signal(list)  # absolute paths, possibly empty ("come forward")

    def __init__(self, name: str, parent: Any = None) -> None:
        super().__init__(parent)
        self.name = name
        self.server = QLocalServer(self)
        # Unix: the socket file is the user's alone. Windows: the pipe's ACL likewise.
        self.server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self.server.newConnection.connect(self._accept)

    def listen(self) -> bool:
        if self.server.listen(self.name):
            return True
        log.warning("cannot listen on %s (%s); later launches will open their own window",
                    self.name, self.server.errorString())
        return False

    @property
    def listening(self) -> bool:
        return self.server.isListening()

    def close(self) -> None:
        self.server.close()

    def watch_file_open_events(self, app: QApplication) -> None:
        """macOS: documents or folders dropped on the Dock icon or opened with the app.

        A filter on the application sees every event of the process, so it is installed
        only where those events come (the caller decides); it goes with this object."""
        app.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FileOpen and isinstance(event, QFileOpenEvent):
            path = event.file()
            if path:
                self.paths_received.emit([path])
                return True
        return super().eventFilter(watched, event)

    def _accept(self) -> None:
        while self.server.hasPendingConnections():
            socket = self.server.nextPendingConnection()
            buffer = bytearray()
            socket.readyRead.connect(lambda s=socket, b=buffer: self._read(s, b))
            socket.disconnected.connect(socket.deleteLater)
            if socket.bytesAvailable():
                self._read(socket, buffer)

    def _read(self, socket: QLocalSocket, buffer: bytearray) -> None:
        buffer += bytes(socket.readAll().data())
        if len(buffer) > MAX_MESSAGE_BYTES:
            socket.abort()
            return
        if b"\n" not in buffer:
            return
        line = bytes(buffer[:buffer.index(b"\n")])
        buffer.clear()
        try:
            paths = [str(p) for p in json.loads(line.decode("utf-8"))["paths"]]
        except (ValueError, KeyError, TypeError):
            log.warning("ignored a malformed message from another launch")
            socket.abort()
            return
        socket.write(QByteArray(_REPLY))
        socket.flush()
        self.paths_received.emit(paths)


def start_or_hand_over(name: str, paths: list[str]) -> InstanceServer | None:
    """Become the app's one instance (the listening server), or hand ``paths`` to the
    instance already running and return None: then this process should exit."""
    lock = QLockFile(_lock_path(name))
    lock.setStaleLockTime(0)  # a lock is stale only if its process is gone, never by age
    locked = lock.tryLock(LOCK_TIMEOUT_MS)
    try:
        if hand_over(name, paths):
            return None
        server = InstanceServer(name)
        # Nobody answered, so a socket file left here belongs to a process that crashed.
        QLocalServer.removeServer(name)
        server.listen()
        return server
    finally:
        if locked:
            lock.unlock()


def bring_forward(window: QWidget) -> None:
    """Show ``window`` un-minimised, on top and focused (as far as the desktop allows)."""
    if window.isMinimized():
        window.setWindowState(window.windowState() & ~Qt.WindowState.WindowMinimized)
    window.show()
    window.raise_()
    window.activateWindow()
