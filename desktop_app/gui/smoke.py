"""The window half of ``desktop-app --self-test`` (the core half is ``desktop_app.selftest``).

Opens the main window on an indexed library, paints it, waits for its reader thread to load
the model, searches through the search box and closes it again. In a frozen build this is
what proves the Qt platform plugin, the image formats, fonts and the worker threads made it
into the bundle. It knows nothing of the self-test's sample: the caller says what to search
for and which file must come first.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from PySide6.QtCore import (
    QEventLoop,
    QMessageLogContext,
    QTimer,
    QtMsgType,
    SignalInstance,
    qInstallMessageHandler,
)
from PySide6.QtWidgets import QApplication

from desktop_app.gui.platform_check import check_window_platform


class WindowCheckFailed(RuntimeError):
    """The window did not do what was asked; the message says what it did instead."""


class _Recorder:
    """Remembers a signal's emissions from the moment it is made, so none is missed."""

    def __init__(self, signal: SignalInstance) -> None:
        self.received: list[tuple[object, ...]] = []
        self._loop: QEventLoop | None = None
        signal.connect(self._on_signal)

    def _on_signal(self, *args: object) -> None:
        self.received.append(args)
        if self._loop is not None:
            self._loop.quit()

    def wait(self, timeout_s: float, what: str,
             failure: _Recorder | None = None) -> tuple[object, ...]:
        """The first emission's arguments, running the event loop until it comes."""
        if not self.received and not (failure and failure.received):
            self._loop = QEventLoop()
            if failure is not None:
                failure._loop = self._loop
            QTimer.singleShot(int(timeout_s * 1000), self._loop.quit)
            self._loop.exec()
            self._loop = None
        if failure is not None and failure.received:
            raise WindowCheckFailed(f"the window could not {what}: {failure.received[0]}")
        if not self.received:
            raise WindowCheckFailed(f"the window did not {what} within {timeout_s:.0f} s")
        return self.received[0]


def _quiet_offscreen_notices(kind: QtMsgType, context: QMessageLogContext, text: str) -> None:
    # The offscreen platform says it cannot do what only a real screen does (window size
    # hints, raising); that is expected here, and everything else still gets printed.
    if "This plugin does not support" not in text:
        print(text, file=sys.stderr)


def open_window_once(data_dir: Path, query: str, expected_file: str, timeout_s: float) -> str:
    """Show the main window on ``data_dir``, search it for ``query``, check that the file
    named ``expected_file`` comes first, close it; one line saying so.

    Raises :class:`WindowCheckFailed` when any step does not happen.
    """
    from desktop_app.gui import create_main_window
    from desktop_app.gui.window import MainWindow

    if QApplication.instance() is None:
        problem = check_window_platform()  # Qt would abort the process instead
        if problem is not None:
            raise WindowCheckFailed(problem.message)
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "desktop-app"])
    previous_handler = qInstallMessageHandler(_quiet_offscreen_notices)
    started = time.perf_counter()
    window = create_main_window(data_dir)
    assert isinstance(window, MainWindow)
    model_ready = _Recorder(window.model_ready)
    model_failed = _Recorder(window.reader.model_failed)
    results_shown = _Recorder(window.search.results_shown)
    try:
        window.show()
        if window.grab().isNull():  # paints every widget: styles, fonts, icons
            raise WindowCheckFailed("the window could not be painted")
        shown = time.perf_counter() - started
        model_ready.wait(timeout_s, "load the model", failure=model_failed)
        window.search_input.setText(query)
        window.search.search_now()
        _, count = results_shown.wait(timeout_s, "show search results")
        top = window.results_model.result(0) if count else None
        if top is None or Path(top.path).name != expected_file:
            raise WindowCheckFailed(f"the window's search put {top and top.path} first, "
                                    f"not {expected_file}")
        total = time.perf_counter() - started
    finally:
        window.close()
        window.deleteLater()
        app.processEvents()
        qInstallMessageHandler(previous_handler)
    return (f"gui: window shown in {shown:.2f} s on the '{app.platformName()}' platform, "
            f"searched in it ({count} results, {expected_file} first) {total:.2f} s after "
            "opening; closed")
