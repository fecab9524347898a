"""Start the app: ``desktop-app [--data-dir DIR] [PATH…]`` with no command opens the window.

Creates the QApplication (name, organisation, icon), opens the main window on the data
folder, adds any PATHs as folders and runs the event loop. Everything logged goes to the
app's log file (``desktop_app.logs``). Errors nobody caught, on any thread, are logged and
shown: on the UI thread in a dialog that names the log file and offers to open it; from
another thread as a notice in the window. Before Qt is asked for a window, Linux is checked
for a display and the X11 libraries (``platform_check``), so a missing library is named
with the command that installs it instead of the process aborting.

If the app already runs on this library, the PATHs go to that window instead and this
process exits (``single_instance``). ``DESKTOP_APP_STARTUP_REPORT=1`` prints, on stderr, how
long after the process started the window was first painted (``=quit`` then also quits):
the start-up time promised in the README is measured with it.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QEvent, QObject, Qt, QThread, QTimer, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from desktop_app import APP_NAME, __version__, logs, priority
from desktop_app.exit_codes import EXIT_DATA_DIR, EXIT_NO_WINDOW
from desktop_app.gui.platform_check import check_window_platform
from desktop_app.gui.single_instance import bring_forward, server_name, start_or_hand_over
from desktop_app.paths import default_data_dir

log = logging.getLogger("desktop_app.gui")



def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="desktop-app",
                                     description="Open the search window, adding any PATHs.")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="library folder (default: $DESKTOP_APP_DATA_DIR or the platform's "
                             "user data folder)")
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                        help="folders or files to add to the library")
    return parser.parse_args(list(argv))


class ErrorReporter(QObject):
    """Shows errors nobody caught. Lives on the UI thread; ``thread_error`` may be emitted
    from any thread (queued to this one)."""

    thread_error = Signal(str)  # a one-line description of an error on another thread

    def __init__(self, log_path: Path | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.log_path = log_path
        #: where errors from other threads are shown (the main window's notice)
        self.notice: Callable[[str], None] | None = None

    def crash_dialog(self, summary: str, parent: QWidget | None = None) -> QMessageBox:
        """The dialog for an error on the UI thread (not yet shown)."""
        box = QMessageBox(QMessageBox.Icon.Critical, APP_NAME,
                          f"Something went wrong:\n\n{summary}", parent=parent)
        if self.log_path is not None:
            box.setInformativeText(f"The details are in the log file:\n{self.log_path}")
            box.addButton("Open log file", QMessageBox.ButtonRole.ActionRole)
        else:
            box.setInformativeText("The log file could not be written; the details were "
                                   "printed on the terminal, if there is one.")
        box.addButton(QMessageBox.StandardButton.Close)
        return box

    def show_crash(self, summary: str) -> None:
        box = self.crash_dialog(summary)
        box.exec()
        if box.buttonRole(box.clickedButton()) == QMessageBox.ButtonRole.ActionRole:
            self.open_log()

    def open_log(self) -> bool:
        from desktop_app.gui import desktop

        return self.log_path is not None and desktop.open_file(str(self.log_path))

    def show_thread_error(self, summary: str) -> None:
        where = f" Details: {self.log_path}" if self.log_path is not None else ""
        text = f"Something went wrong in the background: {summary}.{where}"
        if self.notice is not None:
            self.notice(text)


def _summary(kind: type[BaseException], value: BaseException) -> str:
    return "".join(traceback.format_exception_only(kind, value)).strip()


def _install_excepthooks(reporter: ErrorReporter) -> None:
    """Errors nobody caught are logged (``logs.install`` chained its hooks before these ran,
    so they are logged once) and shown."""
    previous_sys, previous_thread = sys.excepthook, threading.excepthook
    reporter.thread_error.connect(reporter.show_thread_error,
                                  Qt.ConnectionType.QueuedConnection)

    def on_error(kind: type[BaseException], value: BaseException,
                 tb: TracebackType | None) -> None:
        previous_sys(kind, value, tb)
        app = QApplication.instance()
        if app is not None and QThread.currentThread() is app.thread():
            reporter.show_crash(_summary(kind, value))
        else:  # a Qt thread's slot: Python calls sys.excepthook there
            reporter.thread_error.emit(_summary(kind, value))

    def on_thread_error(args: threading.ExceptHookArgs) -> None:
        previous_thread(args)
        if args.exc_type is not SystemExit and args.exc_value is not None:
            reporter.thread_error.emit(_summary(args.exc_type, args.exc_value))

    sys.excepthook = on_error
    threading.excepthook = on_thread_error


def _quit_on_signals(app: QApplication) -> QTimer:
    """Ctrl+C or SIGTERM quits through the event loop, so the window still stops its workers
    and closes the library. Python runs signal handlers only when it holds control, which a
    Qt event loop never gives back; a slow timer hands it back a few times a second."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: app.quit())
    wake = QTimer(app)
    wake.timeout.connect(lambda: None)
    wake.start(300)
    return wake


STARTUP_REPORT_ENV = "DESKTOP_APP_STARTUP_REPORT"


def _seconds_since_process_start() -> float | None:
    """From the kernel's record of when this process began (Linux; 10 ms resolution), so
    interpreter start-up and a frozen app's bootloader are counted too."""
    try:
        with open("/proc/self/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        with open("/proc/uptime", encoding="ascii") as f:
            uptime = float(f.read().split()[0])
        return uptime - int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, AttributeError):
        return None


class _FirstPaintReporter(QObject):
    """Prints when the window has been painted for the first time (see the docstring)."""

    def __init__(self, window: QWidget, quit_after: bool) -> None:
        super().__init__(window)
        self._quit_after = quit_after
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self._report)  # after this paint has reached the screen
        return False

    def _report(self) -> None:
        since_start = _seconds_since_process_start()
        measured = "n/a" if since_start is None else f"{since_start:.3f} s"
        # CPU time too: on a busy machine the wall clock mostly measures the others.
        print(f"desktop-app startup: window painted {measured} after process start "
              f"(epoch {time.time():.3f}, {time.process_time():.3f} s CPU)",
              file=sys.stderr, flush=True)
        if self._quit_after:
            QApplication.quit()


def open_window(data_dir: Path, create: Callable[[Path], QWidget],
                ask: Callable[[str], bool] | None = None) -> tuple[QWidget, list[str]]:
    """The main window on ``data_dir``; (the window, what a rebuild did, in words).

    A damaged database is not a dead end: the user is asked (``ask``, a dialog by default)
    whether to set it aside and index the same folders again into a new one. Any other
    ``LibraryError``, or a rebuild declined, is raised for the caller to report.
    """
    from desktop_app.library import DamagedLibraryError, Library

    try:
        return create(data_dir), []
    except DamagedLibraryError as exc:
        if not (ask or _ask_to_rebuild)(str(exc)):
            raise
        library, notes = Library.rebuild(data_dir)
        library.close()
        return create(data_dir), notes


def _ask_to_rebuild(problem: str) -> bool:
    box = QMessageBox(QMessageBox.Icon.Warning, APP_NAME,
                      "The library's database is damaged.", QMessageBox.StandardButton.NoButton)
    box.setInformativeText(
        f"{problem}\n\nThe app can set the damaged file aside and index your folders again "
        "from the files on disk: nothing in your folders is touched, and searches by meaning "
        "come back as the files are indexed.")
    rebuild = box.addButton("Rebuild from my files", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Quit", QMessageBox.ButtonRole.RejectRole)
    box.exec()
    return box.clickedButton() is rebuild


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    log_path = logs.install()
    app = QApplication.instance()
    if app is None:
        problem = check_window_platform()
        if problem is not None:
            # Qt would abort the process here (SIGABRT) with a line that names one library.
            log.info("the window was not opened: %s", problem.message)
            if sys.stderr is not None:
                print(problem.message, file=sys.stderr, flush=True)
            return EXIT_NO_WINDOW
        app = QApplication([sys.argv[0] if sys.argv else "desktop-app"])
    assert isinstance(app, QApplication)
    app.setApplicationName("desktop-app")
    app.setApplicationDisplayName(APP_NAME)
    app.setOrganizationName("desktop-app")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("desktop-app")  # matches the .desktop file on Linux
    data_dir = args.data_dir or default_data_dir()
    # Absolute now: the running instance has another working folder.
    instance = start_or_hand_over(server_name(data_dir),
                                  [os.path.abspath(p) for p in args.paths])
    if instance is None:
        return 0  # the window already open on this library took the paths

    # Imported after the QApplication exists: the window module builds icons and fonts.
    from desktop_app.gui import create_main_window
    from desktop_app.gui.appicon import app_icon
    from desktop_app.library import LibraryError

    app.setWindowIcon(app_icon())
    reporter = ErrorReporter(log_path, app)
    _install_excepthooks(reporter)
    priority.favour_responsiveness()  # searches typed while indexing (desktop_app.priority)
    try:
        window, rebuilt = open_window(data_dir, create_main_window)
    except LibraryError as exc:
        instance.close()
        QMessageBox.critical(None, APP_NAME, f"The library in {data_dir} cannot be opened:"
                             f"\n\n{exc}")
        return EXIT_DATA_DIR
    reporter.notice = window.show_notice
    report = os.environ.get(STARTUP_REPORT_ENV, "")
    if report:
        _FirstPaintReporter(window, quit_after=report == "quit")
    window.show()
    for note in rebuilt:
        window.show_notice(note)
    if rebuilt:
        window.request_sync()  # the folders, indexed again into the new database
    if args.paths:
        window.add_paths([str(p) for p in args.paths])

    def on_paths_received(paths: list[str]) -> None:
        bring_forward(window)
        window.add_paths(paths)

    instance.paths_received.connect(on_paths_received)
    if sys.platform == "darwin":  # elsewhere a later launch is a process of its own
        instance.watch_file_open_events(app)
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    wake = _quit_on_signals(app)
    try:
        code = app.exec()
    finally:
        instance.close()  # later launches start their own window from here on
        wake.stop()
        wake.deleteLater()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    reporter.notice = None
    window.close()  # after quit() from a signal or elsewhere: still stop the workers
    return code
