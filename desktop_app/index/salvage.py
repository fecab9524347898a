"""Reading what can still be read from a library's database file without opening it as a
library: a damaged file (to rebuild from its folders and settings) or one another process
holds (to list its model). Read-only, and every step may fail on its own.
"""

from __future__ import annotations

import contextlib
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Salvage:
    """What could still be read from a damaged database."""

    meta: dict[str, str] = field(default_factory=dict)
    roots: list[str] | None = None
    excluded: list[str] = field(default_factory=list)


def salvage(db_path: Path, settings: tuple[str, ...]) -> Salvage:
    """The ``settings`` (meta keys), folders and exclusions that can still be read."""
    out = Salvage()
    try:
        db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    except sqlite3.Error:
        return out
    try:
        for key in settings:
            with contextlib.suppress(sqlite3.Error):
                row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
                if row is not None:
                    out.meta[key] = str(row[0])
        with contextlib.suppress(sqlite3.Error):
            out.roots = [str(r[0]) for r in db.execute("SELECT path FROM roots")]
        with contextlib.suppress(sqlite3.Error):
            out.excluded = [str(r[0]) for r in db.execute("SELECT path FROM excluded")]
    finally:
        db.close()
    return out


def read_meta(db_path: Path, key: str) -> str | None:
    """One setting of the library in ``db_path`` (None: no such file, setting or way to
    read it — damaged or locked)."""
    if not db_path.exists():
        return None
    return salvage(db_path, (key,)).meta.get(key)
