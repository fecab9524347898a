"""Which passages a search may return: below a folder, of some file types, modified since.

The filter is data; each store turns it into its own query language (``sql``), so the
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
        return self.sql("?", "1")

    def sql(self, mark: str, nothing: str) -> tuple[str, list[object]]:
        """(a WHERE clause over ``f`` = files with ``mark`` for each parameter, its
        parameters); ``nothing`` (the dialect's true) when nothing is filtered. One rule
        for both stores: SQLite's ``?``, PostgreSQL's ``%s``."""
        clauses: list[str] = []
        params: list[object] = []
        if self.folder:
            clauses.append(f"(f.path = {mark} OR (f.path >= {mark} AND f.path < {mark}))")
            params += [self.folder, *subtree_range(self.folder)]
        if self.file_types:
            clauses.append("(" + " OR ".join(f"lower(f.path) LIKE {mark}"
                                             for _ in self.file_types) + ")")
            params += [f"%.{t.lower().lstrip('.')}" for t in self.file_types]
        if self.since:
            clauses.append(f"f.mtime_ns >= {mark}")
            params.append(int(self.since.timestamp() * 1e9))
        return (" AND ".join(clauses) or nothing), params


#: every passage
NO_FILTER = ChunkFilter()
