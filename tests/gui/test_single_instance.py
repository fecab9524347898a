"""One instance per user and library: a second launch hands its paths to the first.

Each test's server name comes from a data folder under its own tmp_path, so no two tests
(and no running app) ever share a server. The second launch is a real process.
"""

from __future__ import annotations

import socket
import sys
import tempfile
import threading
from pathlib import Path

import pytest
from gui_helpers import TEXTS, assert_stopped
from PySide6.QtCore import QProcess, QTimer
from PySide6.QtGui import QFileOpenEvent
from PySide6.QtNetwork import QLocalSocket
from PySide6.QtWidgets import QApplication

from desktop_app.gui import launch, single_instance
from desktop_app.gui.single_instance import InstanceServer, server_name, start_or_hand_over
from desktop_app.gui.window import MainWindow
from desktop_app.library import Library


def _second_launch(cwd: Path, *args: str) -> QProcess:
    """``python -m desktop_app ARGS`` started in ``cwd`` (not waited for)."""
    process = QProcess()
    process.setWorkingDirectory(str(cwd))
    process.setProgram(sys.executable)
    process.setArguments(["-m", "desktop_app", *args])
    return process


def test_a_second_launch_hands_its_paths_to_the_running_one_and_exits(qtbot, tmp_path):
    data = tmp_path / "data"
    server = start_or_hand_over(server_name(data), [])
    assert server is not None and server.listening
    (tmp_path / "notes").mkdir()
    second = _second_launch(tmp_path, "--data-dir", str(data), "notes")  # relative path
    try:
        with qtbot.waitSignal(server.paths_received, timeout=60_000) as received:
            second.start()
        with qtbot.waitSignal(second.finished, timeout=30_000):
            pass
    finally:
        server.close()
    assert received.args == [[str(tmp_path / "notes")]]
    assert second.exitCode() == 0, bytes(second.readAllStandardError().data()).decode()
    assert not data.exists()  # it opened no window and no library of its own


def test_the_running_window_comes_forward_and_indexes_what_a_later_launch_hands_it(
        qtbot, tmp_path, monkeypatch):
    # launch.main installs process-wide hooks; put pytest's back afterwards.
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "volcanoes.txt").write_text(TEXTS["volcanoes.txt"], encoding="utf-8")
    data = tmp_path / "data"
    second = _second_launch(tmp_path, "--data-dir", str(data), str(folder))
    seen: dict[str, object] = {}

    def when_shown() -> None:
        window = next(w for w in QApplication.topLevelWidgets()
                      if isinstance(w, MainWindow) and w.isVisible())
        seen["window"] = window
        window.showMinimized()
        window.indexing_finished.connect(lambda summary: on_indexed(window, summary))
        second.start()

    def on_indexed(window: MainWindow, summary: object) -> None:
        if summary is not None and summary.indexed:  # the handed-over folder is in
            seen["minimized"] = window.isMinimized()
            window.close()

    QTimer.singleShot(0, when_shown)
    assert launch.main(["--data-dir", str(data)]) == 0
    second.waitForFinished(30_000)
    assert second.exitCode() == 0
    assert seen["minimized"] is False  # brought forward
    assert_stopped(seen["window"])
    with Library(data) as library:
        assert library.roots() == [str(folder.resolve())]


@pytest.mark.skipif(not sys.platform.startswith("linux"),
                    reason="the socket is a file in $XDG_RUNTIME_DIR on Linux only")
def test_a_socket_left_behind_by_a_crashed_instance_is_replaced(tmp_path, monkeypatch):
    # A short folder: a Unix socket path must fit in 108 bytes.
    runtime = Path(tempfile.mkdtemp(prefix="da-"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    name = server_name(tmp_path / "data")
    assert Path(name).parent == runtime
    crashed = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    crashed.bind(name)  # bound and never listening: what a killed process leaves
    crashed.close()
    assert Path(name).exists()

    server = start_or_hand_over(name, ["/somewhere"])
    try:
        assert server is not None and server.listening
        client = QLocalSocket()
        client.connectToServer(name)
        assert client.waitForConnected(1000)
        client.abort()
    finally:
        if server is not None:
            server.close()
        for leftover in runtime.iterdir():
            leftover.unlink()
        runtime.rmdir()


def test_a_malformed_message_is_ignored(qtbot, tmp_path):
    server = InstanceServer(server_name(tmp_path / "data"))
    assert server.listen()
    received: list[list[str]] = []
    server.paths_received.connect(received.append)
    client = QLocalSocket()
    try:
        client.connectToServer(server.name)
        assert client.waitForConnected(1000)
        with qtbot.waitSignal(client.disconnected, timeout=5000):
            client.write(b"not json\n")
    finally:
        client.abort()
        server.close()
    assert received == []


def test_files_opened_with_the_app_arrive_as_paths_too(qtbot, tmp_path):
    """macOS delivers Finder's "Open With" and Dock drops as QFileOpenEvents."""
    server = InstanceServer(server_name(tmp_path / "data"))
    server.watch_file_open_events(QApplication.instance())
    try:
        with qtbot.waitSignal(server.paths_received) as received:
            QApplication.sendEvent(QApplication.instance(), QFileOpenEvent(str(tmp_path)))
    finally:
        server.deleteLater()
    assert received.args == [[str(tmp_path)]]


def test_each_user_and_library_has_its_own_server(tmp_path, monkeypatch):
    a, b = tmp_path / "a", tmp_path / "b"
    assert server_name(a) != server_name(b)
    assert server_name(a) == server_name(tmp_path / "b" / ".." / "a")  # one folder, one name
    mine = server_name(a)
    monkeypatch.setattr(single_instance.getpass, "getuser", lambda: "someone-else")
    assert server_name(a) != mine
