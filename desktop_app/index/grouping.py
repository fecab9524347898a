"""Grouping: a search's ranked candidates walked into the results a person sees — copies
collapsed into one result, one result per page, a few results per file when many files
compete, and a file's best pages when that file holds most of the strong candidates.

Why adaptive: a cap of three passages per file keeps a page of results varied when many
files answer (a folder of articles), but when the question is about one long manual, the
right page was often its fourth-best passage and the cap hid it (docs/quality.md: 23 of 27
misses on the known-item pages). So the cap is lifted for a file that holds
``DOMINANT_SHARE`` of the strong candidates — the first ``DOMINANCE_WINDOW`` × k distinct
passages — and stays for every other file.

One result per page: for paged files (PDF, slides, …) a page is what a person opens, and a
second passage of a page already shown takes a place another page could have had; it is
counted in its file's "more" instead. Passages without a page (plain text) are not merged.

The ranking is read ``SHAPE_BLOCK`` passages at a time, until k results are found and the
strong candidates are known, so normalising text to spot copies (~8 µs a passage) stays a
small part of a search.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from desktop_app.index.interfaces import PassageStore
    from desktop_app.index.records import ChunkRow

#: passages of the ranking read at a time
SHAPE_BLOCK = 50
#: the strong candidates are the first k × this distinct passages of the ranking
DOMINANCE_WINDOW = 2
#: a file holding at least this share of the strong candidates is not capped
DOMINANT_SHARE = 0.4


@dataclass(frozen=True)
class Shaped:
    """One result of the walk, with what the window needs to group it."""

    row: ChunkRow
    #: other files holding the same passage (copies), collapsed into this result
    copies: tuple[str, ...]
    #: on a file's first result: its candidates read but not shown (see ``SearchResult``)
    more_in_file: int
    #: the position, among the results, of its file's first result
    group: int
    #: its file holds most of the strong candidates, so it was not capped
    file_dominates: bool


class Rows:
    """The store's passages by id, each read once for one search."""

    def __init__(self, store: PassageStore) -> None:
        self._store = store
        self._rows: dict[int, ChunkRow | None] = {}

    def get(self, ids: Iterable[int]) -> dict[int, ChunkRow]:
        """The passages of ``ids`` that still exist."""
        ids = list(ids)
        missing = [cid for cid in ids if cid not in self._rows]
        if missing:
            found = self._store.chunk_rows(missing)
            for cid in missing:
                self._rows[cid] = found.get(cid)  # None: deleted since the search began
        return {cid: row for cid in ids if (row := self._rows[cid]) is not None}


def shape(rows: Rows, order: list[int], k: int, per_file: int | None, adaptive: bool = True,
          pages: bool = True, collapse: bool = True,
          exclude: int | None = None, together: bool = True) -> list[Shaped]:
    """The first ``k`` results of ``order`` (candidate ids, best first): copies collapsed
    (``collapse``), one passage per page (``pages``), at most ``per_file`` passages a file
    (None: no cap) unless the file dominates (``adaptive``); ``exclude``: an id to leave out
    (the seed of "more like this"); ``together``: a dominant file's results follow its best
    one, so the window folds them under it (the command line's JSON has the same order)."""
    distinct: list[ChunkRow] = []
    by_text: dict[str, int] = {}  # normalised text -> index in distinct
    by_page: set[tuple[str, int]] = set()
    copies: dict[int, list[str]] = {}
    repeats: Counter[str] = Counter()  # passages on a page already kept, per file
    picked: tuple[list[int], set[str]] = ([], set())
    for start in range(0, len(order), SHAPE_BLOCK):
        block = order[start:start + SHAPE_BLOCK]
        found = rows.get(block)
        for cid in block:
            row = found.get(cid)
            if row is None or cid == exclude:
                continue
            key = " ".join(row.text.split()).lower()
            if collapse and key in by_text:
                i = by_text[key]
                paths = copies.setdefault(i, [])
                if row.path != distinct[i].path and row.path not in paths:
                    paths.append(row.path)
                continue
            if pages and row.page is not None:
                if (row.path, row.page) in by_page:
                    repeats[row.path] += 1
                    continue
                by_page.add((row.path, row.page))
            by_text[key] = len(distinct)
            distinct.append(row)
        picked = _pick(distinct, k, per_file, adaptive)
        if len(picked[0]) >= k and len(distinct) >= DOMINANCE_WINDOW * k:
            break
    shown, dominant = picked
    if together:
        shown = _dominant_together(shown, distinct, dominant)
    kept = Counter(distinct[i].path for i in shown)
    read = Counter(row.path for row in distinct)
    out: list[Shaped] = []
    first: dict[str, int] = {}
    for i in shown:
        row = distinct[i]
        is_first = row.path not in first
        group = first.setdefault(row.path, len(out))
        more = read[row.path] - kept[row.path] + repeats[row.path] if is_first else 0
        out.append(Shaped(row, tuple(copies.get(i, ())), more, group, row.path in dominant))
    return out


def _dominant_together(shown: list[int], distinct: list[ChunkRow],
                       dominant: set[str]) -> list[int]:
    """``shown`` with each dominant file's results moved up to follow its best one (in rank
    order); every other result keeps its rank. Measured on the known-item pages: folding
    the dominant file costs nothing (MRR@10 0.68 either way), folding every file costs
    0.02, as a second file's best page then waits below the first file's group."""
    if not dominant:
        return shown
    first: dict[str, int] = {}
    for position, i in enumerate(shown):
        first.setdefault(distinct[i].path, position)

    def place(position_and_index: tuple[int, int]) -> tuple[int, int]:
        position, i = position_and_index
        path = distinct[i].path
        return (first[path], position) if path in dominant else (position, -1)

    return [i for _, i in sorted(enumerate(shown), key=place)]


def _pick(distinct: list[ChunkRow], k: int, per_file: int | None,
          adaptive: bool) -> tuple[list[int], set[str]]:
    """(indices of ``distinct`` to show, the files that dominate)."""
    dominant: set[str] = set()
    if adaptive and per_file is not None and distinct:
        window = distinct[:DOMINANCE_WINDOW * k]
        counts = Counter(row.path for row in window)
        dominant = {path for path, n in counts.items() if n >= DOMINANT_SHARE * len(window)}
    shown: list[int] = []
    used: Counter[str] = Counter()
    for i, row in enumerate(distinct):
        if len(shown) >= k:
            break
        if per_file is None or row.path in dominant or used[row.path] < per_file:
            used[row.path] += 1
            shown.append(i)
    return shown, dominant
