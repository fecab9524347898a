"""Walk the library's folders: which files are candidates, which are left out, and why.

Exclusions follow what users expect of an indexer: hidden files and folders, VCS, build and
cache folders, editor and office lock/temp files, and the user's own glob patterns. Left-out
files are counted by reason (a folder's .git would otherwise flood the status). A folder that
cannot be read is reported, and the files already indexed below it are kept: they are not
deleted, just out of reach this time.
"""

from __future__ import annotations

import fnmatch
import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from desktop_app.extract import is_supported

EXCLUDED_DIRS = frozenset({".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv",
                           ".tox", ".mypy_cache", ".pytest_cache", ".cache", "$RECYCLE.BIN",
                           "System Volume Information"})
LOCK_AND_TEMP = ("~$*", ".~lock.*", "*.tmp", "*.part", "*.crdownload", "*~", "*.swp", "*.swx")

# reasons a file is left out, as the status shows them
HIDDEN = "hidden"
SYSTEM_FOLDER = "in a VCS, build or cache folder"
LOCK_OR_TEMP = "editor or office lock/temp file"
UNSUPPORTED = "unsupported file type"
USER_PATTERN = "matches your exclusion patterns"
REMOVED_BY_USER = "removed from the library by you"


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
    #: files left out, by reason
    ignored: Counter[str] = field(default_factory=Counter)
    #: the paths whose whole subtree this scan looked at: what is known below them and was
    #: not found is gone (a full scan's scopes are the roots)
    scopes: list[str] = field(default_factory=list)
    full: bool = True

    def in_scope(self, path: str) -> bool:
        return _under(path, self.scopes)

    def is_shadowed(self, path: str) -> bool:
        """True when ``path`` lies below a folder we could not read this time."""
        return _under(path, [u for u, _ in self.unreadable])


@dataclass(frozen=True)
class Rules:
    """What to leave out besides the built-in rules: removed paths and the user's patterns."""

    removed: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()

    def name_reason(self, name: str, *, is_dir: bool) -> str | None:
        if name.startswith("."):
            return HIDDEN
        if is_dir:
            return SYSTEM_FOLDER if name in EXCLUDED_DIRS else None
        if any(fnmatch.fnmatch(name, p) for p in LOCK_AND_TEMP):
            return LOCK_OR_TEMP
        return None

    def pattern_match(self, root: str, path: str) -> bool:
        """A user pattern matches a name ("*.log") or a path below the root ("drafts/*")."""
        if not self.patterns:
            return False
        relative = PurePath(os.path.relpath(path, root)).as_posix()
        name = os.path.basename(path)
        return any(fnmatch.fnmatch(name, p) or fnmatch.fnmatch(relative, p)
                   or relative.startswith(p.rstrip("/") + "/") for p in self.patterns)

    def path_reason(self, root: str, path: str) -> str | None:
        """Why ``path`` (below ``root``) is left out, judging every name on the way."""
        if _under(path, self.removed):
            return REMOVED_BY_USER
        parts = Path(os.path.relpath(path, root)).parts
        for i, part in enumerate(parts):
            if part in (".", ""):
                continue
            is_dir = i < len(parts) - 1 or os.path.isdir(path)
            reason = self.name_reason(part, is_dir=is_dir)
            if reason:
                return reason
        return USER_PATTERN if self.pattern_match(root, path) else None


def _under(path: str, folders: Iterable[str]) -> bool:
    return any(path == f or path.startswith(f.rstrip(os.sep) + os.sep) for f in folders)


def narrow(roots: Iterable[str], paths: Iterable[str], rules: Rules = Rules()) -> list[str]:
    """The changed paths that lie in the library (inside a root, not excluded by a rule)."""
    roots = list(roots)
    out = set()
    for path in paths:
        for root in roots:
            if path == root or (path.startswith(root.rstrip(os.sep) + os.sep)
                                and rules.path_reason(root, path) is None):
                out.add(path)
    # a path below another one in the set is covered by it
    ordered = sorted(out)
    return [p for p in ordered if not _under(p, [q for q in ordered if q != p])]


def scan(roots: Iterable[str], rules: Rules = Rules(),
         only: Iterable[str] | None = None) -> ScanResult:
    """Find every candidate file below the roots (a root may also be a single file).

    With ``only``, look just at those paths (files or folders that changed, from a file
    watcher); the result's scopes then say which parts of the library were looked at.
    """
    result = ScanResult()
    all_roots = list(roots)
    starts = all_roots
    if only is not None:
        result.full = False
        starts = narrow(all_roots, only, rules)
    result.scopes = list(starts)

    def root_of(path: str) -> str:
        return max((r for r in all_roots if _under(path, [r])), key=len, default=path)

    def consider(path: str, root: str) -> None:
        if _under(path, rules.removed):
            result.ignored[REMOVED_BY_USER] += 1
            return
        if not is_supported(Path(path)):
            result.ignored[UNSUPPORTED] += 1
            return
        if rules.pattern_match(root, path):
            result.ignored[USER_PATTERN] += 1
            return
        try:
            st = os.stat(path)
        except FileNotFoundError:
            return
        except OSError as exc:
            result.unreadable.append((path, exc.strerror or str(exc)))
            return
        result.files[path] = FileStat(path, st.st_size, st.st_mtime_ns)

    for start in starts:
        root = root_of(start)
        if not os.path.exists(start):
            if result.full:
                result.missing_roots.append(start)
            continue
        if _under(start, rules.removed):
            continue
        if os.path.isfile(start):
            consider(start, root)
            continue

        def on_error(exc: OSError, start: str = start) -> None:
            result.unreadable.append((exc.filename or start, exc.strerror or str(exc)))

        for folder, dirs, names in os.walk(start, onerror=on_error):
            kept = []
            for d in sorted(dirs):
                full = os.path.join(folder, d)
                reason = (REMOVED_BY_USER if _under(full, rules.removed)
                          else rules.name_reason(d, is_dir=True))
                if reason is None and rules.pattern_match(root, full):
                    reason = USER_PATTERN
                if reason is None:
                    kept.append(d)
            dirs[:] = kept
            for name in sorted(names):
                reason = rules.name_reason(name, is_dir=False)
                if reason:
                    result.ignored[reason] += 1
                    continue
                consider(os.path.join(folder, name), root)
    return result
