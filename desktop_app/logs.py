"""One log for the app: a rotating file in the platform's user log folder.

The window has no terminal (a windowed app has no stderr), so warnings, errors and every
uncaught exception, on any thread, go to this file. ``desktop-app status`` prints its path
and the window's crash dialog names it.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
import threading
from pathlib import Path

from desktop_app.private import private_dir, private_file

ENV_LOG_DIR = "DESKTOP_APP_LOG_DIR"
LOG_NAME = "desktop-app.log"
_MAX_BYTES = 1_000_000
_BACKUPS = 3
_FORMAT = "%(asctime)s %(levelname)s %(process)d %(threadName)s %(name)s: %(message)s"


def log_dir() -> Path:
    """``$DESKTOP_APP_LOG_DIR`` if set, else the platform's user log folder for the app."""
    override = os.environ.get(ENV_LOG_DIR)
    if override:
        return Path(override).expanduser()
    from platformdirs import user_log_dir

    return Path(user_log_dir("desktop-app", appauthor=False))


def log_file() -> Path:
    return log_dir() / LOG_NAME


def install(*, level: int = logging.INFO, to_stderr: bool = True) -> Path | None:
    """Send the app's log records (and uncaught exceptions) to the log file.

    Returns the file's path, or None when it cannot be written (a read-only home, a full
    disk): the app still runs, logging to stderr only. Calling it again changes nothing.
    """
    root = logging.getLogger()
    if any(getattr(h, "_desktop_app_log", False) for h in root.handlers):
        return log_file()
    path: Path | None = log_file()
    try:
        private_dir(path.parent)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=_MAX_BYTES, backupCount=_BACKUPS, encoding="utf-8", delay=False)
        private_file(path)
    except OSError:
        path = None
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter(_FORMAT))
    handler.setLevel(level)
    handler._desktop_app_log = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    if to_stderr and sys.stderr is not None and not any(
            isinstance(h, logging.StreamHandler) and not isinstance(h, logging.FileHandler)
            for h in root.handlers):
        err = logging.StreamHandler()
        err.setLevel(logging.WARNING)
        err.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        root.addHandler(err)
    if root.level > level or root.level == logging.NOTSET:
        root.setLevel(level)
    _route_uncaught_exceptions()
    return path


def _route_uncaught_exceptions() -> None:
    """Uncaught exceptions on the main thread and on worker threads are logged, then handled
    as before (the window's hooks, installed later, still run after this)."""
    log = logging.getLogger("desktop_app.uncaught")
    previous_sys = sys.excepthook
    previous_thread = threading.excepthook

    def on_exception(exc_type, exc, tb) -> None:
        if not issubclass(exc_type, KeyboardInterrupt):
            log.error("uncaught exception", exc_info=(exc_type, exc, tb))
        previous_sys(exc_type, exc, tb)

    def on_thread_exception(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is not SystemExit:
            name = args.thread.name if args.thread else "?"
            log.error("uncaught exception in thread %s", name,
                      exc_info=(args.exc_type, args.exc_value, args.exc_traceback))
        previous_thread(args)

    sys.excepthook = on_exception
    threading.excepthook = on_thread_exception
