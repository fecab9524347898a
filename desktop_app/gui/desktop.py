"""Hand a file to the operating system: open it in its default app, or show it in its folder."""

from __future__ import annotations

import logging
import os
import sys

from PySide6.QtCore import QProcess, QUrl
from PySide6.QtGui import QDesktopServices

log = logging.getLogger(__name__)


def open_file(path: str) -> bool:
    """Open ``path`` with the system's viewer for its type."""
    ok = QDesktopServices.openUrl(QUrl.fromLocalFile(path))
    if not ok:
        log.warning("no application opened %s", path)
    return ok


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
