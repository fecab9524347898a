"""Private by default: what the app writes is readable by the user who runs it and nobody else.

Every folder the app owns (the data folder, its models, logs, caches) is made or tightened to
0700 and every file in it to 0600 on POSIX. Files are created with that mode from the start
(never created open and tightened later, which leaves a moment in which others could open
them); SQLite gives its ``-wal``/``-shm`` files the main database file's mode, and a file
pre-created here keeps its mode when a library (hnswlib) truncates and rewrites it. Windows
gives a folder in the user's profile to that user alone by inheritance, so there the calls
only create the folder.
"""

from __future__ import annotations

import contextlib
import fnmatch
import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600

_POSIX = os.name == "posix"


def private_dir(path: Path) -> Path:
    """Create ``path`` (and any missing parents) if needed and make it the user's alone.

    Parents created here are private too (``Path.mkdir`` would give them the umask's mode);
    parents that already existed are left as they are.
    """
    path = Path(path)
    missing: list[Path] = []
    probe = path
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):
            folder.mkdir(mode=PRIVATE_DIR_MODE)
        if _POSIX:
            os.chmod(folder, PRIVATE_DIR_MODE)
    if not path.is_dir():
        raise NotADirectoryError(f"{path} is not a folder")
    if _POSIX:
        os.chmod(path, PRIVATE_DIR_MODE)  # a data folder given as a link: its target
    return path


def private_file(path: Path) -> None:
    """Make an existing file the user's alone (a missing file is not an error)."""
    if _POSIX:
        with contextlib.suppress(FileNotFoundError):
            os.chmod(path, PRIVATE_FILE_MODE)


def create_private(path: Path) -> Path:
    """Create ``path`` empty with mode 0600 (or make an existing one 0600), for a library
    that then opens it by name: SQLite, hnswlib."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE_MODE)
    try:
        if _POSIX:
            os.fchmod(fd, PRIVATE_FILE_MODE)
    finally:
        os.close(fd)
    return path


def write_private(path: Path, data: bytes | str) -> None:
    """Write a whole file atomically (temp file beside it, then ``os.replace``), mode 0600.

    The temp file is removed when the write fails (a full disk), so nothing half-written
    is left beside the file.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    tmp = path.with_name(path.name + ".tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
        try:
            if _POSIX:
                os.fchmod(fd, PRIVATE_FILE_MODE)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def tighten_tree(root: Path) -> None:
    """Make ``root`` and everything below it private: folders 0700, files 0600.

    For folders made by earlier versions, which left them 0755 and their files 0644. Only
    what the user owns is changed (another account's file in the folder cannot be chmod-ed
    and is not ours to change). Symbolic links are left alone and not followed (chmod would
    follow them out of the folder).
    """
    if not _POSIX or not root.is_dir():
        return
    root = root.resolve()
    private_dir(root)
    for folder, dirs, files in os.walk(root):
        for name in (*dirs, *files):
            p = os.path.join(folder, name)
            try:
                info = os.lstat(p)
            except OSError:
                continue
            if stat.S_ISLNK(info.st_mode):
                continue
            wanted = PRIVATE_DIR_MODE if stat.S_ISDIR(info.st_mode) else PRIVATE_FILE_MODE
            if info.st_mode & 0o777 & ~wanted:
                with contextlib.suppress(OSError):
                    os.chmod(p, info.st_mode & 0o777 & wanted)


def tighten_folder(folder: Path, patterns: Iterable[str], subtrees: Iterable[str]) -> None:
    """Make ``folder`` private with the app's own files in it: those matching ``patterns``
    and the whole of each subfolder named in ``subtrees``. Anything else in the folder (a
    user's own file, should the folder be one the user also uses) is left as it is."""
    if not _POSIX or not folder.is_dir():
        return
    private_dir(folder)
    patterns = tuple(patterns)
    with os.scandir(folder) as entries:
        for entry in entries:
            if (entry.is_file(follow_symlinks=False)
                    and any(fnmatch.fnmatchcase(entry.name, p) for p in patterns)):
                with contextlib.suppress(OSError):
                    private_file(Path(entry.path))
    for name in subtrees:
        sub = folder / name
        if sub.is_dir() and not sub.is_symlink():
            tighten_tree(sub)


@contextlib.contextmanager
def private_umask() -> Iterator[None]:
    """New files and folders made inside the block are the user's alone (0600/0700).

    For files created by libraries that take no mode. The umask is process-wide, so the
    block is kept short; prefer ``create_private`` where the file's name is known.
    """
    if not _POSIX:
        yield
        return
    old = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(old)
