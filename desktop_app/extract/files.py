"""Opening a document safely: only a regular file is ever read, and never past a bound.

The scan already refuses named pipes, sockets and devices by type, but a name can be swapped
between the scan and the read. So the file is opened without blocking (a pipe with no writer
would otherwise hold ``open`` forever) and its type is checked on the open descriptor, which
no rename can change afterwards.
"""

from __future__ import annotations

import hashlib
import os
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

from desktop_app.extract.pages import ExtractionError

_BLOCK = 1 << 20


def type_reason(mode: int) -> str | None:
    """Why a file of this type is never opened (None for a regular file)."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "not a regular file (a named pipe)"
    if stat.S_ISSOCK(mode):
        return "not a regular file (a socket)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "not a regular file (a device)"
    if stat.S_ISDIR(mode):
        return "is a folder, not a file"
    return "not a regular file"


@contextmanager
def open_regular(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """Open ``path`` for reading if it is a regular file; else ExtractionError("skipped")."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        reason = type_reason(os.fstat(fd).st_mode)
        if reason is not None:
            raise ExtractionError("skipped", reason)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        fh = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with fh:
        yield fh


def descriptor_path(fh: BinaryIO, path: str | os.PathLike[str]) -> str:
    """A name that opens the very file ``fh`` has open, for libraries that open by name.

    On Linux, /proc/self/fd/N reopens the same file even if ``path`` was swapped meanwhile;
    elsewhere the path itself is the best there is (a child process's timeout bounds it).
    """
    if sys.platform.startswith("linux"):
        candidate = f"/proc/self/fd/{fh.fileno()}"
        if os.path.exists(candidate):
            return candidate
    return os.fspath(path)


def read_at_most(fh: BinaryIO, limit: int) -> bytes:
    """Up to ``limit`` bytes from ``fh``, read in blocks."""
    parts = []
    left = limit
    while left > 0 and (block := fh.read(min(_BLOCK, left))):
        parts.append(block)
        left -= len(block)
    return b"".join(parts)


def file_sha256(path: str | os.PathLike[str], limit: int | None = None) -> str | None:
    """The file's sha256 (the library's content key), or None when it holds more than
    ``limit`` bytes; only a regular file is read (ExtractionError says why another is not)."""
    h = hashlib.sha256()
    read = 0
    with open_regular(path) as fh:
        while block := fh.read(1 << 20):
            read += len(block)
            if limit is not None and read > limit:
                return None
            h.update(block)
    return h.hexdigest()
