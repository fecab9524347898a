"""Damaged libraries: a bounded check of the database file, and a rebuild that keeps the
damaged copy aside.

The database is checked (SQLite's ``quick_check``, stopped after a few seconds on a large
file) when the last process that wrote it died without closing, and once per process by
``status`` and ``sync``; wherever SQLite itself reports damage, the same message follows.
A rebuild moves ``library.sqlite3`` and its ``-wal``/``-shm`` to
``library.damaged-<time>.sqlite3…``, starts a new library with the folders, settings and
model of the old one (as far as they can still be read) and leaves the indexing to the next
sync: the truth is the files in the user's folders, never the database.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from desktop_app.data_folder import DB_NAME, GRAPH_NAME
from desktop_app.datalock import DataFolderLock
from desktop_app.embedding.profile import ModelProfile
from desktop_app.failures import DamagedLibraryError, LibraryError, damaged_message
from desktop_app.index.salvage import Salvage, salvage
from desktop_app.index.store import QueryTimeout, Store

if TYPE_CHECKING:
    from desktop_app.library import Library

log = logging.getLogger(__name__)

#: how long a check may read before it gives up: it reads the whole file (0.13 s for 263 MB
#: in the page cache, measured), so only libraries of many GB on a slow disk reach it
CHECK_BUDGET_S = 3.0
#: the settings a rebuilt library takes over from the damaged one
_SETTINGS = ("profile", "model_dir", "vector_format", "dims", "chunk_tokens", "max_file_mb",
             "exclude_patterns")


def check_database(store: Store, data_dir: Path, budget_s: float = CHECK_BUDGET_S) -> None:
    """Raise ``DamagedLibraryError`` if SQLite's quick check finds damage within the budget."""
    started = time.perf_counter()
    try:
        problem = store.quick_check(started + budget_s)
    except QueryTimeout:
        log.info("database check stopped after %.1f s with no damage found so far", budget_s)
        return
    if problem:
        raise DamagedLibraryError(damaged_message(data_dir, store.path, problem))


def _profile(meta: dict[str, str]) -> ModelProfile | None:
    try:
        return ModelProfile.from_json(meta["profile"])
    except (KeyError, ValueError, TypeError, RecursionError):
        return None


def _int(meta: dict[str, str], key: str) -> int | None:
    try:
        return int(meta[key])
    except (KeyError, ValueError):
        return None


def move_aside(data_dir: Path, db_name: str, graph_name: str) -> Path | None:
    """Move the database (with its -wal/-shm) to ``library.damaged-<time>.sqlite3`` and
    drop the graph built from it; the new name, or None when there was no database."""
    db_path = data_dir / db_name
    stamp = time.strftime("%Y%m%d-%H%M%S")
    aside = data_dir / f"{Path(db_name).stem}.damaged-{stamp}{Path(db_name).suffix}"
    n = 1
    while aside.exists():
        n += 1
        aside = aside.with_name(f"{Path(db_name).stem}.damaged-{stamp}-{n}"
                                f"{Path(db_name).suffix}")
    moved = None
    for suffix in ("", "-wal"):
        source = Path(str(db_path) + suffix)
        if source.exists() and (suffix == "" or source.stat().st_size > 0):
            os.replace(source, Path(str(aside) + suffix))
            moved = aside
    # the shared-memory index of the WAL is rebuilt from the WAL by whoever opens it next
    for leftover in ("-wal", "-shm"):
        Path(str(db_path) + leftover).unlink(missing_ok=True)
    for name in (graph_name, Path(graph_name).with_suffix(".json").name):
        (data_dir / name).unlink(missing_ok=True)
    return moved


def rebuild(data_dir: Path,
            open_library: Callable[..., Library]) -> tuple[Library, list[str]]:
    """Set the library's database aside and start a new one with the same folders,
    settings and model; (the new library, what was done, in words). The caller syncs.
    ``open_library(profile=…, model_dir=…, chunk_tokens=…, vector_format=…, dims=…)``
    makes the new library in the same folder."""
    data_dir = Path(data_dir).expanduser().absolute()
    lock = DataFolderLock(data_dir / ".lock")
    if data_dir.is_dir() and not lock.try_acquire():
        raise LibraryError(f"another desktop-app process is using {data_dir} "
                           f"({lock.holder_description()}); close it, then run again")
    try:
        old = (salvage(data_dir / DB_NAME, _SETTINGS) if (data_dir / DB_NAME).exists()
               else Salvage(roots=[]))
        aside = move_aside(data_dir, DB_NAME, GRAPH_NAME) if data_dir.is_dir() else None
    finally:
        lock.release()
    meta = old.meta
    model_dir = meta.get("model_dir") or ""
    lib = open_library(profile=_profile(meta),
                       model_dir=Path(model_dir) if model_dir else None,
                       chunk_tokens=_int(meta, "chunk_tokens"),
                       vector_format=meta.get("vector_format"), dims=_int(meta, "dims"))
    notes = []
    if aside is not None:
        notes.append(f"the old database was moved to {aside}")
    try:
        for root in old.roots or ():
            lib.store.add_root(root)
        for path in old.excluded:
            lib.store.add_excluded(path)
        with contextlib.suppress(ValueError, TypeError):
            patterns = json.loads(meta.get("exclude_patterns") or "[]")
            if patterns:
                lib.set_exclude_patterns(patterns)
        max_mb = _int(meta, "max_file_mb")
        if max_mb and max_mb > 0:
            lib.set_max_file_mb(max_mb)
    except BaseException:
        lib.close()
        raise
    if old.roots is None and aside is not None:
        notes.append("the library's folders could not be read from it: add them again with "
                     "'desktop-app index FOLDER'")
    elif old.roots:
        notes.append(f"re-indexing {len(old.roots)} folder(s) with {lib.profile.model_id}")
    return lib, notes
