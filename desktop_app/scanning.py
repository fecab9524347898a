"""Walk the library's folders: which files are candidates, which are excluded, and why.

Exclusions follow what users expect of an indexer: hidden files and folders, VCS and build
folders, editor and office lock/temp files. A folder that cannot be read is reported, and the
files already indexed below it are kept (they are not "deleted", just out of reach).
"""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from desktop_app.extract import is_supported

EXCLUDED_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv",
                           ".tox", ".mypy_cache", ".pytest_cache", ".cache", "$RECYCLE.BIN"})
EXCLUDED_FILE_PATTERNS = ("~$*", ".~lock.*", "*.tmp", "*.part", "*.crdownload", "*~", "*.swp")


@dataclass(frozen=True, slots=True)
class FileStat:
    path: str
    size: int
    mtime_ns: int


@dataclass
class ScanResult:
    files: dict[str, FileStat] = field(default_factory=dict)
    #: folders (or root files) that could not be read: (path, reason)
    unreadable: list[tuple[str, str]] = field(default_factory=list)
    #: roots that do not exist any more
    missing_roots: list[str] = field(default_factory=list)
    ignored: int = 0  # files of unsupported types or excluded by rule
    #: the paths whose whole subtree this scan looked at: what is known below them and was
    #: not found is gone (a full scan's scopes are the roots)
    scopes: list[str] = field(default_factory=list)
    full: bool = True

    def in_scope(self, path: str) -> bool:
        return _under(path, self.scopes)

    def is_shadowed(self, path: str) -> bool:
        """True when ``path`` lies below a folder we could not read this time."""
        return any(path == u or path.startswith(u.rstrip(os.sep) + os.sep)
                   for u, _ in self.unreadable)


def is_excluded_name(name: str, *, is_dir: bool) -> bool:
    if name.startswith("."):
        return True
    if is_dir:
        return name in EXCLUDED_DIRS
    return any(fnmatch.fnmatch(name, pattern) for pattern in EXCLUDED_FILE_PATTERNS)


def _under(path: str, folders: Iterable[str]) -> bool:
    return any(path == f or path.startswith(f.rstrip(os.sep) + os.sep) for f in folders)


def _excluded_below(root: str, path: str) -> bool:
    """True when a folder or file name between ``root`` and ``path`` is excluded by rule."""
    parts = Path(os.path.relpath(path, root)).parts
    return any(is_excluded_name(part, is_dir=i < len(parts) - 1 or os.path.isdir(path))
               for i, part in enumerate(parts) if part not in (".", ""))


def narrow(roots: Iterable[str], paths: Iterable[str]) -> list[str]:
    """The changed paths that lie in the library (inside a root, not under an excluded name)."""
    roots = list(roots)
    out = set()
    for path in paths:
        for root in roots:
            if path == root:
                out.add(path)
            elif path.startswith(root.rstrip(os.sep) + os.sep) and not _excluded_below(root, path):
                out.add(path)
    # a path below another one in the set is covered by it
    ordered = sorted(out)
    return [p for p in ordered if not _under(p, [q for q in ordered if q != p])]


def scan(roots: Iterable[str], excluded: Iterable[str] = (),
         only: Iterable[str] | None = None) -> ScanResult:
    """Find every candidate file below the roots (a root may also be a single file).

    With ``only``, look just at those paths (files or folders that changed, from a file
    watcher); the result's scopes then say which parts of the library were looked at.
    """
    result = ScanResult()
    excluded = list(excluded)
    roots = list(roots)
    if only is not None:
        result.full = False
        roots = narrow(roots, only)
    result.scopes = list(roots)

    def consider(path: str) -> None:
        if _under(path, excluded) or not is_supported(Path(path)):
            result.ignored += 1
            return
        try:
            st = os.stat(path)
        except FileNotFoundError:
            return
        except OSError as exc:
            result.unreadable.append((path, exc.strerror or str(exc)))
            return
        result.files[path] = FileStat(path, st.st_size, st.st_mtime_ns)

    for root in roots:
        if not os.path.exists(root):
            if result.full:
                result.missing_roots.append(root)
            continue
        if os.path.isfile(root):
            consider(root)
            continue

        def on_error(exc: OSError, root: str = root) -> None:
            result.unreadable.append((exc.filename or root, exc.strerror or str(exc)))

        for folder, dirs, names in os.walk(root, onerror=on_error):
            dirs[:] = sorted(d for d in dirs if not is_excluded_name(d, is_dir=True)
                             and not _under(os.path.join(folder, d), excluded))
            for name in sorted(names):
                if is_excluded_name(name, is_dir=False):
                    result.ignored += 1
                    continue
                consider(os.path.join(folder, name))
    return result
