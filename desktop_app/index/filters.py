"""Which passages a search may return: below a folder, of some file types, modified since.

The filter is data; each store turns it into its own query language (SQLite here), so the
rule for "below a folder" is the one in ``desktop_app.paths`` and the SQL stays in the store
layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from desktop_app.paths import subtree_range


@dataclass(frozen=True)
class ChunkFilter:
    folder: str | None = None  # only files below this folder (or this file)
    file_types: tuple[str, ...] = ()  # suffixes without the dot: ("pdf", "md")
    since: datetime | None = None  # only files modified on or after

    def __bool__(self) -> bool:
        return bool(self.folder or self.file_types or self.since)

    def sqlite(self) -> tuple[str, list[object]]:
        """(a WHERE clause over ``f`` = files, its parameters); "1" when nothing is filtered."""
        clauses: list[str] = []
        params: list[object] = []
        if self.folder:
            clauses.append("(f.path = ? OR (f.path >= ? AND f.path < ?))")
            params += [self.folder, *subtree_range(self.folder)]
        if self.file_types:
            clauses.append("(" + " OR ".join("lower(f.path) LIKE ?" for _ in self.file_types)
                           + ")")
            params += [f"%.{t.lower().lstrip('.')}" for t in self.file_types]
        if self.since:
            clauses.append("f.mtime_ns >= ?")
            params.append(int(self.since.timestamp() * 1e9))
        return (" AND ".join(clauses) or "1"), params


#: every passage
NO_FILTER = ChunkFilter()
