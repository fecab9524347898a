"""What can go wrong with a data folder, in the words the user is told it.

Every error the library layer raises for the user is a ``LibraryError`` whose message names
the folder and what to do; the front ends show it (the CLI exits with code 3). A full disk
and a damaged database are recognised wherever they surface (an ``OSError``, an SQLite
error, one of ours wrapping either) and turned into their own messages here, in one place.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from desktop_app.index.faults import is_damage, is_disk_full
from desktop_app.index.records import StoreError

#: The command that rebuilds a damaged library from the files in its folders.
REBUILD_COMMAND = "desktop-app index --rebuild"


class LibraryError(RuntimeError):
    """The data folder cannot be used; the message says why and what to do."""


class NotInLibraryError(LibraryError):
    """A path given to ``remove`` is neither a library folder nor below one."""


class DiskFullError(LibraryError):
    """The disk holding the data folder (or the model folder) has no room left."""


class DamagedLibraryError(LibraryError):
    """The library's database file is damaged; it can be rebuilt from the indexed files."""


def disk_full_message(folder: Path) -> str:
    return f"the disk holding {folder} is full: free some space, then run again"


def rebuild_command(data_dir: Path) -> str:
    """The command line that rebuilds the library in ``data_dir``."""
    from desktop_app.paths import default_data_dir

    try:
        default = data_dir.resolve() == default_data_dir().resolve()
    except OSError:
        default = False
    return REBUILD_COMMAND if default else f"{REBUILD_COMMAND} --data-dir {data_dir}"


def damaged_message(data_dir: Path, db_path: Path, detail: str) -> str:
    detail = " ".join(str(detail).split())[:200]
    return (f"the library database {db_path} is damaged ({detail}); rebuild it from the files "
            f"in your folders with '{rebuild_command(data_dir)}' (the damaged copy is kept "
            "beside it)")


@contextlib.contextmanager
def translated(data_dir: Path, db_path: Path) -> Iterator[None]:
    """Turn a full disk or a damaged database raised inside the block into its
    ``LibraryError``; everything else passes through unchanged."""
    try:
        yield
    except (DiskFullError, DamagedLibraryError):
        raise
    except Exception as exc:
        if is_disk_full(exc):
            raise DiskFullError(disk_full_message(data_dir)) from exc
        if is_damage(exc):
            raise DamagedLibraryError(damaged_message(data_dir, db_path, str(exc))) from exc
        if isinstance(exc, StoreError):  # e.g. a team library's server refused or went away
            raise LibraryError(str(exc)) from exc
        raise


F = TypeVar("F", bound=Callable[..., Any])


def guarded(method: F) -> F:
    """A ``Library`` method whose full-disk and damage errors reach the user as messages."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with translated(self.data_dir, self.db_path):
            return method(self, *args, **kwargs)
    return wrapper  # type: ignore[return-value]


def guarded_iter(method: F) -> F:
    """``guarded`` for a generator method: each step runs inside the translation."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with translated(self.data_dir, self.db_path):
            return (yield from method(self, *args, **kwargs))
    return wrapper  # type: ignore[return-value]
