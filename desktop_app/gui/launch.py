"""Start the app: ``desktop-app [--data-dir DIR] [PATH…]`` with no command opens the window.

Creates the QApplication (name, organisation, icon), opens the main window on the data
folder, adds any PATHs as folders and runs the event loop. Errors nobody caught, on any
thread, are logged; on the UI thread they are also shown, so a bug is never silent.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import traceback
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QThread, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop_app import APP_NAME, __version__
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

    # Imported after the QApplication exists: the window module builds icons and fonts.
    from desktop_app.gui import create_main_window
    from desktop_app.gui.appicon import app_icon
    from desktop_app.library import LibraryError

    app.setWindowIcon(app_icon())
    _install_excepthooks()
    data_dir = args.data_dir or default_data_dir()
    try:
        window = create_main_window(data_dir)
    except LibraryError as exc:
        QMessageBox.critical(None, APP_NAME, f"The library in {data_dir} cannot be opened:"
                             f"\n\n{exc}")
        return EXIT_DATA_DIR
    window.show()
    if args.paths:
        window.add_paths([str(p) for p in args.paths])
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    wake = _quit_on_signals(app)
    try:
        code = app.exec()
    finally:
        wake.stop()
        wake.deleteLater()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    window.close()  # after quit() from a signal or elsewhere: still stop the workers
    return code
