"""Start the app: ``desktop-app [--data-dir DIR] [PATH…]`` with no command opens the window.

Creates the QApplication (name, organisation, icon), opens the main window on the data
folder, adds any PATHs as folders and runs the event loop. Errors nobody caught, on any
thread, are logged; on the UI thread they are also shown, so a bug is never silent.

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
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QEvent, QObject, QThread, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from desktop_app import APP_NAME, __version__, priority
from desktop_app.gui.single_instance import bring_forward, server_name, start_or_hand_over
from desktop_app.paths import default_data_dir

log = logging.getLogger("desktop_app.gui")

EXIT_DATA_DIR = 3


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="desktop-app",
                                     description="Open the search window, adding any PATHs.")
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="library folder (default: $DESKTOP_APP_DATA_DIR or the platform's "
                             "user data folder)")
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                        help="folders or files to add to the library")
    return parser.parse_args(list(argv))


def _install_excepthooks() -> None:
    def on_error(kind: type[BaseException], value: BaseException,
                 tb: TracebackType | None) -> None:
        log.critical("unhandled error", exc_info=(kind, value, tb))
        app = QApplication.instance()
        if app is not None and QThread.currentThread() is app.thread():
            text = "".join(traceback.format_exception_only(kind, value)).strip()
            QMessageBox.critical(None, APP_NAME, f"Something went wrong:\n\n{text}\n\n"
                                 "The details are in the log.")

    def on_thread_error(args: threading.ExceptHookArgs) -> None:
        log.critical("unhandled error in thread %s", args.thread and args.thread.name,
                     exc_info=(args.exc_type, args.exc_value, args.exc_traceback))

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


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = QApplication.instance()
    if app is None:
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
    _install_excepthooks()
    priority.favour_responsiveness()  # searches typed while indexing (desktop_app.priority)
    try:
        window = create_main_window(data_dir)
    except LibraryError as exc:
        instance.close()
        QMessageBox.critical(None, APP_NAME, f"The library in {data_dir} cannot be opened:"
                             f"\n\n{exc}")
        return EXIT_DATA_DIR
    report = os.environ.get(STARTUP_REPORT_ENV, "")
    if report:
        _FirstPaintReporter(window, quit_after=report == "quit")
    window.show()
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
    window.close()  # after quit() from a signal or elsewhere: still stop the workers
    return code
