"""Hand a file to the operating system: open it in its default app, or show it in its folder.

Opening can fail where nobody sees it: on Linux, Qt hands the file to ``xdg-open`` and
reports success as soon as that script starts, while the script's "no application" error
goes to a terminal the user does not have. ``FileOpener`` therefore runs ``xdg-open``
itself and reports a failure it exits with, and reports at once when Qt finds no way to
open the file at all.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
from typing import Any

from PySide6.QtCore import QMimeDatabase, QObject, QProcess, QUrl, Signal
from PySide6.QtGui import QDesktopServices

log = logging.getLogger(__name__)


def open_file(path: str) -> bool:
    """Open ``path`` with the system's viewer for its type (False: nothing could)."""
    ok = QDesktopServices.openUrl(QUrl.fromLocalFile(path))
    if not ok:
        log.warning("no application opened %s", path)
    return ok


def kind_of_file(path: str) -> str:
    """How a person calls the file's type: "PDF document", "plain text document"…"""
    mime = QMimeDatabase().mimeTypeForFile(path)
    comment = mime.comment() if mime.isValid() else ""
    # Without the freedesktop MIME data the "comment" is the bare type name (text/plain).
    if comment and not mime.isDefault() and "/" not in comment:
        return comment[0].lower() + comment[1:] if not comment[:3].isupper() else comment
    suffix = os.path.splitext(path)[1].lstrip(".")
    return f".{suffix} files" if suffix else "this kind of file"


def cannot_open_message(path: str, detail: str = "") -> str:
    """The window's notice for a file no application would open."""
    if not os.path.exists(path):
        return f"“{path}” is no longer there. Rescan to update the library."
    why = f" ({detail})" if detail else ""
    return (f"Cannot open “{path}”: no application is set to open "
            f"{plural_kind(kind_of_file(path))}{why}. Install a viewer for them, or choose "
            "one with “Open with” in your file manager.")


def plural_kind(kind: str) -> str:
    if kind.endswith(" files") or kind == "this kind of file":
        return kind
    return kind + "s"


class FileOpener(QObject):
    """Opens files in their default application and says, in ``failed``, when none did."""

    failed = Signal(str, str)  # path, a message for the user

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._running: list[QProcess] = []

    def open(self, path: str) -> bool:
        """Start opening ``path``; False if it already failed (``failed`` was emitted)."""
        if not os.path.exists(path):
            self.failed.emit(path, cannot_open_message(path))
            return False
        launcher = _xdg_open()
        if launcher is None:
            if open_file(path):
                return True
            self.failed.emit(path, cannot_open_message(path))
            return False
        process = QProcess(self)
        process.setProgram(launcher)
        process.setArguments([path])
        process.setProcessChannelMode(QProcess.ProcessChannelMode.MergedChannels)
        process.finished.connect(lambda code, _status, p=process: self._finished(p, path, code))
        process.errorOccurred.connect(lambda _error, p=process: self._not_started(p, path))
        self._running.append(process)
        process.start()
        return True

    def stop(self) -> None:
        """Stop listening (the window is closing). A launcher still waiting for its viewer
        (xdg-open's generic mode waits) ends with this object; the viewer, its child, stays."""
        for process in self._running:
            process.finished.disconnect()
            process.errorOccurred.disconnect()
        self._running.clear()

    def _finished(self, process: QProcess, path: str, code: int) -> None:
        output = bytes(process.readAll().data()).decode(errors="replace").strip()
        self._forget(process)
        if code != 0:
            log.warning("xdg-open %s exited with %d: %s", path, code, output)
            last = output.splitlines()[-1].removeprefix("xdg-open: ") if output else ""
            # xdg-open's own words, unless they only repeat the path
            self.failed.emit(path, cannot_open_message(path, "" if path in last else last))

    def _not_started(self, process: QProcess, path: str) -> None:
        if process.error() != QProcess.ProcessError.FailedToStart:
            return
        self._forget(process)
        if not open_file(path):
            self.failed.emit(path, cannot_open_message(path))

    def _forget(self, process: QProcess) -> None:
        if process in self._running:
            self._running.remove(process)
        process.deleteLater()


def _xdg_open() -> str | None:
    """``xdg-open`` on Linux and the BSDs (what Qt itself would run), else None."""
    if sys.platform in ("win32", "darwin"):
        return None
    return shutil.which("xdg-open")


def reveal_in_folder(path: str) -> bool:
    """Show ``path`` selected in the file manager; at worst, open its folder."""
    if sys.platform == "win32":
        return QProcess.startDetached("explorer.exe", [f"/select,{os.path.normpath(path)}"])
    if sys.platform == "darwin":
        return QProcess.startDetached("open", ["-R", path])
    if _show_items_over_dbus(path):
        return True
    return QDesktopServices.openUrl(QUrl.fromLocalFile(os.path.dirname(path)))


def _show_items_over_dbus(path: str) -> bool:
    """The freedesktop FileManager1 interface, which Nautilus, Dolphin, Nemo… implement."""
    try:
        from PySide6.QtDBus import QDBusConnection, QDBusInterface, QDBusMessage
    except ImportError:
        return False
    bus = QDBusConnection.sessionBus()
    if not bus.isConnected():
        return False
    service = "org.freedesktop.FileManager1"
    interface = bus.interface()
    if interface is None or not interface.isServiceRegistered(service).value():
        return False
    manager = QDBusInterface(service, "/org/freedesktop/FileManager1", service, bus)
    reply = manager.call("ShowItems", [QUrl.fromLocalFile(path).toString()], "")
    return reply.type() != QDBusMessage.MessageType.ErrorMessage
