"""Where a library's rows live, chosen once when it opens: the data folder (SQLite and the
hnswlib graph file, one writing process at a time) or a team library's PostgreSQL server
(pgvector, any number of writers; ``team_parts``). The facade gets the same three parts
either way (connections, a write lock, the vector graph's keeper) and never asks again
which kind it holds.

The data folder is made (private to the user) in both cases: a team library keeps its
model and its OCR cache there."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from desktop_app.connections import Connections
from desktop_app.data_folder import DB_NAME, GRAPH_NAME, OWN_FILES, OWN_FOLDERS
from desktop_app.datalock import DataFolderLock
from desktop_app.failures import DiskFullError, LibraryError, disk_full_message
from desktop_app.index.faults import is_disk_full
from desktop_app.index.keeper import GraphKeeper
from desktop_app.private import private_dir, tighten_folder

if TYPE_CHECKING:
    from desktop_app.index import Store
    from desktop_app.team_parts import ServerGraph, ServerLock, TeamConnections


@dataclass
class Storage:
    connections: Connections | TeamConnections
    lock: DataFolderLock | ServerLock
    graph: GraphKeeper | ServerGraph
    #: the team library's server, as people see its URL (no password); None: the folder's
    library_url: str | None = None


def prepare_data_dir(data_dir: Path) -> None:
    """Make the data folder (private), tighten one made by an earlier version (0755 with
    0644 files), and check it can be written; a ``LibraryError`` says why not."""
    try:
        tighten_folder(data_dir, OWN_FILES, OWN_FOLDERS)
        private_dir(data_dir)
    except OSError as exc:
        if is_disk_full(exc):
            raise DiskFullError(disk_full_message(data_dir)) from exc
        raise LibraryError(f"cannot create the data folder {data_dir}: {exc}") from exc
    if not os.access(data_dir, os.W_OK):
        raise LibraryError(f"the data folder {data_dir} is not writable")


def open_storage(data_dir: Path, library_url: str | None, share: str | None,
                 note: Callable[[str], None], notes: list[str],
                 store: Callable[[], Store]) -> Storage:
    """The parts for the library in ``data_dir``, or on the server ``library_url`` names
    (``share``: the role the folders it adds are shared with). ``note`` and ``notes``: what
    a person should know; ``store``: the calling thread's connection (the graph's keeper
    reads through it)."""
    if library_url:
        # The same library on a PostgreSQL server: the data folder keeps only the model
        # and the OCR cache; rows, words and vectors are the server's.
        from desktop_app.team_parts import (
            ServerGraph,
            ServerLock,
            TeamConnections,
            team_conninfo,
        )

        shown, conninfo = team_conninfo(library_url)
        return Storage(TeamConnections(conninfo, share, note), ServerLock(),
                       ServerGraph(store), shown)  # type: ignore[arg-type]
    lock = DataFolderLock(data_dir / ".lock")
    return Storage(Connections(data_dir, data_dir / DB_NAME, note), lock,
                   GraphKeeper(data_dir / GRAPH_NAME, store, lock.try_acquire, notes))


def swap_in(built: Path, data_dir: Path) -> None:
    """Move the library files a model switch built in ``built`` over the data folder's,
    with every connection to the old database closed. The database file is the commit
    point (one ``os.replace``); its write-ahead files go first, the graph files after."""
    for suffix in ("-wal", "-shm"):
        (data_dir / (DB_NAME + suffix)).unlink(missing_ok=True)
    os.replace(built / DB_NAME, data_dir / DB_NAME)
    for name in (GRAPH_NAME, Path(GRAPH_NAME).with_suffix(".json").name):
        if (built / name).exists():
            os.replace(built / name, data_dir / name)
