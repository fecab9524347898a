"""A file → its chunks (extraction, then chunking), here or in a child process.

``read_file`` is the work: extract the pages, check the file did not change meanwhile, cut
the pages into chunks. A sync of a few small plain-text files runs it on a helper thread;
every other sync runs it in a child process (``ReaderProcess``), for these reasons:

- PyMuPDF holds the GIL while it lays out a page, and the chunker walks tokens in Python. On
  a thread beside the window, every search typed meanwhile waited for the GIL each time it
  came back from the model, SQLite or the graph: hybrid search's p95 in the first 12 s of
  indexing the Debian manuals was 30 ms against 23 ms later on (docs/benchmarks.md).
- A file that crashes MuPDF, or makes it hang (a page that inflates to billions of drawing
  operators), takes down only the child: the file is reported as failed with a reason, and
  the next one goes on in a new child. A thread cannot be stopped; a process can.
- The window's page previews do not wait behind a long document's extraction for MuPDF's
  lock (a 1,000-page manual holds it for a second).

The child dies with its parent, so a SIGKILLed app leaves no reader running on, and it runs
under a memory limit, so a file that inflates to gigabytes fails alone instead of pushing the
machine into swap (``desktop_app.child_guard``).

The child is this module run as a program (``python -m desktop_app.extraction``; the frozen
app runs itself with ``CHILD_FLAG``). Jobs and results are pickled frames (an 8-byte length,
then the pickle) on its stdin and stdout, answered in the order sent. It inherits the
priority of the thread that starts it: the window's indexing thread runs at background
priority (``desktop_app.priority``), so the child does too.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import logging
import os
import pickle
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, InvalidStateError, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from desktop_app import child_guard, memory, priority
from desktop_app.chunking import Chunk, Tokenize, chunk_pages
from desktop_app.extract import ExtractionError, extract, ocr

#: the frozen app's argument that makes it the extraction child
CHILD_FLAG = "--extraction-process"
#: seconds one file may take before the child is stopped and the file reported as failed
#: (MuPDF reads ~1,000 pages a second here). OCR takes seconds a page, so a file being read
#: by OCR gets this long for each page: the child says so after every page it read (ALIVE).
READ_TIMEOUT_S = 300.0
#: what the child sends, in place of a result, after each page read by OCR
ALIVE = "alive"
_FRAME = struct.Struct("<Q")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReadJob:
    path: str
    size: int  # as scanned: a file whose size or mtime differ afterwards changed meanwhile
    mtime_ns: int
    tokenizer: str  # the model's tokenizer.json
    chunk_tokens: int
    #: scans: None reports them as needing OCR, True reads them, False: the user turned OCR off
    ocr: bool | None = None
    ocr_cache: str | None = None  # the library's OCR cache folder (desktop_app.extract.ocr_cache)
    sha256: str | None = None  # the file's, when known: the OCR cache's key


@dataclass
class ReadResult:
    status: str  # "indexed", "skipped" or "failed"
    reason: str | None = None
    pages: int = 0
    chunks: list[Chunk] = field(default_factory=list)
    ocr_pages: int = 0  # pages read by OCR for this file (not those found in the cache)


def read_file(job: ReadJob, tokenize: Tokenize,
              alive: Callable[[], object] | None = None) -> ReadResult:
    """Extract and chunk one file; what goes wrong becomes a status and a reason.
    ``alive`` is called after each page read by OCR."""
    before = ocr.PAGES_READ
    result = _read_file(job, tokenize, alive)
    result.ocr_pages = ocr.PAGES_READ - before
    return result


def _read_file(job: ReadJob, tokenize: Tokenize,
               alive: Callable[[], object] | None) -> ReadResult:
    try:
        if job.ocr is None:
            pages = extract(Path(job.path))
        else:
            options = ocr.OcrOptions(enabled=job.ocr, sha256=job.sha256, on_page=alive,
                                     cache_dir=Path(job.ocr_cache) if job.ocr_cache else None)
            with ocr.using(options):
                pages = extract(Path(job.path))
    except ExtractionError as exc:
        return ReadResult(exc.status, exc.reason)
    try:
        after = os.stat(job.path)
    except FileNotFoundError:
        return ReadResult("failed", "file vanished while being read")
    except OSError as exc:
        return ReadResult("failed", exc.strerror or str(exc))
    if (after.st_size, after.st_mtime_ns) != (job.size, job.mtime_ns):
        return ReadResult("failed",
                          "file changed while being read; it will be indexed on the next scan")
    chunks = chunk_pages(pages, tokenize, job.chunk_tokens)
    if not chunks:
        return ReadResult("skipped", "no text")
    note = next((page.note for page in pages if page.note), None)
    return ReadResult("indexed", note, len(pages), chunks)


# -- the protocol ----------------------------------------------------------------------------
def send_frame(stream: BinaryIO, obj: object) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_FRAME.pack(len(data)))
    stream.write(data)
    stream.flush()


def recv_frame(stream: BinaryIO) -> object | None:
    """The next object, or None at the end of the stream (the other side is gone)."""
    head = stream.read(_FRAME.size)
    if len(head) < _FRAME.size:
        return None
    (size,) = _FRAME.unpack(head)
    data = stream.read(size)
    if len(data) < size:
        return None
    return pickle.loads(data)


def serve(handle: Callable[[ReadJob], ReadResult], inp: BinaryIO, out: BinaryIO,
          after: Callable[[], object] | None = None) -> int:
    """The child's loop: answer each (seq, job) with (seq, result) until stdin ends;
    ``after`` runs once each answer is sent. While ``handle`` runs, ``alive()`` sends
    (seq, ALIVE): the job is still going."""
    global _alive
    while (message := recv_frame(inp)) is not None:
        seq, job = message  # type: ignore[misc]
        _alive = functools.partial(send_frame, out, (seq, ALIVE))
        try:
            result = handle(job)
        except Exception as exc:  # every job gets an answer
            result = ReadResult("failed", f"could not be read: {exc}")
        finally:
            _alive = None
        send_frame(out, (seq, result))
        del result
        if after is not None:
            after()
    return 0


_alive: Callable[[], object] | None = None


def alive() -> None:
    """Tell the parent the job in hand is still going (in the child; else nothing)."""
    if _alive is not None:
        _alive()


def _give_back() -> None:
    """Between files: what the last one needed goes back to the system (desktop_app.memory)."""
    gc.collect()
    memory.trim()


def child_main() -> int:
    """Run as the extraction child: jobs on stdin, results on stdout."""
    child_guard.die_with_parent()
    child_guard.limit_memory()
    # Background priority whoever started it (the window's indexing thread already is;
    # the command line is not): OCR keeps the cores busy for seconds a page.
    priority.lower_this_thread()
    from desktop_app.tokenizing import load_tokenizer, tokenize

    # The frames use the raw descriptors: a windowed app (pythonw, the frozen app on
    # Windows) has no sys.stdin/stdout/stderr objects, only the pipes it was given.
    inp = os.fdopen(os.dup(0), "rb")
    out = os.fdopen(os.dup(1), "wb")
    try:
        err = sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):
        err = os.open(os.devnull, os.O_WRONLY)
    os.dup2(err, 1)  # a stray print goes to stderr, not into the frames
    tokenizers: dict[str, object] = {}

    def handle(job: ReadJob) -> ReadResult:
        tok = tokenizers.get(job.tokenizer)
        if tok is None:
            tok = tokenizers[job.tokenizer] = load_tokenizer(job.tokenizer)
        return read_file(job, lambda texts: tokenize(tok, texts),  # type: ignore[arg-type]
                         alive)

    return serve(handle, inp, out, after=_give_back)


def child_command() -> list[str]:
    if getattr(sys, "frozen", False):
        return [sys.executable, CHILD_FLAG]
    return [sys.executable, "-m", "desktop_app.extraction"]


def _crash_reason(code: int) -> str:
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"the document reader crashed on this file ({name}); the other files go on"
    return f"the document reader stopped on this file (exit code {code}); the other files go on"


# -- the parent's side ---------------------------------------------------------------------
class ReaderProcess:
    """A child process that reads files; ``submit`` jobs, ``result`` their futures.

    Thread-safe. When the child dies (a crash, or stopped for taking longer than
    ``timeout`` on one file), the job it was on gets a "failed" result with the reason, and
    a new child takes the jobs that were waiting.
    """

    def __init__(self, command: list[str] | None = None,
                 timeout: float | None = None) -> None:
        self.command = command or child_command()
        self.timeout = READ_TIMEOUT_S if timeout is None else timeout
        self.started = 0  # children started (1 + restarts)
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._readers: list[threading.Thread] = []
        self._pending: dict[int, tuple[ReadJob, Future[ReadResult]]] = {}  # in sent order
        self._seq = 0
        self._head_since = 0.0  # when the child began its current (oldest pending) job
        self._kill_reason: str | None = None
        self._closed = False
        # Children are started from this one long-lived thread: on Linux a child is killed
        # when the THREAD that started it ends (PR_SET_PDEATHSIG), and a restart happens on
        # the results thread of the child that died, which ends right after.
        self._spawner = ThreadPoolExecutor(1, thread_name_prefix="extraction-start")

    def submit(self, job: ReadJob) -> Future[ReadResult]:
        future: Future[ReadResult] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("the reader process is closed")
            self._seq += 1
            if not self._pending:
                self._head_since = time.monotonic()
            self._pending[self._seq] = (job, future)
            if self._proc is None:
                try:
                    self._start_locked()  # sends every pending job, this one included
                except OSError:
                    del self._pending[self._seq]  # the caller reads it another way
                    raise
            else:
                self._send_locked(self._seq, job)
        return future

    def result(self, future: Future[ReadResult]) -> ReadResult:
        """Wait for a job's result, stopping the child if its current file takes too long."""
        while True:
            try:
                return future.result(timeout=min(1.0, self.timeout))
            except TimeoutError:
                self._stop_if_stuck()

    def close(self) -> None:
        """Stop the child now (whatever it was reading is dropped) and join its reader."""
        with self._lock:
            self._closed = True
            proc, self._proc = self._proc, None
            pending = list(self._pending.values())
            self._pending.clear()
        if proc is not None:
            proc.kill()
            proc.wait()
            _close_pipes(proc)
        for thread in list(self._readers):
            thread.join()
        self._spawner.shutdown(wait=True)
        for _, future in pending:
            _resolve(future, ReadResult("failed", "indexing stopped before this file was read"))

    # -- internals -----------------------------------------------------------------------
    def _start_locked(self) -> None:
        flags = getattr(subprocess, "CREATE_NO_WINDOW", 0) if sys.platform == "win32" else 0
        package_root = str(Path(__file__).resolve().parent.parent)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH"))
                                            if p)
        env[child_guard.PARENT_ENV] = str(os.getpid())
        try:
            proc = self._spawner.submit(
                subprocess.Popen, self.command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                env=env, creationflags=flags).result()
        except RuntimeError as exc:  # the spawner was shut down: closing
            raise OSError(str(exc)) from exc
        self._proc = proc
        self.started += 1
        self._head_since = time.monotonic()
        reader = threading.Thread(target=self._read_loop, args=(proc,), daemon=True,
                                  name="extraction-results")
        self._readers.append(reader)
        reader.start()
        for seq, (job, _) in self._pending.items():
            self._send_locked(seq, job)

    def _send_locked(self, seq: int, job: ReadJob) -> None:
        assert self._proc is not None and self._proc.stdin is not None
        # when the child is gone, its reader thread starts another and sends the job again
        with contextlib.suppress(OSError, ValueError):
            send_frame(self._proc.stdin, (seq, job))

    def _stop_if_stuck(self) -> None:
        with self._lock:
            if (self._proc is not None and self._pending
                    and time.monotonic() - self._head_since > self.timeout):
                self._kill_reason = (f"reading this file took longer than {self.timeout:.0f} s;"
                                     " it was stopped")
                self._proc.kill()

    def _read_loop(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdout is not None
        while True:
            try:
                message = recv_frame(proc.stdout)
            except Exception:  # not our protocol: treat the child as broken
                log.exception("the extraction process sent something unreadable")
                message = None
            if message is None:
                proc.kill()
                break
            seq, result = message  # type: ignore[misc]
            with self._lock:
                self._head_since = time.monotonic()
                if result == ALIVE:
                    continue  # a page read by OCR: the file's time starts again
                entry = self._pending.pop(seq, None)
            if entry is not None:
                _resolve(entry[1], result)
        code = proc.wait()
        failed: list[tuple[Future[ReadResult], ReadResult]] = []
        with self._lock:
            if proc is not self._proc:
                return  # closed
            _close_pipes(proc)
            self._proc = None
            if self._pending:
                seq = next(iter(self._pending))
                _, future = self._pending.pop(seq)
                reason = self._kill_reason or _crash_reason(code)
                failed.append((future, ReadResult("failed", reason)))
            self._kill_reason = None
            if self._pending:
                try:
                    self._start_locked()
                except OSError as exc:  # no new child: what waited fails, and says why
                    failed += [(f, ReadResult("failed", f"the document reader could not be "
                                                        f"restarted ({exc})"))
                               for _, f in self._pending.values()]
                    self._pending.clear()
        for future, result in failed:
            _resolve(future, result)


def _close_pipes(proc: subprocess.Popen[bytes]) -> None:
    for stream in (proc.stdin, proc.stdout):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()


def _resolve(future: Future[ReadResult], result: ReadResult) -> None:
    """Set a result unless the future was cancelled (a sync that stopped early)."""
    with contextlib.suppress(InvalidStateError):
        future.set_result(result)


if __name__ == "__main__":
    # Run from the imported module, so what the child pickles is named
    # desktop_app.extraction.ReadResult, not __main__.ReadResult.
    from desktop_app import extraction

    sys.exit(extraction.child_main())
