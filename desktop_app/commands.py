"""What each CLI command does, and how it prints: progress bar, results, status, summaries."""

from __future__ import annotations

import json
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from desktop_app.events import SearchResult, SyncProgress, SyncSummary
from desktop_app.formatting import format_duration
from desktop_app.library import DB_NAME, Library, LibraryError, NotInLibraryError


class UsageError(ValueError):
    pass


#: how the model runs, from the command line's --provider/--threads
ENGINE: dict[str, object] = {"provider": "auto", "threads": 0}


def require_library(data_dir: Path,
                    hint: str = "run 'desktop-app index FOLDER' first") -> None:
    """Commands that read a library refuse, with a reason, to create an empty one."""
    if not (data_dir / DB_NAME).exists():
        raise LibraryError(f"no library in {data_dir} yet: {hint}")


def open_library(data_dir: Path) -> Library:
    return Library(data_dir, provider=str(ENGINE["provider"]), threads=int(ENGINE["threads"]))


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
            line = f"scanning… {p.files_total} files to check"
        else:
            frac = p.files_done / p.files_total if p.files_total else 1.0
            bar_width = 24
            filled = int(frac * bar_width)
            bar = "█" * filled + "░" * (bar_width - filled)
            eta = format_duration(p.eta_seconds, "--:--")
            line = (f"{bar} {p.files_done}/{p.files_total} files  {p.chunks_done} chunks  "
                    f"{p.chunks_per_second:.1f} chunks/s  ETA {eta}")
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
    rate = f", {s.chunks / s.seconds:.1f} chunks/s" if s.chunks and s.seconds else ""
    head = "cancelled" if s.cancelled else "done"
    return (f"{head}: {', '.join(parts)}; {s.chunks} chunks from {s.pages} pages "
            f"in {s.seconds:.1f} s{rate}")


def _run_sync(lib: Library, only=None, *, verbose: bool = False) -> SyncSummary | None:
    """Drain one sync, printing problems (and, if verbose, every change) as they happen."""
    return drain(lib.sync(only=only), verbose=verbose)


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
            print(f"  missing: {root} (not found; its files were removed from results)")
    return summary


def watch(data_dir: Path, *, quiet_seconds: float = 0.5) -> int:
    from desktop_app.watching import FULL_RESCAN, FolderWatcher

    with open_library(data_dir) as lib:
        if not lib.roots():
            raise UsageError("the library has no folders yet: desktop-app index FOLDER…")
        # Changes made while nothing was watching are found by a full rescan first.
        summary = _run_sync(lib, verbose=True)
        if summary:
            print(summary_line(summary), flush=True)
        watcher = FolderWatcher(lib.roots(), quiet_seconds=quiet_seconds).start()
        if watcher.degraded:
            print(f"note: {watcher.degraded}", file=sys.stderr, flush=True)
        print(f"watching {len(lib.roots())} folder(s); Ctrl+C to stop", flush=True)
        try:
            while True:
                batch = watcher.wait(timeout=1.0)
                if batch is None:
                    continue
                summary = _run_sync(lib, None if batch == FULL_RESCAN else batch, verbose=True)
                if summary and (summary.indexed or summary.removed or summary.moved
                                or summary.copied or summary.failed or summary.skipped):
                    print(summary_line(summary), flush=True)
        except KeyboardInterrupt:
            print("stopped watching", flush=True)
        finally:
            watcher.stop()
    return 0


def index(data_dir: Path, paths: list[Path]) -> int:
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise UsageError(f"{', '.join(missing)}: no such file or folder")
    with open_library(data_dir) as lib:
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
    for rank, r in enumerate(results, 1):
        where = f"p.{r.page}" if r.page is not None else "-"
        print(f"{rank:>2}. {r.score:.3f}  {r.path}  {where}")
        print(f"      {_snippet(r.text)}")
        notes = []
        if r.more_in_file:
            notes.append(f"+{r.more_in_file} more in this file")
        if r.duplicates:
            notes.append(f"also in {len(r.duplicates)} other file(s)")
        if notes:
            print(f"      ({'; '.join(notes)})")


def search(data_dir: Path, query: str | None, queries_file: Path | None, *, k: int,
           as_json: bool, options: dict | None = None, like: int | None = None) -> int:
    if queries_file is not None:
        try:
            queries = [q.strip() for q in queries_file.read_text(encoding="utf-8").splitlines()]
        except OSError as exc:
            raise UsageError(f"cannot read {queries_file}: {exc.strerror or exc}") from exc
    else:
        queries = [query or ""]
    require_library(data_dir)
    options = options or {}
    with open_library(data_dir) as lib:
        if like is not None:
            options.pop("mode", None)
            all_results = [lib.more_like(like, k, **options)]
            queries = [f"like chunk {like}"]
        else:
            all_results = lib.search_many(queries, k, **options)
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


def status(data_dir: Path, *, as_json: bool) -> int:
    require_library(data_dir)
    with open_library(data_dir) as lib:
        lib.encoder  # noqa: B018 - loads the model, so the active provider is known
        st = lib.status()
    if as_json:
        print(json.dumps(st.to_json(), ensure_ascii=False, indent=1))
        return 0
    print(f"library:  {st.data_dir}")
    print(f"model:    {st.model} ({st.dim} dims) on {st.provider}; folder {st.model_dir}")
    print(f"vectors:  {st.vector_format}, {st.stored_dims} dims")
    for note in st.notes:
        print(f"note:     {note}")
    print("folders:")
    for root in st.roots or ("(none)",):
        print(f"  {root}")
    c = st.counts
    print(f"files:    {c['indexed']} indexed, {c['skipped']} skipped, {c['failed']} failed")
    print(f"chunks:   {c['chunks']} (chunk size {st.chunk_tokens} tokens)")
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
    return 0


def settings(data_dir: Path, *, exclude: list[str], include: list[str],
             max_file_mb: int | None) -> int:
    with open_library(data_dir) as lib:
        if exclude or include:
            patterns = (set(lib.exclude_patterns) | set(exclude)) - set(include)
            lib.set_exclude_patterns(patterns)
        if max_file_mb is not None:
            lib.set_max_file_mb(max_file_mb)
        print(f"exclusion patterns: {', '.join(lib.exclude_patterns) or '(none)'}")
        print(f"size limit:         {lib.max_file_bytes >> 20} MB")
        if exclude or include or max_file_mb is not None:
            print("run 'desktop-app index' to apply the changes")
    return 0


def remove(data_dir: Path, path: Path) -> int:
    require_library(data_dir, "nothing to remove")
    with open_library(data_dir) as lib:
        try:
            n = lib.remove(path)
        except NotInLibraryError as exc:
            raise UsageError(str(exc)) from exc
    print(f"removed {path} ({n} files) from the library")
    return 0
