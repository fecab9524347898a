"""Whether a path lies under a folder: one rule, by whole path components, for POSIX and
Windows separators, and the text range the store's indexed queries use for it."""

from __future__ import annotations

import ntpath
import os
import posixpath
import sqlite3

import pytest

from desktop_app.paths import is_under, subtree_range, under_any


@pytest.mark.parametrize(("path", "folder", "inside"), [
    ("/a/b", "/a/b", True),
    ("/a/b/c.txt", "/a/b", True),
    ("/a/b/c/d/e.txt", "/a/b", True),
    ("/a/bc", "/a/b", False),
    ("/a/bc/d.txt", "/a/b", False),
    ("/a/b.txt", "/a/b", False),
    ("/a", "/a/b", False),
    ("/", "/a", False),
    ("/a/b/c.txt", "/a/b/", True),
    ("/a/b", "/a/b/", True),
    ("/a/b/", "/a/b", True),
    ("/a/b/c", "/a/b//", True),
    ("/a/b", "/", True),
    ("/", "/", True),
    ("relative/b", "/", False),
])
def test_a_path_is_under_a_folder_by_whole_components(path, folder, inside):
    assert is_under(path, folder, "/") is inside


@pytest.mark.parametrize(("path", "folder", "inside"), [
    ("C:\\Users\\me\\doc.pdf", "C:\\Users\\me", True),
    ("C:\\Users\\me", "C:\\Users\\me\\", True),
    ("C:\\Users\\media\\x.pdf", "C:\\Users\\me", False),
    ("C:\\Users\\me\\x.pdf", "C:\\", True),
    ("D:\\Users\\me\\x.pdf", "C:\\", False),
    ("C:/Users/me/x.pdf", "C:\\Users\\me", False),  # not the library's normalised form
])
def test_windows_paths_with_their_separator(path, folder, inside):
    assert is_under(path, folder, ntpath.sep) is inside


def test_the_default_separator_is_the_platforms():
    folder = os.path.join(os.sep + "docs", "law")
    assert is_under(os.path.join(folder, "tax.pdf"), folder)
    assert not is_under(folder + "s" + os.sep + "tax.pdf", folder)


def test_under_any_of_several_folders():
    folders = ["/docs/law", "/music"]
    assert under_any("/docs/law/tax.pdf", folders, "/")
    assert under_any("/music", folders, "/")
    assert not under_any("/docs/lawyers/x", folders, "/")
    assert not under_any("/docs/law", [], "/")


def test_relative_posix_paths_of_patterns():
    assert is_under("build/out/x.o", "build/", posixpath.sep)
    assert not is_under("builder/x.o", "build", posixpath.sep)


@pytest.mark.parametrize("sep", ["/", "\\"])
@pytest.mark.parametrize("folder_text", ["{s}a{s}b", "{s}a{s}b{s}", "{s}"])
def test_the_store_range_holds_what_is_under_the_folder_and_nothing_else(sep, folder_text):
    """The range, run as SQL the way the store runs it, agrees with ``is_under``."""
    folder = folder_text.format(s=sep)
    names = ["a", "b", "bc", "b.txt", "b-x", "b0", "c", "B", "é"]
    paths = {sep}
    for first in names:
        paths.add(sep + first)
        for second in names:
            paths.add(sep + first + sep + second)
            paths.add(sep + first + sep + second + sep + "file.txt")
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE files (path TEXT PRIMARY KEY)")
    db.executemany("INSERT INTO files VALUES (?)", [(p,) for p in paths])
    lo, hi = subtree_range(folder, sep)
    found = {r[0] for r in db.execute(
        "SELECT path FROM files WHERE path = ? OR (path >= ? AND path < ?)",
        (folder.rstrip(sep) or sep, lo, hi))}
    assert found == {p for p in paths if is_under(p, folder, sep)}
    assert found  # the case is not vacuous
    db.close()
