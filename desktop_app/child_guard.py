"""Bounds on a child process: it dies with its parent and stays under a memory limit.

A child that reads untrusted files (``desktop_app.extraction``) must not outlive the app: a
SIGKILLed parent would otherwise leave it reading a slow file for minutes. On Linux the kernel
kills it when its parent goes (``PR_SET_PDEATHSIG``). Elsewhere on POSIX a forked watchdog
process kills it once the parent's end of the job pipe closes: a watchdog thread would not do,
since MuPDF keeps the GIL for the whole of a long call. Everywhere a watchdog thread also ends
it, between such calls, once it is handed to another parent. The parent passes its pid in
``PARENT_ENV``, so a parent that died before the child set this up is noticed too.

The memory limit makes a file that inflates to gigabytes fail alone (MuPDF and Python report
out of memory) instead of pushing the machine into swap.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import sys
import threading
import time

#: the child's address-space limit (POSIX): a 1,600-page manual peaks near 400 MB
READ_MEMORY_BYTES = 4 << 30
#: how often the watchdog looks for the parent
WATCHDOG_SECONDS = 0.25
#: the environment variable that carries the parent's pid
PARENT_ENV = "DESKTOP_APP_READER_PARENT"


def die_with_parent() -> None:
    """Make sure this process does not outlive the one that started it."""
    expected = int(os.environ.get(PARENT_ENV) or 0)
    if not (sys.platform.startswith("linux") and _kill_me_with_parent()):
        watch_from_outside()
    # The parent may have died before the lines above ran: then nobody would send the signal.
    if expected and os.getppid() != expected:
        os._exit(1)
    threading.Thread(target=_watchdog, args=(expected,), name="parent-watchdog",
                     daemon=True).start()


def _kill_me_with_parent() -> bool:
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        return libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def watch_from_outside() -> int | None:
    """Fork a watchdog that SIGKILLs this process once the parent's end of the pipe on stdin
    closes (the parent is gone); it needs no GIL. Call before any thread starts. Returns the
    watchdog's pid (None where there is no fork or poll)."""
    if not hasattr(os, "fork") or not hasattr(select, "poll"):
        return None
    guarded = os.getpid()
    pid = os.fork()
    if pid:
        return pid
    try:  # the watchdog: it never returns into the caller's code
        os.closerange(1, 1024)  # holds no pipe end the parent waits on, only stdin's read end
        poller = select.poll()
        poller.register(0, 0)  # nothing asked for: only POLLHUP/POLLERR come back
        while os.getppid() == guarded:
            if poller.poll(WATCHDOG_SECONDS * 1000) and os.getppid() == guarded:
                os.kill(guarded, signal.SIGKILL)
                break
    finally:
        os._exit(0)


def _watchdog(expected: int) -> None:
    """End the process once the parent is gone: handed to another parent, or (POSIX) the
    parent's end of the job pipe closed while a long file is being read."""
    poller = None
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(0, 0)  # nothing asked for: only POLLHUP/POLLERR come back
    while True:
        if expected and os.getppid() != expected:
            os._exit(1)
        if poller is not None:
            if poller.poll(WATCHDOG_SECONDS * 1000):
                os._exit(1)
        else:
            time.sleep(WATCHDOG_SECONDS)


def limit_memory() -> None:
    """Cap this process's address space at READ_MEMORY_BYTES (POSIX; Windows has none)."""
    try:
        import resource
    except ImportError:  # Windows: the parent's timeout is the bound
        return
    with contextlib.suppress(ValueError, OSError):
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = READ_MEMORY_BYTES if hard == resource.RLIM_INFINITY else min(hard,
                                                                            READ_MEMORY_BYTES)
        if soft == resource.RLIM_INFINITY or soft > limit:
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
