"""An exclusive, advisory lock on a data folder, held by the one process that writes to it.

The operating system drops the lock when the process dies (even by SIGKILL), so a crash
never leaves the folder locked. The lock file also tells a clean close from a crash: the
holder writes its process id into it, and ``closed`` when it lets go; a process id found
there by the next process means the last writer died while writing (worth a check of the
database). The file is private to the user (0600), like everything in the data folder.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

if os.name == "nt":
    import msvcrt

    def _lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _unlock(fd: int) -> None:
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        except OSError:
            pass
else:
    import fcntl

    def _lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError:
            return False

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


_CLOSED = "closed"


def _open_private(path: Path) -> int:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    if os.name == "posix":
        with contextlib.suppress(OSError):
            os.fchmod(fd, 0o600)
    return fd


def _read(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        return os.read(fd, 64).decode("ascii", "replace").strip()
    except OSError:
        return ""


def _rewrite(fd: int, text: str) -> None:
    # What the file says is a hint, never a condition: a full disk must not stop a close.
    with contextlib.suppress(OSError):
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, text.encode())


class DataFolderLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None
        #: the writer before this one died without closing (set when the lock is taken)
        self.crashed_before = False

    @property
    def held(self) -> bool:
        return self._fd is not None

    def try_acquire(self) -> bool:
        if self._fd is not None:
            return True
        fd = _open_private(self.path)
        if not _lock(fd):
            os.close(fd)
            return False
        self.crashed_before = _read(fd) not in ("", _CLOSED)
        _rewrite(fd, f"{os.getpid()}\n")
        self._fd = fd
        return True

    def last_writer_crashed(self) -> bool | None:
        """Whether the last process that wrote the folder died without closing it; None
        while another process holds the lock (it is writing now: nothing to tell yet)."""
        if self._fd is not None:
            return self.crashed_before
        try:
            said = self.path.read_text(encoding="ascii", errors="replace").strip()
        except OSError:
            said = ""
        if said in ("", _CLOSED):
            # a clean close (or none yet): no need to take the lock, which would make a
            # writer starting at this moment find it taken
            return False
        try:
            fd = _open_private(self.path)
        except OSError:
            return None
        try:
            if not _lock(fd):
                return None
            try:
                return _read(fd) not in ("", _CLOSED)
            finally:
                _unlock(fd)
        finally:
            os.close(fd)

    def holder_description(self) -> str:
        try:
            pid = self.path.read_text().strip()
        except OSError:
            pid = ""
        return f"process {pid}" if pid.isdigit() else "another process"

    def release(self) -> None:
        """Let go of the lock, recording a clean close."""
        if self._fd is not None:
            _rewrite(self._fd, f"{_CLOSED}\n")
            _unlock(self._fd)
            os.close(self._fd)
            self._fd = None
