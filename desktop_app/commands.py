"""What each CLI command does, and how it prints: progress bar, results, status, summaries.

A person reads "passage" for what the library stores and searches (the code and the JSON
field names say chunk), and every count is worded by ``formatting.plural``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from desktop_app import library_settings
from desktop_app.credentials import is_library_url
from desktop_app.events import (
    LibraryStatus,
    SearchResult,
    SyncControl,
    SyncProgress,
    SyncSummary,
)
from desktop_app.extract import is_supported
from desktop_app.extract.registry import page_word
from desktop_app.formatting import format_duration, plural
from desktop_app.library import DB_NAME, Library, LibraryError, NotInLibraryError
from desktop_app.scanning import USER_PATTERN, Rules
from desktop_app.searching import SearchOptions


class UsageError(ValueError):
    """What the user asked cannot be done as asked; the message (one line per problem) says
    why."""


@dataclass(frozen=True, slots=True)
class Opening:
    """How a command opens its library: where it lives (``--library URL`` for a team
    library on a PostgreSQL server, else the data folder), whom the folders it adds are
    shared with (``--share ROLE``), and how the model runs (``--provider``, ``--threads``)."""

    provider: str = "auto"
    threads: int = 0  # 0: one per core
    library_url: str | None = None
    share: str | None = None


#: what a command that reads a library says when there is none yet
NO_LIBRARY_YET = "run 'desktop-app index FOLDER' first"


def open_library(data_dir: Path, opening: Opening, *, existing: str | None = None) -> Library:
    """The library a command works on. ``existing``: the command only reads a library, so
    a data folder with none yet is refused with this hint instead of made empty."""
    if opening.library_url is None and existing and not (data_dir / DB_NAME).exists():
        raise LibraryError(f"no library in {data_dir} yet: {existing}")
    if opening.share and opening.library_url is None:
        raise UsageError("--share is for a team library: give its --library URL too")
    return Library(data_dir, provider=opening.provider, threads=opening.threads,
                   library_url=opening.library_url, share=opening.share)


class ProgressBar:
    """One line on stderr, redrawn at most 10 times a second; only on a terminal."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()
        self.last = 0.0

    def update(self, p: SyncProgress) -> None:
        if not self.enabled or time.monotonic() - self.last < 0.1:
            return
        self.last = time.monotonic()
        width = shutil.get_terminal_size((100, 20)).columns
        if p.phase == "scanning":
            line = f"scanning… {plural(p.files_total, 'file')} to check"
        else:
            frac = p.files_done / p.files_total if p.files_total else 1.0
            bar_width = 24
            filled = int(frac * bar_width)
            bar = "█" * filled + "░" * (bar_width - filled)
            eta = format_duration(p.eta_seconds, "--:--")
            step = "words" if p.phase == "indexing" else "meaning"
            line = (f"{step:7} {bar} {p.files_done}/{plural(p.files_total, 'file')}  "
                    f"{plural(p.chunks_done, 'passage')}  "
                    f"{p.chunks_per_second:.1f} passages/s  ETA {eta}")
        sys.stderr.write("\r" + line[: width - 1].ljust(width - 1))
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\r" + " " * (shutil.get_terminal_size((100, 20)).columns - 1)
                             + "\r")
            sys.stderr.flush()


def summary_line(s: SyncSummary) -> str:
    parts = [f"{s.indexed} indexed", f"{s.unchanged} unchanged"]
    for label, n in (("moved", s.moved), ("copied", s.copied), ("removed", s.removed),
                     ("skipped", s.skipped), ("failed", s.failed)):
        if n:
            parts.append(f"{n} {label}")
    rate = f", {s.chunks / s.seconds:.1f} passages/s" if s.chunks and s.seconds else ""
    head = "cancelled" if s.cancelled else "done"
    scans = f" ({plural(s.ocr_pages, 'scanned page')} read)" if s.ocr_pages else ""
    return (f"{head}: {', '.join(parts)}; {plural(s.chunks, 'passage')} from "
            f"{plural(s.pages, 'page')}{scans} in {s.seconds:.1f} s{rate}")


def roots_phrase(roots: list[str]) -> str:
    """``2 folders and 1 file``: what a library's roots are, as a person counts them."""
    files = sum(os.path.isfile(r) for r in roots)
    folders = len(roots) - files
    parts = [plural(folders, "folder")] if folders or not files else []
    if files:
        parts.append(plural(files, "file"))
    return " and ".join(parts)


def _run_sync(lib: Library, only=None, *, verbose: bool = False,
              control: SyncControl | None = None) -> SyncSummary | None:
    """Drain one sync, printing problems (and, if verbose, every change) as they happen."""
    return drain(lib.sync(control, only=only), verbose=verbose)


@contextlib.contextmanager
def _stop_on_signals(control: SyncControl) -> Iterator[threading.Event]:
    """Ctrl+C and SIGTERM stop the watch loop and cancel a running sync between batches.

    A handler that sets a flag, not KeyboardInterrupt: an interrupt raised inside a
    finaliser or weakref callback is printed and swallowed, so the loop never saw it.
    """
    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()
        control.cancel()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def drain(events: Iterator[SyncProgress], *, verbose: bool = False) -> SyncSummary | None:
    """Show a sync's progress (a bar on a terminal) and problems; its summary."""
    bar = ProgressBar()
    summary = None
    try:
        for event in events:
            bar.update(event)
            o = event.outcome
            if o and (o.status in ("skipped", "failed") or verbose):
                bar.close()
                detail = f": {o.reason}" if o.reason else ""
                print(f"  {o.status}: {o.path}{detail}", flush=True)
            if event.summary:
                summary = event.summary
    finally:
        bar.close()
    if summary:
        for path, reason in summary.unreadable:
            print(f"  unreadable: {path}: {reason}")
        for root in summary.missing_roots:
            print(f"  missing: {root} (not found; its files are kept until it is back, "
                  f"'desktop-app remove' drops them)")
    return summary


def watch(data_dir: Path, opening: Opening, *, quiet_seconds: float = 0.5) -> int:
    from desktop_app.watching import FULL_RESCAN, FolderWatcher

    with open_library(data_dir, opening) as lib:
        if not lib.roots():
            raise UsageError("the library has no folders yet: desktop-app index FOLDER…")
        # Changes made while nothing was watching are found by a full rescan first.
        summary = _run_sync(lib, verbose=True)
        if summary:
            print(summary_line(summary), flush=True)
        watcher = FolderWatcher(lib.roots(), quiet_seconds=quiet_seconds,
                                on_notice=lambda m: print(f"note: {m}", flush=True)).start()
        if watcher.degraded:
            print(f"note: {watcher.degraded}", file=sys.stderr, flush=True)
        print(f"watching {roots_phrase(lib.roots())}; Ctrl+C to stop", flush=True)
        control = SyncControl()
        try:
            with _stop_on_signals(control) as stop:
                while not stop.is_set():
                    batch = watcher.wait(timeout=0.5)
                    if batch is None or stop.is_set():
                        continue
                    summary = _run_sync(lib, None if batch == FULL_RESCAN else batch,
                                        verbose=True, control=control)
                    if summary and (summary.indexed or summary.removed or summary.moved
                                    or summary.copied or summary.failed or summary.skipped):
                        print(summary_line(summary), flush=True)
            print("stopped watching", flush=True)
        finally:
            watcher.stop()
    return 0


def _unsupported_reason(path: Path) -> str | None:
    """Why a file named on the command line can never be indexed, or None."""
    if path.is_dir() or is_supported(path):
        return None
    kind = f"{path.suffix} files are not read" if path.suffix else "it has no suffix"
    return (f"not a supported document type ({kind}; 'desktop-app index --help' lists the "
            "types the library reads)")


def _refuse(refused: list[str], wanted: list[Path]) -> list[Path]:
    """Say why each refused path is left out; the rest, or a usage error if none is left."""
    if refused and not wanted:
        raise UsageError("\n".join(refused))
    for line in refused:
        print(f"desktop-app: {line}", file=sys.stderr)
    return wanted


def index(data_dir: Path, paths: list[Path], opening: Opening) -> int:
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise UsageError(f"{', '.join(missing)}: no such file or folder")
    refused = [f"{p}: {reason}" for p in paths if (reason := _unsupported_reason(p))]
    paths = _refuse(refused, [p for p in paths if not _unsupported_reason(p)])
    with open_library(data_dir, opening) as lib:
        # A file named here is its own root, so only the user's patterns can leave it out.
        rules = Rules(patterns=tuple(lib.exclude_patterns))
        excluded = [p for p in paths if not p.is_dir()
                    and rules.pattern_match(str(p), str(p))]
        paths = _refuse([f"{p}: {USER_PATTERN} (desktop-app settings)" for p in excluded],
                        [p for p in paths if p not in excluded])
        if paths:
            lib.add(paths)
        elif not lib.roots():
            raise UsageError("the library has no folders yet: desktop-app index FOLDER…")
        summary = _run_sync(lib)
        if summary:
            print(summary_line(summary))
        for note in lib.notes:
            print(f"note: {note}", file=sys.stderr)
    return 0


def _snippet(text: str, width: int = 200) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def _print_results(query: str, results: list[SearchResult]) -> None:
    if not results:
        print(f"no results for {query!r}")
        return
    if not results[0].good_match:
        print(f"no good match for {query!r}; the closest passages:")
    for rank, r in enumerate(results, 1):
        where = "-" if r.page is None else (
            f"p.{r.page}" if (word := page_word(r.path)) == "page" else f"{word} {r.page}")
        print(f"{rank:>2}. {r.score:.2f}  {r.path}  {where}")
        if r.title or r.section:  # where in the document: "title › section"
            print(f"      {' › '.join(part for part in (r.title, r.section) if part)}")
        print(f"      {_snippet(r.text)}")
        notes = []
        if r.meaning_pending:
            notes.append("meaning pending: found by its words")
        if r.more_in_file:
            notes.append(f"+{r.more_in_file} more in this file")
        if r.duplicates:
            notes.append(f"also in {plural(len(r.duplicates), 'other file')}")
        if notes:
            print(f"      ({'; '.join(notes)})")


def search(data_dir: Path, query: str | None, queries_file: Path | None, opening: Opening,
           options: SearchOptions, *, as_json: bool, like: int | None = None) -> int:
    if queries_file is not None:
        try:
            queries = [q.strip() for q in queries_file.read_text(encoding="utf-8").splitlines()]
        except OSError as exc:
            raise UsageError(f"cannot read {queries_file}: {exc.strerror or exc}") from exc
    else:
        queries = [query or ""]
    with open_library(data_dir, opening, existing=NO_LIBRARY_YET) as lib:
        if like is not None:
            all_results = [lib.more_like(like, options)]
            queries = [f"like passage {like}"]
        else:
            all_results = lib.search_many(queries, options)
        unseen = lib.meaning_pending() if options.mode == "vector" or like is not None else 0
    if unseen and not as_json:
        print(f"note: {plural(unseen, 'file')} not searchable by meaning yet (indexing has not "
              "reached them); the default search finds them by their words")
    if queries_file is not None:
        for q, results in zip(queries, all_results):
            if as_json:
                print(json.dumps([r.to_json() for r in results], ensure_ascii=False))
            else:
                print(f"# {q}")
                _print_results(q, results)
        return 0
    if as_json:
        print(json.dumps([r.to_json() for r in all_results[0]], ensure_ascii=False, indent=1))
    else:
        _print_results(queries[0], all_results[0])
    return 0


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"


def status(data_dir: Path, opening: Opening, *, as_json: bool) -> int:
    from desktop_app.logs import log_file

    with open_library(data_dir, opening, existing=NO_LIBRARY_YET) as lib:
        lib.encoder  # noqa: B018 - loads the model, so the active provider is known
        st = lib.status()
        per_root = lib.folder_counts()
    # A file added on its own is listed as a file, not as a folder (the library keeps both
    # as roots); a root that is gone stays with the folders, marked.
    files = [r for r in st.roots if os.path.isfile(r)]
    folders = [r for r in st.roots if r not in files]
    if as_json:
        report = st.to_json()
        report["folders"] = folders
        report["added_files"] = files
        report["log_file"] = str(log_file())
        # per folder: files by status, and how many of the indexed ones are searchable by
        # their words only so far (waiting for their vectors)
        report["by_folder"] = {root: per_root.get(root, {}) for root in st.roots}
        print(json.dumps(report, ensure_ascii=False, indent=1))
    else:
        _print_status(st, folders, files, log_file())
    return 0


def _print_status(st: LibraryStatus, folders: list[str], files: list[str],
                  log: Path) -> None:
    team = is_library_url(st.data_dir)
    print(f"library:  {st.data_dir}" + (" (a team library: your files, and what others "
                                         "shared with you)" if team else ""))
    print(f"model:    {st.model} ({st.dim} dims) on {st.provider}; folder {st.model_dir}")
    print(f"vectors:  {st.vector_format}, {st.stored_dims} dims")
    for note in st.notes:
        print(f"note:     {note}")
    print("folders:")
    for root in folders or ("(none)",):
        print(f"  {root}" + ("" if root == "(none)" or os.path.isdir(root) else " (not found)"))
    if files:
        print("files added on their own:")
        for path in files:
            print(f"  {path}")
    c = st.counts
    print(f"files:    {c['indexed']} indexed, {c['skipped']} skipped, {c['failed']} failed")
    if st.meaning_pending:
        print(f"          {plural(st.meaning_pending, 'file')} searchable by words, by meaning "
              "once indexing reaches them (the next sync or watch goes on)")
    print(f"passages: {c['chunks']} (up to {st.chunk_tokens} tokens each)")
    if not team:  # a team library's size is on its server (docs/scaling.md)
        print(f"on disk:  {_size(st.bytes_on_disk)}")
    if st.ignored:
        left_out = ", ".join(f"{n} {reason}" for reason, n in st.ignored)
        print(f"left out: {left_out}")
    if st.exclude_patterns:
        print(f"patterns: {', '.join(st.exclude_patterns)}")
    if st.problems:
        print("problems:")
        for path, status_, reason in st.problems:
            print(f"  {status_}: {path}: {reason}")
    print(f"log file: {log}")


def settings(data_dir: Path, opening: Opening, *, exclude: list[str], include: list[str],
             max_file_mb: int | None, ocr: bool | None = None) -> int:
    with open_library(data_dir, opening) as lib:
        if ocr is not None:
            lib.set_ocr(ocr)
        if exclude or include:
            patterns = (set(lib.exclude_patterns) | set(exclude)) - set(include)
            lib.set_exclude_patterns(patterns)
        if max_file_mb is not None:
            lib.set_max_file_mb(max_file_mb)
        print(f"exclusion patterns: {', '.join(lib.exclude_patterns) or '(none)'}")
        print(f"size limit:         {lib.max_file_bytes >> 20} MB")
        print(f"OCR of scans:       {'on' if library_settings.ocr_enabled(lib.store) else 'off'}")
        if exclude or include or max_file_mb is not None or ocr is not None:
            print("run 'desktop-app index' to apply the changes")
    return 0


def remove(data_dir: Path, path: Path, opening: Opening) -> int:
    with open_library(data_dir, opening, existing="nothing to remove") as lib:
        try:
            n = lib.remove(path)
        except NotInLibraryError as exc:
            raise UsageError(str(exc)) from exc
    print(f"removed {path} ({plural(n, 'file')}) from the library")
    return 0
