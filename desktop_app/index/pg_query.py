"""The PostgreSQL forms of what search asks: a ``ChunkFilter`` as a WHERE clause over the
files (``f``), "below a folder" as a range over the paths, and the FTS5 query search builds
(quoted terms joined by OR or AND) as a tsquery.

A term is a phrase (``phraseto_tsquery(config, term)``: its words side by side, as FTS5
matches a quoted term), read with the library's text search configuration (see
``pg_schema``); AND binds tighter than OR, as in FTS5.
"""

from __future__ import annotations

import re

from desktop_app.index.filters import ChunkFilter
from desktop_app.paths import subtree_range

_TOKEN = re.compile(r'"((?:[^"]|"")*)"|(\S+)')


def in_subtree(column: str, path: str) -> tuple[str, list[object]]:
    """(clause, params): ``column`` is ``path`` or below it (the column collates as "C",
    so the range compares code points as ``subtree_range`` expects)."""
    lo, hi = subtree_range(path)
    return (f"({column} = %s OR ({column} >= %s AND {column} < %s))", [path, lo, hi])


def filter_sql(where: ChunkFilter) -> tuple[str, list[object]]:
    """(a WHERE clause over ``f`` = files, its parameters); "true" when nothing is filtered."""
    return where.sql("%s", "true")


def filter_args(where: ChunkFilter) -> list[object]:
    """The filter as the keyword function's arguments: (folder, lo, hi, suffix patterns,
    since in ns), each None when not filtered."""
    lo, hi = subtree_range(where.folder) if where.folder else (None, None)
    suffixes = [f"%.{t.lower().lstrip('.')}" for t in where.file_types] or None
    since = int(where.since.timestamp() * 1e9) if where.since else None
    return [where.folder or None, lo, hi, suffixes, since]


def tsquery_sql(fts_query: str, config: str = "simple") -> tuple[str, list[str]]:
    """(a tsquery expression with placeholders, their values) for an FTS5 query of quoted
    terms (or bare words) joined by AND / OR, read with the text search configuration
    ``config``; ("", []) when it has no term."""
    groups: list[list[str]] = [[]]
    terms: list[str] = []
    for quoted, bare in _TOKEN.findall(fts_query):
        if bare in ("OR", "AND"):
            if bare == "OR" and groups[-1]:
                groups.append([])
            continue
        if bare == "NOT":
            continue
        term = quoted.replace('""', '"') if quoted or not bare else bare
        if not term.strip():
            continue
        terms += [config, term]
        groups[-1].append("phraseto_tsquery(%s::regconfig, %s)")
    ors = [" && ".join(g) for g in groups if g]
    if not ors:
        return "", []
    return "(" + " || ".join(f"({g})" for g in ors) + ")", terms
