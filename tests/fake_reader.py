"""A stand-in for the extraction child (``python tests/fake_reader.py``): by the file's
name it crashes ("crash": SIGSEGV, as a MuPDF bug would), exits ("exit"), hangs ("hang"),
or answers with one page and no chunks."""

from __future__ import annotations

import os
import signal
import sys
import threading

from desktop_app.extraction import ReadJob, ReadResult, serve


def handle(job: ReadJob) -> ReadResult:
    name = os.path.basename(job.path)
    if "crash" in name:
        os.kill(os.getpid(), getattr(signal, "SIGSEGV", signal.SIGTERM))
        threading.Event().wait()  # until the signal ends the process
    if "exit" in name:
        os._exit(3)
    if "hang" in name:
        threading.Event().wait()  # forever: the parent's timeout or close() kills us
    return ReadResult("indexed", None, 1, [])


if __name__ == "__main__":
    sys.exit(serve(handle, sys.stdin.buffer, sys.stdout.buffer))
