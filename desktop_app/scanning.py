"""Walk the library's folders: which files are candidates, which are left out, and why.

Exclusions follow what users expect of an indexer: hidden files and folders, VCS, build and
cache folders, editor and office lock/temp files, and the user's own glob patterns. Left-out
files are counted by reason (a folder's .git would otherwise flood the status). A folder that
cannot be read is reported, and the files already indexed below it are kept: they are not
deleted, just out of reach this time.

Only regular files are candidates. Named pipes, sockets and devices are refused by type (opening
a pipe blocks forever; a device never ends). A symbolic link is followed only when its target
lies inside one of the library's folders, so a link cannot pull a file from elsewhere into
search results; a link that loops or points outside is reported with its reason.

Paths are kept as the operating system gives them. A name that is not valid UTF-8 (Python
hands it over with lone surrogates) gets a reversible text form for the library's keys
(:func:`store_key` and :func:`os_path`), shown with replacement characters (:func:`shown`).
"""

from __future__ import annotations

import errno
import fnmatch
import os
import stat
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from desktop_app.extract import is_supported
from desktop_app.extract.files import type_reason
from desktop_app.paths import is_under, under_any

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
LINKED_FOLDER = "link to a folder (its files are indexed where they are, or not at all)"
# reasons a file found by the scan is not read, as its status shows them
LINK_OUTSIDE = "link points outside the library's folders"
LINK_LOOP = "symbolic link loop"
LINK_BROKEN = "broken link (its target does not exist)"
NAME_UNSTORABLE = "its name uses characters the library reserves"

# Lone surrogates (a name's undecodable bytes, or unpaired UTF-16 halves on Windows) cannot be
# written as UTF-8 text; they are moved to plane 16's private use area (U+10D800–U+10DFFF),
# which real names practically never use, and moved back before the name is given to the OS.
_SURROGATE_SHIFT = 0x100000


def store_key(path: str) -> str:
    """The library's text form of a path as the OS gives it (valid UTF-8, reversible)."""
    if path.isascii():
        return path
    return "".join(chr(ord(c) + _SURROGATE_SHIFT) if 0xD800 <= ord(c) <= 0xDFFF else c
                   for c in path)


def os_path(key: str) -> str:
    """The path the OS knows for a library key (the inverse of :func:`store_key`)."""
    if key.isascii():
        return key
    return "".join(chr(ord(c) - _SURROGATE_SHIFT) if 0x10D800 <= ord(c) <= 0x10DFFF else c
                   for c in key)


def shown(key: str) -> str:
    """A library key as a person reads it: undecodable bytes as replacement characters."""
    if key.isascii():
        return key
    return "".join("\ufffd" if 0x10D800 <= ord(c) <= 0x10DFFF or 0xD800 <= ord(c) <= 0xDFFF
                   else c for c in key)


@dataclass(frozen=True, slots=True)
class FileStat:
    path: str  # the library's key (store_key); os_path(path) opens it
    size: int
    mtime_ns: int
    #: decided by the scan: the file is not read, it is recorded as (status, reason)
    verdict: tuple[str, str] | None = None


@dataclass
class ScanResult:
    files: dict[str, FileStat] = field(default_factory=dict)
    #: folders (or root files) that could not be read: (path, reason)
    unreadable: list[tuple[str, str]] = field(default_factory=list)
    #: roots that are not there now (their files are kept: see ``is_shadowed``)
    missing_roots: list[str] = field(default_factory=list)
    #: files left out, by reason
    ignored: Counter[str] = field(default_factory=Counter)
    #: the paths whose whole subtree this scan looked at: what is known below them and was
    #: not found is gone (a full scan's scopes are the roots)
    scopes: list[str] = field(default_factory=list)
    full: bool = True

    def in_scope(self, path: str) -> bool:
        return under_any(path, self.scopes)

    def is_shadowed(self, path: str) -> bool:
        """True when ``path`` lies below a folder we could not read or find this time.

        What is known there is kept, not removed: a folder on a drive that is not mounted,
        or renamed for a moment, comes back with its files, and re-reading and re-embedding
        them would cost minutes to hours. ``remove`` drops a folder that is gone for good.
        """
        return (under_any(path, [u for u, _ in self.unreadable])
                or any(path != m and is_under(path, m) for m in self.missing_roots))


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
                   or (relative != p.rstrip("/") and is_under(relative, p, "/"))
                   for p in self.patterns)

    def path_reason(self, root: str, path: str) -> str | None:
        """Why ``path`` (below ``root``) is left out, judging every name on the way."""
        if under_any(path, self.removed):
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


def narrow(roots: Iterable[str], paths: Iterable[str], rules: Rules = Rules()) -> list[str]:
    """The changed paths that lie in the library (inside a root, not excluded by a rule)."""
    roots = list(roots)
    out = set()
    for path in paths:
        for root in roots:
            if path == root or (is_under(path, root)
                                and rules.path_reason(root, path) is None):
                out.add(path)
    # a path below another one in the set is covered by it
    ordered = sorted(out)
    return [p for p in ordered if not under_any(p, [q for q in ordered if q != p])]


def scan(roots: Iterable[str], rules: Rules = Rules(),
         only: Iterable[str] | None = None) -> ScanResult:
    """Find every candidate file below the roots (a root may also be a single file).

    ``roots`` and ``rules`` hold library keys; ``only`` holds paths as the OS gives them.
    With ``only``, look just at those paths (files or folders that changed, from a file
    watcher); the result's scopes then say which parts of the library were looked at. A
    root that is not there (renamed, moved, unmounted) is then not looked into at all, so
    nothing known below it counts as gone.
    """
    result = ScanResult()
    all_roots = list(roots)
    starts = all_roots
    if only is not None:
        result.full = False
        present = [r for r in all_roots if os.path.lexists(os_path(r))]
        starts = narrow(present, [store_key(p) for p in only], rules)
    result.scopes = list(starts)
    scanner = _Scanner(result, rules, all_roots)
    for start in starts:
        scanner.visit(start)
    return result


class _Scanner:
    """One scan: walks the starts, asks the rules about each folder and file, follows links
    only into the library, and fills ``result``."""

    def __init__(self, result: ScanResult, rules: Rules, roots: list[str]) -> None:
        self.result = result
        self.rules = rules
        self.roots = roots
        # Links may point anywhere inside the library's folders, through their real paths.
        self.real_roots = [os.path.realpath(os_path(r)) for r in roots]

    # -- walking ---------------------------------------------------------------------------
    def visit(self, start: str) -> None:
        """Look at one start (a library key): a root, or a path below one that changed."""
        root = max((r for r in self.roots if is_under(start, r)), key=len, default=start)
        start_os = os_path(start)
        if not os.path.lexists(start_os):
            if self.result.full:
                self.result.missing_roots.append(start)
            return
        if under_any(start, self.rules.removed):
            return
        if not os.path.isdir(start_os) or os.path.islink(start_os):
            self.consider(start_os, root)
            return
        self.walk(start, start_os, root)

    def walk(self, start: str, start_os: str, root: str) -> None:
        def on_error(exc: OSError) -> None:
            where = store_key(exc.filename) if isinstance(exc.filename, str) else start
            self.unreadable_folder(where, exc.strerror or str(exc))

        for folder, dirs, names in os.walk(start_os, onerror=on_error):
            dirs[:] = [d for d in sorted(dirs) if self.enters(folder, d, root)]
            for name in sorted(names):
                reason = self.rules.name_reason(name, is_dir=False)
                if reason:
                    self.result.ignored[reason] += 1
                    continue
                self.consider(os.path.join(folder, name), root)

    def enters(self, folder: str, name: str, root: str) -> bool:
        """Whether the walk goes into the sub-folder ``name``; a linked one left out is
        counted (the others' files are simply not looked at)."""
        reason = self.folder_reason(os.path.join(folder, name), name, root)
        if reason in (LINKED_FOLDER, LINK_OUTSIDE):
            self.result.ignored[reason] += 1
        return reason is None

    def unreadable_folder(self, key: str, reason: str) -> None:
        self.result.unreadable.append((key, reason))
        self.decide(key, None, "failed", f"folder cannot be read ({reason})")

    # -- the rules' verdicts ---------------------------------------------------------------
    def folder_reason(self, full: str, name: str, root: str) -> str | None:
        """Why the walk does not go into the folder ``full``; None when it does."""
        key = store_key(full)
        if under_any(key, self.rules.removed):
            return REMOVED_BY_USER
        reason = self.rules.name_reason(name, is_dir=True)
        if reason is None and self.rules.pattern_match(root, key):
            reason = USER_PATTERN
        if reason is None and os.path.islink(full):
            # never descended: inside the library its files are found where they are;
            # outside, they are not the library's
            inside = under_any(os.path.realpath(full), self.real_roots)
            reason = LINKED_FOLDER if inside else LINK_OUTSIDE
        return reason

    def left_out(self, path: str, key: str, root: str, lst: os.stat_result) -> bool:
        """Whether a rule leaves the file out by its type or the user's patterns; each is
        counted by reason."""
        if not is_supported(Path(path)):
            # a link's own name decides as usual, but a loop must not vanish as "unsupported"
            if stat.S_ISLNK(lst.st_mode) and _loops(path):
                self.decide(key, lst, "failed", LINK_LOOP)
            else:
                self.result.ignored[UNSUPPORTED] += 1
            return True
        if self.rules.pattern_match(root, key):
            self.result.ignored[USER_PATTERN] += 1
            return True
        return False

    # -- one file: links and special files -------------------------------------------------
    def consider(self, path: str, root: str) -> None:
        """Record the file at ``path`` (as the OS gives it): a candidate, a verdict, or one
        more left out."""
        key = store_key(path)
        if under_any(key, self.rules.removed):
            self.result.ignored[REMOVED_BY_USER] += 1
            return
        try:
            lst = os.lstat(path)
        except FileNotFoundError:
            return
        except OSError as exc:
            self.result.unreadable.append((key, exc.strerror or str(exc)))
            return
        if self.left_out(path, key, root, lst):
            return
        if os_path(key) != path:
            self.decide(key, lst, "skipped", NAME_UNSTORABLE)
            return
        st = lst
        if stat.S_ISLNK(lst.st_mode):
            target = _follow(path, self.real_roots)
            if not isinstance(target, os.stat_result):
                self.decide(key, lst, *target)
                return
            st = target
        reason = type_reason(st.st_mode)  # pipes, sockets, devices
        if reason is not None:
            self.decide(key, lst, "skipped", reason)
            return
        self.result.files[key] = FileStat(key, st.st_size, st.st_mtime_ns)

    def decide(self, key: str, st: os.stat_result | None, status: str, reason: str) -> None:
        self.result.files[key] = FileStat(key, st.st_size if st else 0,
                                          st.st_mtime_ns if st else 0, (status, reason))


def _follow(path: str, real_roots: list[str]) -> os.stat_result | tuple[str, str]:
    """The stat of a link's target when the link may be followed, else its verdict
    (status, reason): broken, looping, unreadable, or pointing outside the library."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return "skipped", LINK_BROKEN
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "failed", LINK_LOOP
        return "failed", f"link cannot be followed ({exc.strerror or exc})"
    if not under_any(os.path.realpath(path), real_roots):
        return "skipped", LINK_OUTSIDE
    return st


def _loops(path: str) -> bool:
    try:
        os.stat(path)
    except OSError as exc:
        return exc.errno == errno.ELOOP
    return False
