"""Background work at a lower CPU priority than the window and its searches.

Indexing keeps both cores busy for minutes. Run at the same priority, a search typed
meanwhile shares the cores with the model's batch, and every step of it waits its turn:
hybrid search's p95 went from 24 ms at rest to 35 ms while indexing. A thread that lowers
its own priority passes it on to the threads it starts afterwards (the extraction helper,
onnxruntime's workers of a session it creates), so the indexing thread lowers it once, first.

The window's process also switches between Python threads every millisecond instead of every
5 ms (``favour_responsiveness``): while a file is extracted (PyMuPDF and the chunker hold
the GIL), a search waits for the GIL each time it comes back from the model, SQLite or the
graph. In the first 12 s of indexing the Debian manuals (extraction of the first files)
hybrid search's p95 went from 47 to 30 ms, p99 from 92 to 35 ms; indexing speed was within
the run-to-run noise (44.9 vs 42.5 chunks/s, one run each).

The priority is a thread's own on Linux (``setpriority`` on the thread id: nice 10) and
Windows (``SetThreadPriority``: below normal), and its quality of service on macOS
(utility). Lowering is one-way for an unprivileged process: give it a thread of its own.
"""

from __future__ import annotations

import ctypes
import logging
import os
import sys
import threading

log = logging.getLogger(__name__)

#: nice value of background threads on Linux (0 normal, 19 lowest): low enough that a search
#: takes a core at once, high enough that indexing still runs at full speed on an idle machine
NICE = 10
#: seconds between Python thread switches in the window's process (Python's default: 0.005)
SWITCH_INTERVAL_S = 0.001
_THREAD_PRIORITY_BELOW_NORMAL = -1
_QOS_CLASS_UTILITY = 0x11


def lower_this_thread() -> bool:
    """Run the calling thread (and threads it starts later) at background priority.
    False when the platform refused (nothing else changes)."""
    try:
        if sys.platform.startswith("linux"):
            tid = threading.get_native_id()
            current = os.getpriority(os.PRIO_PROCESS, tid)
            if current < NICE:
                os.setpriority(os.PRIO_PROCESS, tid, NICE)
            return True
        if sys.platform == "win32":
            kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
            return bool(kernel32.SetThreadPriority(kernel32.GetCurrentThread(),
                                                   _THREAD_PRIORITY_BELOW_NORMAL))
        if sys.platform == "darwin":
            libc = ctypes.CDLL("/usr/lib/libSystem.dylib")
            return libc.pthread_set_qos_class_self_np(_QOS_CLASS_UTILITY, 0) == 0
    except (OSError, AttributeError) as exc:
        log.info("could not lower the indexing thread's priority: %s", exc)
    return False


def this_thread_nice() -> int | None:
    """The calling thread's nice value on Linux (None elsewhere)."""
    if not sys.platform.startswith("linux"):
        return None
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def favour_responsiveness() -> float:
    """Switch Python threads every ``SWITCH_INTERVAL_S``; returns the interval before."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    return before
